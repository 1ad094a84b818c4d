"""Session leases on a real server: a session open for editing on one workstation is
read-only elsewhere, naming who has it; the hold lapses when that workstation dies;
two workstations taking it at once, in real separate processes: exactly one wins."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.server.conftest import Clinic
from tpchart.store.server.leases import (
    LEASE_SECONDS,
    RENEW_SECONDS,
    LeaseLost,
    SessionHeld,
    holder,
    holders,
    release,
    renew,
    take,
    this_workstation,
)

ROOT = Path(__file__).resolve().parents[2]


def _practitioner(app: psycopg.Connection[Any], name: str) -> int:
    return app.execute(
        "INSERT INTO practitioners (name, active, created_at) VALUES (%s, true, now())"
        " RETURNING id",
        [name],
    ).fetchone()[0]


def _session(app: psycopg.Connection[Any], practitioner_id: int) -> int:
    """A new draft session of a new patient."""
    patient = app.execute(
        "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
        " updated_at) VALUES (%s, 'Chen Mei', '1980-02-29', 'female', now(), now())"
        " RETURNING id",
        [f"MRN-{uuid.uuid4().hex[:12]}"],
    ).fetchone()[0]
    return app.execute(
        "INSERT INTO sessions (patient_id, practitioner_id, started_at, created_at,"
        " updated_at) VALUES (%s, %s, now(), now(), now()) RETURNING id",
        [patient, practitioner_id],
    ).fetchone()[0]


def _lapse(owner: psycopg.Connection[Any], session_id: int) -> None:
    """Move a lease an hour into the past, as if its workstation had died then (the
    owner may; the app role may not write leases at all)."""
    owner.execute(
        "UPDATE session_leases SET taken_at = taken_at - interval '1 hour',"
        " renewed_at = renewed_at - interval '1 hour',"
        " expires_at = expires_at - interval '1 hour' WHERE session_id = %s",
        [session_id],
    )


def _rows(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM session_leases ORDER BY session_id").fetchall()


@pytest.fixture
def people(app):
    """Two practitioners and a draft session of a new patient."""
    ana = _practitioner(app, "Dr Ana Souza")
    ben = _practitioner(app, "Dr Ben Okafor")
    return ana, ben, _session(app, ana)


def test_the_lease_lasts_longer_than_two_missed_renewals():
    assert LEASE_SECONDS > 2 * RENEW_SECONDS
    assert LEASE_SECONDS <= 60
    assert this_workstation() and "." not in this_workstation()


def test_a_colleague_is_told_who_has_the_session_open_and_since_when(app, people):
    ana, ben, session = people
    lease = take(app, session, ana, "ROOM-2")
    assert lease.expires_at > lease.taken_at
    since = lease.taken_at.astimezone().strftime("%H:%M")
    with pytest.raises(SessionHeld) as held:
        take(app, session, ben, "ROOM-3")
    assert str(held.value) == (
        f"Dr Ana Souza has this session open at ROOM-2 since {since}; it is read-only here "
        "until they close it."
    )
    assert held.value.holder.practitioner_id == ana
    # The same practitioner in another window, or after a crash, is told it is theirs.
    with pytest.raises(SessionHeld, match=f"^You have this session open at ROOM-2 since {since}"):
        take(app, session, ana, "ROOM-5")
    now = holder(app, session)
    assert now is not None
    assert (now.practitioner_name, now.workstation, now.since) == (
        "Dr Ana Souza",
        "ROOM-2",
        lease.taken_at,
    )
    assert holders(app)[session] == now
    # Refused takes wrote nothing: still Ana's lease, as taken.
    assert [r[:3] for r in _rows(app) if r[0] == session] == [(session, ana, "ROOM-2")]


def test_closing_the_session_frees_it_for_a_colleague(app, people):
    ana, ben, session = people
    lease = take(app, session, ana, "ROOM-2")
    assert release(app, lease) is True
    assert holder(app, session) is None
    bens = take(app, session, ben, "ROOM-3")
    assert holder(app, session).practitioner_name == "Dr Ben Okafor"
    # Ana's old lease ends nothing of Ben's.
    assert release(app, lease) is False
    assert holder(app, session).workstation == "ROOM-3"
    assert release(app, bens) is True


def test_renewing_keeps_it_on_the_server_clock(app, people):
    ana, _, session = people
    lease = take(app, session, ana, "ROOM-2", seconds=5)
    kept = renew(app, lease, seconds=50)
    assert kept.token == lease.token and kept.taken_at == lease.taken_at
    assert kept.expires_at > lease.expires_at
    stored = app.execute(
        "SELECT expires_at, expires_at - renewed_at FROM session_leases WHERE session_id = %s",
        [session],
    ).fetchone()
    assert stored[0] == kept.expires_at
    assert stored[1].total_seconds() == 50


def test_a_lapsed_lease_is_taken_over_and_its_holder_is_told_plainly(app, owner, people):
    ana, ben, session = people
    anas = take(app, session, ana, "ROOM-2")
    _lapse(owner, session)
    assert holder(app, session) is None  # a lapsed lease holds nothing
    bens = take(app, session, ben, "ROOM-3")
    at = bens.taken_at.astimezone().strftime("%H:%M")
    with pytest.raises(LeaseLost) as lost:
        renew(app, anas)
    assert str(lost.value) == (
        f"Dr Ben Okafor took this session over at ROOM-3 at {at}, after this workstation's "
        "hold on it lapsed; it is read-only here now. What you saved before then is kept."
    )
    assert lost.value.holder.practitioner_id == ben
    assert release(app, anas) is False
    assert holder(app, session).practitioner_id == ben
    release(app, bens)
    with pytest.raises(LeaseLost, match="lapsed and it was closed elsewhere"):
        renew(app, anas)


def test_a_lapsed_lease_no_one_took_over_is_still_renewable(app, owner, people):
    ana, _, session = people
    lease = take(app, session, ana, "ROOM-2")
    _lapse(owner, session)
    assert holder(app, session) is None
    kept = renew(app, lease)
    assert holder(app, session).workstation == "ROOM-2"
    assert kept.expires_at > lease.expires_at


def test_the_app_role_cannot_forge_a_colleagues_lease(app, migrated_clinic, people):
    ana, ben, session = people
    lease = take(app, session, ana, "ROOM-2")
    before = _rows(app)
    # The token is not on the server: only its SHA-256.
    assert str(lease.token) not in repr(before)
    with migrated_clinic.as_app() as other:
        for statement in (
            "UPDATE session_leases SET workstation = 'ROOM-3'",
            "UPDATE session_leases SET expires_at = now()",
            "DELETE FROM session_leases",
            "TRUNCATE session_leases",
            f"INSERT INTO session_leases VALUES ({session}, {ben}, 'ROOM-3',"
            " sha256('x'), now(), now(), now() + interval '1 minute')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                other.execute(statement)
        # Guessing the token, or passing the stored digest as one, renews nothing.
        digest = other.execute(
            "SELECT token_sha256 FROM session_leases WHERE session_id = %s", [session]
        ).fetchone()[0]
        for guess in (uuid.uuid4(), uuid.UUID(bytes=digest[:16])):
            with pytest.raises(LeaseLost, match="Dr Ana Souza"):
                renew(other, replace(lease, token=guess))
            assert release(other, replace(lease, token=guess)) is False
        with pytest.raises(SessionHeld):
            take(other, session, ben, "ROOM-3")
    assert _rows(app) == before
    assert renew(app, lease).token == lease.token


@pytest.mark.parametrize(
    "statement",
    [
        "DROP FUNCTION lease_renew(bigint, uuid, integer)",
        "ALTER FUNCTION lease_take(bigint, bigint, text, integer) SECURITY INVOKER",
        "CREATE OR REPLACE FUNCTION lease_release(p_session_id bigint, p_token uuid)"
        " RETURNS boolean LANGUAGE sql AS $$ SELECT true $$",
        "ALTER TABLE session_leases DROP CONSTRAINT session_leases_times",
        "DROP TABLE session_leases",
    ],
)
def test_the_app_role_cannot_change_how_leases_work(app, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(statement)


def test_refused_values_write_nothing(app, people):
    ana, _, session = people
    before = _rows(app)
    with pytest.raises(ValueError, match="from 1 second to an hour"):
        take(app, session, ana, "ROOM-2", seconds=0)
    with pytest.raises(ValueError, match="from 1 second to an hour"):
        take(app, session, ana, "ROOM-2", seconds=7200)
    with pytest.raises(ValueError, match="names the workstation"):
        take(app, session, ana, "   ")
    with pytest.raises(LookupError, match="no longer on the clinic server"):
        take(app, 10**12, ana, "ROOM-2")
    with pytest.raises(LookupError, match="no longer on the clinic server"):
        take(app, session, 10**12, "ROOM-2")
    # The server itself refuses a long lease, whoever calls it.
    with pytest.raises(psycopg.errors.CheckViolation):
        app.execute("SELECT * FROM lease_take(%s, %s, 'ROOM-2', 7200)", [session, ana])
    assert _rows(app) == before


def test_deleting_a_draft_ends_its_lease(app, people):
    ana, _, session = people
    take(app, session, ana, "ROOM-2")
    with app.transaction():
        app.execute("DELETE FROM sessions WHERE id = %s", [session])
    assert holder(app, session) is None
    assert session not in [r[0] for r in _rows(app)]


# --- real second processes ---------------------------------------------------------


def _racer(
    clinic: Clinic,
    practitioner_id: int,
    workstation: str,
    sessions: list[int],
    barrier: Any,
    results: Any,
) -> None:
    """One workstation: at each round's starting gun, take that round's session."""
    outcome = []
    with clinic.as_app() as conn:
        for session in sessions:
            barrier.wait(timeout=60)
            try:
                take(conn, session, practitioner_id, workstation)
                outcome.append((session, "won", ""))
            except SessionHeld as held:
                outcome.append((session, "lost", str(held)))
    results.put((workstation, outcome))


def test_two_workstations_taking_a_session_at_once_exactly_one_wins(
    app, owner, migrated_clinic, people
):
    ana, ben, _ = people
    rounds = 40
    sessions = [_session(app, ana) for _ in range(rounds)]
    # Half the rounds race to take over a lease whose workstation died an hour ago
    # (the UPDATE path), the other half a session no one holds (the INSERT path).
    for session in sessions[1::2]:
        take(app, session, ana, "ROOM-OLD")
        _lapse(owner, session)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    racers = [
        spawn.Process(target=_racer, args=(migrated_clinic, who, where, sessions, barrier, results))
        for who, where in ((ana, "ROOM-2"), (ben, "ROOM-3"))
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=120) for _ in racers)
    for racer in racers:
        racer.join(30)
        assert racer.exitcode == 0
    name = {"ROOM-2": "Dr Ana Souza", "ROOM-3": "Dr Ben Okafor"}
    held = holders(app, sessions)
    for i, session in enumerate(sessions):
        by = {where: outcomes[where][i] for where in outcomes}
        assert all(o[0] == session for o in by.values())
        winners = [where for where, o in by.items() if o[1] == "won"]
        assert len(winners) == 1, (session, by)
        (loser,) = set(by) - set(winners)
        # The loser is told who won, by name and workstation.
        message = by[loser][2]
        assert f"at {winners[0]} since" in message
        if name[winners[0]] != name[loser]:
            assert message.startswith(name[winners[0]])
        assert held[session].workstation == winners[0]
    assert sum(o[1] == "won" for outcome in outcomes.values() for o in outcome) == rounds


_HOLDER = """
import os, sys, time
from tpchart.store.server.connection import connect
from tpchart.store.server.leases import renew, take
conn = connect(os.environ["TPCHART_TEST_PG"], dbname=sys.argv[1], user=sys.argv[2],
               password=os.environ["HOLDER_PASSWORD"])
