"""Writing what leaves the clinic (PDFs, FHIR bundles, research tables, transfer files)
so that a crash, a full disk or a cancel never leaves half a file, and never over the
records themselves.

The new content goes to a private (0600) temporary file in the target folder (same
file system, so the rename is atomic), is flushed to disk, and only then replaces the
target with ``os.replace``. Until that moment the old file, if any, is untouched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, Protocol

from tpchart.core.errors import TpchartError
from tpchart.store.file.backup import fsync_folder
from tpchart.store.file.lock import lock_path
from tpchart.store.file.private import FOLDER_MODE, create_private
from tpchart.store.file.restore import SIDECARS, restoring_path


class ExportRefused(TpchartError):
    """An export was not written: it would overwrite records, or could not be audited."""


class _Opened(Protocol):
    read_only: bool


def require_recordable(store: _Opened) -> None:
    """Refuse a disclosure (export or print) that the audit trail could not record."""
    if store.read_only:
        raise ExportRefused(
            "This database is open read-only, so an export or print-out could not be "
            "recorded in its audit trail; nothing was written. Open it where it can be "
            "written to export."
        )


def protected_paths(database: Path | str | None) -> list[Path]:
    """The database and its working files: no export may replace one of them (none for
    records kept on a clinic server, ``None``)."""
    if database is None:
        return []
    database = Path(database).resolve()  # a link's target keeps its working files
    sidecars = [database.with_name(database.name + s) for s in SIDECARS]
    return [database, *sidecars, lock_path(database), restoring_path(database)]


def refuse_unsafe_target(
    target: Path, database: Path | str | None, kind: str, looks_like: bytes
) -> None:
    """Raise ExportRefused when writing the export ``kind`` at ``target`` could destroy
    records: the database or one of its files, a folder, a missing folder, or an
    existing file that is not an earlier export of this kind (whose first bytes, past
    any white space, are ``looks_like``, or for which ``looks_like(first bytes)`` is
    true). Called before the audit row, not after it."""
    protected = protected_paths(database)
    resolved = target.resolve()
    if resolved in protected or any(
        target.exists() and p.exists() and os.path.samefile(target, p) for p in protected
    ):
        raise ExportRefused(
            f"{target} is the database or one of its working files; choose another name "
            f"for the {kind}. Nothing was written."
        )
    if not target.parent.is_dir():
        raise ExportRefused(
            f"There is no folder {target.parent} to save {target.name} in; nothing was written."
        )
    if target.is_dir():
        raise ExportRefused(
            f"{target} is a folder; give the {kind} a file name. Nothing was written."
        )
    if not target.exists():
        return
    if not target.is_file():  # a pipe, a device: reading its header could wait forever
        raise ExportRefused(
            f"{target} is not an ordinary file; give the {kind} a file name. Nothing was written."
        )
    try:
        with open(target, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise ExportRefused(
            f"{target} cannot be read ({exc.strerror}); nothing was written."
        ) from exc
    ours = looks_like(head) if callable(looks_like) else head.lstrip().startswith(looks_like)
    if head.startswith(b"SQLite format 3"):
        raise ExportRefused(
            f"{target} is a database (a backup or another set of records): an export never "
            "replaces one. Choose another name; nothing was written."
        )
    if not ours:
        raise ExportRefused(
            f"{target} exists and is not a {kind}; tpchart replaces only its own exports. "
            "Choose another name; nothing was written."
        )


def write_atomic(path: Path | str, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(file)`` on a private temporary file beside ``path`` and rename it
    into place. If ``write`` raises (or the disk fills up), the temporary file is
    removed, the exception propagates and ``path`` keeps its old content."""
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


def write_folder_atomic(folder: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` (name: content) as 0600 files into a new private (0700) folder
    beside ``folder`` and rename it into place: a crash or a cancel leaves no folder
    and no partial files. An existing empty ``folder`` is replaced."""
    temp = folder.parent / f".{folder.name}.{secrets.token_hex(4)}.part"
    temp.mkdir(mode=FOLDER_MODE)
    try:
        os.chmod(temp, FOLDER_MODE)  # whatever the umask
        for name, data in files.items():
            fd = create_private(temp / name)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        fsync_folder(temp)
        if folder.is_dir():
            folder.rmdir()  # empty (checked before): the export takes its place
        os.rename(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    fsync_folder(folder.parent)
    return folder


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    # Private (0600) whatever the umask: a document about a patient is not for other
    # users of the computer. A replaced file gets the same mode.
    for _ in range(100):
        temp_name = str(folder / f".{name}.{secrets.token_hex(4)}.part")
        with contextlib.suppress(FileExistsError):
            return create_private(temp_name), temp_name
    raise FileExistsError(f"Could not create a temporary file in {folder}")
