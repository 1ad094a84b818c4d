"""The clinic server's faults, as a workstation meets them (issue 21): the server not
there at start, a connection lost between or during changes, the answer to a COMMIT
lost on its way back. Real server, real sockets: a small TCP proxy (``Proxy``) stands
between the store and the server and cuts the connection at the byte a test chooses.

What must hold: a change is either saved once and reported saved, or reported not
saved and absent; when tpchart cannot find out, it says so (kind "unknown") and never
repeats the change. The next action connects again by itself.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.clinic_server import ServerClinics, server_dsn
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import StorageError
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.server import ServerRefused, connect
from tpchart.store.server.database import ServerDatabase, _Underway


# -- a proxy that cuts where it is told ------------------------------------------------
class Proxy:
    """Forwards TCP connections from a local port to the server. ``arm(marker, mode)``
    acts on the next message from a client that contains ``marker``:

    - ``"drop"``: the message never reaches the server; both sides are cut.
    - ``"answer_lost"``: the message reaches the server, whose answer is thrown away;
      both sides are cut (the server did the work, the client never hears of it).

    With ``after``, only a ``marker`` that follows a message containing ``after`` on the
    same connection (the COMMIT of the transaction that inserted a point, say).

    ``refusing``: new connections are closed at once (a server that is down);
    ``cut_all()`` cuts every connection (a server stopped, a cable pulled)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refusing = False
        self.fired = threading.Event()
        self._armed: tuple[bytes, str, bytes | None] | None = None
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, marker: bytes, mode: str, after: bytes | None = None) -> None:
        assert mode in ("drop", "answer_lost")
        self.fired.clear()
        with self._lock:
            self._armed = (marker, mode, after)

    def cut_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _cut(*pair)

    def close(self) -> None:
        self.listener.close()
        self.cut_all()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                _cut(client)
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _cut(client)
                continue
            with self._lock:
                self._pairs.append((client, server))
            answer_lost = threading.Event()
            threading.Thread(
                target=self._upstream, args=(client, server, answer_lost), daemon=True
            ).start()
            threading.Thread(
                target=self._downstream, args=(client, server, answer_lost), daemon=True
            ).start()

    def _upstream(self, client: socket.socket, server: socket.socket, lost: threading.Event):
        seen: set[bytes] = set()
        while data := _recv(client):
            with self._lock:
                armed = self._armed
                if armed is not None and armed[2] is not None and armed[2] in data:
                    seen.add(armed[2])
                if armed is not None and armed[0] in data and armed[2] in (None, *seen):
                    self._armed = None
                else:
                    armed = None
            if armed is not None and armed[1] == "drop":
                self.fired.set()
                _cut(client, server)
                return
            if armed is not None:
                lost.set()  # the next answer is thrown away, and the line cut
            try:
                server.sendall(data)
            except OSError:
                break
        _cut(client, server)

    def _downstream(self, client: socket.socket, server: socket.socket, lost: threading.Event):
        while data := _recv(server):
            if lost.is_set():
                self.fired.set()
                _cut(client, server)
                return
            try:
                client.sendall(data)
            except OSError:
                break
        _cut(client, server)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _cut(*socks: socket.socket) -> None:
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


# The COMMIT as psycopg sends it (a query message ends with a zero byte).
COMMIT = b"COMMIT\x00"
INSERT_POINT = b'INSERT INTO "trigger_points"'


# -- fixtures ------------------------------------------------------------------------
@pytest.fixture
def clinic(server_clinics: ServerClinics) -> Iterator[str]:
    name = server_clinics.new()
    yield name
    server_clinics.drop(name)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    params = conninfo_to_dict(server_dsn())
    made = Proxy(str(params.get("host", "127.0.0.1")), int(params.get("port", 5432)))
    yield made
    made.close()


def through(proxy: Proxy) -> str:
    """The test server's DSN, by way of the proxy (no TLS: the proxy reads the bytes)."""
    return make_conninfo(server_dsn(), host="127.0.0.1", port=str(proxy.port), sslmode="disable")


