"""Change notifications on a real server: every committed change to the records reaches
the other workstations' listeners within a second, a rolled-back one never does; a
listener whose connection is cut reconnects and says "resync"; stop() is prompt."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.server.conftest import Clinic
from tpchart.store.server import ServerRefused, connect
from tpchart.store.server.changes import (
    CHANNEL,
    KEEPALIVES,
    Change,
    Event,
    Listener,
    Resync,
    parse,
)
from tpchart.store.server.leases import release, renew, take


def _listener(clinic: Clinic, **options: Any) -> Listener:
    return Listener(
        lambda: connect(
            clinic.server_dsn,
            dbname=clinic.roles.database,
            user=clinic.roles.app,
            password=clinic.app_password,
            **KEEPALIVES,
        ),
        **options,
    )


class Heard:
    """What a started listener called back with, and when."""

    def __init__(self) -> None:
        self.batches: queue.Queue[tuple[float, list[Event]]] = queue.Queue()

    def __call__(self, batch: list[Event]) -> None:
        self.batches.put((time.monotonic(), batch))

    def next(self, timeout: float = 5.0) -> tuple[float, list[Event]]:
        return self.batches.get(timeout=timeout)

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.batches.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def listening(migrated_clinic) -> Iterator[tuple[Listener, Heard]]:
    """A listener started in its background thread, as the app runs it."""
    heard = Heard()
    with _listener(migrated_clinic) as listener:
        listener.open()
        listener.start(heard)
        yield listener, heard


def _collect(listener: Listener, count: int, timeout: float = 5.0) -> list[Event]:
    """Pull until ``count`` events have arrived (or the time is up)."""
    events: list[Event] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        events += listener.wait(deadline - time.monotonic())
    return events


def _setting(app: psycopg.Connection[Any], key: str | None = None) -> str:
    key = key or f"test.{uuid.uuid4().hex[:8]}"
    app.execute("INSERT INTO settings (key, value) VALUES (%s, 'x')", [key])
    return key


def test_a_committed_change_reaches_another_workstation_within_a_second(listening, app):
    _, heard = listening
    with app.transaction():
        key = _setting(app)
        # Not before it commits: a colleague must never see what may yet be undone.
        assert heard.nothing_within(0.3)
        committing = time.monotonic()
    at, batch = heard.next()
    assert at - committing < 1.0
    assert batch == [Change("settings", "insert", key=key, writer_pid=app.info.backend_pid)]


def test_a_rolled_back_change_is_never_heard(listening, app):
    _, heard = listening
    with app.transaction():
        _setting(app, "test.rolled_back")
        raise psycopg.Rollback
    marker = _setting(app)  # committed after: the first thing heard must be this one
    _, batch = heard.next()
    assert [c.key for c in batch if isinstance(c, Change)] == [marker]
    assert heard.nothing_within(0.3)


def test_each_change_names_its_table_row_patient_and_session(migrated_clinic, app):
    with _listener(migrated_clinic) as listener:
        listener.open()
        with app.transaction():
            ana = app.execute(
                "INSERT INTO practitioners (name, created_at) VALUES ('Dr Ana Souza', now())"
                " RETURNING id"
            ).fetchone()[0]
            patient = app.execute(
                "INSERT INTO patients (record_number, full_name, date_of_birth, sex,"
                " created_at, updated_at) VALUES (%s, 'Chen Mei', '1980-02-29', 'female',"
                " now(), now()) RETURNING id",
                [f"MRN-{uuid.uuid4().hex[:10]}"],
            ).fetchone()[0]
            session = app.execute(
                "INSERT INTO sessions (patient_id, practitioner_id, started_at, created_at,"
                " updated_at) VALUES (%s, %s, now(), now(), now()) RETURNING id",
                [patient, ana],
            ).fetchone()[0]
            point = app.execute(
                "INSERT INTO trigger_points (session_id, number, view, region_id, side, x, y,"
                " kind) VALUES (%s, 1, 'back', 'upper_trapezius', 'left', 250, 180, 'active')"
                " RETURNING id",
                [session],
            ).fetchone()[0]
        with app.transaction():
            app.execute("UPDATE trigger_points SET pain = 7 WHERE id = %s", [point])
            app.execute("DELETE FROM trigger_points WHERE id = %s", [point])
            later = app.execute(
                "INSERT INTO adverse_events_later (session_id, kind, severity, recorded_at,"
                " recorded_by) VALUES (%s, 'bruising', 'mild', now(), %s) RETURNING id",
                [session, ana],
            ).fetchone()[0]
            account = app.execute(
                "INSERT INTO accounts (practitioner_id, role, passphrase_hash, created_at,"
                " updated_at) VALUES (%s, 'admin', 'scrypt$x', now(), now()) RETURNING id",
                [ana],
            ).fetchone()[0]
            app.execute("UPDATE patients SET phone = '555' WHERE id = %s", [patient])
            app.execute("INSERT INTO settings (key, value) VALUES ('clinic.name', 'Fisio')")
        lease = take(app, session, ana, "ROOM-2")
        renew(app, lease)  # a renewal is not news: nothing is heard of it
        release(app, lease)
        events = _collect(listener, 12)
        assert listener.wait(0.3) == []
    me = app.info.backend_pid
    assert events == [
        Change("practitioners", "insert", id=ana, writer_pid=me),
        Change("patients", "insert", id=patient, patient_id=patient, writer_pid=me),
        Change("sessions", "insert", session, patient, session, writer_pid=me),
        Change("trigger_points", "insert", id=point, session_id=session, writer_pid=me),
        Change("trigger_points", "update", id=point, session_id=session, writer_pid=me),
        Change("trigger_points", "delete", id=point, session_id=session, writer_pid=me),
        Change("adverse_events_later", "insert", id=later, session_id=session, writer_pid=me),
        Change("accounts", "insert", id=account, writer_pid=me),
        Change("patients", "update", id=patient, patient_id=patient, writer_pid=me),
        Change("settings", "insert", key="clinic.name", writer_pid=me),
        Change("session_leases", "insert", session_id=session, writer_pid=me),
        Change("session_leases", "delete", session_id=session, writer_pid=me),
    ]


def test_payloads_stay_far_below_the_servers_limit(migrated_clinic, app):
    """A notification over 8000 bytes would fail its transaction: the user's change."""
    with migrated_clinic.as_app() as raw:
        raw.execute(f"LISTEN {CHANNEL}")
        long_key = "k" * 9000
        with app.transaction():
            _setting(app, long_key)
            app.execute(
                "INSERT INTO practitioners (name, registration, created_at) VALUES (%s, %s, now())",
                ["Dr " + "A" * 5000, "R" * 50000],
            )
        payloads = [n.payload for n in raw.notifies(timeout=2, stop_after=2)]
    assert len(payloads) == 2
    assert max(len(p.encode()) for p in payloads) < 200
    # A key too long to name is left out: the listener reloads all settings.
    assert parse(payloads[0]) == Change("settings", "insert")
    assert json.loads(payloads[1])["table"] == "practitioners"


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER patients_changed ON patients",
        "ALTER TABLE sessions DISABLE TRIGGER sessions_changed",
        "ALTER TABLE trigger_points DISABLE TRIGGER ALL",
        "DROP FUNCTION notify_change() CASCADE",
        "CREATE OR REPLACE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NULL; END $$",
        "ALTER FUNCTION notify_change() OWNER TO CURRENT_USER",
    ],
)
def test_the_app_role_cannot_silence_the_notifications(listening, app, statement):
    _, heard = listening
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)
    key = _setting(app)
    _, batch = heard.next()
    assert batch == [Change("settings", "insert", key=key, writer_pid=app.info.backend_pid)]


