"""The chart asks every point's lung risk on each click; the answer is remembered by
what it depends on (region, muscle, height on the diagram) and must stay the rule's."""

from __future__ import annotations

from tpchart.core import safety
from tpchart.core.lung import UPPER_LOW_BACK_Y
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS
from tpchart.core.safety import lung_cautions, lung_risk_points, point_lung_risk
from tpchart.core.trigger_point import TriggerPoint


def _points() -> list[TriggerPoint]:
    """A point for every region with each of its muscles (and none), above and below
    the 12th rib's height."""
    out = []
    for region_id, region in sorted(REGIONS.items()):
        for muscle in ("", *(MUSCLES[m].name for m in region.muscles)):
            for y in (UPPER_LOW_BACK_Y - 1, UPPER_LOW_BACK_Y + 1):
                out.append(TriggerPoint(session_id=1, number=len(out) + 1, view=region.view,
                                        region_id=region_id, side=region.side, x=100.0, y=y,
                                        muscle=muscle))  # fmt: skip
    return out


def test_the_remembered_risk_is_the_rules_for_every_region_muscle_and_height():
    points = _points()
    assert any(p.lung_risk_reason for p in points) and not all(p.lung_risk_reason for p in points)
    for p in points:
        assert point_lung_risk(p) == p.lung_risk_reason, (p.region_id, p.muscle, p.y)
    assert lung_risk_points(points) == [p for p in points if p.lung_risk_reason]


def test_a_click_asks_the_rules_for_the_new_point_only():
    points = _points()
    lung_cautions(points)
    before = safety._risk_reason.cache_info()
    new = TriggerPoint(session_id=1, number=len(points) + 1, view=points[0].view,
                       region_id=points[0].region_id, side=points[0].side, x=1.0,
                       y=123.456, muscle=points[0].muscle)  # fmt: skip
    lung_cautions([*points, new])
    after = safety._risk_reason.cache_info()
    assert after.misses - before.misses == 1