def charting_store(dsn: str, server_clinics: ServerClinics, clinic: str) -> ClinicServerStore:
    """A store on ``clinic`` with a practitioner charting a draft session."""
    store = ClinicServerStore.connect(dsn, **server_clinics.app_login(clinic))
    doctor = store.practitioners.add(Practitioner(name="Dr Ana Souza", registration="CRM 1"))
    store.practitioner_id = doctor.id
    patient = store.patients.add(
        Patient(record_number="F-1", full_name="Rui Faria", date_of_birth=date(1970, 1, 2))
    )
    store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=doctor.id,
            started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            chief_complaint="Neck pain",
        )
    )
    return store


@pytest.fixture
def store(proxy: Proxy, server_clinics: ServerClinics, clinic: str) -> Iterator[ClinicServerStore]:
    made = charting_store(through(proxy), server_clinics, clinic)
    yield made
    if made.is_open:
        proxy.refusing = False
        made.close()


def session_id(store: ClinicServerStore) -> int:
    (row,) = store._ctx.db.execute("SELECT id FROM sessions").fetchall()
    return int(row[0])


def point(store: ClinicServerStore, notes: str) -> TriggerPoint:
    return TriggerPoint(
        session_id=session_id(store),
        number=1,
        view=View.BACK,
        region_id="back.neck.posterior.right",
        side=Side.RIGHT,
        x=270.0,
        y=160.0,
        muscle="Upper trapezius",
        notes=notes,
    )


def stored_notes(clinic: str) -> list[str]:
    """Every point's notes, as the server holds them (a connection of the test's own)."""
    with connect(server_dsn(), dbname=clinic) as conn:
        return [r[0] for r in conn.execute("SELECT notes FROM trigger_points ORDER BY id")]


def backend(store: ClinicServerStore) -> int:
    db = store._ctx.db
    assert isinstance(db, ServerDatabase)
    return db.pg.info.backend_pid


def end_backend(pid: int) -> None:
    """What a server restart or an administrator does to one workstation's connection."""
    with connect(server_dsn()) as su:
        assert su.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


# -- a lost connection between changes -----------------------------------------------
def test_connection_ended_between_changes_the_next_change_is_saved_once(store, clinic):
    before = backend(store)
    end_backend(before)
    store.points.add(point(store, "after the blip"))
    assert stored_notes(clinic) == ["after the blip"]
    assert backend(store) != before  # a new connection, made by itself


def test_a_read_after_the_connection_ended_is_simply_asked_again(store):
    end_backend(backend(store))
    assert store.patients.count() == 1


# -- a lost connection during a change, before its COMMIT --------------------------------
def test_lost_mid_change_is_not_saved_and_the_next_change_reconnects(store, proxy, clinic):
    changes = store.changes()
    proxy.arm(INSERT_POINT, "drop")
    with pytest.raises(StorageError) as refused:
        store.points.add(point(store, "cut mid-change"))
    assert proxy.fired.is_set()
    assert refused.value.kind == "server"
    assert str(refused.value).startswith(
        "The connection to the clinic server was lost; your last change was not saved."
    )
    assert stored_notes(clinic) == []
    assert store.changes() == changes  # nothing counted as saved
    store.points.add(point(store, "next change"))
    assert stored_notes(clinic) == ["next change"]


# -- a lost connection during COMMIT: found out, not guessed ----------------------------
def test_commit_answer_lost_after_the_server_committed_counts_as_saved(
    store, proxy, clinic, caplog
):
    caplog.set_level(logging.WARNING, "tpchart.store")
    changes = store.changes()
    proxy.arm(COMMIT, "answer_lost")
    saved = store.points.add(point(store, "committed, answer lost"))
    assert proxy.fired.is_set()
    assert saved.id is not None
    assert stored_notes(clinic) == ["committed, answer lost"]
    assert store.changes() > changes
    assert "COMMIT lost its answer: committed" in caplog.text
    assert store.check().findings == []


def test_commit_that_never_reached_the_server_is_not_saved(store, proxy, clinic, caplog):
    caplog.set_level(logging.WARNING, "tpchart.store")
    proxy.arm(COMMIT, "drop")
    with pytest.raises(StorageError) as refused:
        store.points.add(point(store, "commit dropped"))
    assert proxy.fired.is_set()
    # Certain: pg_xact_status said aborted (its backend was ended first if it had not
    # yet noticed the lost connection).
    assert refused.value.kind == "server"
    assert "COMMIT lost its answer: did not commit" in caplog.text
    assert stored_notes(clinic) == []
    store.points.add(point(store, "again"))
    assert stored_notes(clinic) == ["again"]
    assert store.check().findings == []


