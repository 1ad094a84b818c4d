"""Lung cautions while charting (clinical.md, "Lung risk")."""

from __future__ import annotations

from tpchart.core.regions import REGIONS, Side, View
from tpchart.core.safety import Level, lung_cautions
from tpchart.core.trigger_point import TriggerPoint


def point(number: int, region_id: str, **kw) -> TriggerPoint:
    region = REGIONS[region_id]
    values = dict(session_id=1, number=number, view=region.view, region_id=region_id,
                  side=region.side, x=100.0, y=100.0)  # fmt: skip
    values.update(kw)
    return TriggerPoint(**values)


def test_no_caution_away_from_the_thorax():
    assert lung_cautions([point(1, "back.calf.left"), point(2, "head.masseter.right")]) == []


def test_one_caution_per_lung_risk_point_with_its_reason():
    (caution,) = lung_cautions([point(3, "back.upper.right")])
    assert caution.level is Level.CAUTION and caution.points == (3,)
    assert REGIONS["back.upper.right"].lung_risk_reason in caution.message


def test_depth_at_or_past_three_cm_is_named():
    (caution,) = lung_cautions([point(1, "front.chest.left", depth_mm=32.0, needle_length_mm=40.0)])
    assert "Depth 32 mm" in caution.message


def test_both_sides_of_the_thorax_raise_a_warning_first():
    cautions = lung_cautions([point(1, "front.chest.left"), point(2, "back.scapula.right")])
    assert cautions[0].level is Level.WARNING and cautions[0].points == (1, 2)
    assert "both sides of the thorax" in cautions[0].message
    assert [c.level for c in cautions[1:]] == [Level.CAUTION, Level.CAUTION]


def test_a_point_set_to_midline_still_counts_on_its_regions_side():
    cautions = lung_cautions(
        [point(1, "front.chest.left"), point(2, "back.upper.right", side=Side.MIDLINE)]
    )
    assert cautions[0].level is Level.WARNING


def test_scalenes_on_the_head_view_are_a_lung_risk_too():
    (caution,) = lung_cautions([point(1, "head.neck.anterior.left", view=View.HEAD)])
    assert "apex of the lung" in caution.message
