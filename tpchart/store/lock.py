"""One writer per database: an operating-system lock on ``<database>.lock``.

The lock is taken with ``flock`` (POSIX) or ``msvcrt.locking`` (Windows). The
operating system drops it when the process ends in any way, kill -9 and power loss
included, so a lock left by a crash never blocks the next start: only a *running*
process holds it. The file's text says who holds it (for the "in use" message) and
whether the last holder closed cleanly (``state: closed``); anything else means the
previous run ended abruptly and the next open runs the full ``integrity_check``.
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

log = logging.getLogger("tpchart.store")

# Windows cannot read a locked byte range, so the lock covers one byte far past the text.
_WINDOWS_LOCK_OFFSET = 1 << 20


def lock_path(database: Path) -> Path:
    """The lock file that guards ``database``."""
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """Held while this process may write the database; ``acquire`` or raise DatabaseInUse."""

    def __init__(self, database: Path | str) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None
        # The previous holder's record: None when there was none (first open, or the
        # lock file was deleted), else a dict whose "state" is "closed" after a clean exit.
        self.previous: dict[str, Any] | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    @property
    def previous_had_data(self) -> bool:
        """True when the database held data at the previous open or close."""
        return bool(self.previous) and bool(self.previous.get("had_data"))

    @property
    def previous_exit_clean(self) -> bool:
        """True only when the last holder is known to have closed the database cleanly."""
        return bool(self.previous) and self.previous.get("state") == "closed"

    def acquire(self) -> DatabaseLock:
        """Take the lock without waiting. Raises DatabaseInUse naming the holder."""
        if self.held:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            holder = _read(fd)
            os.close(fd)
            raise DatabaseInUse(_in_use_message(self.database, holder), holder) from None
        self._fd = fd
        self.previous = _read(fd)
        self._write("open")
        log.info(
            "Locked %s for writing (previous run %s)",
            self.database,
            "closed cleanly" if self.previous_exit_clean else "did not close cleanly or unknown",
        )
        return self

    def refresh(self) -> None:
        """Rewrite the holder record (e.g. once a new database has its first data)."""
        if self._fd is not None:
            self._write("open")

    def release(self, clean: bool = True) -> None:
        """Record a clean close (unless ``clean`` is False) and drop the lock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if clean:
                _write(fd, "closed", self.database)
        finally:
            _unlock(fd)
            os.close(fd)

    def _write(self, state: str) -> None:
        assert self._fd is not None
        _write(self._fd, state, self.database)

    def __del__(self) -> None:
        # A store dropped without close(): closing the descriptor drops the lock; the
        # record still says "open", so the next start runs the full check.
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release(clean=exc[0] is None)


def _write(fd: int, state: str, database: Path) -> None:
    record = {
        "state": state,
        # Lets the next start tell a truncated database from one never written yet.
        "had_data": database.exists() and database.stat().st_size > 0,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    data = json.dumps(record).encode()
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
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


def _in_use_message(database: Path, holder: dict[str, Any] | None) -> str:
    who = ""
    if holder and holder.get("pid"):
        who = f" (process {holder['pid']} on {holder.get('host', 'this computer')}"
        who += f", since {holder['since'][:16].replace('T', ' ')})" if holder.get("since") else ")"
    return (
        f"{database} is already open in another tpchart window or command{who}. "
        "Only one copy of tpchart may change a database at a time: use the window that is "
        "already open, or close it and try again."
    )


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        # flock belongs to the open file, so even a second open in this process is refused.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
