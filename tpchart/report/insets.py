"""Where crowded markers go on paper: enlarged insets, and leader lines.

A printed body is about 10 cm tall, so 20 pt markers on the neck, the shoulder girdle
or the jaw cover each other. Three or more points whose markers touch at the
diagram's scale are gathered, with their neighbours, into an *area*; the area is
printed again, enlarged just enough to part them, under the main diagram, which shows
a frame where the inset is and a small dot for each point. A marker that still
touches another (a lone pair on the diagram; two needles a few millimetres apart in
an inset at the largest enlargement the page allows) moves to the nearest free place,
and a leader line joins it to its spot.

Two markers are apart when the boxes of their ink (outline included) are at least
GAP apart across or up: a reader's eye separates two shapes by the white between them,
and a box test is what a test reading the printed shapes can check.

Geometry only, in the SVG's viewBox units (y down) and page points: no drawing here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tpchart.bodymap.markers import MARKER_DIAMETER
from tpchart.core.trigger_point import PointKind, TriggerPoint

DIAMOND_SCALE = 1.2  # a diamond's corners reach a little further, as on screen (ui/markers.py)
STROKE_WIDTH = 1.2  # pt, a marker's outline; half of it lies outside the shape
GAP = 2.5  # pt of white paper kept between two markers' ink (a test asks for 1)
# Enlargement of an inset over its main diagram: less is hardly worth the room, more
# loses the body around the point (where on the shoulder is this?).
MIN_ZOOM, MAX_ZOOM = 1.8, 5.0
INSET_PAD = 16.0  # pt around the outermost markers inside an inset
INSET_POINTS = 3  # touching markers that make a cluster worth an inset
RING_LIMIT = 6 * MARKER_DIAMETER  # pt: how far from its spot a marker may be moved

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
ToPage = Callable[[float, float], tuple[float, float]]


def reach(point: TriggerPoint) -> float:
    """How far the ink of the point's marker reaches from its centre, across or up, in
    pt: its radius, or a diamond's corner, and the half of the outline outside it (at a
    diamond's square corner the mitred outline sticks out half a width times √2)."""
    radius = MARKER_DIAMETER / 2
    if point.kind is PointKind.LATENT:
        return radius * DIAMOND_SCALE + STROKE_WIDTH / 2 * math.sqrt(2)
    return radius + STROKE_WIDTH / 2


def apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    """How far apart two centres are across or up, whichever is more (the boxes of two
    markers part along that axis)."""
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def clash(a: tuple[float, float], ra: float, b: tuple[float, float], rb: float) -> bool:
    """Whether the ink boxes of markers of reach ``ra`` and ``rb`` centred at ``a`` and
    ``b`` touch, or come closer than GAP."""
    return apart(a, b) < ra + rb + GAP


@dataclass(frozen=True)
class Area:
    """A crowded part of one view, in viewBox units, and the points printed in its inset."""

    box: Box
    points: tuple[TriggerPoint, ...]
    zoom: float  # inset scale over the main diagram's

    @property
    def numbers(self) -> frozenset[int]:
        """The numbers of the points shown in the inset (dots on the main diagram)."""
        return frozenset(p.number for p in self.points)


def crowded_areas(
    points: Sequence[TriggerPoint], scale: float, max_size: tuple[float, float]
) -> list[Area]:
    """The areas of one view whose markers touch at ``scale`` (pt per viewBox unit),
    each with the zoom that parts them, within an inset of at most ``max_size`` pt."""
    # Two or so touching markers read better moved apart on a leader (place_apart) than
    # sent to an inset of their own; a cluster is worth the room an inset takes.
    groups = [g for g in _touching_groups(points, scale) if len(g) >= INSET_POINTS]
    # A marker outside a group that would cover one of its dots joins it, and groups
    # whose frames overlap merge, until nothing changes.
    boxes = [_bounds(g) for g in groups]
    margins = [(p, (reach(p) + GAP) / scale) for p in points] if boxes else []
    changed = True
    while changed:
        changed = False
        for i, box in enumerate(boxes):
            for p, margin in margins:
                if not _inside(p, box) and _near(p, box, margin):
                    boxes[i] = _union(box, (p.x, p.y, p.x, p.y))
                    changed = True
                    break
            for j in range(i + 1, len(boxes)):
                if _overlap(boxes[i], boxes[j], 2 * (MARKER_DIAMETER / 2 + GAP) / scale):
                    boxes[i] = _union(boxes[i], boxes.pop(j))
                    changed = True
                    break
            if changed:
                break
    areas = []
    for box in boxes:
        inside = [p for p in points if _inside(p, box)]
        zoom = _zoom(inside, box, scale, max_size)
        pad = (INSET_PAD + _room_to_move(inside, box, scale * zoom, max_size)) / (scale * zoom)
        framed = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
        shown = tuple(sorted((p for p in points if _inside(p, framed)), key=lambda p: p.number))
        areas.append(Area(framed, shown, zoom))
    return sorted(areas, key=lambda a: min(a.numbers))


