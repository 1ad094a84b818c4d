"""Undoable changes to a session's trigger points, each written through the store.

One command class serves add, move, edit, delete and carry forward: it holds the
points' states before and after (None where a point does not exist) and applies
one or the other in a single transaction through ``Operations.write_points`` (the
ui's one path for changes, with its one way of reporting a refusal), so the
database always equals what the screen shows. A refused write marks the command
obsolete (Qt drops it) and asks the chart to reload from the database; an
unexpected error does the same before it reaches the app's exception hook.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.operations import Operations, PointStates, Report

State = PointStates
# What one apply did: (point before, point after), None where it does not exist.
Change = tuple[TriggerPoint | None, TriggerPoint | None]

# Edits of the same field of the same point merge into one undo step (typing, spinning).
EDIT_COMMAND_ID = 1001


class PointsChange(QUndoCommand):
    """Change a set of points from ``before`` to ``after`` (and back on undo)."""

    def __init__(
        self,
        operations: Operations,
        text: str,
        before: State,
        after: State,
        on_applied: Callable[[list[Change]], None],
        report: Report,
        on_failed: Callable[[], None],
        merge_key: tuple[int, str] | None = None,
    ) -> None:
        super().__init__(text)
        self._operations = operations
        self.before = before
        self.after = after
        self._on_applied = on_applied
        self._report = report
        self._on_failed = on_failed
        self.merge_key = merge_key
        self.new_ids: list[int] = []

    def redo(self) -> None:
        self._apply(self.before, self.after)

    def undo(self) -> None:
        self._apply(self.after, self.before)

    def id(self) -> int:
        return EDIT_COMMAND_ID if self.merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, PointsChange) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def _apply(self, old: State, new: State) -> None:
        writes = None
        try:
            writes = self._operations.write_points(old, new, self._report)
        finally:
            if writes is None:  # refused (and reported), or an unexpected error on its way
                self.setObsolete(True)
                self._on_failed()
        if writes is None:
            return
        for key, before, saved in writes:
            target = new[key]
            if before is None and target is not None and target.id is None:
                # Keep the id the database gave, so undo deletes that row
                # and redo brings the point back under the same id.
                self.after[key] = saved
        self._on_applied([(before, saved) for _key, before, saved in writes])
