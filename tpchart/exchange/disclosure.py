"""Exports as disclosures: refused where they could not be audited or would overwrite
records, audited before the file is written, and written so that a crash or a cancel
leaves the old file or the whole new one, never half (``tpchart.store.file.exports``,
shared with the PDFs).

The audit rows are the store's ``Disclosures``, exactly as the PDF exports write them
(``tpchart.report.documents.export_document``): one row before writing, a second
"not written" row if writing then fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tpchart.core.errors import TpchartError
from tpchart.store import Store
from tpchart.store.file import (
    ExportRefused,
    protected_paths,
    refuse_unsafe_target,
    require_recordable,
    write_atomic,
    write_folder_atomic,
)

__all__ = [
    "ExportCancelled",
    "ExportRefused",
    "Progress",
    "audited",
    "check_file_target",
    "check_folder_target",
    "require_recordable",
    "write_atomic",
    "write_folder_atomic",
]


class ExportCancelled(TpchartError):
    """The person stopped a long export; nothing was written."""


Progress = Callable[[int, int], None]
"""Told (done, total) as an export goes; may raise ExportCancelled to stop it."""


@contextmanager
def audited(
    store: Store, rows: Iterable[tuple[str, int]], document: str, name: str
) -> Iterator[None]:
    """Record the disclosure of ``document`` for every (table, id) in ``rows`` in one
    transaction, then run the block that writes; if it fails or is cancelled, record
    that the file ``name`` was not written after all, and re-raise."""
    rows = list(rows)
    with store.transaction():
        for table, row_id in rows:
            store.disclosures.record(table, row_id, document, file_name=name)
    try:
        yield
    except BaseException as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, KeyboardInterrupt | ExportCancelled):
            reason = "stopped before the end"
        with store.transaction():
            for table, row_id in rows:
                store.disclosures.record(table, row_id, document, file_name=name, failed=reason)
        raise


def check_folder_target(store: Store, folder: Path) -> None:
    """Refuse a target folder that is not empty (an export never mixes with other
    files), is a file, or whose parent folder is missing."""
    if folder.exists() and not folder.is_dir():
        raise ExportRefused(f"{folder} is a file, not a folder; nothing was written.")
    if folder.is_dir() and any(folder.iterdir()):
        raise ExportRefused(
            f"The folder {folder} is not empty; choose an empty or new folder. Nothing was written."
        )
    if not folder.parent.is_dir():
        raise ExportRefused(f"There is no folder {folder.parent}; nothing was written.")
    if folder.resolve() in protected_paths(store.file):
        raise ExportRefused(f"{folder} is the database; nothing was written.")


def check_file_target(store: Store, target: Path, kind: str, looks_like: bytes) -> None:
    """Refuse writing the export ``kind`` at ``target`` where it could destroy records
    (``tpchart.store.file.exports.refuse_unsafe_target``)."""
    refuse_unsafe_target(target, store.file, kind, looks_like)
