"""Matching points between sessions looks pairs up by muscle key and side (issue 19,
part 5) and must give exactly what trying every pair gave: the same matches, new and
gone points, in the same order, on random sessions crowded with ties."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from tpchart.core.muscles import matching_key
from tpchart.core.progress import compare_points, persistence_rate, point_tracks
from tpchart.core.progress.matching import MATCH_DISTANCE, Comparison, PointMatch
from tpchart.core.regions import Side, View
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint

# Catalogue names, a synonym of one of them, the doctor's own words (in two cases, which
# match each other), and no muscle at all (matched by place only).
MUSCLES = (
    "upper trapezius", "upper traps", "levator scapulae", "infraspinatus", "masseter",
    "my odd muscle", "My Odd Muscle", "", "",
)  # fmt: skip


def compare_every_pair(
    earlier: Sequence[TriggerPoint],
    later: Sequence[TriggerPoint],
    max_distance: float = MATCH_DISTANCE,
) -> Comparison:
    """`compare_points` as it was before issue 19, part 5: every pair tried."""
    left, right = list(earlier), list(later)
    matches: list[PointMatch] = []

    def same_muscle(a: TriggerPoint, b: TriggerPoint) -> bool:
        key = matching_key(a.muscle_id, a.muscle)
        return bool(key) and key == matching_key(b.muscle_id, b.muscle)

    def distance(a: TriggerPoint, b: TriggerPoint) -> float:
        return math.inf if a.view is not b.view else math.hypot(a.x - b.x, a.y - b.y)

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

    take(
        [
            (distance(a, b), i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            if same_muscle(a, b) and a.side is b.side
        ],
        by_muscle=True,
    )
    take(
        [
            (d, i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            if a.side is b.side and (d := distance(a, b)) <= max_distance
        ],
        by_muscle=False,
    )
    matches.sort(key=lambda m: m.after.number)
    return Comparison(new=tuple(right), gone=tuple(left), persisting=tuple(matches))


def random_session(rng: random.Random, session_id: int) -> list[TriggerPoint]:
    """Up to 25 points on a coarse grid (so distances tie often), few muscles."""
    return [
        TriggerPoint(
            session_id=session_id,
            number=number,
            view=rng.choice([View.BACK, View.BACK, View.FRONT]),
            region_id="back.neck.right",
            side=rng.choice(list(Side)),
            x=float(rng.randrange(300, 420, 10)),
            y=float(rng.randrange(200, 320, 10)),
            muscle=rng.choice(MUSCLES),
        )
        for number in range(1, rng.randint(0, 25) + 1)
    ]


def identities(c: Comparison) -> tuple:
    """The comparison by the identity of each point: equal points are not enough."""
    return (
        [id(p) for p in c.new],
        [id(p) for p in c.gone],
        [(id(m.before), id(m.after), m.distance, m.by_muscle) for m in c.persisting],
    )


@pytest.mark.parametrize("seed", range(40))
def test_matching_by_key_gives_what_every_pair_gave(seed):
    rng = random.Random(seed)
    for _ in range(10):
        earlier, later = random_session(rng, 1), random_session(rng, 2)
        for limit in (MATCH_DISTANCE, 0.0, 25.0, math.inf):
            old = compare_every_pair(earlier, later, limit)
            new = compare_points(earlier, later, limit)
            assert new == old
            assert identities(new) == identities(old)


def test_tracks_and_persistence_are_unchanged_on_a_random_history():
    rng = random.Random(19)
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    sessions = [
        Session(
            id=i,
            patient_id=1,
            practitioner_id=1,
            started_at=start + timedelta(days=7 * i),
            status=SessionStatus.SIGNED,
        )
        for i in range(1, 31)
    ]
    points = {s.id: random_session(rng, s.id) for s in sessions}
    order = [s.id for s in sessions]
    found = total = 0
    for a, b in itertools.pairwise(order):
        if points[a]:
            total += len(points[a])
            found += len(compare_every_pair(points[a], points[b]).persisting)
    assert persistence_rate(sessions, points) == pytest.approx(found / total, abs=0)
    tracks = point_tracks(sessions, points)
    assert sum(t.sessions for t in tracks) == sum(len(p) for p in points.values())
    assert any(t.sessions > 2 for t in tracks)  # points do come back in this history
