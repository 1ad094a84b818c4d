"""The record store: returning core dataclasses only, on one of two engines.

A single doctor's records live in a SQLite file (``Store``, through sqlite-utils); a
clinic's on its PostgreSQL server (``tpchart.store.clinic_server.ClinicServerStore``,
clinic mode). Both are a ``RecordStore``: the same repositories over the same small
database face (``tpchart.store.server.database`` gives it on the server), so what the
window, the reports and the command line do works on either. ``open_store`` opens
whichever a location names (a path, or a ``postgresql://`` address).

Two wings behind this face: ``tpchart.store.records`` (the clinical records: schema,
audit trail, one repository per aggregate) and ``tpchart.store.file`` (keeping the
file safe: opening, lock, checks, backups, restore, locations, private modes). Code
outside the store uses this package and those two packages' public names only
(import-linter contracts in pyproject.toml); ``tpchart.store.errors`` is shared.

``Store.open(path)`` gives one object with a repository per aggregate::

    store = Store.open(path)
    store.practitioner_id = store.practitioners.all()[0].id
    patient = store.patients.add(Patient(...))

Every public method that changes data is one transaction with its audit rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self

# First: sqlite-utils is imported without NumPy (lean_import says why), before any
# module of the store imports it.
import tpchart.store.lean_import  # noqa: F401
from tpchart.core.accounts import Account, check_new_passphrase
from tpchart.core.audit import AuditEntry
from tpchart.core.errors import PermissionRefused
from tpchart.core.practitioner import Practitioner
from tpchart.store.editing import OnlyWriter
from tpchart.store.errors import (
    DatabaseDamaged,
    DatabaseInUse,
    DatabaseLost,
    DatabaseRefused,
    DemoRefused,
    StorageError,
)
from tpchart.store.file import (
    DatabaseLock,
    HealthReport,
    check_beside,
    encryption,
    open_database,
)
from tpchart.store.file.anchor import Keeper
from tpchart.store.key_slots import SlotFollowingAccounts
from tpchart.store.records import (
    Accounts,
    AccountsContext,
    Clinic,
    Disclosures,
    LaterEvents,
    Patients,
    Practitioners,
    RecordDatabase,
    Redactions,
    Sessions,
    Settings,
    TriggerPoints,
    WriteGate,
    audit,
)
from tpchart.store.records.rows import clock_at
from tpchart.store.records.transfer import Transfers

__all__ = [
    "DEMO_KEY",
    "DatabaseDamaged",
    "DatabaseInUse",
    "DatabaseLost",
    "DatabaseRefused",
    "DemoRefused",
    "RecordStore",
    "StorageError",
    "Store",
    "is_server_address",
    "open_store",
]


# The settings key that marks a demo database (see Store.is_demo).
DEMO_KEY = "demo"

log = logging.getLogger("tpchart.store")


class RecordStore:
    """An open tpchart record, on either engine: the repositories, who is signed in and
    charting, transactions and the audit trail. What only a file has (its path, lock,
    encryption, the checks and backups beside it) is ``Store``'s; what only a server has
    is ``ClinicServerStore``'s (``tpchart.store.clinic_server``)."""

    def __init__(self, ctx: AccountsContext) -> None:
        self._ctx = ctx
        self.practitioners = Practitioners(ctx)
        self.patients = Patients(ctx)
        self.sessions = Sessions(ctx)
        self.points = TriggerPoints(ctx)
        self.later_events = LaterEvents(ctx)
        self.transfer = Transfers(ctx)
        self.settings = Settings(ctx)
        self.clinic = Clinic(self.settings)
        self.disclosures = Disclosures(ctx)
        # Sign-in, roles, passphrases (docs/security.md): once the clinic has accounts,
        # nothing is written without a signed-in practitioner.
        self.accounts = self._accounts(ctx)
        self.redactions = Redactions(ctx)  # an administrator's signed redaction of the trail
        # Who may edit which session now (issue 21): on a file, this tpchart alone.
        self.editing: OnlyWriter = self._editing(ctx)
        # True when the records could only be opened read-only (show a banner).
        self.read_only = False
        # What the start-up checks found, whether the last run crashed, warnings to show.
        self.health: HealthReport | None = None
        self.unclean_exit = False
        self.warnings: list[str] = []
        self._closed = False

    def _accounts(self, ctx: AccountsContext) -> Accounts:
        return Accounts(ctx, self.settings)

    # Colleagues' changes as they commit, to refresh the screen: a clinic server's
    # (``ClinicServerStore.colleague_changes``); a file has no colleagues.
    colleague_changes: Any = None

    def _editing(self, ctx: AccountsContext) -> OnlyWriter:
        """``store.editing`` (``tpchart.store.editing``): the one writer of a file holds
        every session; a clinic server's store leases them instead."""
        return OnlyWriter()

    @property
    def location(self) -> str:
        """Where the records are, in words for the title bar and messages."""
        raise NotImplementedError

    @property
    def encrypted(self) -> bool:
        """True when tpchart keeps these records encrypted (an encrypted file)."""
        return False

    @property
    def file(self) -> Path | None:
        """The database file, or None for records on a clinic server."""
        return None

    @property
    def title(self) -> str:
        """What the title bar names: the file, or the clinic server."""
        return self.file.name if self.file is not None else self.location

    def _choose_only_practitioner(self) -> None:
        """The only active practitioner, if there is exactly one and the clinic has no
        accounts yet, becomes the current one."""
        active = self.practitioners.all()
        if len(active) == 1 and not self.accounts.any():
            self.practitioner_id = active[0].id

    @property
    def practitioner_id(self) -> int | None:
        """Who is recorded as making changes."""
        return self._ctx.practitioner_id

    @practitioner_id.setter
    def practitioner_id(self, value: int | None) -> None:
        # Once the clinic has accounts, only signing in changes who charts.
        signed = self._ctx.signed
        if self.accounts.any() and (signed is None or signed.account.practitioner_id != value):
            raise PermissionRefused("Sign in as that practitioner to chart as them")
        if value is not None:
            self.practitioners.get(value)
        self._ctx.practitioner_id = value

    # -- accounts: the contract of issue 18 (docs/security.md) -------------------------
    def set_up_clinic(
        self, practitioner: Practitioner, passphrase: str, *, encrypt: bool = False
    ) -> tuple[Practitioner, str]:
        """The first run, one user action, as ``accounts.set_up_clinic``: returns the
        administrator (signed in) and the recovery code, shown once. ``encrypt`` is for a
        file (``Store``); elsewhere it is refused, nothing changed."""
        if encrypt:
            raise DatabaseRefused(
                f"Only a database file on this computer is encrypted by tpchart; "
                f"{self.location} is not one. Nothing was changed."
            )
        return self.accounts.set_up_clinic(practitioner, passphrase)

    def sign_in(self, practitioner_id: int, passphrase: str) -> Account:
        """Sign a practitioner in (SignInError when refused); they become the "who"
        of every change, and their signing key is unlocked for this sitting."""
        return self.accounts.sign_in(practitioner_id, passphrase)

    def sign_out(self) -> None:
        """Forget who is signed in and their key (``practitioner_id`` becomes None)."""
        self.accounts.sign_out()

    @property
    def signed_in(self) -> Account | None:
        """The signed-in practitioner's account, or None."""
        return self.accounts.signed_in

    def confirm(self, secret: str) -> None:
        """The signed-in practitioner's passphrase or PIN, or SignInError."""
        self.accounts.confirm(secret)

    @property
    def idle_lock_minutes(self) -> int:
        """Minutes without use before the window locks (the admin sets it)."""
        return self.accounts.idle_lock_minutes

    @property
    def is_demo(self) -> bool:
        """A demo database: made-up patients for trying tpchart, never clinical records.
        Marked inside the file (``settings.demo``), so the mark travels with it."""
        return self.settings.get(DEMO_KEY) == "yes"

    @contextmanager
    def clock_at(self, moment: datetime) -> Iterator[None]:
        """Stamp ``moment`` on everything written in the block (created, signed, audit
        times): the demo's made-up sessions are signed on their own day. Refused
        (DemoRefused) outside a demo database: a clinical record is never backdated."""
        if not self.is_demo:
            raise DemoRefused("Only a demo database can be written with made-up times")
        with clock_at(moment):
            yield

    def mark_as_demo(self) -> None:
        """Make this database a demo database. Refused (DemoRefused) when it already
        holds a practitioner or a patient and is not a demo database: demo data never
        goes into a clinic's file."""
        with self.transaction():
            if self.is_demo:
                return
            if self.practitioners.all() or self.patients.count(include_archived=True):
                raise DemoRefused(
                    f"{self.location} holds a clinic's records; demo patients go only into a "
                    "demo database of their own (tpchart demo writes one)"
                )
            self.settings.set_many({DEMO_KEY: "yes"})

    def transaction(self) -> AbstractContextManager[RecordDatabase]:
        """Group several changes into one transaction (savepoints nest), so a
        multi-point action such as carry forward or its undo commits whole or not at all."""
        return self._ctx.transaction()

    def audit_trail(self, table: str | None = None, row_id: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first."""
        return audit.trail(self._ctx.db, table, row_id)

    def changes(self) -> int:
        """Rows changed through this connection so far (tells periodic backups to run)."""
        return self._ctx.db.conn.total_changes

    @property
    def check_pending(self) -> bool:
        """True while a start-up check has not answered (writes wait for it)."""
        return False

    def start_deferred_check(self, done: Callable[[HealthReport], None]) -> None:
        """Start a start-up check left for after opening; nothing to do here."""

    @property
    def damaged(self) -> bool:
        """True when a check beside the window found the records damaged."""
        return False

    @property
    def is_open(self) -> bool:
        """False once ``close`` has run: nothing can be read or written any more."""
        return not self._closed

    def close(self) -> None:
        """Close the connection; the signed-in practitioner's key is forgotten."""
        self._closed = True
        self._ctx.signed = None
        audit.log_chain_head(self._ctx.db)
        self._ctx.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Store(RecordStore):
    """A tpchart database file (SQLite): one doctor's records on this computer."""

    accounts: SlotFollowingAccounts  # key slots follow the accounts on an encrypted file

    def __init__(self, ctx: AccountsContext, path: Path) -> None:
        self.path = path
        super().__init__(ctx)
        self._lock: DatabaseLock | None = None
        self._keeper: Keeper | None = None

    def _accounts(self, ctx: AccountsContext) -> Accounts:
        return SlotFollowingAccounts(ctx, self.settings, self)

    @property
    def location(self) -> str:
        """The file's path."""
        return str(self.path)

    @property
    def file(self) -> Path:
        """The database file."""
        return self.path

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        read_only: bool | None = None,
        lock: DatabaseLock | None = None,
        backup_folder: Path | None = None,
        defer_check: bool = False,
    ) -> Store:
        """Open or create the database at ``path``; refuses foreign, newer or damaged files
        (untouched) and a database another tpchart is writing (DatabaseInUse).
        ``read_only=None`` opens read-only only when the file cannot be written; ``lock``
        is a lock the caller already holds; ``backup_folder`` receives the backup taken
        before a schema update; ``defer_check`` lets a large file's quick_check run after
        opening (``start_deferred_check``), writes waiting for it. See ``store.opening``.
        The only active practitioner, if there is exactly one, becomes the current one."""
        path = Path(path)
        opened = open_database(path, read_only, lock, backup_folder, defer_check)
        ctx = AccountsContext(opened.db, gate=WriteGate() if opened.check_deferred else None)
        store = cls(ctx, path)
        store.read_only, store.health = opened.read_only, opened.health
        store.unclean_exit, store.warnings = opened.unclean_exit, opened.warnings
        store._lock = opened.lock
        if not opened.read_only:
            # The audit chain's head, kept outside the file after commits and at close.
            store._keeper = Keeper(store.path, opened.db.conn)
            ctx.after_commit = store._keeper.after_commit
        store._choose_only_practitioner()
        store.accounts.tidy_slots()
        return store

    def set_up_clinic(
        self, practitioner: Practitioner, passphrase: str, *, encrypt: bool = False
    ) -> tuple[Practitioner, str]:
        """The first run, one user action: with ``encrypt``, this new and empty database
        is first turned into an encrypted one (before any record is written: only its
        schema exists), then the clinic is set up as ``accounts.set_up_clinic`` does and
        the administrator's passphrase and the recovery code open the file. Returns the
        administrator (signed in) and the recovery code, shown once."""
        if encrypt and encryption.is_plain(self.path):
            self._encrypt_while_empty(practitioner, passphrase)
        return self.accounts.set_up_clinic(practitioner, passphrase)

    @property
    def encrypted(self) -> bool:
        """True when this database file is encrypted (SQLCipher, key slots beside it)."""
        return not encryption.is_plain(self.path)

    def _encrypt_while_empty(self, practitioner: Practitioner, passphrase: str) -> None:
        if self.read_only:
            raise DatabaseRefused("This database is open read-only: it cannot be encrypted now.")
        if self.accounts.any():
            raise PermissionRefused("This clinic is already set up: sign in instead")
        if self.patients.count(include_archived=True) or self.practitioners.all():
            raise DatabaseRefused(
                "Only a new, empty database is encrypted at set-up: set up without it, then "
                "use Settings › Accounts › Encrypt this database…. Nothing was changed."
            )
        check_new_passphrase(passphrase, practitioner.name)  # refused before any change
        # Until the set-up commits, a "clinic" slot under this passphrase opens the file:
        # killed in between, the next start unlocks with it and offers the set-up again.
        self._close_connection()
        try:
            encryption.encrypt_in_place(
                self.path, passphrase, label=practitioner.name, lock=self._lock,
                keep_plain=False,
            )  # fmt: skip
        finally:
            self._reopen()

    def _close_connection(self) -> None:
        if self._keeper is not None:
            self._keeper.flush()
        self._ctx.db.close()

    def _reopen(self) -> None:
        """The same file again after it was replaced beneath this store (encrypted)."""
        opened = open_database(self.path, False, self._lock, None, False)
        self._ctx.db = opened.db
        self._ctx.forget_set_up()
        self.health, self.warnings = opened.health, opened.warnings
        self._keeper = Keeper(self.path, opened.db.conn)
        self._ctx.after_commit = self._keeper.after_commit

    @property
    def check_pending(self) -> bool:
        """True while the start-up check has not answered (writes wait for it)."""
        return self._ctx.gate is not None and self._ctx.gate.pending

    def start_deferred_check(self, done: Callable[[HealthReport], None]) -> None:
        """Start the start-up check left for after opening; ``done`` is called from its
        thread with the report. Does nothing when the check ran before opening."""
        if self._ctx.gate is None or not self._ctx.gate.pending:
            return

        def answered(report: HealthReport) -> None:
            self.health = report
            done(report)

        check_beside(self.path, self._ctx.gate, answered)

    @property
    def damaged(self) -> bool:
        """True when a check beside the window found the file damaged."""
        gate = self._ctx.gate
        return gate is not None and gate.damaged

    def close(self) -> None:
        """Close the connection (WAL is checkpointed by SQLite on the last close) and
        record a clean exit in the lock file, so the next start needs only quick_check.
        The signed-in practitioner's key is forgotten."""
        if self._keeper is not None:
            self._keeper.flush()
        super().close()
        if self._lock is not None:
            # A damaged file is not a clean exit: the next start runs the full check
            # before opening and offers a backup.
            self._lock.release(clean=not self.damaged)
            self._lock = None


# What a clinic server's address starts with (a libpq URI), as ``--db`` receives it.
SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_address(location: str | Path) -> bool:
    """True when ``location`` names a clinic server rather than a database file."""
    return isinstance(location, str) and location.startswith(SERVER_SCHEMES)


def open_store(
    location: str | Path, *, password: str | None = None, **file_options: object
) -> RecordStore:
    """The records at ``location``: a clinic server's ``postgresql://`` address (with
    ``password``, if it is not in the address) or a database file's path (with
    ``Store.open``'s options). The server's engine is imported only when asked for, so
    a single doctor's start never loads it."""
    if is_server_address(location):
        from tpchart.store.clinic_server import ClinicServerStore

        return ClinicServerStore.connect(str(location), password=password)
    return Store.open(location, **file_options)  # type: ignore[arg-type]
