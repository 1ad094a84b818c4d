"""A click on the clinic server in six round trips (issue 21, brief K), and the two reads
that must come after a lock still do: the session's lease read after its row is locked
(``session_for_change``), the audit head read after the chain's lock
(``audit_chain_head``), each in one call (migration 005)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest

from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store.editing import HeldElsewhere
from tpchart.store.server import connect
from tpchart.store.server.database import ServerDatabase


@pytest.fixture
def pair(server_clinics, request):
    """Two workstations on a fresh clinic (Dr Ana Souza, Dr Ben Okafor), a draft session,
    and the clinic's name."""
    name = server_clinics.new()
    request.addfinalizer(lambda: server_clinics.drop(name))
    one = server_clinics.app_store(name)
    two = server_clinics.app_store(name)
    request.addfinalizer(two.close)
    request.addfinalizer(one.close)
    ana = one.practitioners.add(Practitioner(name="Dr Ana Souza"))
    ben = one.practitioners.add(Practitioner(name="Dr Ben Okafor"))
    one.practitioner_id, two.practitioner_id = ana.id, ben.id
    patient = one.patients.add(
        Patient(record_number="S-1", full_name="Maria Lopes", date_of_birth=date(1970, 1, 2))
    )
    session = one.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=ana.id,
            started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            chief_complaint="Neck pain",
        )
    )
    return one, two, session, name


def point(session_id: int, number: int) -> TriggerPoint:
    return TriggerPoint(
        session_id=session_id, number=number, view=View.BACK,
        region_id="back.neck.posterior.right", side=Side.RIGHT, x=270.0, y=160.0,
        muscle="Upper trapezius",
    )  # fmt: skip


def _statements_of(action) -> list[str]:
    """The statements psycopg sends while ``action`` runs (each one round trip)."""
    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(" ".join(str(query).split()))
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        action()
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]
    return sent


def test_a_click_is_six_round_trips_and_keeps_the_chain(pair):
    one, _two, session, _name = pair
    one.editing.take(session.id)

    def click() -> None:  # as Operations.write_points runs it
        with one.transaction():
            one.points.add(point(session.id, 1))

    sent = _statements_of(click)

    expected = [
        "BEGIN",
        "FROM session_for_change(",
        'INSERT INTO "trigger_points"',
        "FROM audit_chain_head()",
        "INSERT INTO audit_log",
        "COMMIT",
    ]
    assert len(sent) == len(expected), sent
    assert all(e in s for e, s in zip(expected, sent, strict=True)), sent
    assert [p.number for p in one.points.for_session(session.id)] == [1]
    assert one.check().findings == []


def _waits_on_a_lock(server_clinics, name: str, backend: int, seconds: float = 5.0) -> bool:
    with connect(server_clinics.dsn, dbname=name) as watcher:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend]
            ).fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.02)
    return False


def _in_thread(action) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as error:  # handed to the test, whatever it is
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_lease_taken_while_the_write_waited_for_the_session_refuses_it(server_clinics, pair):
    one, two, session, name = pair
    with connect(server_clinics.dsn, **server_clinics.app_login(name)) as colleague:
        with colleague.transaction():
            # Ben takes the session; his lease row locks the session's row until he commits.
            colleague.execute(
                "SELECT lease_token FROM lease_take(%s, %s, 'ROOM-2', 60)",
                [session.id, two.practitioner_id],
            )
            thread, outcome = _in_thread(lambda: one.points.add(point(session.id, 1)))
            assert _waits_on_a_lock(server_clinics, name, one._ctx.db.pg.info.backend_pid)
        thread.join(10)

    # Read after the lock, the lease Ben committed meanwhile refuses Ana's change.
    (refused,) = outcome
    assert isinstance(refused, HeldElsewhere), refused
    assert "Dr Ben Okafor has this session open at ROOM-2" in str(refused)
    assert one.points.for_session(session.id) == []


def test_an_audit_row_committed_while_the_write_waited_is_followed(server_clinics, pair):
    one, two, session, name = pair
    with two.transaction():
        # Ben's action holds the chain's lock until it commits.
        two.patients.add(
            Patient(record_number="S-2", full_name="João Reis", date_of_birth=date(1980, 5, 6))
        )
        thread, outcome = _in_thread(lambda: one.points.add(point(session.id, 1)))
        assert _waits_on_a_lock(server_clinics, name, one._ctx.db.pg.info.backend_pid)
    thread.join(10)

    (added,) = outcome
    assert isinstance(added, TriggerPoint), added
    # Ana's audit row follows Ben's, read as the head once her turn came.
    trail = one.audit_trail()
    assert [e.table for e in trail[-2:]] == ["patients", "trigger_points"]
    assert one.check().findings == []


def test_a_lent_connection_keeps_its_own_adapters(app):
    db = ServerDatabase(app)

    assert db.execute("SELECT true, '2026-11-02 09:30+00'::timestamptz").fetchone() == (
        1,
        "2026-11-02T09:30:00+00:00",
    )
    assert app.execute("SELECT true").fetchone() == (True,)
