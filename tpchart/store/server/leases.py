"""Who has a session open for editing: leases on the clinic server (issue 21).

A session open for editing on one workstation is read-only on the others, which are
told who has it ("Dr Ana Souza has this session open at ROOM-2 since 10:42"). The
hold is a lease that the workstation renews while the session stays open; if the
workstation dies (power cut, crash, network gone) the lease lapses and a colleague
can take the session over.

- ``take`` opens a session for editing, or raises ``SessionHeld`` naming who has it;
  a lapsed lease is taken over. Two workstations taking the same session at the same
  instant: exactly one wins (one statement on the server, see migration 003).
- ``renew`` keeps it; it raises ``LeaseLost`` when a colleague took it over meanwhile.
- ``release`` ends it when the session is closed.
- ``holder`` / ``holders`` say who has what open, for a read-only banner or a list.

Each call is one short statement: call them outside a user action's transaction, from
a Qt timer on the GUI thread (they take milliseconds) or from a worker thread with its
own connection. Times are the server's clock, never a workstation's.

Lengths: a lease lasts LEASE_SECONDS (60 s) and is renewed every RENEW_SECONDS (20 s).
Two renewals in a row may fail (a busy network, a laptop's Wi-Fi roaming) before it
lapses, yet a workstation that died frees its sessions within a minute, about the time
a colleague takes to find out why a session is read-only and walk over to ask.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

LEASE_SECONDS = 60
RENEW_SECONDS = 20

# The server refuses a lease longer than an hour (migration 003): a dead workstation
# must never keep a session read-only for long.
_LONGEST = 3600


class SessionHeld(Exception):
    """A colleague (or this practitioner elsewhere) has the session open for editing;
    the message says who, where and since when, in plain words."""

    def __init__(self, holder: Holder, *, asking_practitioner_id: int | None = None) -> None:
        self.holder = holder
        super().__init__(holder.describe(asking_practitioner_id=asking_practitioner_id))


class LeaseLost(Exception):
    """This workstation no longer holds the session (its lease lapsed and a colleague
    took it over, or it was ended): the session is read-only here now."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        self.holder = holder
        super().__init__(message)


@dataclass(frozen=True)
class Lease:
    """This workstation's hold on a session. ``token`` proves it to the server: keep it
    in memory only (it is what renews and ends the lease)."""

    session_id: int
    practitioner_id: int
    workstation: str
    token: UUID
    taken_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Holder:
    """Who has a session open for editing, as a colleague is told."""

    session_id: int
    practitioner_id: int
    practitioner_name: str
    workstation: str
    since: datetime
    until: datetime

    def describe(self, *, asking_practitioner_id: int | None = None) -> str:
        """The plain-words sentence a read-only session shows."""
        since = _clock(self.since)
        if asking_practitioner_id == self.practitioner_id:
            return (
                f"You have this session open at {self.workstation} since {since} (another "
                "window, or a tpchart that closed without ending it); it is read-only here "
                "until it is closed there, or within a minute if that tpchart has stopped."
            )
        return (
            f"{self.practitioner_name} has this session open at {self.workstation} since "
            f"{since}; it is read-only here until they close it."
        )


def this_workstation() -> str:
    """The name a colleague reads for this computer: its host name, without the
    network's domain ("ROOM-2", not "room-2.clinic.lan")."""
    name = socket.gethostname().split(".")[0].strip()
    return name or "an unnamed computer"


