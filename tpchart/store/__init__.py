"""The record store: SQLite through sqlite-utils, returning core dataclasses only.

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

# First: sqlite-utils is imported without NumPy (lean_import says why), before any
# module of the store imports it.
import tpchart.store.lean_import  # noqa: F401

# isort: split
from sqlite_utils import Database

from tpchart.core.accounts import Account, check_new_passphrase
from tpchart.core.audit import AuditEntry
from tpchart.core.errors import PermissionRefused
from tpchart.core.practitioner import Practitioner
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
    AccountsContext,
    Clinic,
    Disclosures,
    LaterEvents,
    Patients,
    Practitioners,
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
    "StorageError",
    "Store",
]


# The settings key that marks a demo database (see Store.is_demo).
DEMO_KEY = "demo"

log = logging.getLogger("tpchart.store")


class Store:
    """An open tpchart database."""

    def __init__(self, ctx: AccountsContext, path: Path) -> None:
        self._ctx = ctx
        self.path = path
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
        self.accounts = SlotFollowingAccounts(ctx, self.settings, self)
        self.redactions = Redactions(ctx)  # an administrator's signed redaction of the trail
        # Set by open(): True when the file could only be opened read-only (show a banner).
        self.read_only = False
        # What the start-up checks found, whether the last run crashed, unsafe-place warnings.
        self.health: HealthReport | None = None
        self.unclean_exit = False
        self.warnings: list[str] = []
        self._lock: DatabaseLock | None = None
        self._keeper: Keeper | None = None
        self._closed = False

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
        active = store.practitioners.all()
        if len(active) == 1 and not store.accounts.any():
            store.practitioner_id = active[0].id
        store.accounts.tidy_slots()
        return store

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
                    f"{self.path.name} holds a clinic's records; demo patients go only into a "
                    "demo database of their own (tpchart demo writes one)"
                )
            self.settings.set_many({DEMO_KEY: "yes"})

    def transaction(self) -> AbstractContextManager[Database]:
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

    @property
    def is_open(self) -> bool:
        """False once ``close`` has run: nothing can be read or written any more."""
        return not self._closed

    def close(self) -> None:
        """Close the connection (WAL is checkpointed by SQLite on the last close) and
        record a clean exit in the lock file, so the next start needs only quick_check.
        The signed-in practitioner's key is forgotten."""
        self._closed = True
        self._ctx.signed = None
        if self._keeper is not None:
            self._keeper.flush()
        audit.log_chain_head(self._ctx.db)
        self._ctx.db.close()
        if self._lock is not None:
            # A damaged file is not a clean exit: the next start runs the full check
            # before opening and offers a backup.
            self._lock.release(clean=not self.damaged)
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
