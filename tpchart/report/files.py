"""Writing documents to disk so that a crash or a full disk never leaves half a file.

The new content goes to a temporary file in the target folder (same file system,
so the rename is atomic), is flushed to disk, and only then replaces the target
with ``os.replace``. Until that moment the old file, if any, is untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from tpchart.store.backup import fsync_folder


def write_atomic(path: Path | str, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path`` and rename it into place.

    If ``write`` raises (or the disk fills up), the temporary file is removed, the
    exception propagates and ``path`` keeps its old content."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        # Said plainly: otherwise the error would name the temporary file.
        raise FileNotFoundError(f"There is no folder {folder} to save {target.name} in")
    handle, temp_name = _create_temp(folder, target.name)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        _keep_mode(target, temp_name)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_folder(folder)
    return target


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """`write_atomic` for content already in memory (a built PDF)."""
    return write_atomic(path, lambda file: file.write(data))


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    # Not tempfile.mkstemp: its files are private (0600), and a new document should
    # get the user's usual permissions (0666 less the umask) like any saved file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp_name = str(folder / f".{name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(temp_name, flags, 0o666), temp_name
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file in {folder}")


def _keep_mode(target: Path, temp_name: str) -> None:
    # A replaced file keeps its permissions (a clinic may have restricted them).
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    os.chmod(temp_name, mode)