def test_commit_outcome_unknown_when_the_server_cannot_be_asked(store, proxy, clinic):
    db = store._ctx.db
    assert isinstance(db, ServerDatabase)
    db.settle_seconds = 0.5
    proxy.arm(COMMIT, "answer_lost")
    proxy.refusing = True  # the server "gone" right after it committed
    started = time.monotonic()
    with pytest.raises(StorageError) as unknown:
        store.points.add(point(store, "maybe"))
    assert time.monotonic() - started < 5
    assert unknown.value.kind == "unknown"
    assert "could not find out whether it was saved" in str(unknown.value)
    proxy.refusing = False
    # It had committed: "unknown" was honest, and nothing repeated it.
    assert stored_notes(clinic) == ["maybe"]


def test_a_committed_id_that_a_crash_gave_to_another_transaction_is_not_taken_for_ours(
    store, clinic
):
    # After a crash the server can hand a lost transaction's id to the next one; then
    # pg_xact_status says "committed" about someone else's work. Our audit row decides.
    db = store._ctx.db
    assert isinstance(db, ServerDatabase)
    store.points.add(point(store, "someone's"))
    xid, row_id, digest = db.pg.execute(
        "SELECT xmin::text, id, md5(a::text) FROM audit_log a ORDER BY id DESC LIMIT 1"
    ).fetchone()
    pid = backend(store)
    assert db._outcome(_Underway(xid=xid, audit_row=(row_id, digest)), pid, restarted=True)
    assert not db._outcome(_Underway(xid=xid, audit_row=(row_id, "0" * 32)), pid, restarted=True)
    # Without an audit row to compare, a restart leaves it unknown; no restart, committed.
    assert db._outcome(_Underway(xid=xid), pid, restarted=True) is None
    assert db._outcome(_Underway(xid=xid), pid, restarted=False) is True
    # An id the server has not reached (lost with its WAL in a crash): not committed.
    future = str(int(db.pg.execute("SELECT pg_current_xact_id()::text").fetchone()[0]) + 1000)
    assert db._outcome(_Underway(xid=future), pid, restarted=True) is False


# -- the server not there ----------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_nothing_listening_refused_plainly_within_three_seconds():
    dsn = make_conninfo(server_dsn(), host="127.0.0.1", port=str(free_port()))
    started = time.monotonic()
    with pytest.raises(ServerRefused) as refused:
        ClinicServerStore.connect(dsn, password="s3cret-pw")
    assert time.monotonic() - started < 3
    message = str(refused.value)
    assert message.startswith("Could not connect to the clinic server (")
    assert "s3cret-pw" not in message and "Traceback" not in message


def test_server_gone_mid_session_then_back(store, proxy, clinic):
    proxy.refusing = True
    proxy.cut_all()
    with pytest.raises(StorageError) as refused:
        store.points.add(point(store, "while down"))
    assert refused.value.kind == "server"
    assert "your last change was not saved" in str(refused.value)
    assert "\n" not in str(refused.value) and "psycopg" not in str(refused.value)
    assert stored_notes(clinic) == []
    proxy.refusing = False
    store.points.add(point(store, "server back"))
    assert stored_notes(clinic) == ["server back"]


def test_a_change_left_mid_transaction_is_never_committed_on_a_new_connection(store, clinic):
    # The body goes on after losing its connection (catching the error): nothing more
    # runs in that transaction and it does not commit; no half-open transaction moves
    # to a new connection.
    db = store._ctx.db
    assert isinstance(db, ServerDatabase)
    with pytest.raises(StorageError), store.transaction():
        store.points.add(point(store, "first"))
        end_backend(backend(store))
        with contextlib.suppress(StorageError):
            store.points.add(point(store, "second"))
        with pytest.raises(StorageError):
            db.execute("SELECT 1")  # refused, not run on a new connection
    assert stored_notes(clinic) == []
    store.points.add(point(store, "afterwards"))
    assert stored_notes(clinic) == ["afterwards"]
