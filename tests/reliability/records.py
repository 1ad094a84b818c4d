"""Small helpers writing records, shared by the tests and their child processes
(no pytest import here: a child process starts faster without it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from tpchart.core.patient import Patient, Sex
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store


def add_patient(store: Store, n: int, **kw) -> Patient:
    values = dict(
        record_number=f"R-{n}", full_name=f"Patient {n}", date_of_birth=date(1980, 1, 1),
        sex=Sex.FEMALE,
    )  # fmt: skip
    values.update(kw)
    return store.patients.add(Patient(**values))


def start_session(store: Store, patient_id: int, **kw) -> Session:
    values = dict(
        patient_id=patient_id, practitioner_id=store.practitioner_id,
        started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC), chief_complaint="Neck pain",
    )  # fmt: skip
    values.update(kw)
    return store.sessions.start(Session(**values))


def make_point(session_id: int, number: int = 1, **kw) -> TriggerPoint:
    values = dict(
        session_id=session_id, number=number, view=View.BACK,
        region_id="back.neck.posterior.right", side=Side.RIGHT, x=270.0, y=160.0,
        muscle="Upper trapezius",
    )  # fmt: skip
    values.update(kw)
    return TriggerPoint(**values)


NOTE = "Tender band, reproduces the headache QZX"


def chart_a_day(store: Store) -> TriggerPoint:
    """A day of charting through the app, every kind of change the store makes (on
    either engine); returns the point whose notes are NOTE. Closes ``store``."""
    patient = add_patient(store, 1)
    store.patients.update(replace(patient, phone="555 0101"))
    session = start_session(store, patient.id)
    point = store.points.add(make_point(session.id, notes=NOTE))
    store.points.update(replace(point, pain=6))
    removed = store.points.add(make_point(session.id, 2))
    store.points.add(store.points.delete(removed.id))  # an undone delete
    ready = store.sessions.update(
        replace(
            store.sessions.get(session.id),
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
        )
    )
    store.sessions.sign(ready.id)
    store.disclosures.record("sessions", session.id, "session summary", file_name="s.pdf")
    store.sessions.amend(session.id, "Wrong side recorded")
    draft = start_session(store, patient.id)
    store.points.add(make_point(draft.id, notes="to be deleted"))
    store.sessions.discard_draft(draft.id)
    store.settings.set_many({"clinic.name": "Clínica Boa Vista"})
    store.patients.archive(patient.id)
    store.close()
    return point
