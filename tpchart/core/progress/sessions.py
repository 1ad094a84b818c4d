"""Sessions in a line each, in order, and which of them count.

Only signed sessions count towards a figure about progress: a draft (or a signed
session reopened for an amendment) may still change, so a 7 → 5 whose 5 comes from
a draft is not a change yet. Drafts are still listed, marked as drafts, and the
words say how many were left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tpchart.core.muscles import catalogue_name
from tpchart.core.progress.measures import day_text
from tpchart.core.regions import REGIONS, Side
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint

PointsBySession = Mapping[int, Sequence[TriggerPoint]]


@dataclass(frozen=True)
class SessionSummary:
    """One session in a line: when, scores, how many points and which muscles."""

    session_id: int
    number: int  # 1 for the first session (drafts included: "session 3" is one session)
    started_at: datetime
    signed: bool
    pain_before: int | None
    pain_after: int | None
    ndi: float | None
    odi: float | None
    psfs: float | None
    point_count: int
    twitch_count: int  # points with a twitch response elicited
    muscles: tuple[str, ...]  # "Right upper trapezius", in charting order, no repeats

    @property
    def immediate_change(self) -> int | None:
        """Pain after minus pain before needling (negative is relief)."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


def counts(session: Session) -> bool:
    """Whether ``session`` counts towards progress: signed, not a draft or being amended."""
    return session.status is SessionStatus.SIGNED


def in_session_order(sessions: Iterable[Session]) -> list[Session]:
    """Sessions oldest first; two at the same minute in the order they were created."""
    return sorted(sessions, key=lambda s: (s.started_at, s.id or 0))


def signed_only(sessions: Iterable[Session]) -> list[Session]:
    """The sessions that count (``counts``), oldest first."""
    return [s for s in in_session_order(sessions) if counts(s)]


def session_numbers(sessions: Iterable[Session]) -> dict[int, int]:
    """Session id -> its number, 1 for the first, drafts included."""
    return {s.id or 0: n for n, s in enumerate(in_session_order(sessions), start=1)}


def drafts_left_out(sessions: Sequence[Session]) -> str:
    """The sentence saying which sessions are not counted yet, or "" when all are signed."""
    numbers = session_numbers(sessions)
    waiting = [s for s in in_session_order(sessions) if not counts(s)]
    if not waiting:
        return ""
    names = ", ".join(f"session {numbers[s.id or 0]} ({day_text(s.started_at)})" for s in waiting)
    one = len(waiting) == 1
    return (
        f"Not counted until signed: {names}, {'a draft' if one else 'drafts'} whose "
        f"values may still change."
    )


def session_summaries(sessions: Sequence[Session], points: PointsBySession) -> list[SessionSummary]:
    """One summary per session, oldest first (sessions are sorted by start time)."""
    ordered = in_session_order(sessions)
    summaries = []
    for number, s in enumerate(ordered, start=1):
        pts = list(points.get(s.id or -1, ()))
        summaries.append(
            SessionSummary(
                session_id=s.id or 0, number=number, started_at=s.started_at,
                signed=counts(s),
                pain_before=s.pain_before, pain_after=s.pain_after,
                ndi=s.ndi, odi=s.odi, psfs=s.psfs, point_count=len(pts),
                twitch_count=sum(p.twitch_elicited for p in pts),
                muscles=tuple(dict.fromkeys(point_name(p) for p in pts)),
            )
        )  # fmt: skip
    return summaries


def point_name(point: TriggerPoint) -> str:
    """The point's muscle with the patient's side, e.g. "Right upper trapezius" (the
    catalogue's preferred name, however it was typed); the region's label when no
    muscle was recorded."""
    name = catalogue_name(point.muscle_id, point.muscle)
    if not name:
        region = REGIONS.get(point.region_id)
        return region.label if region else point.region_id
    return muscle_label(name, point.side)


def muscle_label(muscle: str, side: Side) -> str:
    """The muscle with its side, e.g. "Right upper trapezius"."""
    return f"{side.value.capitalize()} {muscle}"
