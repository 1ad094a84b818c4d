"""Adverse events as a small record (issue 15, "Adverse events").

Sources: types and rates, Brady et al., J Man Manip Ther 2014;22:134 (7,629
treatments) and the rarer events in shared/clinical.md, "Adverse events" (fainting,
nerve irritation, infection, broken or retained needle, suspected pneumothorax);
grading mild / significant / serious after White et al., BMJ 2001;323:485; onset,
action taken and resolution, and "asked, none" differing from "not asked"
(shared/clinical.md, "More safety facts").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tpchart.core.adverse_events import (
    AdverseEvent,
    AdverseEventType,
    Onset,
    ReportedLater,
    Severity,
)
from tpchart.core.errors import ValidationError
from tpchart.core.session import Session

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_rarer_events_the_review_found_missing_are_types():
    # Issue 15: no pneumothorax, nerve symptoms, infection, retained or broken needle,
    # or vasovagal reaction in the first version.
    for kind in ("pneumothorax", "nerve", "infection", "needle", "vasovagal"):
        assert AdverseEventType(kind).label


def test_every_type_has_words_and_other_is_last():
    labels = [t.label for t in AdverseEventType]
    assert all(labels) and len(labels) == len(set(labels))
    assert list(AdverseEventType)[-1] is AdverseEventType.OTHER


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        # The first version's list (COMMON_ADVERSE_EVENTS), as stored.
        ("Bruising", AdverseEventType.BRUISING),
        ("Bleeding", AdverseEventType.BLEEDING),
        ("Pain during needling", AdverseEventType.PAIN_DURING),
        ("Pain after needling", AdverseEventType.PAIN_AFTER),
        ("Aggravation of symptoms", AdverseEventType.AGGRAVATION),
        ("Fatigue", AdverseEventType.FATIGUE),
        ("Fainting", AdverseEventType.VASOVAGAL),
    ],
)
def test_the_first_versions_kinds_read_as_their_type(kind, expected):
    stored = {"kind": kind, "severity": "mild", "note": "small"}  # the first version's JSON
    event = AdverseEvent.from_stored(stored)
    assert event.kind is expected
    # The words as recorded stay readable: the label, or the label and the words.
    assert event.description == ("" if kind == expected.label else kind)
    assert kind in event.text
    assert event.note == "small" and event.onset is None and event.resolved is None


@pytest.mark.parametrize("words", ["needle", "nerve", "infection", "pneumothorax"])
def test_first_version_words_that_spell_a_type_today_stay_the_doctors_words(words):
    # The first version never offered these: an old record must not read as more.
    event = AdverseEvent.from_stored({"kind": words, "severity": "mild"})
    assert (event.kind, event.name) == (AdverseEventType.OTHER, words)


def test_a_suspected_pneumothorax_is_at_least_significant():
    with pytest.raises(ValidationError, match="at least significant"):
        AdverseEvent(AdverseEventType.PNEUMOTHORAX, Severity.MILD)
    assert AdverseEvent(AdverseEventType.PNEUMOTHORAX, Severity.SERIOUS).kind.label


def test_the_first_versions_free_text_reads_as_other_with_its_words():
    event = AdverseEvent.from_stored({"kind": "Felt light-headed walking home", "severity": "mild"})
    assert event.kind is AdverseEventType.OTHER
    assert event.name == "Felt light-headed walking home"


def test_a_first_version_event_typed_as_other_still_reads():
    # The first version took any words as the kind, "other" among them; such a record
    # must load, not fail for want of a description.
    event = AdverseEvent.from_stored({"kind": "other", "severity": "mild", "note": "dizzy"})
    assert event.kind is AdverseEventType.OTHER and event.name == "other"
    assert event.note == "dizzy"


def test_other_needs_a_description():
    with pytest.raises(ValidationError, match="Adverse event"):
        AdverseEvent(AdverseEventType.OTHER)
    with pytest.raises(ValidationError, match="Adverse event"):
        AdverseEvent(AdverseEventType.OTHER, description="   ")
    event = AdverseEvent(AdverseEventType.OTHER, description="Itchy rash at needle sites")
    assert event.name == "Itchy rash at needle sites"


def test_an_event_round_trips_through_its_stored_form():
    event = AdverseEvent(
        AdverseEventType.VASOVAGAL,
        Severity.SIGNIFICANT,
        note="Lay flat; BP 95/60",
        onset=Onset.DURING,
        action="Needles removed, legs raised, observed 30 min",
        resolved=True,
    )
    assert AdverseEvent.from_stored(event.as_stored()) == event
    assert AdverseEvent.from_stored(event.as_stored()).as_stored() == event.as_stored()


def test_unknown_severity_and_onset_are_refused_in_plain_words():
    with pytest.raises(ValidationError, match="mild, significant or serious"):
        AdverseEvent(AdverseEventType.BRUISING, severity="awful")
    with pytest.raises(ValidationError, match="onset"):
        AdverseEvent(AdverseEventType.BRUISING, onset="yesterday")


def test_text_gives_type_severity_onset_action_and_resolution():
    event = AdverseEvent(
        AdverseEventType.BRUISING,
        Severity.MILD,
        onset=Onset.DURING,
        action="pressure applied",
        resolved=True,
    )
    assert event.text == "Bruising (mild, during needling; pressure applied; resolved)"
    pneumothorax = AdverseEvent(
        AdverseEventType.PNEUMOTHORAX,
        Severity.SERIOUS,
        onset=Onset.DELAYED,
        action="sent to the emergency department",
        resolved=False,
    )
    assert pneumothorax.text == (
        "Suspected pneumothorax (serious, later (hours or days); sent to the emergency "
        "department; not resolved)"
    )


def test_text_of_a_bare_event_and_of_one_with_a_note():
    assert AdverseEvent(AdverseEventType.FATIGUE).text == "Fatigue (mild)"
    assert AdverseEvent("Bruising", note="small, point 4").text == "Bruising (mild). small, point 4"
    other = AdverseEvent(AdverseEventType.OTHER, description="Rash")
    assert other.text == "Rash (mild)"  # the description is the name, not repeated


def test_asked_none_differs_from_not_asked():
    start = dict(patient_id=1, practitioner_id=1, started_at=NOW)
    assert Session(**start).adverse_events_answer == "Not asked"
    assert Session(**start, adverse_events_asked=True).adverse_events_answer == "Asked, none"
    bruise = AdverseEvent(AdverseEventType.BRUISING, onset=Onset.AFTER)
    with_event = Session(**start, adverse_events=(bruise,), adverse_events_asked=True)
    assert with_event.adverse_events_answer == bruise.text


def test_an_event_text_that_would_hide_is_refused_for_saving():
    # A name of only invisible characters must not be written (validation rules).
    with pytest.raises(ValidationError):
        AdverseEvent(AdverseEventType.OTHER, description="\u200b").check_for_saving()
    AdverseEvent(AdverseEventType.BLEEDING).check_for_saving()


def test_reported_later_needs_an_aware_time():
    event = AdverseEvent(AdverseEventType.PAIN_AFTER, onset=Onset.DELAYED)
    later = ReportedLater(session_id=3, event=event, recorded_at=NOW, recorded_by=1)
    assert later.session_id == 3 and later.id is None
    with pytest.raises(ValidationError):
        ReportedLater(session_id=3, event=event, recorded_at=datetime(2026, 3, 2), recorded_by=1)
