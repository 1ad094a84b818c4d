"""A fresh database with one practitioner for every store test."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "clinic.db"


@pytest.fixture
def store(db_path):
    s = Store.open(db_path)
    doctor = s.practitioners.add(Practitioner(name="Dr Ana Souza", registration="CRM 1234"))
    s.practitioner_id = doctor.id
    yield s
    s.close()


@pytest.fixture
def patient(store):
    return store.patients.add(
        Patient(
            record_number="A-001", full_name="王小明", date_of_birth=date(1980, 3, 12), sex=Sex.MALE
        )
    )


@pytest.fixture
def session(store, patient):
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            chief_complaint="Neck pain",
            pain_before=7,
        )
    )


def make_point(session_id: int, number: int = 1, **kw) -> TriggerPoint:
    values = dict(
        session_id=session_id,
        number=number,
        view=View.BACK,
        region_id="back.neck.posterior.right",
        side=Side.RIGHT,
        x=270.0,
        y=160.0,
        muscle="Upper trapezius",
    )
    values.update(kw)
    return TriggerPoint(**values)
