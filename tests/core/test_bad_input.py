"""Hostile input refused by the core write rules, each with one plain-words message.

The rules run on the write path (``check_for_saving``, ``check_placement``), not on
construction: records built from rows older versions stored must still load.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import REGIONS, VIEW_BOXES, Side, View
from tpchart.core.session import AdverseEvent, Session
from tpchart.core.trigger_point import TriggerPoint, check_placement
from tpchart.core.validation import check_session_time, check_text_for_saving, has_visible_text

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "body_maps"
SVG_OF_VIEW = {View.FRONT: "front.svg", View.BACK: "back.svg", View.HEAD: "head_side.svg"}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

INVISIBLE = [
    pytest.param("\u200b", id="zero-width-space"),
    pytest.param("\u200c", id="zwnj"),
    pytest.param("\u200d", id="zwj"),
    pytest.param("\u2060", id="word-joiner"),
    pytest.param("\ufeff", id="bom"),
    pytest.param("\u00ad", id="soft-hyphen"),
    pytest.param("\u0301", id="lone-combining-mark"),
    pytest.param("\u3000", id="ideographic-space"),
    pytest.param(" \u200b\u00a0\u200d\t", id="mixed"),
    # Filed as letters or symbols but drawing nothing (found by a hostile tester).
    pytest.param("\u3164\u3164", id="hangul-filler"),
    pytest.param("\u115f", id="hangul-choseong-filler"),
    pytest.param("\u2800\u2800", id="braille-blank"),
]
REAL_NAMES = [
    "陈美玲",
    "தமிழ்செல்வி",  # Tamil: letters with combining vowel signs and virama
    "فاطمة الزهراء",
    "देवनागरी शर्मा",  # Devanagari with combining marks
    "زهرا\u200cپور",  # Persian: ZWNJ inside the name
    "क्\u200dष",  # Devanagari: ZWJ inside the name
    "O'Brien",
    "Anne-Marie",
    "José Álvarez",
    "Ирина Петрова",
]
CONTROL = [
    pytest.param("Ann\x00Lee", id="nul"),
    pytest.param("bell\x07", id="bell"),
    pytest.param("\x1b[31mred", id="escape"),
    pytest.param("del\x7f", id="del"),
    pytest.param("next\x85line", id="c1-nel"),
]


def plain(message: str) -> bool:
    """A message for a doctor: a sentence, no codec or Python jargon, no escapes."""
    jargon = ("surrogate", "codec", "utf-8", "Error", "\\x", "\\u", "Traceback")
    return message[:1].isupper() and not any(word in message for word in jargon)


def refused(check, *args, **kw) -> str:
    with pytest.raises(ValidationError) as caught:
        check(*args, **kw)
    message = str(caught.value)
    assert plain(message), message
    return message


def point(region_id: str = "back.neck.posterior.right", **kw) -> TriggerPoint:
    region = REGIONS.get(region_id)
    values = dict(
        session_id=1,
        number=1,
        view=region.view if region else View.FRONT,
        region_id=region_id,
        side=region.side if region else Side.LEFT,
        x=270.0,
        y=160.0,
    )
    values.update(kw)
    return TriggerPoint(**values)


def session(**kw) -> Session:
    values = dict(patient_id=1, practitioner_id=1, started_at=NOW - timedelta(hours=1))
    values.update(kw)
    return Session(**values)


# -- text -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\ud800", "Ann\udfffLee", "\udcff"])
def test_lone_surrogates_are_not_valid_text(text):
    message = refused(check_text_for_saving, "Full name", text)
    assert message == "Full name contains characters that are not valid text; type it again"


@pytest.mark.parametrize("text", CONTROL)
def test_control_characters_are_refused(text):
    message = refused(check_text_for_saving, "Notes", text)
    assert message == "Notes contains a hidden control character (such as NUL); type it again"


def test_tab_newline_and_carriage_return_are_kept():
    check_text_for_saving("Notes", "Line one\r\nLine two\tindented\n", required=True)


@pytest.mark.parametrize("text", INVISIBLE)
def test_required_text_needs_a_visible_character(text):
    assert not has_visible_text(text)
    message = refused(check_text_for_saving, "Full name", text, required=True)
    assert message.startswith("Full name is required")


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_text_is_fine_where_not_required(text):
    check_text_for_saving("Phone", text)


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_pass_in_every_script(name):
    assert has_visible_text(name)
    check_text_for_saving("Full name", name, required=True)
    Patient(record_number="A-1", full_name=name, date_of_birth=date(1980, 1, 1)).check_for_saving()
    Practitioner(name=name).check_for_saving()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("full_name", "\ud800", "Full name contains characters that are not valid text"),
        ("full_name", "Ann\x00", "Full name contains a hidden control character"),
        ("full_name", "\u200b\u200d", "Full name is required: it has only invisible characters"),
        ("record_number", "\ufeff", "Record number is required: it has only invisible"),
        ("record_number", "A\ud800", "Record number contains characters that are not valid"),
        ("phone", "\x00", "Phone contains a hidden control character"),
        ("email", "a\ud800@b.org", "E-mail contains characters that are not valid text"),
        ("medical_history", "\x1b", "Medical history contains a hidden control character"),
    ],
)
def test_patient_text_for_saving(field, value, expected):
    values = dict(record_number="A-1", full_name="Lee", date_of_birth=date(1980, 1, 1))
    values[field] = value
    patient = Patient(**values)  # construction (a load) still accepts it
    assert refused(patient.check_for_saving).startswith(expected)


def test_patient_text_left_as_stored_is_not_judged_again():
    old = Patient(record_number="A-1", full_name="\u200b", date_of_birth=date(1980, 1, 1))
    edited = Patient(
        record_number="A-1", full_name="\u200b", date_of_birth=date(1980, 1, 1), phone="123"
    )
    edited.check_for_saving(before=old)
    renamed = Patient(record_number="A-1", full_name="\u200c", date_of_birth=date(1980, 1, 1))
    refused(renamed.check_for_saving, before=old)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "\u200b"}, "Practitioner name is required: it has only invisible characters"),
        ({"name": "Dr \ud800"}, "Practitioner name contains characters that are not valid"),
        ({"name": "Dr A", "registration": "\x00"}, "Registration number contains a hidden"),
    ],
)
def test_practitioner_text_for_saving(values, expected):
    assert refused(Practitioner(**values).check_for_saving).startswith(expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"chief_complaint": "neck\ud800"}, "Chief complaint contains characters that are not"),
        ({"notes": "a\x00b"}, "Notes contains a hidden control character"),
        ({"follow_up": "\x0c"}, "Follow-up plan contains a hidden control character"),
        ({"aftercare_text": "\udc80"}, "Aftercare advice contains characters that are not"),
        (
            {"consent_given": True, "consent_by": "\u200b"},
            "Consent given by is required: it has only invisible characters",
        ),
        ({"adverse_events": (AdverseEvent("\u2060"),)}, "Adverse event is required: it has"),
        ({"adverse_events": (AdverseEvent("Bruising", note="\x00"),)}, "Adverse event note"),
    ],
)
def test_session_text_for_saving(values, expected):
    assert refused(session(**values).check_for_saving, now=NOW).startswith(expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"muscle": "trap\ud800"}, "Muscle contains characters that are not valid text"),
        ({"notes": "\x00"}, "Notes contains a hidden control character"),
        ({"region_id": "back.neck\ud800"}, "Region contains characters that are not valid"),
    ],
)
def test_point_text_for_saving(values, expected):
    assert refused(point(**values).check_for_saving).startswith(expected)


# -- placement --------------------------------------------------------------------------


def test_view_boxes_match_the_drawings():
    for view, name in SVG_OF_VIEW.items():
        text = (ASSETS / name).read_text(encoding="utf-8")
        box = re.search(r'<svg[^>]*\bviewBox="([^"]+)"', text)
        assert box is not None, name
        assert tuple(float(v) for v in box.group(1).replace(",", " ").split()) == VIEW_BOXES[view]


def test_unknown_region_is_refused():
    message = refused(check_placement, point("front.nowhere.left"))
    assert message == (
        "Body-map region 'front.nowhere.left' is not known; mark the point on the body map again"
    )


def test_region_of_another_view_is_refused():
    message = refused(check_placement, point("front.chest.right", view=View.BACK))
    assert message == "Right chest is on the front view, not on the back view"


def test_side_contradicting_the_region_is_refused():
    message = refused(check_placement, point("back.scapula.right", side=Side.LEFT))
    assert message == (
        "Right shoulder blade is on the patient's right side, but the point is marked left"
    )


@pytest.mark.parametrize("region_id", ["back.scapula.right", "front.chest.left", "head.tmj.left"])
def test_midline_is_allowed_on_any_region(region_id):
    check_placement(point(region_id, side=Side.MIDLINE, x=250.0, y=300.0))


@pytest.mark.parametrize(
    ("region_id", "x", "y", "expected"),
    [
        ("back.neck.posterior.right", 600.0, 160.0, "diagram x must be 0-500, got 600"),
        ("front.chest.left", 500.5, 300.0, "diagram x must be 0-500, got 500.5"),
        ("head.tmj.left", 999.0, 300.0, "diagram x must be 0-500, got 999"),
    ],
)
def test_point_outside_the_drawing_is_refused(region_id, x, y, expected):
    message = refused(check_placement, point(region_id, x=x, y=y))
    assert message.startswith(f"The point lies outside the {REGIONS[region_id].view} drawing")
    assert expected in message


def test_every_corner_of_every_drawing_is_inside():
    for region_id in ("front.chest.left", "back.scapula.right", "head.tmj.left"):
        left, top, width, height = VIEW_BOXES[REGIONS[region_id].view]
        for x in (left, left + width):
            for y in (top, top + height):
                check_placement(point(region_id, x=x, y=y))


def test_placement_is_checked_when_saving_unless_it_is_the_stored_one():
    legacy = point("front.nowhere.left", x=800.0)  # constructs: loads must not fail
    assert "is not known" in refused(legacy.check_for_saving)
    edited = replace(legacy, pain=4)
    edited.check_for_saving(earlier=[legacy])  # placement left as stored
    moved = replace(legacy, x=810.0)
    refused(moved.check_for_saving, earlier=[legacy])


# -- session dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started_at", "expected"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "Session start 0001-01-01 is before 1900"),
        (datetime(1899, 12, 31, 23, 59, tzinfo=UTC), "Session start 1899-12-31 is before 1900"),
        (datetime(9999, 12, 31, tzinfo=UTC), "Session start 9999-12-31 is in the future"),
        (NOW + timedelta(days=1, minutes=1), "Session start 2026-11-30 is in the future"),
        (
            datetime(1, 1, 1, 3, tzinfo=timezone(timedelta(hours=5))),
            "Session start 0001-01-01 is before 1900",
        ),
    ],
)
def test_session_start_out_of_range_is_refused(started_at, expected):
    record = session(started_at=started_at)  # construction (a load) still accepts it
    assert refused(record.check_for_saving, now=NOW) == expected


@pytest.mark.parametrize(
    "started_at",
    [
        datetime(1900, 1, 1, tzinfo=UTC),
        NOW,
        NOW + timedelta(hours=23),
        datetime(1975, 6, 1, tzinfo=timezone(timedelta(hours=-3))),
    ],
)
def test_session_start_in_range_is_accepted(started_at):
    session(started_at=started_at).check_for_saving(now=NOW)


@pytest.mark.parametrize(
    ("consent_at", "expected"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "Consent time 0001-01-01 is before 1900"),
        (datetime(9999, 1, 1, tzinfo=UTC), "Consent time 9999-01-01 is in the future"),
    ],
)
def test_consent_time_out_of_range_is_refused(consent_at, expected):
    record = session(consent_given=True, consent_by="Patient", consent_at=consent_at)
    assert refused(record.check_for_saving, now=NOW) == expected


def test_session_dates_left_as_stored_are_not_judged_again():
    old = session(started_at=datetime(1, 1, 1, tzinfo=UTC))
    replace(old, pain_before=5).check_for_saving(before=old, now=NOW)
    refused(replace(old, started_at=datetime(2, 1, 1, tzinfo=UTC)).check_for_saving, before=old)


def test_check_session_time_default_now_is_the_clock():
    check_session_time("Session start", datetime.now(UTC))
    refused(check_session_time, "Session start", datetime.now(UTC) + timedelta(days=2))
