"""The heat view: where the needles went over the chosen sessions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tpchart.core.progress.sessions import PointsBySession, in_session_order, point_name
from tpchart.core.regions import View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint

# Points of the heat view closer than this are drawn as one spot with a count.
HEAT_RADIUS = 20.0


@dataclass(frozen=True)
class HeatSpot:
    """Points close together on one diagram over the selected sessions."""

    x: float  # mean position, diagram coordinates
    y: float
    count: int  # points merged here
    sessions: int  # distinct sessions among them
    names: tuple[str, ...]  # muscles, most frequent first


def heat_spots(
    points: PointsBySession,
    session_ids: Iterable[int],
    view: View,
    radius: float = HEAT_RADIUS,
) -> list[HeatSpot]:
    """The points of ``session_ids`` on ``view``, close ones merged into spots; the
    more often a place was treated, the higher its count. Greedy clustering in session
    order: each point joins the nearest spot whose centre is within ``radius``."""
    view = View(view)
    clusters: list[list[TriggerPoint]] = []
    centres: list[tuple[float, float]] = []
    sums: list[list[float]] = []  # running x and y sums: a centre moves in O(1)
    for sid in session_ids:
        for p in points.get(sid, ()):
            if p.view is not view:
                continue
            best, best_d = None, radius
            for k, (cx, cy) in enumerate(centres):
                d = math.hypot(p.x - cx, p.y - cy)
                if d <= best_d:
                    best, best_d = k, d
            if best is None:
                clusters.append([p])
                centres.append((p.x, p.y))
                sums.append([p.x, p.y])
            else:
                clusters[best].append(p)
                total = sums[best]
                total[0] += p.x
                total[1] += p.y
                count = len(clusters[best])
                centres[best] = (total[0] / count, total[1] / count)
    spots = []
    for members, (cx, cy) in zip(clusters, centres, strict=True):
        counts: dict[str, int] = {}
        for q in members:
            counts[point_name(q)] = counts.get(point_name(q), 0) + 1
        names = tuple(sorted(counts, key=lambda n: (-counts[n], n)))
        sessions = len({q.session_id for q in members})
        spots.append(HeatSpot(round(cx, 1), round(cy, 1), len(members), sessions, names))
    return spots


def sessions_in_range(sessions: Sequence[Session], first_id: int, last_id: int) -> list[Session]:
    """The sessions from ``first_id`` to ``last_id`` inclusive, in session order (the two
    may be given either way round)."""
    ordered = in_session_order(sessions)
    ids = [s.id for s in ordered]
    if first_id not in ids or last_id not in ids:
        return []
    i, j = sorted((ids.index(first_id), ids.index(last_id)))
    return ordered[i : j + 1]
