"""Lung cautions while charting (shared/clinical.md, "Lung risk" and "Lung risk, more
places")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tpchart.core import lung
from tpchart.core.lung import Build, LungPrecaution, lung_risk_reason, pleural_depth_mm
from tpchart.core.muscles import MUSCLES, muscle_id_for
from tpchart.core.regions import REGIONS, Side, View
from tpchart.core.safety import (
    BOTH_SIDES_ACKNOWLEDGED,
    BOTH_SIDES_WARNING,
    Level,
    lung_cautions,
    needs_both_sides_acknowledgement,
)
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


def test_a_depth_past_the_pleura_is_named():  # build not recorded: 2 cm
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
    scalenes = point(1, "head.neck.anterior.left", view=View.HEAD, muscle="scalenes")
    (caution,) = lung_cautions([scalenes])
    assert "apex of the lung" in caution.message


def test_sternocleidomastoid_for_a_headache_raises_no_lung_caution():
    # Bilateral SCM work (headache, jaw) would otherwise warn of a bilateral
    # pneumothorax: the lung apex lies behind the lower scalenes, not the SCM.
    both = [
        point(1, "head.neck.anterior.left", view=View.HEAD, muscle="sternocleidomastoid"),
        point(2, "head.neck.anterior.right", view=View.HEAD, muscle="sternocleidomastoid"),
    ]
    assert lung_cautions(both) == []


def test_quadratus_lumborum_is_a_lung_risk_only_near_the_twelfth_rib():
    # Upper QL at the 12th rib lies near the base of the pleura; at L3, where it is
    # usually needled, it does not: bilateral low-back work raises no both-sides warning.
    low = [point(n, f"back.lower.{side}", muscle="quadratus lumborum", y=440.0)
           for n, side in ((1, "left"), (2, "right"))]  # fmt: skip
    assert lung_cautions(low) == []
    (caution,) = lung_cautions([point(3, "back.lower.left", muscle="QL", y=405.0)])
    assert "12th rib" in caution.message and caution.level is Level.CAUTION


def test_a_muscle_over_the_ribs_only_in_flagged_regions_is_not_flagged_elsewhere():
    # Latissimus and thoracic erector spinae are over the lung where their regions are
    # flagged (shoulder blade, mid back), not in the lower back or the upper arm.
    assert lung_cautions([point(1, "back.lower.left", muscle="lumbar erector spinae")]) == []
    assert lung_cautions([point(2, "back.arm.upper.left", muscle="latissimus dorsi")]) == []


# --- lung risk by muscle, depth against build, precautions (issue 15) ------------------
#
# Sources: shared/clinical.md, "Lung risk, more places" (the axilla, where
# subscapularis is needled; the upper quadratus lumborum near the 12th rib; the lateral
# chest wall over the lower ribs; the pleura within 2 cm in a slim patient) and the
# Australian Institute of Sport position statement on dry needling (pincer grip,
# needling onto a rib, shallow and angled away, ultrasound guidance, fewer needles).


@pytest.mark.parametrize(
    ("region_id", "muscle"),
    [
        ("front.shoulder.right", "subscapularis"),  # needled through the axilla
        ("back.lower.left", "quadratus lumborum"),  # upper QL at the 12th rib
        ("back.lower.right", "QL"),  # a synonym is the same muscle
        ("front.abdomen.upper.left", "external oblique"),  # over ribs 7-10
        ("front.abdomen.upper.right", "internal oblique"),
    ],
)
def test_a_muscle_over_the_lung_in_a_region_without_lung_risk_is_cautioned(region_id, muscle):
    assert not REGIONS[region_id].lung_risk  # the region alone would say nothing
    (caution,) = lung_cautions([point(1, region_id, muscle=muscle)])
    assert caution.level is Level.CAUTION and caution.points == (1,)
    assert "pneumothorax" in caution.message
    assert lung_risk_reason(region_id, muscle_id_for(muscle))


@pytest.mark.parametrize(
    ("region_id", "muscle"),
    [
        ("front.abdomen.lower.left", "external oblique"),  # below the ribs
        ("front.shoulder.right", "deltoid"),
        ("back.lower.left", "lumbar erector spinae"),
        ("back.lower.left", "multifidus"),
        ("back.lower.left", ""),
    ],
)
def test_the_same_regions_with_other_muscles_are_not_cautioned(region_id, muscle):
    assert lung_cautions([point(1, region_id, muscle=muscle)]) == []
    assert lung_risk_reason(region_id, muscle_id_for(muscle)) == ""


def test_every_lung_risk_muscle_is_a_catalogue_muscle():
    for muscle_id in lung._MUSCLE_RISK:
        assert muscle_id in MUSCLES, muscle_id
    for stem, muscle_id in lung._REGION_MUSCLE_RISK:
        assert muscle_id in MUSCLES and any(r.startswith(stem + ".") for r in REGIONS)


def test_the_muscles_reason_is_the_more_specific_one():
    reason = lung_risk_reason("back.upper.left", "rhomboids")
    assert reason.startswith("Rhomboids")
    assert lung_risk_reason("back.upper.left", "") == REGIONS["back.upper.left"].lung_risk_reason


def test_the_pleura_lies_nearer_in_a_slim_patient():
    # Within 2 cm in a slim patient; lung reached at about 3 cm otherwise.
    assert pleural_depth_mm(Build.SLIM) == 20
    assert pleural_depth_mm(Build.AVERAGE) == 30 and pleural_depth_mm(Build.LARGE) == 30
    # Build not recorded: the safe assumption is slim.
    assert pleural_depth_mm(None) == 20


@pytest.mark.parametrize(
    ("build", "depth", "level"),
    [
        (Build.SLIM, 19.0, Level.CAUTION),
        (Build.SLIM, 20.0, Level.WARNING),
        (None, 22.0, Level.WARNING),
        (Build.AVERAGE, 22.0, Level.CAUTION),
        (Build.AVERAGE, 30.0, Level.WARNING),
        (Build.LARGE, 29.5, Level.CAUTION),
    ],
)
def test_depth_is_judged_against_the_patients_build(build, depth, level):
    p = point(1, "front.chest.left", depth_mm=depth, needle_length_mm=40.0)
    (caution,) = lung_cautions([p], build=build)
    assert caution.level is level
    assert (f"Depth {depth:g} mm" in caution.message) is (level is Level.WARNING)


def test_a_deep_point_says_why_in_a_slim_or_unrecorded_build():
    p = point(1, "back.upper.right", depth_mm=25.0, needle_length_mm=40.0)
    (slim,) = lung_cautions([p], build=Build.SLIM)
    assert "within 2 cm in this slim patient" in slim.message
    (unknown,) = lung_cautions([p])
    assert "build not recorded" in unknown.message


def test_a_recorded_precaution_turns_the_caution_into_a_line_of_what_was_done():
    taken = frozenset({LungPrecaution.PINCER_GRIP, LungPrecaution.SHALLOW_ANGLED})
    p = point(2, "back.shoulder.upper.left", muscle="upper trapezius", lung_precautions=taken,
              depth_mm=25.0, needle_length_mm=30.0)  # fmt: skip
    (line,) = lung_cautions([p], build=Build.SLIM)
    assert line.level is Level.DONE and line.points == (2,)
    assert "pincer grip, muscle lifted off the chest wall" in line.message
    assert "shallow, angled away from the chest" in line.message
    assert "Depth 25 mm" in line.message  # the depth is still on the record


def test_every_lung_precaution_has_words():
    assert len({p.label for p in LungPrecaution}) == len(LungPrecaution) == 5


def test_warnings_come_before_cautions_and_done_lines_last():
    done = point(1, "front.chest.right", lung_precautions={LungPrecaution.ONTO_RIB})
    caution = point(2, "front.chest.right")
    deep = point(3, "front.chest.right", depth_mm=35.0, needle_length_mm=40.0)
    levels = [c.level for c in lung_cautions([done, caution, deep], build=Build.AVERAGE)]
    assert levels == [Level.WARNING, Level.CAUTION, Level.DONE]


def test_both_sides_asks_for_acknowledgement_once_then_is_a_line():
    # A bilateral pneumothorax would be an emergency: a stronger warning, acknowledged
    # once per session so routine work on both upper trapezii does not shout every time.
    both = [
        point(1, "back.shoulder.upper.left", lung_precautions={LungPrecaution.PINCER_GRIP}),
        point(2, "back.shoulder.upper.right", lung_precautions={LungPrecaution.PINCER_GRIP}),
    ]
    assert needs_both_sides_acknowledgement(both)
    first = lung_cautions(both)
    assert (first[0].level, first[0].message) == (Level.WARNING, BOTH_SIDES_WARNING)
    assert not needs_both_sides_acknowledgement(both, acknowledged=True)
    after = lung_cautions(both, both_sides_acknowledged=True)
    assert (after[0].level, after[0].message) == (Level.DONE, BOTH_SIDES_ACKNOWLEDGED)
    assert after[0].points == (1, 2)
    assert all(c.level is Level.DONE for c in after)  # nothing left to shout about


def test_one_side_needs_no_acknowledgement():
    one = [point(1, "back.upper.left"), point(2, "front.chest.left")]
    assert not needs_both_sides_acknowledgement(one)
    assert BOTH_SIDES_WARNING not in [c.message for c in lung_cautions(one)]
    # A non-risk point on the other side does not make it both sides.
    assert not needs_both_sides_acknowledgement([*one, point(3, "back.calf.right")])


def test_a_muscle_over_the_lung_counts_for_both_sides():
    pts = [point(1, "back.lower.left", muscle="QL"), point(2, "front.chest.right")]
    assert needs_both_sides_acknowledgement(pts)


def test_past_the_pleura_only_a_precaution_that_controls_depth_calms_the_point():
    # 40 mm between the shoulder blades of a patient whose build is not recorded.
    deep = point(1, "back.upper.left", depth_mm=40.0, needle_length_mm=50.0)
    fewer = replace(deep, lung_precautions=frozenset({LungPrecaution.FEWER_NEEDLES}))
    (caution,) = lung_cautions([fewer])
    assert caution.level is Level.WARNING and "40 mm" in caution.message
    onto_rib = replace(deep, lung_precautions=frozenset({LungPrecaution.ONTO_RIB}))
    (calm,) = lung_cautions([onto_rib])
    assert calm.level is Level.DONE and "40 mm" in calm.message  # the depth still shown
