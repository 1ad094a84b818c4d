"""Charting rules: what a point becomes when the doctor marks, moves or grades it.

The canvas and the point inspector only report what the doctor did (a click in
a region, a drop, a key, a box changed); these functions decide the resulting
`TriggerPoint`, so each rule lives here once and is tested without Qt or a
database:

- `next_point_number`: how points of a session are numbered;
- `place_point`: a new point from a click (view, side and likely muscle);
- `moved`: a point dragged elsewhere (whether its muscle is kept);
- `carried_forward`: earlier points copied into today's session;
- `with_twitch`, `with_twitch_count`: the twitch response and its count.

Whether a point may be *saved* is another question, answered on the write path
by `TriggerPoint.check_for_saving`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tpchart.core.muscles import MUSCLES, OTHER
from tpchart.core.regions import Region, region
from tpchart.core.trigger_point import TriggerPoint, TwitchStrength

# Diagram positions are kept to a hundredth of a diagram unit: far finer than a
# click can aim (a unit is about a screen pixel at the fitted zoom), and short
# numbers in the database and its audit trail.
_POSITION_DECIMALS = 2


def next_point_number(points: Iterable[TriggerPoint]) -> int:
    """The number of the next point marked in a session whose points are ``points``:
    one above the highest, whatever view each point is on (1 for the first).

    Points are never renumbered, because the number is how the doctor, the caution
    banners and the printed summary name a point: deleting one leaves a gap. Only a
    deleted highest number is given again."""
    return max((p.number for p in points), default=0) + 1


def likely_muscle(where: Region) -> str:
    """The muscle a point in ``where`` is pre-set to: the catalogue lists a region's
    muscles most likely first. Its preferred name, or empty when the region lists
    none (the doctor types one)."""
    return MUSCLES[where.muscles[0]].name if where.muscles else ""


def place_point(
    session_id: int, region_id: str, x: float, y: float, points: Iterable[TriggerPoint]
) -> TriggerPoint:
    """A new point where the doctor clicked: at (x, y) in region ``region_id``, numbered
    after ``points`` (the session's points so far).

    The region decides the view and the patient's side (the catalogue has no midline
    region, so a new point is never on the midline; the inspector can set that), and
    the muscle starts as the region's likely one. Everything found is still unset."""
    where = region(region_id)
    return TriggerPoint(
        session_id=session_id,
        number=next_point_number(points),
        view=where.view,
        region_id=where.id,
        side=where.side,
        x=round(x, _POSITION_DECIMALS),
        y=round(y, _POSITION_DECIMALS),
        muscle=likely_muscle(where),
    )


def moved(point: TriggerPoint, region_id: str, x: float, y: float) -> TriggerPoint:
    """``point`` dropped at (x, y) on its own diagram, inside region ``region_id``.

    The side always follows the region, even within the same region (a point set to
    the midline in the inspector takes the region's side again). The muscle is the
    doctor's choice and stays while it is still plausible: within the same region
    always, in another region when that region lists it, and always when it is the
    doctor's own words (an "other" muscle). Otherwise the new region's likely muscle
    replaces it; a region listing no muscle keeps it. Findings, number and needling
    are the point's and do not change."""
    where = region(region_id)
    placed = replace(
        point,
        x=round(x, _POSITION_DECIMALS),
        y=round(y, _POSITION_DECIMALS),
        region_id=where.id,
        side=where.side,
    )
    own_words = point.muscle_id == OTHER  # the doctor's own words stay theirs
    if where.id != point.region_id and not own_words and point.muscle_id not in where.muscles:
        return placed.with_muscle(likely_muscle(where)) if where.muscles else placed
    return placed


def carried_forward(
    earlier: Iterable[TriggerPoint], session_id: int, points: Iterable[TriggerPoint]
) -> list[TriggerPoint]:
    """``earlier`` points (of a previous session) copied into session ``session_id``, in
    the order given, numbered on after ``points`` (the session's points so far).
    What a copy keeps and what starts fresh is `TriggerPoint.carried_to`."""
    first = next_point_number(points)
    return [old.carried_to(session_id, first + n) for n, old in enumerate(earlier)]


def with_twitch(
    point: TriggerPoint, strength: TwitchStrength | None, count: int | None = None
) -> TriggerPoint:
    """``point`` with the twitch response the doctor chose (the N/W/M/S keys on the map,
    the twitch box in the inspector); ``strength`` None means none was elicited.

    A twitch elicited was seen at least once, so its count is ``count`` when that is
    1 or more and otherwise 1. ``count`` is the count the doctor sees (the inspector's
    box: 0 or less there means not counted); without it, the point's own count.
    No twitch clears strength and count, which the point refuses without one."""
    if strength is None:
        return replace(point, twitch_elicited=False, twitch_strength=None, twitch_count=None)
    counted = point.twitch_count if count is None else count
    return replace(
        point,
        twitch_elicited=True,
        twitch_strength=strength,
        twitch_count=counted if counted is not None and counted > 0 else 1,
    )


def with_twitch_count(
    point: TriggerPoint, strength: TwitchStrength | None, count: int | None
) -> TriggerPoint:
    """``point`` with the number of twitches the doctor typed, beside the twitch
    ``strength`` shown with it (None: no twitch elicited).

    Unlike `with_twitch`, a count of 0 or less (or None) is kept as not counted rather
    than raised to 1: the doctor is clearing the count, not choosing a twitch. With no
    twitch elicited there is no count, whatever was typed."""
    if strength is None:
        return replace(point, twitch_elicited=False, twitch_strength=None, twitch_count=None)
    return replace(
        point,
        twitch_elicited=True,
        twitch_strength=strength,
        twitch_count=count if count is not None and count > 0 else None,
    )
