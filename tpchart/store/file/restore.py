"""Recovering from a damaged database: set files aside (never repair in place) and
restore a verified backup.

A damaged file may still hold records a specialist can recover, so it is renamed,
together with its -wal/-shm/-journal (which belong to it: separated, they are
garbage or, worse, get applied to the wrong file), and never written to.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tpchart.store.errors import DatabaseRefused
from tpchart.store.file.anchor import database_id, head, reanchor, write_anchor
from tpchart.store.file.backup import (
    BackupFailed,
    BackupFile,
    backup_to,
    copy_database,
    fsync_file,
    fsync_folder,
    list_backups,
    newest_good_backup,
    verify_backup,
)
from tpchart.store.file.database import (
    DatabaseLocked,
    is_plain,
    keys_path,
    open_connection,
)
from tpchart.store.file.health import check_file
from tpchart.store.file.locations import backup_folder_for
from tpchart.store.file.lock import DatabaseLock
from tpchart.store.file.private import FILE_MODE, FOLDER_MODE

# The settings key holding the folder the doctor chose for backups.
BACKUP_FOLDER_SETTING = "backup_folder"

log = logging.getLogger("tpchart.store")

SIDECARS = ("-wal", "-shm", "-journal")


def database_files(path: Path) -> list[Path]:
    """The database and whichever of its -wal, -shm, -journal files exist."""
    path = Path(path)
    files = [path.with_name(path.name + s) for s in SIDECARS]
    return [f for f in [path, *files] if f.exists()]


def restoring_path(database: Path) -> Path:
    """Where a restore stages its verified copy before the one atomic rename."""
    database = Path(database)
    return database.with_name(database.name + ".restoring")


def set_aside(
    path: Path, label: str, stamp: datetime | None = None, *, keep_in_place: bool = False
) -> list[Path]:
    """Rename the database and its sidecar files to ``<stem>.<label>-<date time>.db...``
    in the same folder; returns the new names (the database first).

    ``keep_in_place`` gives the database its new name as a hard link (a copy where the
    file system has none) and leaves it at ``path`` too, for a restore to replace in one
    atomic rename: the path never stands empty."""
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
        if old == path and keep_in_place:
            _link_or_copy(old, new)
        else:
            os.rename(old, new)
        moved.append(new)
    if moved:
        fsync_folder(path.parent)
        log.warning("Set %s aside as %s", path, ", ".join(p.name for p in moved))
    return moved


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # FAT and exFAT drives, some network shares: no hard links
        shutil.copyfile(source, target)
        os.chmod(target, FILE_MODE)
        fsync_file(target)


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

    Copy and verify first, then swap in one atomic rename: at every instant the path
    holds either the old database or the restored one, so a restore killed at any
    moment never leaves an empty clinic. The current file, if any, is backed up first
    (when healthy) and kept aside under a ``replaced-`` (or ``damaged-``) name, so a
    restore can itself be undone. The database must not be open; ``lock`` is the
    caller's lock, else one is taken here (so a running app refuses the restore)."""
    # Through a link the real file is restored (the link stays a link) and kept aside.
    database, backup = Path(database).resolve(), Path(backup)
    verify_backup(backup)
    own = None
    if lock is None:
        lock = own = DatabaseLock(database).acquire()
    elif not lock.held:
        raise DatabaseRefused("Restore needs the database lock; it was not taken")
    staged = restoring_path(database)
    try:
        copy_database(backup, staged)
        verify_backup(staged)
        fsync_file(staged)
        safety = None
        kept: list[Path] = []
        if database.exists():
            healthy = database.stat().st_size > 0 and not check_file(database).damaged
            if healthy:
                safety = backup_to(database, backup_folder, reason="before-restore")
                # No -wal may stay beside the path: SQLite would apply it to the new file.
                fold_journal(database)
            kept = set_aside(database, "replaced" if healthy else "damaged", keep_in_place=True)
        _keys_for_restored(database, backup)
        os.replace(staged, database)
        fsync_folder(database.parent)
        # The restored chain is shorter than the one the anchor claims: a restore is the
        # doctor's choice, not tampering, so the anchor follows it (the replaced file is
        # kept aside above with the longer chain).
        _reanchor(database)
    except BaseException:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise
    finally:
        if own is not None:
            # Not "clean": the next open runs the full integrity check on the restored file.
            own.release(clean=False)
    log.warning("Restored %s from %s; previous file kept as %s", database, backup, kept)
    return RestoreResult(backup, kept, safety)


def _keys_for_restored(database: Path, backup: Path) -> None:
    """An encrypted backup restored where no key file is (the database was lost, or
    was plain): its own key slots go beside the database first, so the restored file
    always opens. A key file already there is kept: it has the same key and the
    newest slots (a practitioner added or removed since the backup)."""
    if is_plain(backup) or keys_path(database).exists() or not keys_path(backup).exists():
        return
    target, temporary = keys_path(database), keys_path(database).with_suffix(".keys-partial")
    shutil.copyfile(keys_path(backup), temporary)
    os.chmod(temporary, FILE_MODE)
    fsync_file(temporary)
    os.replace(temporary, target)


