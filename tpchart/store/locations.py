"""Where tpchart keeps its files by default: per user, per operating system."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "tpchart"


def default_database() -> Path:
    """The database used when no --db is given, in the user's data folder."""
    return user_data_path(APP_NAME, appauthor=False) / "tpchart.db"


def default_backup_folder() -> Path:
    """Where automatic backups go unless the doctor picks another folder."""
    return user_data_path(APP_NAME, appauthor=False) / "backups"


def log_folder() -> Path:
    """Where the rotating log file lives."""
    return user_log_path(APP_NAME, appauthor=False)
