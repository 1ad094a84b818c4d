"""Small helpers writing records, shared by the tests and their child processes
(no pytest import here: a child process starts faster without it)."""

from __future__ import annotations

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
