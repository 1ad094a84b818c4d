"""Clinic mode: the clinic's records on its PostgreSQL server (issue 21,
docs/clinic-server.md), behind the same ``RecordStore`` contract as a database file.

The repositories are the very ones the file uses (``tpchart.store.records``), over the
server's database face (``tpchart.store.server.database``); what differs is only what a
server has instead of a file: an address instead of a path, the server's own guards and
roles instead of a lock file and triggers in the file, no encryption by tpchart (the
connection is TLS, the server's disk the server's business).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tpchart.store import RecordStore
from tpchart.store.editing import LeasedSessions
from tpchart.store.records import AccountsContext
from tpchart.store.records.tamper import TamperReport
from tpchart.store.server import (
    SCHEMA_VERSION,
    ServerRefused,
    connect,
    schema_version,
    server_name,
)
from tpchart.store.server.changes import KEEPALIVES, Event, Listener
from tpchart.store.server.check import server_report
from tpchart.store.server.database import ServerDatabase


class ClinicServerStore(RecordStore):
    """The records on a clinic server, open for one workstation."""

    editing: LeasedSessions

    def __init__(self, ctx: AccountsContext, address: str) -> None:
        super().__init__(ctx)
        self.address = address  # without its password
        # Colleagues' changes, to refresh what is on screen (set by ``connect``). Not
        # ``changes``: that is the count of rows changed, which periodic backups read.
        self.colleague_changes: ColleaguesChanges | None = None

    def _editing(self, ctx: AccountsContext) -> LeasedSessions:
        # A colleague's lease refuses this store's writes to that session (the guard
        # every session and point write calls inside its transaction).
        editing = LeasedSessions(ctx)
        ctx.editing_guard = editing.ensure_held_here  # type: ignore[attr-defined]
        return editing

    @classmethod
    def connect(cls, dsn: str, **overrides: Any) -> ClinicServerStore:
        """Connect to the clinic server at ``dsn`` (a ``postgresql://`` address or libpq
        string; ``overrides`` are libpq parameters such as ``password=``) as the app
        role. Refused in plain words (ServerRefused, nothing changed) when the server
        cannot be reached, refuses the sign-in, or holds no tpchart clinic of this
        version: its administrator migrates it (docs/clinic-server.md)."""
        overrides = {k: v for k, v in overrides.items() if v is not None}
        pg = connect(dsn, **overrides)
        try:
            version = schema_version(pg)
            if version != SCHEMA_VERSION:
                raise ServerRefused(_version_problem(server_name(pg), version))
            # A lost connection is replaced, at the next statement outside a transaction,
            # by a new one made the same way (the server restarted, the network blipped).
            database = ServerDatabase(pg, reconnect=lambda: connect(dsn, **overrides))
            store = cls(AccountsContext(database), server_name(pg))
            # Listening from before the first read, so no change made after it is missed.
            listener = Listener(lambda: connect(dsn, **{**overrides, **KEEPALIVES}))
            listener.open()
        except BaseException:
            pg.close()
            raise
        store.colleague_changes = ColleaguesChanges(listener, lambda: database.pg.info.backend_pid)
        store._choose_only_practitioner()
        return store

    def sign_out(self) -> None:
        """Forget who is signed in; the sessions they had open are released first."""
        self.editing.release_all()
        super().sign_out()

    def close(self) -> None:
        """Release this workstation's sessions, stop listening, close the connection."""
        if self.is_open:
            try:
                self.editing.release_all()
            finally:
                if self.colleague_changes is not None:
                    self.colleague_changes.close()
        super().close()

    @property
    def location(self) -> str:
        """The server's address, without its password."""
        return f"the clinic server {self.address}"

    @property
    def title(self) -> str:
        """What the title bar names: the server."""
        return f"clinic server {self.address}"

    def check(self) -> TamperReport:
        """What ``tpchart check`` verifies on the server (``server.check``), read as one
        moment while colleagues keep charting."""
        db = self._ctx.db
        assert isinstance(db, ServerDatabase)
        with db.atomic():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return server_report(db)


class ColleaguesChanges:
    """Colleagues' changes on the server as they commit (``server.changes.Listener``,
    on a connection of its own), without this workstation's own: the window already
    shows what it saved itself, and reloading it would only disturb the doctor."""

    def __init__(self, listener: Listener, own_pid: Callable[[], int]) -> None:
        self.listener = listener
        self._own_pid = own_pid  # the server process of the store's connection

    def colleagues(self, batch: list[Event]) -> list[Event]:
        """``batch`` without the changes this workstation's store made (a Resync stays)."""
        own = self._own_pid()
        return [e for e in batch if getattr(e, "writer_pid", None) != own]

    def start(self, callback: Callable[[list[Event]], None]) -> None:
        """Call ``callback(batch)`` from a background thread for each batch holding a
        colleague's change or a Resync (in Qt: emit a signal there), until ``close``."""

        def heard(batch: list[Event]) -> None:
            theirs = self.colleagues(batch)
            if theirs:
                callback(theirs)

        self.listener.start(heard)

    def wait(self, timeout: float | None = None) -> list[Event]:
        """Colleagues' changes arrived within ``timeout`` seconds (for scripts and
        tests; a window uses ``start``); [] when none did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            theirs = self.colleagues(self.listener.wait(left))
            if theirs or (deadline is not None and time.monotonic() >= deadline):
                return theirs

    def close(self) -> None:
        """Stop listening and close the listener's connection (and its wake-up pair:
        the listener's own way out of a ``with`` block)."""
        self.listener.__exit__(None, None, None)


def _version_problem(server: str, version: int) -> str:
    if version == 0:
        return (
            f"The clinic server ({server}) holds no tpchart clinic yet: whoever runs the "
            "server sets it up (docs/clinic-server.md). Nothing was changed."
        )
    return (
        f"The clinic server ({server}) is at schema {version}; this tpchart needs "
        f"{SCHEMA_VERSION}: whoever runs the server updates it with this version of "
        "tpchart (docs/clinic-server.md). Nothing was changed."
    )
