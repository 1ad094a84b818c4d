"""What every repository shares: the connection and who is making changes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from tpchart.core.errors import NotFoundError, ValidationError
from tpchart.store.errors import StorageError, storage_error

# How long a write waits for the start-up check before it is refused (the window
# freezes meanwhile, so briefly; a check stalled on a slow drive must not hang the app).
WRITE_WAIT_SECONDS = 3.0


class WriteGate:
    """Holds writes back until the start-up check of a large file, run beside the window
    (``tpchart.store.file.startup_check``), has answered."""

    def __init__(self) -> None:
        self._answered = threading.Event()
        self.damaged = False

    @property
    def pending(self) -> bool:
        """True while the check is still running."""
        return not self._answered.is_set()

    def answer(self, damaged: bool) -> None:
        """Let writes through (sound file) or refuse them for good (damaged file)."""
        self.damaged = damaged
        self._answered.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait (a few seconds at most) for the check's answer; refuse the write while
        it is still running or when it found damage. The refusal rolls nothing back
        that was saved, and the screen reloads from the file."""
        if not self._answered.wait(WRITE_WAIT_SECONDS if timeout is None else timeout):
            raise StorageError(
                "The database is still being checked after opening; your last change was "
                "not saved. Try again in a moment.",
                "busy",
            )
        if self.damaged:
            raise StorageError(
                "The start-up check found this database damaged, so nothing more is saved "
                "to it. Close tpchart: the next start offers the newest good backup.",
                "damaged",
            )


class RecordDatabase(Protocol):
    """What the repositories use of their database: ``sqlite_utils.Database`` on a
    file, ``tpchart.store.server.database.ServerDatabase`` on the clinic server. SQL is
    written in SQLite's dialect; the server's face translates it."""

    conn: Any  # in_transaction, executemany, total_changes

    def execute(self, sql: str, parameters: Any = None, /) -> Any:
        """Run one statement; a cursor (fetchone, fetchall, description, lastrowid)."""
        ...

    def atomic(self) -> AbstractContextManager[Any]:
        """One transaction; nested, a savepoint."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@dataclass
class Context:
    """The open database and the practitioner recorded as "who" in the audit trail."""

    db: RecordDatabase
    practitioner_id: int | None = None
    # Set while the start-up check of a large file runs beside the window.
    gate: WriteGate | None = None

    @property
    def on_server(self) -> bool:
        """True on the clinic server (PostgreSQL), for the few queries whose SQLite form
        relies on the file's schema (a NOCASE column) and has no common spelling."""
        return bool(getattr(self.db, "on_server", False))

    def who(self) -> int:
        """The current practitioner, required for any change to clinical data."""
        if self.practitioner_id is None:
            raise ValidationError("Choose the practitioner using tpchart before making changes")
        return self.practitioner_id

    @contextmanager
    def transaction(self) -> Iterator[RecordDatabase]:
        """One user action: ``db.atomic()`` (savepoints nest) whose disk and file failures
        (full, read-only, I/O, busy) come out as a plain-words ``StorageError``.
        SQLite has already rolled the change back, so the screen can reload from the file.
        While a start-up check runs beside the window, writes wait for its answer."""
        if self.gate is not None:
            self.gate.wait()
        try:
            with self.db.atomic():
                yield self.db
        except sqlite3.Error as exc:
            error = storage_error(exc)
            if error is None:
                raise
            raise error from exc

    def row(self, table: str, row_id: int, what: str) -> dict[str, Any]:
        """One row as a dict, or NotFoundError naming the record in plain words."""
        if not -(2**63) <= row_id < 2**63:  # beyond what SQLite can store: no such row
            raise NotFoundError(f"{what} {row_id} does not exist")
        cursor = self.db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
        values = cursor.fetchone()
        if values is None:
            raise NotFoundError(f"{what} {row_id} does not exist")
        return dict(zip([c[0] for c in cursor.description], values, strict=True))

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Query results as dicts (for this package only; never handed to the UI)."""
        cursor = self.db.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """INSERT one row; returns its id. Call inside the caller's transaction."""
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cursor = self.db.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(values.values())
        )
        row_id = cursor.lastrowid
        assert row_id is not None  # an INSERT always has one
        return row_id

    def insert_returning(self, table: str, values: dict[str, Any], what: str) -> dict[str, Any]:
        """INSERT one row and return it as stored, as ``row`` reads it back. Call inside
        the caller's transaction. On the clinic server in one statement (``RETURNING
        *``: a round trip fewer). Not on a file, where a read costs no round trip and
        SQLite's RETURNING gives a whole number stored in a REAL column as an integer
        (270, where reading the row gives 270.0), which would change the audit image."""
        if not self.on_server:
            return self.row(table, self.insert(table, values), what)
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cursor = self.db.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({marks}) RETURNING *",
            list(values.values()),
        )
        (stored,) = cursor.fetchall()
        return dict(zip([c[0] for c in cursor.description], stored, strict=True))

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """UPDATE the given columns of one row. Call inside the caller's transaction."""
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE [{table}] SET {assignments} WHERE id = ?", [*values.values(), row_id]
        )
