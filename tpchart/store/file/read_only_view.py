"""A read-only view of a database whose folder's owner may change it meanwhile.

In a folder this user cannot write, a database without a -shm is opened ``immutable``
(``database.read_only_uri``): SQLite then takes no locks and trusts the file never to
change. If whoever can write that folder opens the same file and saves meanwhile, the
view would go on showing the state it first read (its page cache is never checked
against the file), and a checkpoint rewriting pages under a read could mix old and new
pages or fail as "malformed" on a sound file.

``ReadOnlyView`` stands where the connection would: it notices the owner (a -shm, -wal
or journal beside the file, or the file itself changed since the view opened) before a
statement and reads the statement's rows whole, then looks at the file again. Whatever
changed, the statement is read again on a connection opened afresh, which opens
normally, with the owner's -shm and SQLite's locks, while the owner has the file open.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from tpchart.store.errors import StorageError

# A read that keeps meeting changes is given up after this many tries (each is one
# statement; an owner would have to save between every look at the file).
TRIES = 5

CHANGED_WHILE_READ = (
    "This database is open read-only and was changed by someone who can write its folder "
    "while it was being read; nothing was changed here. Try again in a moment."
)

FileState = tuple[object, ...]
T = TypeVar("T")


def _watched(path: Path) -> tuple[str, ...]:
    return tuple(str(path) + suffix for suffix in ("", "-wal", "-shm", "-journal"))


def _state(names: tuple[str, ...]) -> FileState:
    """What shows that someone wrote the file: its identity, size and times, and the
    same of its -wal, -shm and -journal (None for one that is missing)."""
    state: list[object] = []
    for name in names:
        try:
            st = os.stat(name)
        except FileNotFoundError:
            state.append(None)
        else:
            state.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(state)


# The way a read chose to open a file (its real path, and True for immutable): every
# read-only connection to that file opened inside the read opens so, although the
# owner may have opened or closed it since the choice was made.
_CHOSEN: ContextVar[tuple[str, bool] | None] = ContextVar("tpchart_read_only", default=None)


def opens_immutable(path: Path | str) -> bool:
    """True when ``database.read_only_uri`` opens ``path`` ``immutable`` at this moment:
    its folder cannot be written and nothing beside it says it is open or half-written.
    Such a connection must be watched for the owner (``ReadOnlyView``, ``steadily``).
    Inside ``_opening`` of the same file, the way chosen there."""
    name = os.path.realpath(path)
    chosen = _CHOSEN.get()
    if chosen is not None and chosen[0] == name:
        return chosen[1]
    # A hot rollback journal means the file holds half a write: never immutable then.
    return (
        not os.access(os.path.dirname(name), os.W_OK)
        and not os.path.exists(name + "-shm")
        and not any(has_content(name + s) for s in ("-wal", "-journal"))
    )


@contextmanager
def _opening(path: Path, immutable: bool) -> Iterator[None]:
    """Connections to ``path`` opened inside open ``immutable`` or not, as chosen: what
    the file looked like when the choice was made is what a change is judged against."""
    token = _CHOSEN.set((os.path.realpath(path), immutable))
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def has_content(path: Path | str) -> bool:
    """True when the file at ``path`` exists and is not empty (a -wal or journal that
    holds changes)."""
    try:
        return os.stat(path).st_size > 0
    except FileNotFoundError:
        return False


def _unsettled(before: FileState, after: FileState, immutable: bool) -> bool:
    """Whether a read done between the states ``before`` and ``after`` may not be whole.
    Opened ``immutable`` (no locks), any change counts. Opened normally, SQLite's locks
    keep the read whole, whatever the owner commits; only the owner's -shm going away
    meanwhile (the owner closed first) may have left the read to a connection opened
    ``immutable`` after all. (Opened normally, a reader as root changes the times of
    the -wal and -shm itself: SQLite gives them the database's owner.)"""
    if immutable:
        return after != before
    return before[2] is not None and after[2] is None


def steadily(path: Path, read: Callable[[], T]) -> T:
    """``read()`` of the database at ``path``, done again when the file changed under it
    in a way its connection could not see.

    In a folder this user can write, SQLite's locks keep a read whole: ``read()`` once.
    In one it cannot, the read may be ``immutable``, without locks, and only an unchanged
    file says it was read whole (``_unsettled``). Whatever ``read()`` says then (even an
    error) is not kept; after ``TRIES`` reads that each met a change, a plain-words
    ``StorageError``."""
    if os.access(path.resolve().parent, os.W_OK):
        return read()
    names = _watched(path)
    for _ in range(TRIES):
        before = _state(names)
        immutable = opens_immutable(path)
        try:
            with _opening(path, immutable):
                result = read()
        except sqlite3.DatabaseError:
            if not _unsettled(before, _state(names), immutable):
                raise
            continue
        if not _unsettled(before, _state(names), immutable):
            return result
    raise StorageError(CHANGED_WHILE_READ, "busy")


def _about_the_file(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_NOTADB", "SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_IOERR"))


def _unreadable_now(exc: sqlite3.Error) -> StorageError:
    # The owner may have replaced the file by one this user cannot read (a restore) or
    # by something else, or removed it: not damage here, and nothing of a view's to save.
    return StorageError(
        f"This database was changed by someone who can write its folder and cannot be read "
        f"from here now ({exc}); nothing was changed here. Close this window and open the "
        "file again.",
        "missing",
    )


class Rows:
    """The rows of one statement, read whole: what sqlite_utils and the repositories use
    of a cursor (description, fetchone, fetchall, iteration, lastrowid, rowcount)."""

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.description = cursor.description
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount
        self._rows = iter(rows)

    def __iter__(self) -> Iterator[Any]:
        return self._rows

    def fetchone(self) -> Any:
        """The next row, or None."""
        return next(self._rows, None)

    def fetchmany(self, size: int = 1) -> list[Any]:
        """Up to ``size`` more rows."""
        return [row for _, row in zip(range(size), self._rows, strict=False)]

    def fetchall(self) -> list[Any]:
        """The rows not yet fetched."""
        return list(self._rows)

    def close(self) -> None:
        """Nothing to release: the rows are already read."""


class ReadOnlyView:
    """A connection to ``path`` that is opened again whenever the file's owner changed it.

    ``immutable(path)`` chooses how to open (``opens_immutable``), and ``connect(path)``
    opens a read-only connection so. Everything other than ``execute`` goes to the
    connection of the moment."""

    def __init__(
        self,
        path: Path,
        connect: Callable[[Path], sqlite3.Connection],
        immutable: Callable[[Path], bool] = opens_immutable,
    ) -> None:
        self._path, self._connect, self._chooses_immutable = path, connect, immutable
        self._names = _watched(path)  # looked at before and after every statement
        self._conn: sqlite3.Connection | None = None
        self._open()

    def _open(self) -> None:
        # The state is taken before the connection chooses how to open: a -shm that
        # appears in between is then a change this view notices.
        seen = _state(self._names)
        immutable = self._chooses_immutable(self._path)
        with _opening(self._path, immutable):
            conn = self._connect(self._path)
        if self._conn is not None:
            self._conn.close()
        self._conn, self._seen, self.immutable = conn, seen, immutable

    def _reopen(self) -> None:
        try:
            self._open()
        except sqlite3.Error as exc:
            raise _unreadable_now(exc) from exc

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection of the moment."""
        assert self._conn is not None
        return self._conn

    def _stale(self) -> bool:
        if self.immutable:
            return _state(self._names) != self._seen
        # Opened normally, SQLite follows the owner through the -shm, and this view's
        # lock keeps it there once it has read; only an owner who closed (removing it)
        # before this view first read leaves a connection that cannot read.
        return self._chooses_immutable(self._path)

    def execute(self, sql: str, *parameters: Sequence[Any] | dict[str, Any]) -> Any:
        """Run one statement and read its rows whole. On an ``immutable`` connection they
        are only returned when the file did not change meanwhile; otherwise the
        connection is opened again and the statement read again. Inside a transaction
        (which an ``immutable`` connection cannot hold against the owner) a change is
        refused in plain words instead."""
        for _ in range(TRIES):
            reopened = self._stale() and not self.connection.in_transaction
            if reopened:
                self._reopen()
            try:
                # Read whole even when opened normally: no cursor is left open on a
                # connection that the next statement may close.
                cursor = self.connection.execute(sql, *parameters)
                rows = cursor.fetchall()
            except sqlite3.DatabaseError as exc:
                if reopened and _about_the_file(exc) and not self._stale():
                    raise _unreadable_now(exc) from exc  # the owner's new file
                if not self._stale():
                    raise
            else:
                # Opened normally, SQLite's locks kept the read whole.
                if not self.immutable or not self._stale():
                    return Rows(cursor, rows)
            if self.connection.in_transaction:
                self.connection.rollback()
                self._reopen()
                raise StorageError(CHANGED_WHILE_READ, "busy")
        raise StorageError(CHANGED_WHILE_READ, "busy")

    @property
    def isolation_level(self) -> str | None:
        """The connection's (sqlite_utils sets it around some statements)."""
        return self.connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self.connection.isolation_level = value

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __getattr__(self, name: str) -> Any:
        # in_transaction, total_changes, executemany, ...: the connection of the moment.
        return getattr(self.connection, name)