def take(
    conn: psycopg.Connection[Any],
    session_id: int,
    practitioner_id: int,
    workstation: str,
    seconds: int = LEASE_SECONDS,
) -> Lease:
    """Open ``session_id`` for editing by ``practitioner_id`` at ``workstation``, for
    ``seconds`` unless renewed. A lapsed lease is taken over. Raises ``SessionHeld``
    when someone holds it, or ``LookupError`` when the session (or practitioner) does
    not exist."""
    seconds = _checked_seconds(seconds)
    if not workstation.strip():
        raise ValueError("a lease names the workstation that holds it")
    try:
        token, holder_id, where, since, until = _one(
            conn.execute(
                "SELECT * FROM lease_take(%s, %s, %s, %s)",
                [session_id, practitioner_id, workstation, seconds],
            )
        )
    except psycopg.errors.ForeignKeyViolation as error:
        raise LookupError(
            "This session or practitioner is no longer on the clinic server; reload and try again."
        ) from error
    if token is None:
        holder = Holder(session_id, holder_id, _name(conn, holder_id), where, since, until)
        raise SessionHeld(holder, asking_practitioner_id=practitioner_id)
    return Lease(session_id, holder_id, where, token, since, until)


def renew(conn: psycopg.Connection[Any], lease: Lease, seconds: int = LEASE_SECONDS) -> Lease:
    """Keep ``lease`` for another ``seconds``; returns it with its new expiry. Raises
    ``LeaseLost`` (plain words, naming who has it now) when it is no longer this
    workstation's: the session must then turn read-only here."""
    seconds = _checked_seconds(seconds)
    (until,) = _one(
        conn.execute("SELECT lease_renew(%s, %s, %s)", [lease.session_id, lease.token, seconds])
    )
    if until is not None:
        return Lease(
            lease.session_id,
            lease.practitioner_id,
            lease.workstation,
            lease.token,
            lease.taken_at,
            until,
        )
    now = holder(conn, lease.session_id)
    if now is None:
        raise LeaseLost(
            "This session is no longer open for editing here: this workstation's hold on "
            "it lapsed and it was closed elsewhere. Open it again to go on editing.",
            None,
        )
    raise LeaseLost(
        f"{now.practitioner_name} took this session over at {now.workstation} at "
        f"{_clock(now.since)}, after this workstation's hold on it lapsed; it is read-only "
        "here now. What you saved before then is kept.",
        now,
    )


def release(conn: psycopg.Connection[Any], lease: Lease) -> bool:
    """End ``lease`` (the session was closed). True when it was still this
    workstation's to end; False when it had been taken over or ended already."""
    (ended,) = _one(conn.execute("SELECT lease_release(%s, %s)", [lease.session_id, lease.token]))
    return bool(ended)


def holder(conn: psycopg.Connection[Any], session_id: int) -> Holder | None:
    """Who has ``session_id`` open for editing now, or None (a lapsed lease holds
    nothing)."""
    found = holders(conn, [session_id])
    return found.get(session_id)


def holders(
    conn: psycopg.Connection[Any], session_ids: list[int] | None = None
) -> dict[int, Holder]:
    """Who has which session open now (of ``session_ids``, or all), by session id."""
    query = (
        "SELECT l.session_id, l.held_by_practitioner_id, p.name, l.workstation, l.taken_at,"
        " l.expires_at FROM session_leases l JOIN practitioners p"
        " ON p.id = l.held_by_practitioner_id WHERE l.expires_at > clock_timestamp()"
    )
    params: list[Any] = []
    if session_ids is not None:
        query += " AND l.session_id = ANY(%s)"
        params.append(list(session_ids))
    return {row[0]: Holder(*row) for row in conn.execute(query, params)}


def _checked_seconds(seconds: int) -> int:
    if not 1 <= int(seconds) <= _LONGEST:
        raise ValueError(f"a lease lasts from 1 second to an hour, not {seconds} s")
    return int(seconds)


def _one(cursor: psycopg.Cursor[Any]) -> tuple[Any, ...]:
    row = cursor.fetchone()
    assert row is not None, "a lease function returns one row"
    return tuple(row)


def _name(conn: psycopg.Connection[Any], practitioner_id: int) -> str:
    row = conn.execute("SELECT name FROM practitioners WHERE id = %s", [practitioner_id])
    found = row.fetchone()
    return str(found[0]) if found else "A colleague"


def _clock(moment: datetime) -> str:
    """A server time as this workstation's wall clock reads it: "10:42", with the day
    when it is not today."""
    local = moment.astimezone()
    if local.date() == datetime.now(local.tzinfo).date():
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"