lease = take(conn, int(sys.argv[3]), int(sys.argv[4]), "ROOM-9", seconds=2)
print("taken", flush=True)
while True:  # what the app's timer does: renew well before the lease lapses
    time.sleep(0.5)
    lease = renew(conn, lease, seconds=2)
"""


def test_a_killed_workstation_s_session_is_taken_over_once_its_lease_lapses(
    app, migrated_clinic, people
):
    ana, ben, session = people
    env = {
        **os.environ,
        "HOLDER_PASSWORD": migrated_clinic.app_password,
        "PYTHONPATH": str(ROOT),
    }
    names = migrated_clinic.roles
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, names.database, names.app, str(session), str(ana)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "taken"
        # Alive, it keeps the session past its first 2 s by renewing.
        time.sleep(3)
        with pytest.raises(SessionHeld, match="at ROOM-9 since"):
            take(app, session, ben, "ROOM-3")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Killed: it neither renews nor releases. The session stays held until the lease's
    # last expiry (the server's clock), then a colleague takes it over.
    last = holder(app, session)
    assert last is not None and last.workstation == "ROOM-9"
    deadline = time.monotonic() + 15
    while True:
        try:
            lease = take(app, session, ben, "ROOM-3")
            break
        except SessionHeld as held:
            assert re.match(r"Dr Ana Souza has this session open at ROOM-9", str(held))
            assert time.monotonic() < deadline, "the dead workstation's lease never lapsed"
            time.sleep(0.2)
    assert lease.taken_at >= last.until
    assert holder(app, session).practitioner_name == "Dr Ben Okafor"
