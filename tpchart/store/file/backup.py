"""Backups through the SQLite backup API: consistent while the app writes, verified,
and renamed into place so a crash never leaves a half-written backup.

Backup files are named ``tpchart-YYYYmmdd-HHMMSS-<reason>.db`` so they sort by time
and say why they were taken (close, periodic, before-update, before-restore, manual).

The backup of an encrypted database is encrypted under the same key (the backup API
between two SQLCipher connections), and its key slots are copied beside it
(``<backup>.keys``) before it is renamed into place, so it opens with the
passphrases of its day and never without one.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tpchart.core.errors import TpchartError
from tpchart.store.errors import StorageError
from tpchart.store.file.anchor import SIDECAR_SUFFIX, database_id, head, write_backup_anchor
from tpchart.store.file.database import (
    inspect,
    is_plain,
    key_for,
    keys_path,
    open_connection,
)
from tpchart.store.file.health import check_file
from tpchart.store.file.private import private_folder, touch_private
from tpchart.store.file.read_only_view import steadily
from tpchart.store.records.schema import APPLICATION_ID, SCHEMA_VERSION

log = logging.getLogger("tpchart.store")

_NAME = re.compile(r"^tpchart-(\d{8}-\d{6})(?:-([a-z-]+?))?(?:-(\d+))?\.db$")


class BackupFailed(TpchartError):
    """A backup could not be written or did not verify; nothing was left in its place."""


@dataclass(frozen=True)
class BackupFile:
    """One backup in a backup folder."""

    path: Path
    taken_at: datetime
    reason: str

    def label(self) -> str:
        """How the doctor sees it in a list: local time and why it was taken."""
        return f"{self.taken_at:%d %b %Y %H:%M:%S} ({self.reason or 'manual'})"


def backup_to(
    source: Path,
    folder: Path,
    stamp: datetime | None = None,
    reason: str = "manual",
    create_folder: bool = True,
) -> Path:
    """Copy the database at ``source`` into ``folder``; returns the verified backup.

    ``create_folder=False`` for a folder the doctor chose (an external drive): when it
    is missing the drive is probably unplugged, and creating the path would put the
    backup on the internal disk under the drive's mount point."""
    source, folder = Path(source), Path(folder)
    if not source.exists():
        raise BackupFailed(f"There is no database at {source}")
    if not folder.is_dir():
        if not create_folder:
            raise BackupFailed(
                f"The backup folder {folder} is not available (is the drive connected?); "
                "no backup was made."
            )
        private_folder(folder)
    stamp = stamp or datetime.now()
    target = _free_name(folder, f"tpchart-{stamp:%Y%m%d-%H%M%S}-{reason}")
    temporary = target.with_name(target.name + ".partial")
    try:
        _copy(source, temporary)
        verify_backup(temporary)  # whole, and a tpchart database (not /dev/null's nothing)
        fsync_file(temporary)
        _keys_beside(source, target)  # before the backup exists: it must always open
        os.replace(temporary, target)
        fsync_folder(folder)
        _anchor_beside(target)
    except (OSError, sqlite3.Error) as exc:
        temporary.unlink(missing_ok=True)
        raise BackupFailed(_failure_words(source, folder, exc)) from exc
    except BackupFailed as exc:
        temporary.unlink(missing_ok=True)
        reason = str(exc).removeprefix(f"{temporary} ")
        raise BackupFailed(f"{source} {reason}; no backup was made.") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    log.info("Backed up %s to %s", source, target)
    return target


def copy_database(source: Path, target: Path) -> None:
    """A consistent single-file copy of ``source`` at ``target`` (replaced if present)."""
    _copy(Path(source), Path(target))


def _copy(source: Path, target: Path) -> None:
    # A source in a folder this user cannot write is read without locks: a copy taken
    # while its owner saved is taken again (``steadily``).
    try:
        steadily(source, lambda: _copy_once(source, target))
    except StorageError as exc:
        raise BackupFailed(
            "changed each time it was copied (whoever can write its folder is saving in it)"
        ) from exc


