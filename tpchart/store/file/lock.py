"""One writer per database: operating-system locks on the database's identity.

Two locks are held while a process may write. ``flock`` on ``<database>.lock`` (beside
the database's real path, so a symlink finds the same lock file) carries the record
of who holds it; ``flock`` on the database file itself ties the lock to the file's
identity (device and inode), so a hard link, a symlink or a deleted lock file cannot
let a second writer in. (Windows: ``msvcrt.locking`` on the lock file only; network
file systems: the lock file only, because there ``flock`` becomes a POSIX lock that
would collide with SQLite's own locks.) The operating system drops both when the
process ends in any way, kill -9 and power loss included, so a lock left by a crash
never blocks the next start: only a *running* process holds it.

The lock file's text says who holds it (for the "in use" message), whether the last
holder closed cleanly (``state: closed``; anything else means the previous run ended
abruptly and the next open runs the full ``integrity_check``), and whether the
database ever held records (``had_data``). That evidence is sticky: an emptied or
missing database never clears it, only the doctor's explicit choice to start empty
(``forget_data``), so a refused open can be refused again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from tpchart.store.errors import DatabaseInUse
from tpchart.store.file.locations import on_network_drive
from tpchart.store.file.private import FILE_MODE, private_folder, tighten, touch_private

log = logging.getLogger("tpchart.store")

# The record's size on disk: every record is padded to it and written in one call.
RECORD_SIZE = 1024
# Windows cannot read a locked byte range, so the lock covers one byte far past the text.
_WINDOWS_LOCK_OFFSET = 1 << 20


def lock_path(database: Path) -> Path:
    """The lock file that guards ``database`` (beside its real path, symlinks resolved)."""
    real = Path(database).resolve()
    return real.with_name(real.name + ".lock")


class DatabaseLock:
    """Held while this process may write the database; ``acquire`` or raise DatabaseInUse."""

    def __init__(self, database: Path | str) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None
        # The database file's own descriptor, flock-ed: the lock on its identity.
        self._identity_fd: int | None = None
        self._identity: tuple[int, int] | None = None
        # The previous holder's record: None when there was none (first open, or the
        # lock file was deleted), else a dict whose "state" is "closed" after a clean exit.
        self.previous: dict[str, Any] | None = None
        self._had_data = False

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    @property
    def previous_had_data(self) -> bool:
        """True when the database held records at an earlier open or close."""
        return self.previous is not None and bool(self.previous.get("had_data"))

    @property
    def previous_exit_clean(self) -> bool:
        """True only when the last holder is known to have closed the database cleanly."""
        return self.previous is not None and self.previous.get("state") == "closed"

    def acquire(self) -> DatabaseLock:
        """Take the lock without waiting. Raises DatabaseInUse naming the holder."""
        if self.held:
            return self
        private_folder(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        tighten(self.path)
        try:
            _lock(fd)
        except OSError:
            holder = _read(fd)
            os.close(fd)
            raise DatabaseInUse(_in_use_message(self.database, holder), holder) from None
        self._fd = fd
        # Looked at before hold_file, which creates the file: did it hold anything yet?
        had_content = _size(self.database) > 0
        try:
            if self.database.exists():
                self.hold_file()
        except BaseException:
            self._fd = None
            _unlock(fd)
            os.close(fd)
            raise
        self.previous = _read(fd)
        self._had_data = self.previous_had_data
        self._write("open")
        log.info(
            "Locked %s for writing (%s)", self.database, _previous_run(self.previous, had_content)
        )
        return self

    def hold_file(self) -> None:
        """Lock the database file's identity (creating it, private and empty, if missing);
        again after a restore put a new file in its place. Raises DatabaseInUse when
        another process writes the same file under another name."""
        if not _IDENTITY_LOCKS or on_network_drive(self.database):
            return
        touch_private(self.database)
        info = self.database.stat()
        if (info.st_dev, info.st_ino) == self._identity:
            # Held already. (Opening and closing another descriptor here would drop the
            # POSIX locks SQLite holds on the file in this process.)
            return
        fd = os.open(self.database, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        info = os.fstat(fd)
        identity = (info.st_dev, info.st_ino)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise DatabaseInUse(_in_use_message(self.database, None)) from None
        # The old descriptor belongs to a file no longer at this path (a restore or a
        # file set aside), which no connection of this process has open any more.
        self._release_file()
        self._identity_fd, self._identity = fd, identity

    def refresh(self) -> None:
        """Rewrite the holder record (e.g. once a new database has its first data)."""
        if self._fd is not None:
            self._write("open")

    def remember_data(self) -> None:
        """Records were found missing: keep saying so at every later open, until the
        doctor chooses to start empty (a refused open must stay refused)."""
        self._had_data = True
        self.refresh()

    def forget_data(self) -> None:
        """The doctor chose to start an empty database here: an empty file is no longer
        evidence of lost records."""
        self._had_data = False
        if self.previous:
            self.previous = {**self.previous, "had_data": False}
        self.refresh()

    def release(self, clean: bool = True) -> None:
        """Record a clean close ("closed") or not ("unclean": the next open runs the full
        check) and drop the lock. Only a holder that died leaves "open" behind, so
        "open" with a live process means the database is being written now."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _write(fd, "closed" if clean else "unclean", self._has_data())
        finally:
            self._release_file()
            _unlock(fd)
            os.close(fd)

    def _release_file(self) -> None:
        if self._identity_fd is not None:
            fd, self._identity_fd, self._identity = self._identity_fd, None, None
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)

    def _has_data(self) -> bool:
        # Sticky: once the file held records, an emptied or missing file says so again.
        with contextlib.suppress(OSError):
            self._had_data = self._had_data or self.database.stat().st_size > 0
        return self._had_data

    def _write(self, state: str) -> None:
        assert self._fd is not None
        _write(self._fd, state, self._has_data())

    def __del__(self) -> None:
        # A store dropped without close(): closing the descriptors drops the locks; the
        # record still says "open", so the next start runs the full check.
        for fd in (self._fd, self._identity_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release(clean=exc[0] is None)


def read_record(database: Path) -> dict[str, Any] | None:
    """The lock record of ``database`` read without taking the lock (None if none)."""
    try:
        fd = os.open(lock_path(database), os.O_RDONLY)
    except OSError:
        return None
    try:
        return _read(fd)
    finally:
        os.close(fd)


def _write(fd: int, state: str, had_data: bool) -> None:
    record = {
        "state": state,
        # Lets the next start tell an emptied or deleted database from one never written.
        "had_data": had_data,
        "pid": os.getpid(),
        "host": socket.gethostname()[:255],  # at most 255 by POSIX: the record fits
        "since": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    # One write of a fixed size over the old record, never truncate-then-write: a kill
    # between those two would leave an empty record and lose the "had data" evidence.
    data = json.dumps(record).encode().ljust(RECORD_SIZE)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.fsync(fd)


def _read(fd: int) -> dict[str, Any] | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
        record = json.loads(data) if data.strip() else None
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _previous_run(record: dict[str, Any] | None, had_content: bool) -> str:
    """What the log says about the run before this one. A first open is not a crash:
    only a record left "open" (the holder died) or "unclean" is called one."""
    if record is None:
        # Still checked in full (opening.py), but nothing is known to have gone wrong.
        if had_content:
            return "no record of the previous run: the lock file was new or unreadable"
        return "a new database: no earlier run recorded"
    state = record.get("state")
    if state == "closed":
        return "previous run closed cleanly"
    if state == "unclean":
        return "previous run did not close cleanly: it closed after an error"
    return "previous run did not close cleanly: it ended without closing the database"


def _in_use_message(database: Path, holder: dict[str, Any] | None) -> str:
    who = ""
    if holder and holder.get("pid"):
        who = f" (process {holder['pid']} on {holder.get('host', 'this computer')}"
        who += f", since {holder['since'][:16].replace('T', ' ')})" if holder.get("since") else ")"
    elif holder is None:
        who = " (perhaps under another name: a link to the same file)"
    return (
        f"{database} is already open in another tpchart window or command{who}. "
        "Only one copy of tpchart may change a database at a time: use the window that is "
        "already open, or close it and try again."
    )


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    # msvcrt locks are mandatory: one on the database file would block SQLite's reads.
    _IDENTITY_LOCKS = False

    def _lock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    # flock belongs to the open file description and is independent of SQLite's POSIX
    # (fcntl) locks on local file systems, so holding one on the database is harmless.
    _IDENTITY_LOCKS = True

    def _lock(fd: int) -> None:
        # flock belongs to the open file, so even a second open in this process is refused.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
