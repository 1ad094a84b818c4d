"""The muscle catalogue's codes: every muscle coded, every SNOMED CT id well formed,
the catalogue version stated, and the documentation naming what the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpchart.core import coding
from tpchart.core.muscles import MUSCLES, OTHER, snomed_code
from tpchart.core.regions import Side

DOCS = Path(__file__).parents[2] / "docs" / "interoperability.md"


def test_every_muscle_has_a_local_code_and_snomed_where_verified():
    for muscle in MUSCLES.values():
        codes = coding.muscle_codes(muscle.id)
        local = [c for c in codes if c.system == coding.MUSCLE_SYSTEM]
        assert [c.code for c in local] == [muscle.id], muscle.id
        assert all(c.local for c in local)
        snomed = snomed_code(muscle.id)
        if snomed is not None:
            assert codes[0] == coding.Code(coding.SNOMED_SYSTEM, snomed.code, snomed.display)
    # The examples, from the published sources.
    assert snomed_code("upper_trapezius").code == "31764008"
    assert snomed_code("sternocleidomastoid").code == "22823000"
    assert snomed_code("infraspinatus").code == "72573008"


def test_a_muscle_in_the_doctors_words_is_coded_other_and_no_muscle_not_at_all():
    assert [c.code for c in coding.muscle_codes(OTHER, "rectus capitis lateralis")] == [OTHER]
    assert coding.muscle_codes("") == []


def test_every_snomed_code_is_a_well_formed_concept_id():
    codes = {s.code for m in MUSCLES if (s := snomed_code(m)) is not None}
    codes |= {c.code for c in (coding.LEFT, coding.RIGHT, coding.BOTH_SIDES)}
    assert len(codes) >= 15
    for code in codes:
        assert coding.is_snomed_concept_id(code), code


@pytest.mark.parametrize(
    "text",
    [
        "31764007",  # one digit wrong: the Verhoeff check digit catches it
        "37164008",  # two digits swapped
        "165444017",  # a description id (partition 01), not a concept
        "031764008",  # a leading zero
        "1234",  # too short
        "31764008 ",
    ],
)
def test_malformed_snomed_ids_are_refused(text):
    assert not coding.is_snomed_concept_id(text)


def test_laterality_codes():
    assert coding.laterality(Side.LEFT).code == "7771000"
    assert coding.laterality(Side.RIGHT).code == "24028007"
    assert coding.laterality(Side.MIDLINE) is None
    assert coding.BOTH_SIDES.code == "51440002"


def test_local_code_systems_say_they_are_local():
    for code in (coding.DRY_NEEDLING, coding.NDI, coding.ODI, coding.PSFS):
        assert code.local and ".example/" in code.system
    assert not coding.PAIN_SEVERITY.local and coding.PAIN_SEVERITY.code == "72514-3"


def test_docs_state_the_catalogue_version_and_every_snomed_code():
    text = DOCS.read_text(encoding="utf-8")
    assert coding.CATALOGUE_VERSION and f"`{coding.CATALOGUE_VERSION}`" in text
    for muscle_id in MUSCLES:
        snomed = snomed_code(muscle_id)
        if snomed is not None:
            assert f"| {muscle_id} | {snomed.code} |" in text, muscle_id