def test_a_listener_cut_off_reconnects_and_says_resync(listening, migrated_clinic, app):
    listener, heard = listening
    first = listener.backend_pid
    assert first is not None
    with migrated_clinic.as_superuser() as su:
        assert su.execute("SELECT pg_terminate_backend(%s)", [first]).fetchone()[0]
    _, batch = heard.next(timeout=10)
    assert len(batch) == 1 and isinstance(batch[0], Resync)
    assert "reconnected to the clinic server" in batch[0].reason
    assert listener.connected and listener.backend_pid not in (None, first)
    # Listening again: the next change is heard as before.
    key = _setting(app)
    _, batch = heard.next()
    assert batch == [Change("settings", "insert", key=key, writer_pid=app.info.backend_pid)]


def test_a_listener_keeps_trying_while_the_server_is_away(migrated_clinic):
    attempts = []

    def flaky() -> psycopg.Connection[Any]:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise ServerRefused("Could not connect to the clinic server: no answer")
        return migrated_clinic.as_app()

    heard = Heard()
    with Listener(flaky, retry_seconds=0.1) as listener:
        listener.start(heard)  # not open(): it connects by itself, in its thread
        _, batch = heard.next()
        assert batch == [Resync("connected to the clinic server: listening for changes")]
        assert listener.connected
    assert len(attempts) == 3
    # Waiting longer after each failure (0.1 s, then 0.2 s), not hammering the server.
    assert attempts[1] - attempts[0] >= 0.09
    assert attempts[2] - attempts[1] >= 0.19


