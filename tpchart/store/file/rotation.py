"""Which backups to keep: the most recent few, then one per day, week and month, capped.

A doctor who notices a mistake weeks later can still go back to before it, while the
folder never grows without bound.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tpchart.store.file.anchor import SIDECAR_SUFFIX
from tpchart.store.file.backup import BackupFile, list_backups
from tpchart.store.file.database import keys_path
from tpchart.store.file.private import tighten

log = logging.getLogger("tpchart.store")


@dataclass(frozen=True)
class Retention:
    """How many backups of each kind survive a rotation."""

    recent: int = 10
    daily: int = 7
    weekly: int = 5
    monthly: int = 12
    cap: int = 40


def to_keep(backups: list[BackupFile], policy: Retention = Retention()) -> set[Path]:
    """The backups a rotation keeps: for each rule, the newest backup of each of the
    newest N periods that have one; at most ``policy.cap`` in all, newest first."""
    newest_first = sorted(backups, key=lambda b: b.taken_at, reverse=True)
    keep: list[BackupFile] = list(newest_first[: policy.recent])
    for count, period in (
        (policy.daily, lambda t: t.date()),
        (policy.weekly, lambda t: t.isocalendar()[:2]),
        (policy.monthly, lambda t: (t.year, t.month)),
    ):
        seen: set[object] = set()
        for backup in newest_first:
            key = period(backup.taken_at)
            if key not in seen and len(seen) < count:
                seen.add(key)
                keep.append(backup)
    unique = sorted(set(keep), key=lambda b: b.taken_at, reverse=True)
    return {b.path for b in unique[: policy.cap]}


def rotate(
    folder: Path, policy: Retention = Retention(), now: datetime | None = None
) -> list[Path]:
    """Delete the backups in ``folder`` that ``to_keep`` drops, and leftovers of backups
    interrupted more than an hour ago; returns what was deleted."""
    backups = list_backups(folder)
    kept = to_keep(backups, policy)
    removed = []
    for backup in backups:
        if backup.path not in kept:
            backup.path.unlink(missing_ok=True)
            # Its anchor (the chain head it held) and key slots go with it.
            backup.path.with_name(backup.path.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
            keys_path(backup.path).unlink(missing_ok=True)
            removed.append(backup.path)
        else:
            tighten(backup.path)  # a backup an older version left readable by others
    cutoff = (now.timestamp() if now else time.time()) - 3600
    for partial in Path(folder).glob("tpchart-*.partial"):
        if partial.stat().st_mtime < cutoff:
            partial.unlink(missing_ok=True)
            removed.append(partial)
    if removed:
        log.info("Backup rotation removed %d old file(s) from %s", len(removed), folder)
    return removed
