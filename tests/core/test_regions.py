"""The region catalogue: ids, sides, labels, muscles and lung risk."""

from __future__ import annotations

import pytest

from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import (
    REGION_ID_PATTERN,
    REGIONS,
    Region,
    Side,
    View,
    all_muscles,
    region,
    regions_for_view,
)

# Thorax per the clinical brief: upper trapezius near the neck angle, between
# the shoulder blades, intercostals, serratus anterior, pectorals.
EXPECTED_LUNG_RISK = {
    f"{stem}.{side}"
    for stem in (
        # Not the anterior neck: the scalenes carry the lung apex's risk (core.lung).
        "front.shoulder.upper",
        "front.chest",
        "front.chest.lateral",
        "front.axilla",  # subscapularis is needled through it along the chest wall
        "back.shoulder.upper",
        "back.scapula",
        "back.upper",
        "back.mid",
    )
    for side in ("left", "right")
}


def test_ids_follow_the_scheme_and_agree_with_view_and_side() -> None:
    for region_id, r in REGIONS.items():
        assert r.id == region_id
        assert REGION_ID_PATTERN.match(region_id), region_id
        view, *_, side = region_id.split(".")
        assert r.view is View(view)
        assert r.side is Side(side)


def test_scheme_rejects_malformed_ids() -> None:
    for bad in ("front.chest", "Front.chest.right", "side.chest.right", "front..right",
                "front.chest.right.", "front.a.b.c.right", "front.chest_wall.right"):  # fmt: skip
        assert not REGION_ID_PATTERN.match(bad), bad


def test_every_region_is_paired_with_the_other_side() -> None:
    for r in REGIONS.values():
        other = {Side.LEFT: "right", Side.RIGHT: "left"}[r.side]
        twin = REGIONS[r.id.rsplit(".", 1)[0] + "." + other]
        assert twin.muscles == r.muscles and twin.lung_risk == r.lung_risk
        assert twin.label.split(" ", 1)[1] == r.label.split(" ", 1)[1]


def test_labels_name_the_patients_side_first() -> None:
    for r in REGIONS.values():
        assert r.label.startswith(r.side.value.capitalize() + " "), r.label


def test_labels_are_unique_within_a_view() -> None:
    for view in View:
        labels = [r.label for r in regions_for_view(view)]
        assert len(labels) == len(set(labels))


def test_region_counts_stay_close_to_the_published_maps() -> None:
    # CHOIR has 74 regions, Michigan 35; front and back aim for 30-50 each (the
    # thumb, first web space, armpit and outer thigh were added for needling).
    assert 30 <= len(regions_for_view(View.FRONT)) <= 50
    assert 30 <= len(regions_for_view(View.BACK)) <= 50
    assert len(regions_for_view(View.HEAD)) >= 12
    assert len(REGIONS) == sum(len(regions_for_view(v)) for v in View)


def test_the_brief_regions_exist_on_both_sides() -> None:
    wanted = [
        "front.head", "front.jaw", "front.neck.anterior", "back.neck.posterior",
        "front.shoulder", "back.shoulder", "front.chest", "back.upper", "back.scapula",
        "back.mid", "back.lower", "front.abdomen.upper", "front.abdomen.lower",
        "front.hip", "back.buttock", "front.groin", "front.arm.upper", "front.elbow",
        "front.forearm", "front.hand", "front.thigh", "back.thigh", "front.knee",
        "back.calf", "front.shin", "front.foot", "head.temporal", "head.masseter",
        "head.tmj", "head.suboccipital",
    ]  # fmt: skip
    for stem in wanted:
        for side in ("left", "right"):
            assert f"{stem}.{side}" in REGIONS


def test_lung_risk_regions_are_the_thorax() -> None:
    flagged = {r.id for r in REGIONS.values() if r.lung_risk}
    assert flagged == EXPECTED_LUNG_RISK


def test_lung_risk_regions_explain_why_in_a_sentence() -> None:
    for r in REGIONS.values():
        if r.lung_risk:
            assert r.lung_risk_reason.endswith("."), r.id
            assert "3 cm" in r.lung_risk_reason and "pneumothorax" in r.lung_risk_reason
        else:
            assert r.lung_risk_reason == ""


def test_muscles_come_from_the_vocabulary_most_likely_first() -> None:
    for r in REGIONS.values():
        assert r.muscles, r.id
        assert len(set(r.muscles)) == len(r.muscles), r.id
        assert set(r.muscles) <= set(MUSCLES), r.id
    assert region("back.upper.left").muscles[0] == "rhomboids"
    assert region("back.shoulder.upper.right").muscles[0] == "upper_trapezius"
    assert region("head.temporal.left").muscles[0] == "temporalis"
    assert region("head.masseter.right").muscles[0] == "masseter"
    assert region("back.lower.right").muscles[0] == "quadratus_lumborum"


def test_every_catalogue_muscle_can_be_picked_somewhere() -> None:
    assert set(all_muscles()) == set(MUSCLES)


def test_medial_pterygoid_is_not_offered_at_the_jaw_joint() -> None:
    # It lies inside the ramus and is needled below the angle of the jaw.
    assert "medial_pterygoid" not in region("head.tmj.right").muscles
    assert "medial_pterygoid" in region("head.masseter.right").muscles


def test_all_muscles_is_sorted_and_unique() -> None:
    muscles = all_muscles()
    assert muscles == sorted(set(muscles))


def test_unknown_region_raises_a_readable_value_error() -> None:
    with pytest.raises(ValueError, match=r"Unknown body-map region 'front\.tail\.left'"):
        region("front.tail.left")
    assert region("front.chest.left") is REGIONS["front.chest.left"]


def test_regions_for_view_accepts_the_string_value() -> None:
    assert regions_for_view("back") == regions_for_view(View.BACK)  # type: ignore[arg-type]
    assert all(r.view is View.BACK for r in regions_for_view(View.BACK))


def test_catalogue_is_read_only() -> None:
    with pytest.raises(TypeError):
        REGIONS["front.tail.left"] = REGIONS["front.chest.left"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        REGIONS["front.chest.left"].lung_risk = False  # type: ignore[misc]
    assert isinstance(REGIONS["front.chest.left"], Region)