def test_stop_returns_promptly(migrated_clinic):
    for connects in (True, False):
        heard = Heard()

        def away() -> psycopg.Connection[Any]:
            raise ServerRefused("Could not connect to the clinic server: no answer")

        listener = _listener(migrated_clinic) if connects else Listener(away, retry_seconds=30)
        with listener:
            listener.start(heard)
            time.sleep(0.3)  # idle in its wait (or between two connection attempts)
            assert listener.connected is connects
            started = time.monotonic()
            assert listener.stop() is True
            assert time.monotonic() - started < 0.5
            assert not listener.connected
            assert not [t for t in threading.enumerate() if t.name == "tpchart-changes"]


def test_pulling_from_a_timer_returns_at_once_when_nothing_happened(migrated_clinic, app):
    with _listener(migrated_clinic) as listener:
        listener.open()
        started = time.monotonic()
        assert listener.wait(0) == []
        assert time.monotonic() - started < 0.1
        key = _setting(app)
        assert _collect(listener, 1) == [
            Change("settings", "insert", key=key, writer_pid=app.info.backend_pid)
        ]


def test_a_burst_of_changes_is_one_resync(migrated_clinic, app):
    with Listener(migrated_clinic.as_app, most_per_batch=5) as listener:
        listener.open()
        with app.transaction():
            for _ in range(20):
                _setting(app)
        time.sleep(0.3)  # all of it arrived: one batch
        batch = listener.wait(2)
    assert batch == [Resync("20 changes arrived at once")]


def test_an_unreadable_notification_means_resync(listening, app):
    _, heard = listening
    app.execute("SELECT pg_notify(%s, 'not json')", [CHANNEL])
    _, batch = heard.next()
    assert batch == [Resync("an unreadable change notification arrived")]
    for payload in ('{"table": "x"}', '{"table": "x", "op": "drop"}', "[1]",
                    '{"table": "x", "op": "insert", "id": "12"}'):  # fmt: skip
        assert isinstance(parse(payload), Resync), payload


def test_a_failing_refresh_does_not_stop_the_listening(migrated_clinic, app, caplog):
    heard = Heard()
    failures = []

    def refresh(batch: list[Event]) -> None:
        if not failures:
            failures.append(batch)
            raise RuntimeError("the patient list could not be redrawn")
        heard(batch)

    with _listener(migrated_clinic) as listener:
        listener.open()
        listener.start(refresh)
        _setting(app)
        deadline = time.monotonic() + 5
        while not failures and time.monotonic() < deadline:
            time.sleep(0.05)
        key = _setting(app)
        _, batch = heard.next()
    assert batch == [Change("settings", "insert", key=key, writer_pid=app.info.backend_pid)]
    assert "refreshing after a change failed" in caplog.text
