"""Patient files are private to the user who owns them: 0600 files in 0700 folders.

The database, its -wal and -shm (SQLite gives them the database file's mode), the
lock record, backups, logs and exported documents are created with these modes
whatever the umask, and an existing file found readable by others is tightened when
tpchart opens it (and the log says so). Folders are made private only when tpchart
creates them or owns them by default (its data, backup and log folders): a folder the
doctor chose, such as Documents or an external drive, is theirs to set.

Windows keeps files private through the per-user profile folders' access lists;
POSIX modes mean nothing there, so these functions only create folders on Windows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("tpchart.store")

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_POSIX = os.name == "posix"


def private_folder(folder: Path | str) -> Path:
    """Create ``folder`` and any missing parents as 0700 folders (the umask cannot widen
    or narrow them); an existing folder is left as it is."""
    folder = Path(folder)
    missing = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process
        if _POSIX:
            os.chmod(new, FOLDER_MODE)
    return folder


def tighten_folder(folder: Path | str) -> None:
    """Make a folder tpchart owns by default (data, backups, log) 0700 again if it is
    open to others; created if missing."""
    folder = private_folder(folder)
    _tighten(folder, FOLDER_MODE, "folder")


def create_private(path: Path | str) -> int:
    """Create ``path`` as a new, empty 0600 file and return its open descriptor (write
    only); FileExistsError if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    if _POSIX:
        os.fchmod(fd, FILE_MODE)
    return fd


def touch_private(path: Path | str) -> None:
    """Create ``path`` as an empty 0600 file unless it exists (so that SQLite, which
    gives -wal and -shm the database's mode, writes into a private file)."""
    with contextlib.suppress(FileExistsError):
        os.close(create_private(path))


def tighten(path: Path | str) -> bool:
    """Make an existing file of this user 0600 if others may read or write it; True
    when it was changed (logged). Missing files and other users' files are left alone."""
    return _tighten(Path(path), FILE_MODE, "file")


def _tighten(path: Path, mode: int, what: str) -> bool:
    if not _POSIX:
        return False
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    current = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.getuid() or current & 0o077 == 0:
        return False
    try:
        os.chmod(path, mode)
    except OSError as exc:  # a read-only mount: say so, the file is still usable
        log.warning("Could not make the %s %s private (mode %o): %s", what, path, current, exc)
        return False
    log.warning("Made the %s %s private: mode %o was %o", what, path, mode, current)
    return True
