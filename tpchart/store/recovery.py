"""Recovering from a damaged database: set files aside (never repair in place) and
restore a verified backup.

A damaged file may still hold records a specialist can recover, so it is renamed,
together with its -wal/-shm/-journal (which belong to it: separated, they are
garbage or, worse, get applied to the wrong file), and never written to.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tpchart.store.backup import (
    BackupFile,
    backup_to,
    copy_database,
    fsync_folder,
    list_backups,
    newest_good_backup,
    verify_backup,
)
from tpchart.store.errors import DatabaseRefused
from tpchart.store.health import check_file
from tpchart.store.locations import backup_folder_for
from tpchart.store.lock import DatabaseLock

# The settings key holding the folder the doctor chose for backups.
BACKUP_FOLDER_SETTING = "backup_folder"

log = logging.getLogger("tpchart.store")

SIDECARS = ("-wal", "-shm", "-journal")


def database_files(path: Path) -> list[Path]:
    """The database and whichever of its -wal, -shm, -journal files exist."""
    path = Path(path)
    files = [path.with_name(path.name + s) for s in SIDECARS]
    return [f for f in [path, *files] if f.exists()]


def set_aside(path: Path, label: str, stamp: datetime | None = None) -> list[Path]:
    """Rename the database and its sidecar files to ``<stem>.<label>-<date time>.db...``
    in the same folder; returns the new names (the database first)."""
    path = Path(path)
    stamp = stamp or datetime.now()
    base = f"{path.stem}.{label}-{stamp:%Y%m%d-%H%M%S}"
    n = 1
    while any(path.with_name(f"{base}{path.suffix}{s}").exists() for s in ("", *SIDECARS)):
        n += 1
        base = f"{path.stem}.{label}-{stamp:%Y%m%d-%H%M%S}-{n}"
    moved = []
    for old in database_files(path):
        new = path.with_name(base + path.suffix + old.name[len(path.name) :])
        os.rename(old, new)
        moved.append(new)
    if moved:
        fsync_folder(path.parent)
        log.warning("Set %s aside as %s", path, ", ".join(p.name for p in moved))
    return moved


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the backup used, where the replaced file went, and the
    backup of the replaced file (None when it was damaged or absent)."""

    restored_from: Path
    kept_aside: list[Path]
    safety_backup: Path | None


def restore_backup(
    database: Path,
    backup: Path,
    backup_folder: Path,
    lock: DatabaseLock | None = None,
) -> RestoreResult:
    """Replace ``database`` with a copy of ``backup`` after verifying it.

    The current file, if any, is first backed up (when healthy) and then set aside, so
    a restore can itself be undone. The database must not be open; ``lock`` is the
    caller's lock, else one is taken here (so a running app refuses the restore)."""
    database, backup = Path(database), Path(backup)
    verify_backup(backup)
    own = None
    if lock is None:
        lock = own = DatabaseLock(database).acquire()
    elif not lock.held:
        raise DatabaseRefused("Restore needs the database lock; it was not taken")
    try:
        safety = None
        kept: list[Path] = []
        if database.exists():
            healthy = database.stat().st_size > 0 and not check_file(database).damaged
            if healthy:
                safety = backup_to(database, backup_folder, reason="before-restore")
            kept = set_aside(database, "replaced" if healthy else "damaged")
        temporary = database.with_name(database.name + ".restoring")
        copy_database(backup, temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, database)
        fsync_folder(database.parent)
    finally:
        if own is not None:
            # Not "clean": the next open runs the full integrity check on the restored file.
            own.release(clean=False)
    log.warning("Restored %s from %s; previous file kept as %s", database, backup, kept)
    return RestoreResult(backup, kept, safety)


@dataclass(frozen=True)
class DamageFound:
    """A damaged database set aside, and the newest good backup found for it."""

    kept_aside: list[Path]
    backup: BackupFile | None
    backup_folder: Path  # where that backup is (or where the default backups would be)


def leftovers(path: Path) -> list[Path]:
    """Damaged databases set aside earlier beside ``path``, newest first."""
    path = Path(path)
    found = path.parent.glob(f"{path.stem}.damaged-*{path.suffix}")
    return sorted(found, key=lambda p: p.name, reverse=True)


def recover_damaged(path: Path, folders: list[Path] = ()) -> DamageFound:
    """Set the damaged database at ``path`` aside (if it is still there) and look for the
    newest good backup: in the folder chosen in that database (when it can still be
    read), then in ``folders``, then in the default folder for ``path``."""
    path = Path(path)
    kept = set_aside(path, "damaged") if path.exists() else leftovers(path)[:1]
    candidates = [*(chosen_backup_folder(kept[0]) for _ in kept[:1]), *folders]
    candidates.append(backup_folder_for(path))
    best: BackupFile | None = None
    best_folder = candidates[-1]
    for folder in filter(None, candidates):
        found = newest_good_backup(folder)
        if found and (best is None or found.taken_at > best.taken_at):
            best, best_folder = found, folder
    return DamageFound(kept, best, best_folder)


def chosen_backup_folder(database: Path) -> Path | None:
    """The backup folder chosen in ``database``, read without writing; None if unknown."""
    try:
        conn = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM settings WHERE key = ?", [BACKUP_FOLDER_SETTING]
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return Path(row[0]) if row and row[0] else None


def retire_backups(folder: Path, stamp: datetime | None = None) -> Path | None:
    """Move the backups in ``folder`` into a sub-folder out of rotation, so a fresh
    database's backups never rotate away the only good copies of the old records."""
    backups = list_backups(folder)
    if not backups:
        return None
    target = Path(folder) / f"kept-{(stamp or datetime.now()):%Y%m%d-%H%M%S}"
    target.mkdir()
    for backup in backups:
        os.rename(backup.path, target / backup.path.name)
    log.warning("Moved %d backup(s) out of rotation into %s", len(backups), target)
    return target
