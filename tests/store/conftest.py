"""A fresh database with one practitioner for every store test.

The store's contract suite: a test that takes the ``store`` fixture and asks nothing
of the file (no ``db_path`` argument, no ``file_only`` mark) runs twice, on a database
file (SQLite) and on a clinic server (PostgreSQL, tests/clinic_server.py), since both
engines keep the same contract (``tpchart.store.RecordStore``).
"""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

import pytest

from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store
from tpchart.store.file.health import check_file

ENGINES = ("sqlite", "server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    arguments = inspect.signature(metafunc.function).parameters
    uses_store = "store" in metafunc.fixturenames
    on_both = "db_path" not in arguments and not metafunc.definition.get_closest_marker("file_only")
    if uses_store and "engine" not in arguments:
        metafunc.parametrize("engine", ENGINES if on_both else ENGINES[:1], indirect=True)


@pytest.fixture
def engine(request) -> str:
    """Which engine the store of this test runs on."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "clinic.db"


def open_engine(engine: str, request, db_path):
    """A new, empty store on ``engine``: a file at ``db_path``, or a fresh clinic
    database on the test server (dropped after the test)."""
    if engine == "sqlite":
        return Store.open(db_path)
    clinics = request.getfixturevalue("server_clinics")
    name = clinics.ready()
    request.addfinalizer(lambda: clinics.discard(name))
    return clinics.app_store(name)


@pytest.fixture
def store(engine, request, db_path):
    s = open_engine(engine, request, db_path)
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


def audit_findings(store) -> list[str]:
    """What ``tpchart check`` finds wrong with the records, on either engine: the file's
    full check (chain, audited rows, signatures, schema, anchors), or the server's."""
    if isinstance(store, Store):
        return check_file(store.path, audit=True).audit or []
    return store.check().findings


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