def _reanchor(database: Path) -> None:
    """``anchor.reanchor``, through the keyed connection for an encrypted database
    (``store.file.anchor`` opens files with the plain sqlite3)."""
    if is_plain(database):
        reanchor(database)
        return
    conn = open_connection(database, read_only=True)
    try:
        identity, top = database_id(conn), head(conn)
    finally:
        conn.close()
    if identity is not None and top is not None:
        write_anchor(database, identity, *top)


def fold_journal(database: Path) -> None:
    """Fold a healthy database's -wal into the file and leave no sidecar beside it. A
    checkpoint only copies committed pages into the file (a kill during it leaves the
    -wal to be applied again), and the last connection's close removes the -wal and
    -shm; switching the journal mode instead would write through a rollback journal,
    and a kill there would leave a hot journal that a reader cannot open."""
    conn = open_connection(database, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    for sidecar in database_files(database)[1:]:
        if sidecar.name.endswith("-shm") or sidecar.stat().st_size == 0:
            sidecar.unlink()  # an index or an empty log: nothing of the records
        else:
            raise BackupFailed(
                f"{sidecar.name} could not be folded into {database.name}; nothing was restored."
            )


@dataclass(frozen=True)
class DamageFound:
    """A damaged (or lost) database set aside, the newest good copy found for it, and
    other copies left beside it that the doctor should know of."""

    kept_aside: list[Path]
    backup: BackupFile | None
    backup_folder: Path  # where that backup is (or where the default backups would be)
    also_kept: list[Path] = field(default_factory=list)


def _kept(path: Path, label: str) -> list[Path]:
    """Databases ``set_aside`` kept beside ``path`` under ``label`` (not their sidecars)."""
    path = Path(path)
    return list(path.parent.glob(f"{path.stem}.{label}-*{path.suffix}"))


def leftovers(path: Path) -> list[Path]:
    """Damaged databases set aside earlier beside ``path``, newest first."""
    return sorted(_kept(path, "damaged"), key=lambda p: p.name, reverse=True)


def left_behind(path: Path) -> list[Path]:
    """Copies of ``path`` that damage, a restore or an interrupted restore left beside
    it (``damaged-``, ``replaced-``, ``.restoring``), newest first."""
    found = [*_kept(path, "damaged"), *_kept(path, "replaced")]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)  # the newest records first
    staged = restoring_path(path)
    return [*([staged] if staged.exists() else []), *found]


_KEPT_STAMP = re.compile(r"\.replaced-(\d{8}-\d{6})(?:-\d+)?")


def _replaced_copies(path: Path) -> list[BackupFile]:
    """Databases kept aside by earlier restores: each is the whole database as it was
    just before that restore, so it may be newer than any backup."""
    copies = []
    for kept in _kept(path, "replaced"):
        match = _KEPT_STAMP.search(kept.name)
        if match is None:
            continue
        taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
        copies.append(BackupFile(kept, taken, "kept aside before a restore"))
    return copies


def recover_damaged(path: Path, folders: Sequence[Path] = ()) -> DamageFound:
    """Set the damaged (or emptied) database at ``path`` aside, if it is still there, and
    look for the newest good copy: backups in the folder chosen in that database (when
    it can still be read), in ``folders`` and in the default folder for ``path``, and
    databases kept aside beside it by earlier restores."""
    path = Path(path)
    kept = set_aside(path, "damaged") if path.exists() else leftovers(path)[:1]
    default = backup_folder_for(path)
    chosen = chosen_backup_folder(kept[0]) if kept else None
    candidates = [*([chosen] if chosen else []), *folders, default]
    best: BackupFile | None = None
    best_folder = default
    for folder in candidates:
        found = newest_good_backup(folder)
        if found and (best is None or found.taken_at > best.taken_at):
            best, best_folder = found, folder
    for copy in sorted(_replaced_copies(path), key=lambda b: b.taken_at, reverse=True):
        if best is not None and copy.taken_at <= best.taken_at:
            break
        try:
            verify_backup(copy.path)
        except BackupFailed:
            continue
        best = copy
        break
    others = [p for p in left_behind(path) if p not in kept and (best is None or p != best.path)]
    return DamageFound(kept, best, best_folder, others)


def chosen_backup_folder(database: Path) -> Path | None:
    """The backup folder chosen in ``database``, read without writing; None if unknown."""
    try:
        conn = open_connection(database, read_only=True)
        try:
            row = conn.execute(
                "SELECT value FROM settings WHERE key = ?", [BACKUP_FOLDER_SETTING]
            ).fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, DatabaseLocked):
        return None  # unreadable, or encrypted and not unlocked: the default folder
    return Path(row[0]) if row and row[0] else None


def retire_backups(folder: Path, stamp: datetime | None = None) -> Path | None:
    """Move the backups in ``folder`` into a sub-folder out of rotation, so a fresh
    database's backups never rotate away the only good copies of the old records."""
    backups = list_backups(folder)
    if not backups:
        return None
    target = Path(folder) / f"kept-{(stamp or datetime.now()):%Y%m%d-%H%M%S}"
    target.mkdir(mode=FOLDER_MODE)
    for backup in backups:
        os.rename(backup.path, target / backup.path.name)
    log.warning("Moved %d backup(s) out of rotation into %s", len(backups), target)
    return target
