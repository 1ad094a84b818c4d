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

from tpchart.store.errors import DatabaseDamaged, DatabaseLost, DatabaseRefused, StorageError
from tpchart.store.file.backup import backup_to, list_backups
from tpchart.store.file.database import (
    DatabaseLocked,
    check_openable,
    connect,
    is_encrypted,
    key_for,
    needs_migration,
    open_connection,
)
from tpchart.store.file.health import HealthReport, check_file
from tpchart.store.file.locations import (
    backup_folder_for,
    default_backup_folder,
    default_database,
    location_warnings,
)
from tpchart.store.file.lock import DatabaseLock, read_record
from tpchart.store.file.private import tighten, tighten_folder
from tpchart.store.file.restore import (
    BACKUP_FOLDER_SETTING,
    SIDECARS,
    chosen_backup_folder,
    left_behind,
    restoring_path,
)
from tpchart.store.file.startup_check import CHECK_BEFORE_OPENING_BYTES
from tpchart.store.file.wal import inspect_wal

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
    # The real file: its -wal, -journal and lock are beside it, not beside a link to it.
    path = Path(path).resolve()
    if path.exists() and not path.is_file():
        raise DatabaseRefused(f"{path} is not a database file (it is a folder or a device).")
    if is_encrypted(path) and key_for(path) is None:
        # Before the lock: a file that cannot be read is not an unclean exit.
        raise DatabaseLocked(
            f"{path} is encrypted: tpchart needs a practitioner's passphrase to open it "
            "(--passphrase-file FILE, or type it when asked). It was not changed."
        )
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
    _refuse_lost(path, lock, backup_folder)
    _refuse_damaged_wal(path)
    if not read_only:
        _make_private(path)
        _roll_back_interrupted_write(path)
    check_openable(path)
    warnings += _interrupted_restore(path)
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
        try:
            health = check_file(path, full=full, tamper=True)
        except StorageError as exc:
            # Read-only, its folder's owner saving during every try: not damage, nor a
            # file to open unchecked; refused in plain words, as the window shows any.
            raise DatabaseRefused(f"{path} could not be checked before opening. {exc}") from exc
        log.info("Start-up check of %s: %s", path, " | ".join(health.lines()[1:]))
        if health.damaged:
            raise DatabaseDamaged(
                f"{path} is damaged: " + "; ".join(health.integrity[:3]) + ". It was not changed.",
                health,
            )
        if health.audit:
            warnings.append(tampering_warning(path, health.audit))
            log.warning(warnings[-1])
    pre_update = None
    if not read_only and needs_migration(path):
        folder = backup_folder or configured_backup_folder(path)
        pre_update = backup_to(path, folder, reason="before-update")
    if lock is not None:
        lock.hold_file()  # the file's identity: no second writer through another name
    db = connect(path, read_only=read_only)
    if lock is not None:
        lock.refresh()  # the file has data now: an empty file later means it was cut short
    return Opened(db, read_only, own, health, unclean, warnings, pre_update, deferred)


def tampering_warning(path: Path, findings: list[str]) -> str:
    """The start-up warning naming what was changed outside tpchart (the fast checks:
    schema, its record, the anchors). The file opens: the doctor decides."""
    listed = "\n".join(f"- {finding[0].upper()}{finding[1:]}." for finding in findings[:8])
    more = f"\n- and {len(findings) - 8} more" if len(findings) > 8 else ""
    return (
        f"{path.name} was changed outside tpchart since it was last used:\n{listed}{more}\n"
        'Records in it may have been altered. Run "tpchart check" for the full report, '
        "and ask for help before relying on them (the newest backup taken before the "
        "change may be the one to restore)."
    )


def _refuse_lost(path: Path, lock: DatabaseLock | None, backup_folder: Path | None) -> None:
    """A missing or empty file where records were is a lost database: creating a new one
    would show an empty clinic and hide the loss (and its backup at close would become
    the newest). The evidence: the lock record (which keeps "had data" until the doctor
    chooses to start empty), backups of this database, and, when there is no lock record
    at all, a journal with content or files a crash or restore left beside it. (A kill
    during the very first start can leave an empty file and journal: the record then
    says "no data yet", and SQLite rolls that journal back.)"""
    if path.exists() and (not path.is_file() or path.stat().st_size > 0):
        return
    record = lock.previous if lock is not None else read_record(path)
    evidence = ""
    if record is not None and record.get("had_data"):
        evidence = "tpchart's lock record says it held records when it was last used"
    else:
        folder = backup_folder or backup_folder_for(path)
        backups = list_backups(folder)
        if backups:
            evidence = f"there are {len(backups)} backup(s) of it in {folder}"
        elif record is None:
            journals = [path.with_name(path.name + s) for s in SIDECARS]
            found = [j for j in journals if j.exists() and j.stat().st_size > 0]
            found += left_behind(path)
            if found:
                evidence = "files left beside it say it held records: " + ", ".join(
                    f.name for f in found
                )
    if evidence:
        if lock is not None:
            lock.remember_data()
        state = "empty" if path.exists() else "missing"
        raise DatabaseLost(
            f"{path} is {state}, although {evidence}. It was not changed and nothing was "
            "created in its place: "
            "restore a backup (or open tpchart, which offers the newest good one).",
            HealthReport(path, [f"the database file is {state}, although it held records"]),
        )


def _refuse_damaged_wal(path: Path) -> None:
    """A -wal whose header or frames are damaged would make SQLite drop committed
    changes without a word (and delete the -wal at close). Refuse instead, so the
    files are kept aside whole and a backup is offered."""
    wal = inspect_wal(path)
    if wal.damaged:
        raise DatabaseDamaged(
            f"{path} cannot be opened without losing saved changes: {wal.problem}. "
            "Nothing was changed.",
            HealthReport(path, [wal.problem]),
        )


def _make_private(path: Path) -> None:
    """Tighten the modes of the database's files (and of tpchart's own folders) if an
    earlier version or another tool left them readable by others."""
    if path.resolve() == default_database().resolve():
        tighten_folder(path.parent)
        tighten_folder(default_backup_folder())
    for file in (path, *(path.with_name(path.name + s) for s in SIDECARS)):
        tighten(file)


def _interrupted_restore(path: Path) -> list[str]:
    """A restore stopped before its final rename leaves its staged copy behind; the
    database itself is as it was before. Say so (logged, and shown by the app)."""
    staged = restoring_path(path)
    if not staged.exists():
        return []
    warning = (
        f"A restore of {path.name} from a backup was interrupted before it finished; the "
        f"database is as it was before the restore. The unfinished copy is {staged}: "
        "restore again from Settings > Backups if you still want the backup."
    )
    log.warning(warning)
    return [warning]


def _roll_back_interrupted_write(path: Path) -> None:
    """Let SQLite roll back a "hot" journal left by a write interrupted in rollback-journal
    mode (a first start, or a network drive without WAL). That restores the last
    committed state; it is SQLite's own recovery, not a repair, and the read-only checks
    that follow cannot run until it is done."""
    journal = path.with_name(path.name + "-journal")
    if not (path.exists() and journal.exists() and journal.stat().st_size > 0):
        return
    log.warning("%s: rolling back a write interrupted by a crash", path)
    conn = open_connection(path, isolation_level=None)
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


__all__ = [
    "BACKUP_FOLDER_SETTING",
    "DatabaseRefused",
    "Opened",
    "open_database",
    "tampering_warning",
]
