"""A draft session that was discarded: the way back from "Discard draft".

Discarding a never-signed draft removes it and its points from the chart, but nothing
is erased from the record: the audit trail keeps both as they were (their
before-images), and a discarded draft can be brought back from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint


@dataclass(frozen=True)
class DiscardedDraft:
    """A discarded draft session as it was when discarded, with its points, when
    (UTC) and by whom it was discarded."""

    # The audit entry that recorded the discard: names this discard for ever (a
    # session id does not, since SQLite may give a freed id to a later session).
    discard_id: int
    session: Session
    points: tuple[TriggerPoint, ...]
    discarded_at: datetime
    discarded_by: int | None

    @property
    def point_count(self) -> int:
        """How many trigger points the draft held."""
        return len(self.points)
