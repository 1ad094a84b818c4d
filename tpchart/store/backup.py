"""Backups through the SQLite backup API: consistent while the app writes, verified,
and renamed into place so a crash never leaves a half-written backup."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from tpchart.core.errors import TpchartError
from tpchart.store.health import check_file


class BackupFailed(TpchartError):
    """A backup could not be written or did not verify; nothing was left in its place."""


def backup_to(source: Path, folder: Path, stamp: datetime | None = None) -> Path:
    """Copy the database at ``source`` into ``folder`` as tpchart-YYYYmmdd-HHMMSS.db."""
    if not source.exists():
        raise BackupFailed(f"There is no database at {source}")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now()
    target = folder / f"tpchart-{stamp:%Y%m%d-%H%M%S}.db"
    temporary = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(temporary)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        temporary.unlink(missing_ok=True)
        raise BackupFailed(f"Backup of {source} failed: {exc}") from exc
    finally:
        src.close()
    report = check_file(temporary)
    if not report.ok:
        temporary.unlink(missing_ok=True)
        raise BackupFailed(
            "The backup did not pass the integrity check: " + "; ".join(report.lines())
        )
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target
