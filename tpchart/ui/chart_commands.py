"""Undoable changes to a session's trigger points, each written through the store.

One command class serves add, move, edit, delete and carry forward: it holds the
points' states before and after (None where a point does not exist) and applies
one or the other in a single transaction, so the database always equals what
the screen shows. A failed write marks the command obsolete (Qt drops it) and
asks the chart to reload from the database.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store

State = dict[int, TriggerPoint | None]
# What one apply did: (point before, point after), None where it does not exist.
Change = tuple[TriggerPoint | None, TriggerPoint | None]

# Edits of the same field of the same point merge into one undo step (typing, spinning).
EDIT_COMMAND_ID = 1001


class PointsChange(QUndoCommand):
    """Change a set of points from ``before`` to ``after`` (and back on undo)."""

    def __init__(
        self,
        store: Store,
        text: str,
        before: State,
        after: State,
        on_applied: Callable[[list[Change]], None],
        on_failed: Callable[[Exception], None],
        merge_key: tuple[int, str] | None = None,
    ) -> None:
        super().__init__(text)
        self._store = store
        self.before = before
        self.after = after
        self._on_applied = on_applied
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
        changes: list[Change] = []
        try:
            with self._store.transaction():
                for key, target in new.items():
                    current = old.get(key)
                    if target is None and current is not None:
                        self._store.points.delete(current.id)  # type: ignore[arg-type]
                        changes.append((current, None))
                    elif target is not None and current is None:
                        saved = self._store.points.add(target)
                        if target.id is None:
                            # Keep the id the database gave, so undo deletes that row
                            # and redo brings the point back under the same id.
                            self.after[key] = saved
                        changes.append((None, saved))
                    elif target is not None:
                        changes.append((current, self._store.points.update(target)))
        except Exception as exc:  # any failed write: the chart reloads from the database
            self.setObsolete(True)
            self._on_failed(exc)
            return
        self._on_applied(changes)
