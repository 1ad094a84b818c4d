"""Who may edit a session now: ``store.editing``, on either engine (issue 21).

A session open for editing on one workstation is read-only on the others, which are
told who has it. On a database file there is nothing to share: the file's lock makes
the one tpchart that opened it the only writer, so it holds every session
(``OnlyWriter``). On the clinic server the hold is a lease
(``tpchart.store.server.leases``): taken when a workstation charts a draft or amending
session, renewed every RENEW_SECONDS while it stays on screen, released when the
doctor moves on, and lapsing within a minute when the workstation dies
(``LeasedSessions``).

The lease is more than a courtesy: on the server every change to a session or its
points first locks the session's row and checks its lease inside the write's own
transaction (``LeasedSessions.ensure_held_here``, installed as the records'
``editing_guard``). A change to a session that another workstation holds is refused in
plain words, nothing written, so a stale screen can never overwrite a colleague's work.
A session nobody holds can still be written (a script, the command line): only a
colleague's hold refuses.

The server's modules (and psycopg) are imported only by ``LeasedSessions``: a single
doctor's start never loads them.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from tpchart.core.errors import TpchartError

if TYPE_CHECKING:
    from tpchart.store.records import AccountsContext
    from tpchart.store.server.leases import Holder, Lease, LeaseLost

log = logging.getLogger("tpchart.store")

# What a refused write adds to the holder's sentence.
_NOT_SAVED = " Your change was not saved."
# The lease's columns after the session's in ``session_for_change``'s row.
_LEASE_COLUMNS = 6


class HeldElsewhere(TpchartError):
    """A change to a session that another workstation has open for editing; the
    message names who, where and since when. Nothing was written."""

    def __init__(self, message: str, holder: Holder | None = None) -> None:
        self.holder = holder
        super().__init__(message)


class OnlyWriter:
    """A database file: this tpchart is its only writer (the file's lock), so it holds
    every session; nothing to take, renew or release, and no colleague to name."""

    shared = False  # no colleague can hold a session: no banner, no renewal timer

    def take(self, session_id: int) -> None:
        """Open ``session_id`` for editing here: always granted on a file."""

    def holds(self, session_id: int) -> bool:
        """Whether this workstation may edit ``session_id``: always, on a file."""
        return True

    def held(self) -> list[int]:
        """The sessions this workstation has taken (none to track on a file)."""
        return []

    def holder(self, session_id: int) -> Holder | None:
        """Who has ``session_id`` open elsewhere: nobody, on a file."""
        return None

    def renew(self) -> list[LeaseLost]:
        """Keep every session taken (nothing to keep on a file); the ones lost."""
        return []

    def release(self, session_id: int) -> None:
        """This workstation is done with ``session_id`` (nothing to end on a file)."""

    def release_all(self) -> None:
        """Done with every session (closing, signing out, locking)."""


class LeasedSessions(OnlyWriter):
    """The clinic server: sessions held by leases on the store's own connection, in
    this workstation's name and the current practitioner's.

    Every lease call is a short transaction of its own; calling one inside a user
    action's transaction is a bug (it would commit or roll back with that action)."""

    shared = True

    def __init__(self, ctx: AccountsContext, workstation: str | None = None) -> None:
        from tpchart.store.server import leases

        self._leases = leases
        self._ctx = ctx
        self.workstation = workstation or leases.this_workstation()
        self._held: dict[int, Lease] = {}

    # -- this workstation's holds ----------------------------------------------------
    def take(self, session_id: int) -> None:
        """Open ``session_id`` for editing here as the current practitioner (kept
        while renewed). Raises ``SessionHeld`` (``tpchart.store.server.leases``; its
        message names who has it, where and since when) when a colleague does; a
        ``StorageError`` when the server cannot be reached."""
        who = self._ctx.who()
        lease = self._held.get(session_id)
        if lease is not None and lease.practitioner_id == who:
            self._held[session_id] = self._call(self._leases.renew, lease)
            return
        if lease is not None:
            # Another practitioner signed in here: the lease must name who edits now.
            self.release(session_id)
        self._held[session_id] = self._call(self._leases.take, session_id, who, self.workstation)

    def holds(self, session_id: int) -> bool:
        """Whether this workstation has taken ``session_id`` (and not lost it since, as
        far as the last renewal knows)."""
        return session_id in self._held

    def held(self) -> list[int]:
        """The sessions this workstation holds."""
        return sorted(self._held)

    def holder(self, session_id: int) -> Holder | None:
        """Who has ``session_id`` open now (this workstation included), or None."""
        return self._call(self._leases.holder, session_id)

    def renew(self) -> list[LeaseLost]:
        """Renew every lease held (call every RENEW_SECONDS). Returns the ones lost
        meanwhile (``LeaseLost``, in plain words): they are no longer held here and
        those sessions must turn read-only. A server that cannot be reached raises
        ``StorageError``; the leases are kept, to be renewed at the next try."""
        lost: list[LeaseLost] = []
        for session_id, lease in list(self._held.items()):
            try:
                self._held[session_id] = self._call(self._leases.renew, lease)
            except self._leases.LeaseLost as error:
                self._held.pop(session_id, None)
                lost.append(error)
        return lost

    def release(self, session_id: int) -> None:
        """End this workstation's hold on ``session_id``, if it has one. A server that
        cannot be reached now is not an error: the lease lapses within LEASE_SECONDS."""
        lease = self._held.pop(session_id, None)
        if lease is None:
            return
        try:
            self._call(self._leases.release, lease)
        except TpchartError as error:
            log.warning("Could not end the hold on session %s: %s", session_id, error)

    def release_all(self) -> None:
        """End every hold (closing, signing out, the screen locking)."""
        for session_id in list(self._held):
            self.release(session_id)

    # -- the guard of every write -----------------------------------------------------
    def ensure_held_here(self, session_id: int) -> dict[str, Any] | None:
        """Inside a write's transaction: refuse (``HeldElsewhere``, nothing written)
        a change to ``session_id`` while another workstation's lease holds it. Returns
        the session's row as it is now (as ``SELECT *`` gives it), or None when there
        is no such session, so the change need not read it again.

        The session's row is locked first, so a colleague's ``take`` waits for this
        write to commit (its new lease row must see the session through a foreign
        key): the colleague then loads the session with this change in it, never
        before it. The lock, then the row and the lease read after it, are one round
        trip: migration 005's ``session_for_change``."""
        cursor = self._ctx.db.execute(
            "SELECT (h.session).*, h.lease_token_sha256, h.lease_practitioner_id,"
            " h.lease_practitioner_name, h.lease_workstation, h.lease_taken_at,"
            " h.lease_expires_at FROM session_for_change(?) h",
            [session_id],
        )
        values = cursor.fetchone()
        if values is None:
            return None  # no such session: the change itself says so
        names = [c[0] for c in cursor.description]
        session = dict(zip(names[:-_LEASE_COLUMNS], values[:-_LEASE_COLUMNS], strict=True))
        token_hash, practitioner_id, name, where, since, until = values[-_LEASE_COLUMNS:]
        if token_hash is None:
            return session  # nobody holds it: a script or the command line may write
        lease = self._held.get(session_id)
        if lease is not None and bytes(token_hash) == _token_hash(lease):
            return session
        holder = self._leases.Holder(
            session_id, practitioner_id, name, where, _moment(since), _moment(until)
        )
        message = holder.describe(asking_practitioner_id=self._ctx.practitioner_id)
        raise HeldElsewhere(message + _NOT_SAVED, holder)

    # -- inside ---------------------------------------------------------------------
    def _call(self, function: Any, *args: Any) -> Any:
        """``function(connection, *args)`` as one short transaction of its own, one
        statement at a time on the store's connection; a lost connection comes out as
        the store's plain-words StorageError."""
        db: Any = self._ctx.db
        if db.conn.in_transaction:
            raise RuntimeError("a session's lease is taken or kept outside any user action")
        with db.atomic():
            return function(db.pg, *args)


def _token_hash(lease: Lease) -> bytes:
    """How the server keeps a lease's token (migration 003: sha256 of its text)."""
    return hashlib.sha256(str(lease.token).encode()).digest()


def _moment(value: Any) -> Any:
    """A time read through the records' face (ISO text, as SQLite gives it) as a
    datetime, for the holder's sentence."""
    from tpchart.store.records.rows import to_datetime

    return to_datetime(value) if isinstance(value, str) else value
