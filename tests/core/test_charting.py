"""Charting rules: numbering, placing, moving, carrying forward and twitch defaults."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tpchart.core import charting
from tpchart.core.charting import (
    carried_forward,
    likely_muscle,
    moved,
    next_point_number,
    place_point,
    with_twitch,
    with_twitch_count,
)
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS, Region, Side, View
from tpchart.core.trigger_point import PointKind, TriggerPoint, TwitchStrength

NECK = "back.neck.posterior.right"  # splenius capitis, semispinalis, levator scapulae, ...
NECK_LEFT = "back.neck.posterior.left"
NECK_ANGLE = "back.shoulder.upper.right"  # upper trapezius, levator scapulae, supraspinatus
SCAPULA = "back.scapula.right"  # infraspinatus first; no splenius capitis
SESSION = 7


def point(**values: Any) -> TriggerPoint:
    """A saved point on the right posterior neck; ``values`` override any field."""
    fields: dict[str, Any] = {
        "session_id": SESSION,
        "number": 1,
        "view": View.BACK,
        "region_id": NECK,
        "side": Side.RIGHT,
        "x": 200.0,
        "y": 150.0,
        "muscle": "splenius capitis",
        "id": 41,
    }
    return TriggerPoint(**{**fields, **values})


def numbered(*numbers: int, view: View = View.BACK) -> list[TriggerPoint]:
    return [point(number=n, id=n, view=view) for n in numbers]


# -- numbering ----------------------------------------------------------------------------


def test_the_first_point_of_a_session_is_number_1() -> None:
    assert next_point_number([]) == 1


def test_the_next_number_is_one_above_the_highest() -> None:
    assert next_point_number(numbered(1, 2, 3)) == 4
    assert next_point_number(numbered(7, 2, 5)) == 8  # not the count, not the last


def test_deleting_a_point_leaves_a_gap_and_only_the_highest_number_comes_back() -> None:
    after_deleting_2 = numbered(1, 3)
    assert next_point_number(after_deleting_2) == 4  # the gap is not filled
    after_deleting_3 = numbered(1, 2)
    assert next_point_number(after_deleting_3) == 3  # nothing remembers the deleted 3


def test_numbers_run_across_the_views_of_a_session() -> None:
    points = [*numbered(1, view=View.FRONT), *numbered(2, view=View.HEAD)]
    assert next_point_number(points) == 3
    on_the_back = place_point(SESSION, NECK, 200, 150, points)
    assert on_the_back.number == 3


def test_carried_points_are_numbered_on_after_the_session_in_the_order_given() -> None:
    earlier = [
        point(session_id=1, number=4, id=4, muscle="levator scapulae", pain=6),
        point(session_id=1, number=1, id=1, region_id=SCAPULA, muscle="infraspinatus"),
    ]
    copies = carried_forward(earlier, SESSION, numbered(1, 5))
    assert [c.number for c in copies] == [6, 7]
    assert [c.muscle for c in copies] == ["levator scapulae", "infraspinatus"]
    assert all(c.session_id == SESSION and c.id is None for c in copies)
    assert copies[0].pain is None  # today's findings start fresh (TriggerPoint.carried_to)


def test_carried_points_into_an_empty_session_start_at_1() -> None:
    copies = carried_forward(numbered(3, 9), SESSION, [])
    assert [c.number for c in copies] == [1, 2]
    assert carried_forward([], SESSION, numbered(1)) == []


# -- placing ------------------------------------------------------------------------------


@pytest.mark.parametrize("region_id", sorted(REGIONS))
def test_a_click_places_the_point_on_the_regions_view_and_side_with_its_likely_muscle(
    region_id: str,
) -> None:
    where = REGIONS[region_id]
    placed = place_point(SESSION, region_id, 250, 400, [])
    assert (placed.view, placed.region_id, placed.side) == (where.view, region_id, where.side)
    # the catalogue lists the likeliest first; the point reads its preferred name
    assert (placed.muscle_id, placed.muscle) == (where.muscles[0], MUSCLES[where.muscles[0]].name)


def test_the_side_is_the_patients_side_of_the_region_clicked() -> None:
    assert place_point(SESSION, NECK, 200, 150, []).side is Side.RIGHT
    assert place_point(SESSION, NECK_LEFT, 300, 150, []).side is Side.LEFT
    temple = place_point(SESSION, "head.temporal.left", 200, 700, [])
    assert (temple.view, temple.side, temple.muscle) == (View.HEAD, Side.LEFT, "temporalis")


def test_no_region_is_on_the_midline_so_no_new_point_is() -> None:
    # The catalogue pairs every region left/right (the lung-risk rule needs a side);
    # only the inspector sets a point to the midline.
    assert all(r.side is not Side.MIDLINE for r in REGIONS.values())
    assert {place_point(SESSION, r, 250, 400, []).side for r in REGIONS} == {
        Side.LEFT,
        Side.RIGHT,
    }


def test_a_region_listing_no_muscle_leaves_the_muscle_for_the_doctor() -> None:
    bare = Region("back.bare.right", "Right bare", View.BACK, Side.RIGHT, (), False)
    assert likely_muscle(bare) == ""
    assert likely_muscle(REGIONS[NECK_ANGLE]) == "upper trapezius"


def test_a_placed_point_is_numbered_rounded_and_has_no_findings_yet() -> None:
    placed = place_point(SESSION, NECK, 200.123456, 150.987654, numbered(1, 2))
    assert (placed.session_id, placed.number, placed.id) == (SESSION, 3, None)
    assert (placed.x, placed.y) == (200.12, 150.99)
    assert placed == TriggerPoint(
        session_id=SESSION,
        number=3,
        view=View.BACK,
        region_id=NECK,
        side=Side.RIGHT,
        x=200.12,
        y=150.99,
        muscle="splenius capitis",
    )


def test_placing_in_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown body-map region"):
        place_point(SESSION, "back.tail.right", 200, 150, [])


# -- moving -------------------------------------------------------------------------------


def test_moving_within_the_region_keeps_the_muscle_even_one_typed_by_hand() -> None:
    typed = point(muscle="Semispinalis cervicis")
    assert moved(typed, NECK, 210, 160).muscle == "Semispinalis cervicis"
    assert moved(point(muscle=""), NECK, 210, 160).muscle == ""  # not filled in either


def test_moving_to_a_region_that_lists_the_muscle_keeps_it() -> None:
    levator = point(muscle="levator scapulae")  # second at the neck angle, not first
    assert moved(levator, NECK_ANGLE, 180, 200).muscle == "levator scapulae"


def test_moving_to_a_region_that_does_not_list_the_muscle_picks_its_likely_one() -> None:
    assert moved(point(muscle="splenius capitis"), SCAPULA, 150, 300).muscle == "infraspinatus"
    assert moved(point(muscle="Semispinalis cervicis"), SCAPULA, 150, 300).muscle == (
        "infraspinatus"
    )
    assert moved(point(muscle=""), SCAPULA, 150, 300).muscle == "infraspinatus"


def test_moving_to_a_region_listing_no_muscle_keeps_the_muscle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare = Region("back.bare.right", "Right bare", View.BACK, Side.RIGHT, (), False)
    monkeypatch.setattr(charting, "region", lambda region_id: bare)
    assert moved(point(muscle="splenius capitis"), bare.id, 150, 300).muscle == ("splenius capitis")


def test_the_side_follows_the_region_the_point_is_dropped_in() -> None:
    across = moved(point(), NECK_LEFT, 300, 150)
    assert (across.region_id, across.side) == (NECK_LEFT, Side.LEFT)
    assert across.muscle == "splenius capitis"  # the left neck lists the same muscles
    # A point set to the midline in the inspector takes the region's side when moved.
    assert moved(point(side=Side.MIDLINE), NECK, 205, 150).side is Side.RIGHT


def test_a_move_changes_only_where_the_point_is() -> None:
    found = point(
        number=3,
        kind=PointKind.LATENT,
        pain=6,
        twitch_elicited=True,
        twitch_strength=TwitchStrength.STRONG,
        twitch_count=2,
        notes="Referred to the temple",
    )
    after = moved(found, SCAPULA, 150.456, 300.004)
    assert (after.x, after.y) == (150.46, 300.0)
    assert after == replace(
        found, region_id=SCAPULA, side=Side.RIGHT, x=150.46, y=300.0
    ).with_muscle("infraspinatus")


def test_moving_into_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown body-map region"):
        moved(point(), "back.tail.right", 200, 150)


# -- twitch ---------------------------------------------------------------------------------

# The keys on the map: N(one), W(eak), M(edium), S(trong).
KEYS = {"N": None, "W": TwitchStrength.WEAK, "M": TwitchStrength.MEDIUM, "S": TwitchStrength.STRONG}


@pytest.mark.parametrize("key", KEYS)
def test_a_twitch_key_on_a_point_without_twitch(key: str) -> None:
    strength = KEYS[key]
    after = with_twitch(point(), strength)
    if strength is None:
        assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
            False,
            None,
            None,
        )
    else:  # a twitch seen was seen at least once
        assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
            True,
            strength,
            1,
        )
    assert replace(after, twitch_elicited=False, twitch_strength=None, twitch_count=None) == (
        point()
    )


@pytest.mark.parametrize("key", ["W", "M", "S"])
def test_a_twitch_key_keeps_the_count_already_taken(key: str) -> None:
    counted = point(twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=3)
    after = with_twitch(counted, KEYS[key])
    assert (after.twitch_strength, after.twitch_count) == (KEYS[key], 3)


def test_a_twitch_key_raises_a_count_of_0_to_1() -> None:
    zero = point(twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=0)
    assert with_twitch(zero, TwitchStrength.STRONG).twitch_count == 1


def test_no_twitch_clears_strength_and_count() -> None:
    counted = point(twitch_elicited=True, twitch_strength=TwitchStrength.STRONG, twitch_count=4)
    after = with_twitch(counted, None)
    assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
        False,
        None,
        None,
    )


@pytest.mark.parametrize(("shown", "kept"), [(-1, 1), (0, 1), (4, 4)])
def test_the_twitch_box_uses_the_count_shown_beside_it(shown: int, kept: int) -> None:
    # The inspector's count box shows -1 for "not counted"; the shown count wins over
    # the point's own (the doctor may have typed it before choosing the strength).
    counted = point(twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=2)
    after = with_twitch(counted, TwitchStrength.MEDIUM, shown)
    assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
        True,
        TwitchStrength.MEDIUM,
        kept,
    )
    assert with_twitch(counted, None, shown).twitch_count is None


@pytest.mark.parametrize(("typed", "kept"), [(3, 3), (1, 1), (0, None), (-1, None), (None, None)])
def test_a_typed_count_is_kept_while_a_twitch_is_elicited(
    typed: int | None, kept: int | None
) -> None:
    # The strength is the one shown beside the count, whatever the point had.
    weak = point(twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=2)
    for before in (point(), weak):
        after = with_twitch_count(before, TwitchStrength.STRONG, typed)
        assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
            True,
            TwitchStrength.STRONG,
            kept,
        )


def test_a_typed_count_without_a_twitch_is_dropped() -> None:
    counted = point(twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=2)
    after = with_twitch_count(counted, None, 5)
    assert (after.twitch_elicited, after.twitch_strength, after.twitch_count) == (
        False,
        None,
        None,
    )
    assert replace(
        after, twitch_elicited=True, twitch_strength=TwitchStrength.WEAK, twitch_count=2
    ) == (counted)


def test_moving_keeps_the_doctors_own_words_in_any_region() -> None:
    # Words the catalogue lacks are the doctor's choice: a drag never swaps them for a guess.
    own = moved(point(muscle="the sore bit by the scar"), SCAPULA, 150, 300)
    assert (own.muscle, own.muscle_id) == ("the sore bit by the scar", "other")
