"""Automatic backups of an open store: on close, periodically while it changed, and on
demand; each followed by a rotation of the backup folder.

The folder is a setting stored with the records (``backup_folder``); when none was
chosen, ``tpchart.store.file.locations.backup_folder_for`` decides.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tpchart.store import Store
from tpchart.store.file.backup import BackupFile, backup_to, list_backups
from tpchart.store.file.locations import backup_folder_for, location_warnings
from tpchart.store.file.restore import BACKUP_FOLDER_SETTING
from tpchart.store.file.rotation import Retention, rotate

log = logging.getLogger("tpchart.store")

# How often the app looks whether a periodic backup is due.
PERIOD_MINUTES = 10


class AutoBackup:
    """Backups of one open store into its backup folder."""

    def __init__(self, store: Store, retention: Retention | None = None) -> None:
        self.store = store
        self.retention = retention or Retention()
        # Changes already in a backup: nothing new since the open, until the doctor writes.
        self._backed_up_at = store.changes()

    @property
    def chosen_folder(self) -> Path | None:
        """The folder the doctor chose, or None for the default."""
        value = self.store.settings.get(BACKUP_FOLDER_SETTING)
        return Path(value) if value else None

    @property
    def folder(self) -> Path:
        """Where the next backup goes."""
        return self.chosen_folder or backup_folder_for(self.store.path)

    def choose_folder(self, folder: Path | None) -> list[str]:
        """Store the doctor's choice (None: back to the default); returns warnings about
        the new place (network drive, cloud folder), to be shown."""
        self.store.settings.set_many({BACKUP_FOLDER_SETTING: str(folder) if folder else ""})
        warnings = location_warnings(self.folder, "backup folder")
        for warning in warnings:
            log.warning(warning)
        return warnings

    @property
    def changed(self) -> bool:
        """True when something was written since the last backup (or the open)."""
        return self.store.changes() != self._backed_up_at

    def take(self, reason: str = "manual") -> Path:
        """Back up now and rotate; raises BackupFailed in plain words."""
        changes = self.store.changes()
        # A chosen folder is probably an external drive: never create it, say it is missing.
        target = backup_to(
            self.store.path, self.folder, reason=reason, create_folder=self.chosen_folder is None
        )
        self._backed_up_at = changes
        rotate(self.folder, self.retention)
        return target

    def take_if_changed(self, reason: str) -> Path | None:
        """Back up only when something changed since the last backup."""
        if self.store.read_only or not self.changed:
            return None
        return self.take(reason)

    def backups(self) -> list[BackupFile]:
        """The backups in the folder, newest first."""
        return list_backups(self.folder)
