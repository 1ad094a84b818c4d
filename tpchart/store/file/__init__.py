"""Keeping the database file safe: opening it (lock, checks, private modes), its health
(integrity, the -wal, the audit trail), backups and their rotation, restore and what
to do with a damaged or lost file, where files live, and the log. The records inside
are ``tpchart.store.records``' business."""

from __future__ import annotations

# Key slots, unlocking, encrypting a plain file, plain copies (docs/security.md).
from tpchart.store.file import encryption
from tpchart.store.file.backup import (
    BackupFailed,
    BackupFile,
    backup_to,
    fsync_folder,
    list_backups,
    newest_good_backup,
    verify_backup,
)
from tpchart.store.file.database import DatabaseLocked
from tpchart.store.file.exports import (
    ExportRefused,
    protected_paths,
    refuse_unsafe_target,
    require_recordable,
    write_atomic,
    write_bytes_atomic,
    write_folder_atomic,
)
from tpchart.store.file.health import HealthReport, Verdict, check_database, check_file
from tpchart.store.file.locations import (
    backup_folder_for,
    default_backup_folder,
    default_database,
    demo_database,
    location_warnings,
    log_folder,
)
from tpchart.store.file.lock import DatabaseLock, lock_path, read_record
from tpchart.store.file.logfile import log_file, logging_to_file, setup_logging
from tpchart.store.file.opening import (
    BACKUP_FOLDER_SETTING,
    Opened,
    configured_backup_folder,
    open_database,
    writable,
)
from tpchart.store.file.private import create_private
from tpchart.store.file.restore import (
    SIDECARS,
    DamageFound,
    RestoreResult,
    leftovers,
    recover_damaged,
    restore_backup,
    restoring_path,
    retire_backups,
)
from tpchart.store.file.rotation import Retention, rotate
from tpchart.store.file.startup_check import check_beside
from tpchart.store.file.wal import WalReport, inspect_wal

__all__ = [
    "BACKUP_FOLDER_SETTING",
    "SIDECARS",
    "BackupFailed",
    "BackupFile",
    "DamageFound",
    "DatabaseLock",
    "DatabaseLocked",
    "ExportRefused",
    "HealthReport",
    "Opened",
    "RestoreResult",
    "Retention",
    "Verdict",
    "WalReport",
    "backup_folder_for",
    "backup_to",
    "check_beside",
    "check_database",
    "check_file",
    "configured_backup_folder",
    "create_private",
    "default_backup_folder",
    "default_database",
    "demo_database",
    "encryption",
    "fsync_folder",
    "inspect_wal",
    "leftovers",
    "list_backups",
    "location_warnings",
    "lock_path",
    "log_file",
    "log_folder",
    "logging_to_file",
    "newest_good_backup",
    "open_database",
    "protected_paths",
    "read_record",
    "recover_damaged",
    "refuse_unsafe_target",
    "require_recordable",
    "restore_backup",
    "restoring_path",
    "retire_backups",
    "rotate",
    "setup_logging",
    "verify_backup",
    "writable",
    "write_atomic",
    "write_bytes_atomic",
    "write_folder_atomic",
]
