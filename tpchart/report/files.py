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

from tpchart.store.file import create_private, fsync_folder


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
    # Private (0600) whatever the umask: a document about a patient is not for other
    # users of the computer. A replaced file gets the same mode.
    for _ in range(100):
        temp_name = str(folder / f".{name}.{secrets.token_hex(4)}.part")
        try:
            return create_private(temp_name), temp_name
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file in {folder}")
