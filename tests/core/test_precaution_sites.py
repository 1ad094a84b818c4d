"""Precautions tied to a body site and side (issue 15, "Precautions with a site").

Source: shared/clinical.md, "Precautions can have a site": lymphoedema or lymph-node
clearance on one side, an implant, a local infection or wound; the caution belongs to
the points marked there, not to the whole visit.
"""

from __future__ import annotations

import pytest

from tpchart.core import precaution_sites
from tpchart.core.errors import ValidationError
from tpchart.core.precaution_sites import (
    SITED_PRECAUTIONS,
    BodyArea,
    PrecautionSite,
    SiteSide,
    parse_sites,
    sites_at,
)
from tpchart.core.regions import REGIONS
from tpchart.core.safety import Level, site_cautions
from tpchart.core.screening import Precaution
from tpchart.core.trigger_point import TriggerPoint

LEFT_ARM_LYMPHOEDEMA = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)


def point(number: int, region_id: str) -> TriggerPoint:
    region = REGIONS[region_id]
    return TriggerPoint(session_id=1, number=number, view=region.view, region_id=region_id,
                        side=region.side, x=100.0, y=100.0)  # fmt: skip


def test_every_region_an_area_names_exists_and_every_region_has_an_area():
    # A misspelt stem would silently never warn.
    stems = {region_id.rsplit(".", 1)[0] for region_id in REGIONS}
    named = {stem for area in precaution_sites._AREA_REGIONS.values() for stem in area}
    assert named - stems == set()
    assert stems - named == set()  # a point anywhere can lie on some site
    assert set(precaution_sites._AREA_REGIONS) == set(BodyArea)


def test_only_lymphoedema_infection_and_implants_have_a_site():
    assert {
        Precaution.LYMPHOEDEMA,
        Precaution.LOCAL_INFECTION,
        Precaution.IMPLANTS,
    } == SITED_PRECAUTIONS
    # Pregnancy or anticoagulants concern the whole patient.
    with pytest.raises(ValidationError, match="applies to the whole patient"):
        PrecautionSite(Precaution.ANTICOAGULANTS, BodyArea.ARM, SiteSide.LEFT)


def test_lymphoedema_of_the_left_arm_covers_the_whole_left_limb_and_armpit():
    # After an axillary clearance the whole limb is at risk, from the armpit down.
    covered = {
        stem
        for stem in {r.rsplit(".", 1)[0] for r in REGIONS}
        if LEFT_ARM_LYMPHOEDEMA.covers(f"{stem}.left")
    }
    assert {
        "front.axilla", "front.arm.upper", "back.arm.upper", "front.elbow", "back.elbow",
        "front.forearm", "back.forearm", "front.hand", "front.hand.thumb", "back.hand",
        "back.hand.webspace",
    } <= covered  # fmt: skip
    assert "front.chest" not in covered and "back.calf" not in covered


def test_a_one_sided_site_does_not_cover_the_other_side():
    assert LEFT_ARM_LYMPHOEDEMA.covers("front.forearm.left")
    assert not LEFT_ARM_LYMPHOEDEMA.covers("front.forearm.right")
    # The patient's side, on every view: the back view shows the left arm on the left.
    assert LEFT_ARM_LYMPHOEDEMA.covers("back.hand.webspace.left")
    assert not LEFT_ARM_LYMPHOEDEMA.covers("back.hand.webspace.right")


def test_both_sides_covers_either_side():
    implant = PrecautionSite(Precaution.IMPLANTS, BodyArea.LOWER_BACK, SiteSide.BOTH)
    assert implant.covers("back.lower.left") and implant.covers("back.lower.right")
    assert not implant.covers("back.mid.left")


def test_an_unknown_region_is_covered_by_no_site():
    assert not LEFT_ARM_LYMPHOEDEMA.covers("front.tail.left")
    assert sites_at("front.tail.left", [LEFT_ARM_LYMPHOEDEMA]) == []


def test_head_view_regions_belong_to_their_areas():
    infection = PrecautionSite(Precaution.LOCAL_INFECTION, BodyArea.HEAD, SiteSide.RIGHT)
    assert infection.covers("head.masseter.right") and infection.covers("front.jaw.right")
    neck = PrecautionSite(Precaution.IMPLANTS, BodyArea.NECK, SiteSide.LEFT)
    assert neck.covers("head.neck.anterior.left") and neck.covers("back.neck.posterior.left")


def test_the_text_names_the_precaution_and_its_site():
    assert LEFT_ARM_LYMPHOEDEMA.where == "left arm"
    assert LEFT_ARM_LYMPHOEDEMA.text == "Lymphoedema in the limb: left arm"
    both = PrecautionSite(Precaution.IMPLANTS, BodyArea.KNEE, SiteSide.BOTH)
    assert both.where == "knee, both sides"


def test_sites_are_stored_and_read_back():
    sites = (
        LEFT_ARM_LYMPHOEDEMA,
        PrecautionSite(Precaution.IMPLANTS, BodyArea.KNEE, SiteSide.RIGHT),
    )
    assert parse_sites([s.as_stored() for s in sites]) == sites
    assert parse_sites(None) == ()


@pytest.mark.parametrize(
    "stored",
    [
        [{"precaution": "lymphoedema", "area": "tail", "side": "left"}],
        [{"precaution": "lymphoedema", "area": "arm", "side": "up"}],
        [{"precaution": "lymphoedema", "area": "arm"}],
        [{"precaution": "pregnancy", "area": "abdomen", "side": "both"}],
        ["lymphoedema"],
    ],
)
def test_a_malformed_site_is_refused_in_plain_words(stored):
    with pytest.raises(ValidationError):
        parse_sites(stored)


def test_sites_at_lists_each_site_once():
    infection = PrecautionSite(Precaution.LOCAL_INFECTION, BodyArea.HAND, SiteSide.LEFT)
    found = sites_at("back.hand.left", [LEFT_ARM_LYMPHOEDEMA, infection, LEFT_ARM_LYMPHOEDEMA])
    assert found == [LEFT_ARM_LYMPHOEDEMA, infection]


def test_a_point_on_a_site_names_that_precaution_at_that_point():
    cautions = site_cautions(
        [point(1, "front.forearm.left"), point(2, "front.forearm.right")],
        [LEFT_ARM_LYMPHOEDEMA],
    )
    (caution,) = cautions
    assert caution.level is Level.CAUTION and caution.points == (1,)
    assert "Point 1" in caution.message
    assert LEFT_ARM_LYMPHOEDEMA.text in caution.message
    assert "avoid needling this limb" in caution.message


def test_every_sited_precaution_says_what_to_do():
    for precaution in SITED_PRECAUTIONS:
        site = PrecautionSite(precaution, BodyArea.ARM, SiteSide.BOTH)
        (caution,) = site_cautions([point(1, "front.arm.upper.left")], [site])
        assert caution.message.endswith(".") and site.text in caution.message


def test_no_site_no_caution():
    assert site_cautions([point(1, "front.forearm.left")], []) == []