def _copy_once(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    touch_private(target)  # 0600 before SQLite writes a byte into it
    # An encrypted source is copied into a file under the same key (SQLCipher's backup
    # API keeps the encryption); a plain one stays plain.
    key = None if is_plain(source) else key_for(source)
    src = open_connection(source, read_only=True)
    try:
        dst = open_connection(target, key=key)
        try:
            # One step (pages=-1): a single read transaction, so the copy is one moment
            # of the database even while the app goes on writing.
            src.backup(dst)
            # A backup is one self-contained file: no -wal beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _anchor_beside(backup: Path) -> None:
    """The chain head the backup holds, in ``<backup>.anchor`` beside it: one more claim,
    outside the database, that a later cut or rewrite of the trail contradicts
    (`store.file.anchor`). A backup without it is still a whole backup."""
    try:
        if is_plain(backup):
            write_backup_anchor(backup)
        else:
            _encrypted_anchor_beside(backup)
    except (OSError, sqlite3.Error) as exc:
        log.warning("Could not write the anchor beside %s: %s", backup, exc)


def _encrypted_anchor_beside(backup: Path) -> None:
    """``write_backup_anchor`` for an encrypted backup: the same content, read through
    the keyed connection (``store.file.anchor`` opens files with the plain sqlite3)."""
    conn = open_connection(backup, read_only=True)
    try:
        identity, top = database_id(conn), head(conn)
    finally:
        conn.close()
    if identity is None or top is None:
        return
    content = {"database_id": identity, "rows": top[0], "hash": top[1], "written_at": time.time()}
    _write_private(backup.with_name(backup.name + SIDECAR_SUFFIX), json.dumps(content))


def _keys_beside(source: Path, backup: Path) -> None:
    """Copy the key slots of an encrypted ``source`` beside ``backup`` (0600, one rename)."""
    slots = keys_path(source)
    if is_plain(source) or not slots.exists():
        return
    _write_private(keys_path(backup), slots.read_text(encoding="utf-8"))


def _write_private(target: Path, text: str) -> None:
    temporary = target.with_name(target.name + ".partial")
    temporary.unlink(missing_ok=True)
    touch_private(temporary)
    temporary.write_text(text, encoding="utf-8")
    fsync_file(temporary)
    os.replace(temporary, target)


def _free_name(folder: Path, stem: str) -> Path:
    target, n = folder / f"{stem}.db", 2
    while target.exists():
        target, n = folder / f"{stem}-{n}.db", n + 1
    return target


def _failure_words(source: Path, folder: Path, exc: BaseException) -> str:
    full = getattr(exc, "errno", None) == errno.ENOSPC or "SQLITE_FULL" in str(
        getattr(exc, "sqlite_errorname", "")
    )
    if full:
        return f"The backup folder {folder} is on a full disk; no backup was made."
    return f"Backup of {source} into {folder} failed ({exc}); no backup was made."


def fsync_file(path: Path) -> None:
    """Make a file's content durable before it is renamed into place."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, newest first (other files are ignored)."""
    found = []
    if not Path(folder).is_dir():
        return []
    for path in Path(folder).iterdir():
        match = _NAME.match(path.name)
        if match:
            taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
            # Two backups in one second: "-2", "-3"... were taken after the first.
            sequence = int(match.group(3) or 1)
            found.append((taken, sequence, BackupFile(path, taken, match.group(2) or "")))
    found.sort(key=lambda item: item[:2], reverse=True)
    return [backup for _, _, backup in found]


def verify_backup(path: Path) -> None:
    """Raise BackupFailed unless ``path`` is a healthy tpchart database this app can open."""
    report = check_file(path)
    if not report.ok:
        raise BackupFailed(f"{path} is damaged: " + "; ".join(report.lines()[1:]))
    try:
        app_id, version, _ = inspect(path)
    except TpchartError as exc:
        raise BackupFailed(str(exc)) from exc
    if app_id != APPLICATION_ID:
        raise BackupFailed(f"{path} is not a tpchart database")
    if version > SCHEMA_VERSION:
        raise BackupFailed(f"{path} was written by a newer version of tpchart")


def newest_good_backup(folder: Path) -> BackupFile | None:
    """The newest backup in ``folder`` that passes ``integrity_check``, or None."""
    for backup in list_backups(folder):
        try:
            verify_backup(backup.path)
        except BackupFailed as exc:
            log.warning("Skipping backup %s: %s", backup.path, exc)
            continue
        return backup
    return None
