"""The record store: SQLite through sqlite-utils, returning core dataclasses only.

``Store.open(path)`` gives one object with a repository per aggregate::

    store = Store.open(path)
    store.practitioner_id = store.practitioners.all()[0].id
    patient = store.patients.add(Patient(...))

Every public method that changes data is one transaction with its audit rows.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from tpchart.core.audit import AuditEntry
from tpchart.store import audit
from tpchart.store.context import Context
from tpchart.store.database import DatabaseRefused, connect
from tpchart.store.patients import Patients
from tpchart.store.points import TriggerPoints
from tpchart.store.practitioners import Practitioners
from tpchart.store.sessions import Sessions
from tpchart.store.settings import Settings

__all__ = ["DatabaseRefused", "Store"]


class Store:
    """An open tpchart database."""

    def __init__(self, ctx: Context, path: Path) -> None:
        self._ctx = ctx
        self.path = path
        self.practitioners = Practitioners(ctx)
        self.patients = Patients(ctx)
        self.sessions = Sessions(ctx)
        self.points = TriggerPoints(ctx)
        self.settings = Settings(ctx)

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open or create the database at ``path``; refuses foreign or newer files.
        The only active practitioner, if there is exactly one, becomes the current one."""
        path = Path(path)
        store = cls(Context(connect(path)), path)
        active = store.practitioners.all()
        if len(active) == 1:
            store.practitioner_id = active[0].id
        return store

    @property
    def practitioner_id(self) -> int | None:
        """Who is recorded as making changes."""
        return self._ctx.practitioner_id

    @practitioner_id.setter
    def practitioner_id(self, value: int | None) -> None:
        if value is not None:
            self.practitioners.get(value)
        self._ctx.practitioner_id = value

    def transaction(self) -> AbstractContextManager[object]:
        """Group several changes into one transaction (savepoints nest), so a
        multi-point action such as carry forward or its undo commits whole or not at all."""
        return self._ctx.transaction()

    def audit_trail(self, table: str | None = None, row_id: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first."""
        return audit.trail(self._ctx.db, table, row_id)

    def close(self) -> None:
        """Close the connection (WAL is checkpointed by SQLite on the last close)."""
        self._ctx.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
