"""Audit entries for records that left the app: PDF exports and print-outs.

A clinic must be able to say who took a copy of a patient's record and when,
so every export or print is written to the append-only audit trail.
"""

from __future__ import annotations

from enum import StrEnum

from tpchart.store.records import audit
from tpchart.store.records.context import Context


class Disclosure(StrEnum):
    """How a record left the app; also the audit action."""

    EXPORT = "export"
    PRINT = "print"


class Disclosures:
    """Exports and print-outs in the audit trail (``store.disclosures``)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def record(
        self,
        table: str,
        row_id: int,
        document: str,
        *,
        how: Disclosure = Disclosure.EXPORT,
        file_name: str = "",
        failed: str = "",
    ) -> None:
        """Append one audit row: ``document`` (e.g. "session summary") of ``table`` row
        ``row_id`` was exported to ``file_name`` or printed, by the current practitioner;
        ``failed`` records that an export announced before writing was not written after
        all.

        Only the file's name is kept, not its folder: folders often carry the user's
        name and are not the clinic's business."""
        after = {"document": document}
        if file_name:
            after["file"] = file_name
        if failed:
            # A second entry after the first: the file that was announced was not written.
            after["not written"] = failed
        with self._ctx.transaction() as db:
            audit.record(db, self._ctx.practitioner_id, how.value, table, row_id, after=after)
