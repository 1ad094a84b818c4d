"""Red flags by complaint, and the decision a positive flag needs before needling.

Sources: head and neck, the IFOMPT international framework for examination of the
cervical region (Rushton et al., JOSPT 2023;53:7): cervical arterial dysfunction,
worst-ever headache; myelopathy from the clinician's review (shared/clinical.md). Low
back (cauda equina) and any region, the international framework for red flags for
serious spinal pathology (Finucane et al., JOSPT 2020;50:350). A positive flag calls
for a recorded decision, refer or assessed as safe to proceed with the reason
(shared/clinical.md, "Red flags depend on the complaint").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tpchart.core.errors import ValidationError
from tpchart.core.screening import (
    REFERRAL_ADVICE,
    ComplaintArea,
    RedFlag,
    RedFlagDecision,
    parse_red_flags,
    red_flags_for,
)
from tpchart.core.session import Session

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

# Finucane 2020: asked whatever the complaint.
ANY_REGION = {
    RedFlag.CANCER_HISTORY,
    RedFlag.WEIGHT_LOSS,
    RedFlag.TRAUMA,
    RedFlag.NIGHT_PAIN,
    RedFlag.FEVER,
}
# Rushton 2023 (cervical arterial dysfunction, worst-ever headache) and myelopathy.
NECK = {RedFlag.ARTERIAL_SIGNS, RedFlag.MYELOPATHY, RedFlag.WORST_HEADACHE}
# Asked by the first version "with neck pain": kept so its records read as written.
FIRST_VERSION = {RedFlag.SEVERE_HEADACHE, RedFlag.NUMBNESS}
# Finucane 2020: cauda equina syndrome.
LOW_BACK = {RedFlag.SADDLE_NUMBNESS, RedFlag.BLADDER_BOWEL, RedFlag.LEG_WEAKNESS}


def session(**kw) -> Session:
    values = dict(patient_id=1, practitioner_id=1, started_at=NOW, screening_done=True)
    values.update(kw)
    return Session(**values)


# --- which flags are asked ------------------------------------------------------------


def test_the_three_groups_cover_every_flag_once():
    assert set(RedFlag) == ANY_REGION | NECK | LOW_BACK | FIRST_VERSION
    assert not (ANY_REGION & NECK or ANY_REGION & LOW_BACK or NECK & LOW_BACK)
    assert {f for f in RedFlag if f.legacy} == FIRST_VERSION


def test_first_version_flags_read_as_recorded_and_are_no_longer_asked():
    # A signed record of the first version must not change its words on reading.
    assert (RedFlag.FEVER.label, RedFlag.SEVERE_HEADACHE.label, RedFlag.NUMBNESS.label) == (
        "Fever",
        "Severe headache",
        "Numbness",
    )
    every_area = [ComplaintArea.NECK, ComplaintArea.LOW_BACK]
    assert not FIRST_VERSION & set(red_flags_for(every_area))
    assert RedFlag.NUMBNESS in red_flags_for([], recorded=[RedFlag.NUMBNESS])


@pytest.mark.parametrize(
    ("areas", "expected"),
    [
        ((), ANY_REGION),
        ((ComplaintArea.NECK,), ANY_REGION | NECK),
        ((ComplaintArea.LOW_BACK,), ANY_REGION | LOW_BACK),
        ((ComplaintArea.NECK, ComplaintArea.LOW_BACK), ANY_REGION | NECK | LOW_BACK),
    ],
)
def test_red_flags_are_asked_by_complaint_area(areas, expected):
    assert set(red_flags_for(areas)) == expected


def test_general_flags_come_first_and_no_flag_is_asked_twice():
    asked = red_flags_for([ComplaintArea.NECK, ComplaintArea.LOW_BACK])
    assert len(asked) == len(set(asked))
    assert set(asked[: len(ANY_REGION)]) == ANY_REGION


def test_a_low_back_complaint_is_not_asked_neck_flags():
    # The first version asked "with neck pain" flags of a low-back complaint.
    asked = set(red_flags_for([ComplaintArea.LOW_BACK]))
    assert not asked & NECK
    assert all(f.area in (None, ComplaintArea.LOW_BACK) for f in asked)


def test_a_flag_already_recorded_for_another_area_is_never_hidden():
    # The complaint was changed to low back after numbness was ticked for the neck.
    asked = red_flags_for([ComplaintArea.LOW_BACK], recorded=[RedFlag.NUMBNESS])
    assert RedFlag.NUMBNESS in asked and RedFlag.ARTERIAL_SIGNS not in asked


def test_every_flag_has_words_a_doctor_reads():
    for flag in RedFlag:
        assert flag.label and flag.label[0].isupper() and "_" not in flag.label


def test_the_first_versions_stored_flags_still_read():
    # Stored sessions hold "fever", "severe_headache" and "numbness".
    assert parse_red_flags(["fever", "severe_headache", "numbness"]) == {
        RedFlag.FEVER,
        RedFlag.SEVERE_HEADACHE,
        RedFlag.NUMBNESS,
    }
    with pytest.raises(ValidationError, match="Unknown red flag"):
        parse_red_flags(["dizzy"])


# --- a positive flag blocks needling and signing until decided --------------------------


def test_no_red_flag_needs_no_decision():
    s = session()
    assert not s.red_flag_undecided and not s.referred
    assert s.needling_refused() == ""
    assert s.missing_for_signature(point_count=0) == []


def test_an_undecided_red_flag_refuses_needling_and_signing():
    s = session(red_flags=frozenset({RedFlag.SADDLE_NUMBNESS}))
    assert s.red_flag_undecided
    assert "record a decision first" in s.needling_refused()
    missing = s.missing_for_signature(point_count=0)
    assert missing == ["a decision on the red flag (referred, or safe to proceed and why)"]
    with pytest.raises(ValidationError, match="decision on the red flag"):
        s.sign(practitioner_id=1, at=NOW, point_count=0)


def test_referred_may_be_signed_but_refuses_needling():
    s = session(
        red_flags=frozenset({RedFlag.ARTERIAL_SIGNS}),
        red_flag_decision=RedFlagDecision.REFERRED,
    )
    assert s.referred and not s.red_flag_undecided
    assert "referred" in s.needling_refused() and "no needling" in s.needling_refused()
    s.check_for_saving(now=NOW)  # a referral needs no reason
    signed = s.sign(practitioner_id=1, at=NOW, point_count=0)
    assert signed.signed_at == NOW


def test_safe_to_proceed_with_its_reason_allows_needling_and_signing():
    s = session(
        red_flags=frozenset({RedFlag.CANCER_HISTORY}),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
        red_flag_reason="Breast cancer treated 2012, discharged; pain mechanical.",
        consent_given=True,
        consent_by="Patient",
    )
    assert s.needling_refused() == ""
    s.check_for_saving(now=NOW)
    assert s.sign(practitioner_id=1, at=NOW, point_count=3).signed_by == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_safe_to_proceed_needs_a_reason(reason):
    s = session(
        red_flags=frozenset({RedFlag.NIGHT_PAIN}),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
        red_flag_reason=reason,
    )
    with pytest.raises(ValidationError, match="Say why it is safe to proceed"):
        s.check_for_saving(now=NOW)
    assert s.missing_for_signature(point_count=0) == [
        "say why it is safe to proceed despite the red flag"
    ]
    with pytest.raises(ValidationError, match="Cannot sign yet"):
        s.sign(practitioner_id=1, at=NOW, point_count=0)


def test_a_decision_without_a_red_flag_is_refused():
    s = session(red_flag_decision=RedFlagDecision.REFERRED)
    with pytest.raises(ValidationError, match="needs a red flag ticked"):
        s.check_for_saving(now=NOW)


def test_a_stored_decision_left_as_it_was_is_not_judged_again():
    # An older record must still take corrections of its other fields.
    stored = session(
        red_flags=frozenset({RedFlag.NIGHT_PAIN}),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
    )
    replace(stored, notes="Phoned next day: fine.").check_for_saving(before=stored, now=NOW)


def test_the_referral_advice_asks_for_a_decision():
    assert "Refer for medical assessment" in REFERRAL_ADVICE
    assert "safe to proceed" in REFERRAL_ADVICE
    assert RedFlagDecision.REFERRED.label == "Referred for medical assessment"
    assert RedFlagDecision.SAFE_TO_PROCEED.label == "Assessed: safe to proceed"