def _zoom(
    points: list[TriggerPoint], box: Box, scale: float, max_size: tuple[float, float]
) -> float:
    """The least zoom at which no two markers touch, kept within MIN_ZOOM..MAX_ZOOM and
    the room an inset has."""
    need = MIN_ZOOM
    placed = [(p.x, p.y, reach(p)) for p in points]  # `apart` and `reach` unrolled, as below
    for i, (ax, ay, ra) in enumerate(placed):
        for bx, by, rb in placed[i + 1 :]:
            distance = max(abs(ax - bx), abs(ay - by)) * scale
            if distance > 0:
                need = max(need, (ra + rb + GAP) / distance)
    width, height = box[2] - box[0], box[3] - box[1]
    room = [MAX_ZOOM]
    if width > 0:
        room.append((max_size[0] - 2 * INSET_PAD) / (width * scale))
    if height > 0:
        room.append((max_size[1] - 2 * INSET_PAD) / (height * scale))
    return max(1.0, min(need, *room))


def _room_to_move(
    points: list[TriggerPoint], box: Box, scale: float, max_size: tuple[float, float]
) -> float:
    """Extra pt around an inset whose markers still touch at its zoom (two needles a few
    millimetres apart): the room to move one aside with its leader line clear of the
    others, as much of a marker's width as the inset's room allows."""
    placed = _scaled(points, scale)
    touching = any(
        max(abs(ax - bx), abs(ay - by)) < ra + rb + GAP  # `clash`, unrolled as below
        for i, (ax, ay, ra) in enumerate(placed)
        for bx, by, rb in placed[i + 1 :]
    )
    if not touching:
        return 0.0
    width = (box[2] - box[0]) * scale + 2 * INSET_PAD
    height = (box[3] - box[1]) * scale + 2 * INSET_PAD
    return max(0.0, min(MARKER_DIAMETER, (max_size[0] - width) / 2, (max_size[1] - height) / 2))


def place_apart(
    points: Sequence[TriggerPoint], to_page: ToPage, limits: Box
) -> dict[int, tuple[float, float]]:
    """Where each point's marker is drawn, by number: on its spot where that is free,
    else at the nearest free place around it inside ``limits`` (page x0, y0, x1, y1),
    from which a leader line goes back to the spot. Lower numbers keep their spots."""
    placed: dict[int, tuple[float, float]] = {}
    reaches: dict[int, float] = {}
    for p in sorted(points, key=lambda p: p.number):
        r = reach(p)
        spot = to_page(p.x, p.y)
        here = _free_place(spot, r, placed, reaches, limits)
        placed[p.number], reaches[p.number] = here, r
    return placed


