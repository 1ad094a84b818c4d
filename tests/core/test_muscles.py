"""The muscle vocabulary (issue 15, "One muscle vocabulary"): ids, names, synonyms.

Source of the starting vocabulary: shared/clinical.md, "Common needled muscles by
region", and the muscles the clinician's review found missing (issue 15, "What was
found": tibialis posterior, extensor hallucis longus, cervical multifidus, deep hip
rotators, thumb and hand muscles).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tpchart.core import muscles
from tpchart.core.muscles import (
    MUSCLE_ID_PATTERN,
    MUSCLES,
    OTHER,
    catalogue_name,
    display_name,
    find,
    matching_key,
    muscle_id_for,
    suggestions,
)
from tpchart.core.regions import REGIONS, all_muscles, regions_for_muscle

# shared/clinical.md, "Common needled muscles by region", as written there (a "/"
# names two muscles: "teres minor / major").
CLINICAL_BRIEF_MUSCLES = (
    # neck
    "upper trapezius", "levator scapulae", "splenius capitis", "semispinalis",
    "sternocleidomastoid", "scalenes", "suboccipitals",
    # head / jaw
    "temporalis", "masseter",
    # shoulder
    "supraspinatus", "infraspinatus", "teres minor", "teres major", "deltoid",
    "subscapularis",
    # chest
    "pectoralis major", "pectoralis minor", "serratus anterior",
    # upper and mid back
    "rhomboids", "middle trapezius", "lower trapezius", "thoracic erector spinae",
    # lower back
    "quadratus lumborum", "lumbar erector spinae", "multifidus",
    # hip
    "gluteus maximus", "gluteus medius", "gluteus minimus", "piriformis",
    "tensor fasciae latae", "iliopsoas",
    # arm and forearm
    "biceps", "triceps", "brachioradialis", "wrist extensors", "wrist flexors",
    # thigh
    "quadriceps", "hamstrings", "adductors",
    # lower leg
    "gastrocnemius", "soleus", "tibialis anterior", "peroneals",
)  # fmt: skip

# Issue 15, "What was found": missing from the first version's list.
FOUND_MISSING = (
    "tibialis posterior", "extensor hallucis longus", "cervical multifidus",
    "deep hip rotators",
    # thumb and hand
    "adductor pollicis", "opponens pollicis", "first dorsal interosseous",
)  # fmt: skip


def test_ids_are_well_formed_and_stable_snake_case_of_the_name():
    assert OTHER not in MUSCLES  # "other" is never a catalogue muscle
    for muscle_id, muscle in MUSCLES.items():
        assert muscle.id == muscle_id
        assert MUSCLE_ID_PATTERN.match(muscle_id), muscle_id
        assert len(muscle_id) <= 60  # what a stored id may be (trigger_point.py)
        assert muscle_id == muscle.name.replace(" ", "_")


def test_names_are_unique_and_no_word_names_two_muscles():
    # Built from the raw catalogue, not from the lookup table: a dict would silently
    # keep only the last of two muscles sharing a synonym.
    owners: dict[str, set[str]] = defaultdict(set)
    for name, synonyms in muscles._CATALOGUE:
        for words in (name, name.replace(" ", "_"), *synonyms):
            owners[muscles.words_key(words)].add(name)
    shared = {words: names for words, names in owners.items() if len(names) > 1}
    assert shared == {}
    names = [name for name, _ in muscles._CATALOGUE]
    assert len(names) == len(set(names))


def test_no_synonym_is_empty_or_repeats_its_own_name():
    for muscle in MUSCLES.values():
        for synonym in muscle.synonyms:
            assert muscles.words_key(synonym), muscle.id
            assert muscles.words_key(synonym) != muscles.words_key(muscle.name), (
                muscle.id,
                synonym,
            )


@pytest.mark.parametrize("name", CLINICAL_BRIEF_MUSCLES + FOUND_MISSING)
def test_every_clinical_brief_muscle_and_the_missing_ones_are_in_the_catalogue(name):
    found = find(name)
    assert found is not None, name
    assert found.name == name  # the preferred name, not only a synonym


def test_every_region_offers_catalogue_ids_and_every_muscle_has_a_region():
    for region in REGIONS.values():
        for muscle_id in region.muscles:
            assert muscle_id in MUSCLES, (region.id, muscle_id)
    # A catalogue muscle no region offers could only ever be typed.
    assert set(all_muscles()) == set(MUSCLES)


def test_the_new_regions_offer_the_muscles_needled_there():
    # Issue 15: thumb, first web space, axilla and lateral thigh drawn as regions.
    assert "opponens_pollicis" in REGIONS["front.hand.thumb.right"].muscles
    assert "first_dorsal_interosseous" in REGIONS["back.hand.webspace.left"].muscles
    assert REGIONS["front.axilla.left"].muscles[0] == "subscapularis"
    assert "vastus_lateralis" in REGIONS["front.thigh.lateral.right"].muscles


def test_medial_pterygoid_is_not_offered_at_the_jaw_joint():
    # Issue 15: medial pterygoid lies inside the ramus and is needled below the angle
    # of the jaw, not at the TMJ.
    tmj = {r.id for r in regions_for_muscle("medial_pterygoid") if ".tmj." in r.id}
    assert tmj == set()
    assert "medial_pterygoid" in REGIONS["head.masseter.left"].muscles


@pytest.mark.parametrize(
    ("typed", "muscle_id"),
    [
        ("upper traps", "upper_trapezius"),
        ("Upper Traps", "upper_trapezius"),
        ("  upper   trapezius ", "upper_trapezius"),
        ("upper_trapezius", "upper_trapezius"),
        ("QL", "quadratus_lumborum"),
        ("SCM", "sternocleidomastoid"),
        ("glute med", "gluteus_medius"),
        ("tib post", "tibialis_posterior"),
        ("EHL", "extensor_hallucis_longus"),
        ("subscap", "subscapularis"),
        ("Sternocleidomastoïd", "sternocleidomastoid"),  # accents dropped
    ],
)
def test_a_name_or_synonym_finds_its_muscle(typed, muscle_id):
    assert muscle_id_for(typed) == muscle_id
    assert find(typed) is MUSCLES[muscle_id]


@pytest.mark.parametrize(
    "words", ["calf", "trapezius", "paraspinals", "erector spinae", "multifidi"]
)
def test_a_word_naming_several_muscles_is_kept_as_the_doctors_words(words):
    # "calf" may be gastrocnemius or soleus, "paraspinals" thoracic or lumbar: filing
    # it under one would put a point under a muscle the doctor may not have meant.
    assert find(words) is None and muscle_id_for(words) == OTHER


def test_words_the_catalogue_lacks_are_other_and_nothing_is_nothing():
    assert find("the sore bit under the shoulder blade") is None
    assert muscle_id_for("the sore bit under the shoulder blade") == OTHER
    assert muscle_id_for("") == "" and muscle_id_for("   ") == ""


def test_suggestions_offer_the_catalogue_for_what_was_typed():
    # "traps" offers the three parts of the trapezius, the exact synonym first.
    assert [m.id for m in suggestions("traps")] == [
        "upper_trapezius",
        "lower_trapezius",
        "middle_trapezius",
    ]
    # A word inside a name counts: "pollicis" offers every thumb muscle.
    thumb = {m.id for m in suggestions("pollicis")}
    assert {"adductor_pollicis", "opponens_pollicis", "abductor_pollicis_brevis"} <= thumb
    assert suggestions("") == [] and suggestions("zzz") == []
    assert len(suggestions("a", limit=5)) == 5
    # Each muscle once, however many of its synonyms match.
    ids = [m.id for m in suggestions("glut")]
    assert len(ids) == len(set(ids)) and "gluteus_maximus" in ids


def test_display_name_is_the_preferred_name_and_keeps_what_the_words_add():
    assert display_name("upper_trapezius", "Upper Trapezius") == "upper trapezius"
    assert display_name("upper_trapezius", "") == "upper trapezius"
    # A record never reads as less specific than it was written.
    assert display_name("quadriceps", "VMO") == "quadriceps (VMO)"
    assert display_name("upper_trapezius", "upper traps") == "upper trapezius (upper traps)"
    assert display_name(OTHER, "  the sore bit ") == "the sore bit"
    assert display_name("", "") == ""
    # Progress gathers every wording under the catalogue's name alone.
    assert catalogue_name("quadriceps", "VMO") == "quadriceps"
    assert catalogue_name(OTHER, " the sore bit") == "the sore bit"


def test_matching_key_joins_synonyms_and_keeps_each_other_wording_apart():
    # What progress compares (core/progress/muscles.py): one catalogue muscle is one key.
    assert matching_key("upper_trapezius", "upper traps") == matching_key(
        "upper_trapezius", "Upper Trapezius"
    )
    # Words the catalogue lacks: one muscle per wording, case and spacing aside.
    assert matching_key(OTHER, "Sore Bit") == matching_key(OTHER, " sore  bit")
    assert matching_key(OTHER, "sore bit") != matching_key(OTHER, "other bit")
    # Never confused with a catalogue id, even for words that look like one.
    assert matching_key(OTHER, "soleus") != matching_key("soleus", "soleus")
    assert matching_key("", "") == "" and matching_key(OTHER, "  ") == ""
