"""Storage problems in plain words: what happened to the file and what the doctor can do.

SQLite reports a full disk, a read-only file or a failing drive as
``sqlite3.OperationalError`` with a terse message; ``storage_error`` turns those into
a ``StorageError`` whose message can be shown as is. Constraint violations and
programming errors are not translated: they are bugs, not the machine's fault.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from tpchart.core.errors import TpchartError

log = logging.getLogger("tpchart.store")


class DatabaseRefused(TpchartError):
    """The file cannot be used by this app; it was left untouched."""


class DatabaseDamaged(DatabaseRefused):
    """SQLite's own checks found damage; the file was not changed. ``report`` says what."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class DatabaseLost(DatabaseDamaged):
    """The database is missing or empty although records existed: never a new clinic."""


class DatabaseInUse(DatabaseRefused):
    """Another tpchart (or a command) has the database open for writing."""

    def __init__(self, message: str, holder: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


class DemoRefused(TpchartError):
    """Demo data was asked for in a database that holds a clinic's records."""


class StorageError(TpchartError):
    """A change could not be saved because of the disk or the file; it was rolled back.

    ``kind`` is one of ``full``, ``read_only``, ``io``, ``busy``, ``damaged``, ``missing``;
    on a clinic server also ``server`` (the connection was lost and the change certainly
    not saved: the app tries it once more) and ``unknown`` (the connection was lost at
    the commit and the server could not be asked whether it was saved: never retried).
    """

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


_NOT_SAVED = "your last change was not saved"

# Checked in order against SQLite's (extended) error name; the first prefix that matches wins.
_PLAIN_WORDS: list[tuple[str, str, str]] = [
    ("SQLITE_FULL", "full", f"The disk is full; {_NOT_SAVED}. Free some space and try again."),
    (
        "SQLITE_READONLY",
        "read_only",
        f"The database is read-only; {_NOT_SAVED}. "
        "Check that the file and its folder may be written to.",
    ),
    (
        "SQLITE_IOERR",
        "io",
        f"The disk reported an error while saving; {_NOT_SAVED}. "
        "Check that the drive is connected and working, then try again.",
    ),
    (
        "SQLITE_BUSY",
        "busy",
        f"The database is busy (another program is using it); {_NOT_SAVED}. Try again in a moment.",
    ),
    ("SQLITE_LOCKED", "busy", f"The database is busy; {_NOT_SAVED}. Try again in a moment."),
    (
        "SQLITE_CORRUPT",
        "damaged",
        f"The database file is damaged; {_NOT_SAVED}. Close tpchart: at the next start it "
        "keeps the damaged file aside and offers to restore the newest backup.",
    ),
    (
        "SQLITE_NOTADB",
        "damaged",
        f"The database file is damaged; {_NOT_SAVED}. Close tpchart: at the next start it "
        "keeps the damaged file aside and offers to restore the newest backup.",
    ),
    (
        "SQLITE_CANTOPEN",
        "missing",
        f"The database file cannot be reached (was the drive removed?); {_NOT_SAVED}.",
    ),
]


def storage_error(exc: sqlite3.Error) -> StorageError | None:
    """The plain-words error for a disk or file problem, or None for anything else."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, kind, message in _PLAIN_WORDS:
        if name.startswith(prefix):
            log.error("Storage problem (%s): %s", name, exc)
            return StorageError(message, kind)
    return None