def _free_place(
    spot: tuple[float, float], r: float, placed: dict[int, tuple[float, float]],
    reaches: dict[int, float], limits: Box,
) -> tuple[float, float]:  # fmt: skip
    # Candidates lie less than RING_LIMIT from the spot: a marker further off (across
    # or up, as `clash` measures) cannot touch one, nor one further in a straight line
    # lie on its leader, so only the near ones are asked (a crowded record asked every
    # marker placed so far, for every candidate). 1 pt to spare for rounding.
    reach_out = RING_LIMIT + 1.0
    near = [
        (q, reaches[n])
        for n, q in placed.items()
        if apart(spot, q) < reach_out + r + reaches[n] + GAP
        or math.dist(spot, q) < reach_out + reaches[n]
    ]

    # `clash` unrolled, its sum precomputed in the same order: the same comparisons,
    # without two calls per marker per candidate.
    touching = [(q[0], q[1], r + rq + GAP) for q, rq in near]

    def clashes(c: tuple[float, float]) -> int:
        cx, cy = c
        return sum(1 for qx, qy, limit in touching if max(abs(cx - qx), abs(cy - qy)) < limit)

    def free(c: tuple[float, float]) -> bool:
        return not clashes(c)

    def within(c: tuple[float, float]) -> bool:
        x0, y0, x1, y1 = limits
        return x0 + r <= c[0] <= x1 - r and y0 + r <= c[1] <= y1 - r

    def clear_leader(c: tuple[float, float]) -> bool:
        """The leader crosses no marker, but the ones over the spot, and leaves those
        away from their centre, so it cannot be read as theirs."""
        for q, rq in near:
            if math.dist(spot, q) < rq:
                if (c[0] - spot[0]) * (spot[0] - q[0]) + (c[1] - spot[1]) * (spot[1] - q[1]) < 0:
                    return False
            elif _segment_distance(q, spot, c) < rq:
                return False
        return True

    if free(spot):
        return spot
    # Rings of candidates around the spot, nearest first, so a leader stays short.
    best, best_clashes = spot, math.inf
    # A free place with a leader in the clear, else the place touching fewest markers.
    distance = r
    while distance < RING_LIMIT:
        steps = max(12, int(2 * math.pi * distance / 6))
        for k in range(steps):
            angle = 2 * math.pi * k / steps + math.pi / 2
            c = (spot[0] + distance * math.cos(angle), spot[1] + distance * math.sin(angle))
            if not within(c):
                continue
            hits = clashes(c)
            if hits >= best_clashes:
                continue  # no better than the best so far, whatever its leader
            leader_clear = clear_leader(c)
            if not hits and leader_clear:
                return c
            hits += 0.5 * (not leader_clear)
            if hits < best_clashes:
                best, best_clashes = c, hits
        distance += 4.0
    return best  # nowhere free within six markers' reach: the least crowded place


def _touching_groups(points: Sequence[TriggerPoint], scale: float) -> list[list[TriggerPoint]]:
    """Groups of two or more points whose markers touch, directly or through others."""
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # `clash` of every pair (the page layout asks this of 30 points at several sizes).
    placed = _scaled(points, scale)
    for i, (ax, ay, ra) in enumerate(placed):
        for j in range(i + 1, len(placed)):
            bx, by, rb = placed[j]
            if max(abs(ax - bx), abs(ay - by)) < ra + rb + GAP:
                parent[root(i)] = root(j)
    groups: dict[int, list[TriggerPoint]] = {}
    for i, p in enumerate(points):
        groups.setdefault(root(i), []).append(p)
    return [g for g in groups.values() if len(g) > 1]


def _scaled(points: Sequence[TriggerPoint], scale: float) -> list[tuple[float, float, float]]:
    """Each point's centre at ``scale`` and its marker's reach, worked out once per point
    for the pair tests, which unroll `clash` on them: the same sums in the same order."""
    return [(p.x * scale, p.y * scale, reach(p)) for p in points]


def _bounds(points: Sequence[TriggerPoint]) -> Box:
    xs, ys = [p.x for p in points], [p.y for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(p: TriggerPoint, box: Box) -> bool:
    return box[0] <= p.x <= box[2] and box[1] <= p.y <= box[3]


def _near(p: TriggerPoint, box: Box, margin: float) -> bool:
    return box[0] - margin <= p.x <= box[2] + margin and box[1] - margin <= p.y <= box[3] + margin


def _overlap(a: Box, b: Box, margin: float) -> bool:
    return not (
        a[2] + margin < b[0] or b[2] + margin < a[0] or a[3] + margin < b[1] or b[3] + margin < a[1]
    )


def _union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _segment_distance(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    """Distance from ``p`` to the segment ``a``-``b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))
