"""The thumb, first web space, armpit and outer thigh: where a doctor looks for
them, big enough to click, and points charted before they existed keep their place.

Coordinates are the diagrams' own (viewBox units). Front and back are drawn
symmetric about x = 250, so each check on the viewer's left is repeated mirrored.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tpchart.bodymap import BodyMap, load_body_map
from tpchart.core.regions import REGIONS, View

MID = 250.0
BEFORE = Path(__file__).parent / "drawn_before_new_regions"
ADDED = [
    f"{stem}.{side}"
    for stem in ("front.hand.thumb", "back.hand.webspace", "front.axilla", "front.thigh.lateral")
    for side in ("right", "left")
]


def _other_side(region_id: str) -> str:
    stem, side = region_id.rsplit(".", 1)
    return f"{stem}.{'left' if side == 'right' else 'right'}"


def _centre(body: BodyMap, region_id: str) -> tuple[float, float]:
    return body.interior_point(region_id)


def _from_midline(x: float) -> float:
    return abs(x - MID)


# Where a doctor would click for each new region, on the viewer's left half
# (front: patient's right; back: patient's left), and what the click must hit.
DOCTOR_CLICKS = [
    (View.FRONT, (79, 601), "front.hand.thumb.right"),  # pad of the thumb
    (View.FRONT, (93, 560), "front.hand.thumb.right"),  # ball of the thumb (thenar)
    (View.FRONT, (113, 565), "front.hand.right"),  # middle of the palm
    (View.FRONT, (110, 612), "front.hand.right"),  # the fingers
    (View.BACK, (95, 568), "back.hand.webspace.left"),  # first dorsal interosseous
    (View.BACK, (79, 601), "back.hand.left"),  # back of the thumb beyond the web
    (View.BACK, (115, 565), "back.hand.left"),  # back of the hand
    (View.FRONT, (167, 268), "front.axilla.right"),  # just above the armpit corner
    (View.FRONT, (158, 292), "front.axilla.right"),  # inner arm at the armpit
    (View.FRONT, (176, 292), "front.axilla.right"),  # chest wall at the armpit
    (View.FRONT, (155, 240), "front.shoulder.right"),  # front of the deltoid
    (View.FRONT, (172, 620), "front.thigh.lateral.right"),  # vastus lateralis
    (View.FRONT, (205, 620), "front.thigh.right"),  # front of the thigh
]


@pytest.mark.parametrize(("view", "point", "region_id"), DOCTOR_CLICKS)
def test_a_click_where_the_doctor_expects_it_hits_the_region(
    view: View, point: tuple[float, float], region_id: str
) -> None:
    body = load_body_map(view)
    x, y = point
    assert body.region_at(x, y) == region_id
    assert body.region_at(2 * MID - x, y) == _other_side(region_id)


@pytest.mark.parametrize("region_id", ADDED)
def test_added_region_is_drawn_on_its_view_and_hit_at_its_centre(region_id: str) -> None:
    view = REGIONS[region_id].view
    body = load_body_map(view)
    assert region_id in body.region_ids()
    x, y = body.interior_point(region_id)
    assert body.region_at(x, y) == region_id
    # The patient's right is on the viewer's left in front, on the viewer's right behind.
    on_viewers_left = x < MID
    assert on_viewers_left == ((view is View.FRONT) == region_id.endswith(".right"))


def test_thumb_and_web_space_are_on_the_thumb_side_of_the_hand() -> None:
    """Palm forward, the thumb is the outer edge of the hand in both views."""
    front, back = load_body_map(View.FRONT), load_body_map(View.BACK)
    for side in ("right", "left"):
        thumb = _centre(front, f"front.hand.thumb.{side}")
        palm = _centre(front, f"front.hand.{side}")
        assert _from_midline(thumb[0]) > _from_midline(palm[0])
        assert thumb[1] > 532, "the thumb is below the wrist"
    for side in ("right", "left"):
        web = _centre(back, f"back.hand.webspace.{side}")
        dorsum = _centre(back, f"back.hand.{side}")
        assert _from_midline(web[0]) > _from_midline(dorsum[0])
        assert web[1] > 532
    # The back of the hand is two pieces: the dorsum, and the thumb beyond the web.
    assert len(back.outline("back.hand.left")) == 2
    assert len(front.outline("front.hand.thumb.right")) == 1


def test_the_armpit_lies_between_arm_and_chest_wall_below_the_shoulder() -> None:
    body = load_body_map(View.FRONT)
    for side in ("right", "left"):
        ax, ay = _centre(body, f"front.axilla.{side}")
        arm_x, _ = _centre(body, f"front.arm.upper.{side}")
        wall_x, wall_y = _centre(body, f"front.chest.lateral.{side}")
        _, shoulder_y = _centre(body, f"front.shoulder.{side}")
        assert _from_midline(wall_x) < _from_midline(ax) < _from_midline(arm_x)
        assert shoulder_y < ay < wall_y


def test_the_outer_thigh_runs_down_the_outside_of_the_thigh() -> None:
    body = load_body_map(View.FRONT)
    for side in ("right", "left"):
        outer, thigh = f"front.thigh.lateral.{side}", f"front.thigh.{side}"
        assert _from_midline(_centre(body, outer)[0]) > _from_midline(_centre(body, thigh)[0])
        # Nearly the whole length of the thigh, hip to knee.
        assert body.bounds(outer)[3] >= 0.8 * body.bounds(thigh)[3]


# The centre (pole) of every region of the front and back views as drawn before
# the four regions were added (git show bef2d18:assets/body_maps/*.svg), on the
# viewer's left, with the radius of the largest circle around it inside the region.
OLD_CENTRES = [
    ("front.head", 225.6, 100.3, 24.4),
    ("front.jaw", 233.1, 156.9, 16.2),
    ("front.neck.anterior", 235.8, 193.9, 14.1),
    ("front.shoulder.upper", 214.9, 213.3, 12.6),
    ("front.shoulder", 156.1, 251.0, 24.5),
    ("front.chest", 213.8, 272.8, 36.1),
    ("front.chest.lateral", 186.6, 348.9, 10.2),
    ("front.abdomen.upper", 217.0, 388.8, 32.9),
    ("front.abdomen.lower", 221.0, 451.8, 28.8),
    ("front.hip", 180.6, 498.9, 17.4),
    ("front.groin", 219.2, 520.6, 23.1),
    ("front.arm.upper", 138.7, 314.7, 17.2),
    ("front.elbow", 126.9, 394.8, 16.7),
    ("front.forearm", 122.3, 430.8, 17.4),
    ("front.hand", 108.7, 560.1, 17.2),
    ("front.thigh", 197.6, 591.5, 31.0),
    ("front.thigh.inner", 238.1, 553.4, 11.2),
    ("front.knee", 211.9, 722.8, 29.9),
    ("front.shin", 210.0, 786.0, 32.7),
    ("front.foot", 214.5, 958.5, 22.9),
    ("back.head", 223.9, 130.3, 26.1),
    ("back.neck.posterior", 235.3, 175.5, 14.5),
    ("back.shoulder.upper", 213.4, 225.6, 23.8),
    ("back.shoulder", 148.7, 260.9, 20.8),
    ("back.scapula", 193.7, 277.0, 26.1),
    ("back.upper", 232.4, 320.7, 17.6),
    ("back.mid", 216.0, 368.6, 31.5),
    ("back.lower", 227.4, 423.6, 22.6),
    ("back.hip", 181.1, 455.1, 9.8),
    ("back.buttock", 208.7, 523.3, 41.3),
    ("back.arm.upper", 138.7, 314.7, 17.2),
    ("back.elbow", 126.9, 394.8, 16.7),
    ("back.forearm", 122.3, 430.8, 17.4),
    ("back.hand", 108.7, 560.1, 17.2),
    ("back.thigh", 207.8, 606.4, 39.4),
    ("back.knee", 211.9, 722.8, 29.9),
    ("back.calf", 210.0, 785.9, 32.7),
    ("back.foot", 215.1, 960.4, 21.5),
]

# Sample points that a new region legitimately took: the outer part of the palm
# is now the ball of the thumb (front) or the first web space (back), and the
# outer part of the thigh is the outer thigh. (stem, offset) -> new stem.
TAKEN = {
    ("front.hand", "outward"): "front.hand.thumb",
    ("back.hand", "outward"): "back.hand.webspace",
    ("front.thigh", "outward"): "front.thigh.lateral",
}


def _old_samples() -> list[tuple[View, str, str, tuple[float, float], str]]:
    """Each old centre and four points half its radius away, on both sides."""
    samples = []
    for stem, x, y, r in OLD_CENTRES:
        view = View(stem.split(".")[0])
        viewer_left = "right" if view is View.FRONT else "left"
        offsets = {"centre": (0, 0), "outward": (-r / 2, 0), "inward": (r / 2, 0),
                   "up": (0, -r / 2), "down": (0, r / 2)}  # fmt: skip
        for name, (dx, dy) in offsets.items():
            expected = TAKEN.get((stem, name), stem)
            px, py = x + dx, y + dy
            samples.append((view, f"{stem}.{viewer_left}", name, (px, py), expected))
            samples.append(
                (view, _other_side(f"{stem}.{viewer_left}"), name, (2 * MID - px, py), expected)
            )
    return samples


def test_points_at_the_old_region_centres_keep_their_region() -> None:
    """A stored point keeps its coordinates and region id; where it sat on an old
    region, it must still sit on that region unless a new region took the place."""
    wrong = []
    for view, old_id, name, (x, y), expected_stem in _old_samples():
        expected = f"{expected_stem}.{old_id.rsplit('.', 1)[1]}"
        got = load_body_map(view).region_at(x, y)
        if got != expected:
            wrong.append((old_id, name, (round(x, 1), round(y, 1)), got, expected))
    assert wrong == []


# Old region -> the new regions that may have taken part of it.
SUCCESSORS = {
    "front.hand": {"front.hand.thumb"},
    "front.thigh": {"front.thigh.lateral"},
    "front.shoulder": {"front.axilla"},
    "front.arm.upper": {"front.axilla"},
    "front.chest": {"front.axilla"},
    "front.chest.lateral": {"front.axilla"},
    "back.hand": {"back.hand.webspace"},
}


@pytest.mark.parametrize("view", [View.FRONT, View.BACK])
def test_every_point_of_the_old_changed_regions_stays_on_the_body(view: View) -> None:
    """Every point (1-unit grid) of the old hand, thigh, shoulder, upper arm and chest
    regions is still on the body and on its old region or the one that took it;
    nothing fell into the new gap between thumb and index finger."""
    old = BodyMap(view, BEFORE / f"{view.value}.svg")
    new = load_body_map(view)
    taken: set[str] = set()
    for old_id in old.region_ids():
        stem, side = old_id.rsplit(".", 1)
        allowed = {old_id} | {f"{s}.{side}" for s in SUCCESSORS[stem]}
        bx, by, bw, bh = old.bounds(old_id)
        for y in range(math.floor(by), math.ceil(by + bh) + 1):
            for x in range(math.floor(bx), math.ceil(bx + bw) + 1):
                px, py = x + 0.5, y + 0.5
                if not old.contains(old_id, px, py):
                    continue
                got = new.region_at(px, py)
                assert got in allowed, f"{old_id} at ({px}, {py}) is now {got}"
                if got != old_id:
                    taken.add(got)
    # ... and the new regions did take the place drawn for them.
    expected = {
        f"{s}.{side}" for ss in SUCCESSORS.values() for s in ss for side in ("right", "left")
    }
    assert taken == {rid for rid in expected if rid.startswith(view.value)}
