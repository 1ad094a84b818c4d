"""Opening a database the safe way: lock, look, check, back up, then connect.

Order matters. The lock comes first so no second copy of the app can start writing
while this one checks. The checks run on read-only connections before anything
writes (even switching to WAL rewrites the header), so a damaged file is reported,
never "repaired". A backup is taken before a migration changes the schema.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from tpchart.store.backup import backup_to
from tpchart.store.database import check_openable, connect, needs_migration
from tpchart.store.errors import DatabaseDamaged, DatabaseRefused
from tpchart.store.health import HealthReport, check_file
from tpchart.store.locations import backup_folder_for, location_warnings
from tpchart.store.lock import DatabaseLock
from tpchart.store.recovery import BACKUP_FOLDER_SETTING, SIDECARS, chosen_backup_folder
from tpchart.store.startup_check import CHECK_BEFORE_OPENING_BYTES

log = logging.getLogger("tpchart.store")


@dataclass
class Opened:
    """An open connection and what was found on the way."""

    db: Database
    read_only: bool
    lock: DatabaseLock | None  # held by this open (None when read-only or the caller's)
    health: HealthReport | None  # None for a new, empty database
    unclean_exit: bool
    warnings: list[str] = field(default_factory=list)
    pre_update_backup: Path | None = None
    # True when the quick_check was left to run beside the window (a large file).
    check_deferred: bool = False


def open_database(
    path: Path,
    read_only: bool | None = None,
    lock: DatabaseLock | None = None,
    backup_folder: Path | None = None,
    defer_check: bool = False,
) -> Opened:
    """Open ``path`` for the app or a command. ``read_only=None`` opens read-only when
    the file or its folder cannot be written. ``defer_check`` lets the quick_check of a
    large file after a clean exit run beside the window (``startup_check``). Raises
    DatabaseInUse, DatabaseDamaged or DatabaseRefused, always leaving the file as it was."""
    path = Path(path)
    if read_only is None:
        read_only = not writable(path)
        if read_only:
            log.warning("%s cannot be written: opening it read-only", path)
    own = None
    if not read_only and lock is None:
        lock = own = DatabaseLock(path).acquire()
    try:
        return _open_checked(path, read_only, lock, own, backup_folder, defer_check)
    except BaseException:
        if own is not None:
            own.release(clean=False)  # keep "unclean": the next start checks everything
        raise


def _open_checked(
    path: Path,
    read_only: bool,
    lock: DatabaseLock | None,
    own: DatabaseLock | None,
    backup_folder: Path | None,
    defer_check: bool = False,
) -> Opened:
    warnings = location_warnings(path)
    for warning in warnings:
        log.warning(warning)
    # Unknown (no lock record: first open here, or the lock file was deleted) counts as
    # unclean for the check, but is only reported as a crash when the record says so.
    check_fully = lock is not None and not lock.previous_exit_clean
    unclean = check_fully and lock is not None and lock.previous is not None
    _refuse_emptied(path, lock)
    if not read_only:
        _roll_back_interrupted_write(path)
    check_openable(path)
    health = None
    size = path.stat().st_size if path.exists() else 0
    # A schema update writes at once, so an update never goes ahead of the check.
    deferred = (
        defer_check
        and not check_fully
        and size > CHECK_BEFORE_OPENING_BYTES
        and not needs_migration(path)
    )
    if deferred:
        log.info("%s: %d MB, checked beside the window", path, size // 2**20)
    elif size > 0:
        # Full check after a crash (or when unknown); quick_check otherwise, every time.
        full = check_fully and not read_only
        health = check_file(path, full=full)
        log.info("Start-up check of %s: %s", path, " | ".join(health.lines()[1:]))
        if health.damaged:
            raise DatabaseDamaged(
                f"{path} is damaged: " + "; ".join(health.integrity[:3]) + ". It was not changed.",
                health,
            )
    pre_update = None
    if not read_only and needs_migration(path):
        folder = backup_folder or configured_backup_folder(path)
        pre_update = backup_to(path, folder, reason="before-update")
    db = connect(path, read_only=read_only)
    if lock is not None:
        lock.refresh()  # the file has data now: an empty file later means it was cut short
    return Opened(db, read_only, own, health, unclean, warnings, pre_update, deferred)


def _refuse_emptied(path: Path, lock: DatabaseLock | None) -> None:
    """An empty file where a database was is a truncated database: creating a new one
    would hide the loss. The lock record says whether the file ever held data; without
    a record, a journal with content beside the empty file is taken as that evidence.
    (A kill during the very first start can leave an empty file and journal: the
    record then says "no data yet", and SQLite rolls that journal back.)"""
    if not path.exists() or path.stat().st_size > 0:
        return
    if lock is not None and lock.previous is not None:
        truncated = lock.previous_had_data
    else:
        journals = [path.with_name(path.name + s) for s in SIDECARS]
        truncated = any(j.exists() and j.stat().st_size > 0 for j in journals)
    if truncated:
        raise DatabaseDamaged(
            f"{path} is empty although it held records (it was cut short). It was not changed.",
            HealthReport(path, ["the file is empty"]),
        )


def _roll_back_interrupted_write(path: Path) -> None:
    """Let SQLite roll back a "hot" journal left by a write interrupted in rollback-journal
    mode (a first start, or a network drive without WAL). That restores the last
    committed state; it is SQLite's own recovery, not a repair, and the read-only checks
    that follow cannot run until it is done."""
    journal = path.with_name(path.name + "-journal")
    if not (path.exists() and journal.exists() and journal.stat().st_size > 0):
        return
    log.warning("%s: rolling back a write interrupted by a crash", path)
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # the first read rolls it back
    except sqlite3.DatabaseError as exc:
        log.error("%s: the interrupted write could not be rolled back: %s", path, exc)
    finally:
        conn.close()


def writable(path: Path) -> bool:
    """Whether the app may write ``path`` and create its -wal, -shm and lock beside it."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


def configured_backup_folder(path: Path) -> Path:
    """The backup folder chosen for ``path`` (read without writing), else its default."""
    chosen = None
    if path.exists() and path.stat().st_size > 0:
        chosen = chosen_backup_folder(path)
    return chosen or backup_folder_for(path)


__all__ = ["BACKUP_FOLDER_SETTING", "DatabaseRefused", "Opened", "open_database"]
