"""The same trigger point at two sessions, and points followed across sessions.

Points are matched first by muscle (the vocabulary's ``matching_key``) and side, then
by place on the same diagram and side: two points of one session pair up with two of
the next by nearest distance. Matching runs over whatever sessions it is given: the
compare panel offers drafts too (comparing today's draft with last week is the point
of it), labelled as drafts.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tpchart.core.muscles import matching_key
from tpchart.core.progress.sessions import PointsBySession, in_session_order, point_name
from tpchart.core.regions import Side
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint

# Two points further apart than this (diagram units; a whole body is ~1000 tall,
# so about 8 cm on an adult) are not the same trigger point.
MATCH_DISTANCE = 50.0


@dataclass(frozen=True)
class PointMatch:
    """The same trigger point found at an earlier and a later session."""

    before: TriggerPoint
    after: TriggerPoint
    distance: float | None  # diagram units; None when charted on different views
    by_muscle: bool  # matched by muscle and side (else only by place)

    @property
    def pain_change(self) -> int | None:
        """Later pain at the point minus earlier (negative is better)."""
        if self.before.pain is None or self.after.pain is None:
            return None
        return self.after.pain - self.before.pain

    @property
    def ppt_change(self) -> float | None:
        """Later pressure threshold minus earlier, kg/cm² (positive is better)."""
        a, b = self.before.pressure_threshold, self.after.pressure_threshold
        return None if a is None or b is None else b - a

    @property
    def twitch_text(self) -> str:
        """Twitch then and now, e.g. "Strong ×3 → Weak"; one text when unchanged."""
        a, b = self.before.twitch_text, self.after.twitch_text
        return a if a == b else f"{a} → {b}"


@dataclass(frozen=True)
class Comparison:
    """Points of an earlier and a later session, sorted into new, gone and persisting."""

    new: tuple[TriggerPoint, ...]  # in the later session only
    gone: tuple[TriggerPoint, ...]  # in the earlier session only
    persisting: tuple[PointMatch, ...]


def compare_points(
    earlier: Sequence[TriggerPoint],
    later: Sequence[TriggerPoint],
    max_distance: float = MATCH_DISTANCE,
) -> Comparison:
    """Match the points of two sessions: first same muscle and side (nearest pairs first,
    so two points in one muscle pair up by place), then the rest by nearest distance
    on the same diagram and side within ``max_distance`` (a muscle missing or
    renamed at one session). Greedy nearest-first matching is
    enough for the handful of points a session has and is easy to explain."""
    left, right = list(earlier), list(later)
    matches: list[PointMatch] = []

    def take(candidates: list[tuple[float, int, int]], by_muscle: bool) -> None:
        used_a: set[int] = set()
        used_b: set[int] = set()
        for dist, i, j in sorted(candidates):
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            d = None if math.isinf(dist) else dist
            matches.append(PointMatch(left[i], right[j], d, by_muscle))
        for i in sorted(used_a, reverse=True):
            left.pop(i)
        for j in sorted(used_b, reverse=True):
            right.pop(j)

    # Pairs are looked up by their muscle key and side instead of trying every pair:
    # a progress report compares 99 pairs of 20-point sessions several times over, and
    # asking each pair for both muscle keys was most of it. `take` sorts the candidates,
    # so the order they are found in does not change the matches.
    later_by_muscle: dict[tuple[str, Side], list[int]] = {}
    for j, b in enumerate(right):
        key = _muscle_key(b)
        if key:  # a point with no muscle named matches by place only
            later_by_muscle.setdefault((key, b.side), []).append(j)
    take(
        [
            (_distance(a, right[j]), i, j)
            for i, a in enumerate(left)
            if (key := _muscle_key(a))
            for j in later_by_muscle.get((key, a.side), ())
        ],
        by_muscle=True,
    )
    # A point does not change sides: left and right are different muscles.
    later_by_side: dict[Side, list[int]] = {}
    for j, b in enumerate(right):
        later_by_side.setdefault(b.side, []).append(j)
    take(
        [
            (d, i, j)
            for i, a in enumerate(left)
            for j in later_by_side.get(a.side, ())
            if (d := _distance(a, right[j])) <= max_distance
        ],
        by_muscle=False,
    )
    matches.sort(key=lambda m: m.after.number)
    return Comparison(new=tuple(right), gone=tuple(left), persisting=tuple(matches))


def compare_sessions(points: PointsBySession, earlier_id: int, later_id: int) -> Comparison:
    """``compare_points`` for two session ids."""
    return compare_points(points.get(earlier_id, ()), points.get(later_id, ()))


def _muscle_key(point: TriggerPoint) -> str:
    """What names the point's muscle for matching ("": none named): two points name
    one muscle when their keys are equal and not empty (the same catalogue id, or the
    same "other" words)."""
    return _matching_key(point.muscle_id, point.muscle)


# One key per distinct muscle id and wording: a patient's 2,000 points name a few
# dozen muscles, and each point is compared at two consecutive pairs of sessions in
# every figure. Bounded, since the doctor's own words are open-ended.
_matching_key = functools.lru_cache(maxsize=4096)(matching_key)


def _distance(a: TriggerPoint, b: TriggerPoint) -> float:
    if a.view is not b.view:
        return math.inf
    return math.hypot(a.x - b.x, a.y - b.y)


@dataclass(frozen=True)
class PointTrack:
    """One trigger point followed from session to consecutive session."""

    name: str  # "Right upper trapezius"
    session_ids: tuple[int, ...]  # consecutive sessions where it was found
    still_present: bool  # found at the latest session

    @property
    def sessions(self) -> int:
        """How many consecutive sessions the point was found at."""
        return len(self.session_ids)


def point_tracks(sessions: Sequence[Session], points: PointsBySession) -> list[PointTrack]:
    """Chains of the same point across consecutive sessions (matched as in
    ``compare_points``), longest first: the points that keep coming back."""
    order = [s.id or 0 for s in in_session_order(sessions)]
    open_tracks: dict[int, list[int]] = {}  # point id -> session ids of its chain
    names: dict[int, str] = {}
    done: list[tuple[list[int], str]] = []
    previous: Sequence[TriggerPoint] = ()
    for sid in order:
        current = points.get(sid, ())
        cmp = compare_points(previous, current)
        carried: dict[int, list[int]] = {}
        for m in cmp.persisting:
            chain = open_tracks.pop(id(m.before), [])
            carried[id(m.after)] = [*chain, sid]
            names[id(m.after)] = point_name(m.after)
        for p in cmp.gone:
            done.append((open_tracks.pop(id(p)), names[id(p)]))
        for p in cmp.new:
            carried[id(p)] = [sid]
            names[id(p)] = point_name(p)
        open_tracks, previous = carried, current
    last = order[-1] if order else None
    tracks = [PointTrack(n, tuple(c), False) for c, n in done]
    tracks += [PointTrack(names[k], tuple(c), c[-1] == last) for k, c in open_tracks.items()]
    tracks.sort(key=lambda t: (-t.sessions, t.name))
    return tracks


def persistence_rate(sessions: Sequence[Session], points: PointsBySession) -> float | None:
    """Share of each session's points found again at the next session, over all pairs of
    consecutive sessions; None with fewer than two sessions with points."""
    order = [s.id or 0 for s in in_session_order(sessions)]
    found = total = 0
    for a, b in itertools.pairwise(order):
        earlier = points.get(a, ())
        if not earlier:
            continue
        total += len(earlier)
        found += len(compare_points(earlier, points.get(b, ())).persisting)
    return found / total if total else None
