"""Hostile input through the store: one plain-words ValidationError, nothing written.

Each case compares the whole database (every row of every clinical table and the
audit trail) before and after the refused call. Rows older versions stored that break
the new rules still load, print and take edits of their other fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tpchart.core.errors import NotFoundError, ValidationError
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import AdverseEvent, Session
from tpchart.report.documents import progress_pdf, session_pdf

from .conftest import make_point

TABLES = (
    "practitioners",
    "patients",
    "patient_name_words",
    "sessions",
    "trigger_points",
    "session_versions",
    "amendments",
    "audit_log",
)
STAMP = "2020-01-01T00:00:00+00:00"


def dump(store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that matters, in a stable order."""
    conn = store._ctx.db.conn
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def plain(message: str) -> bool:
    jargon = ("surrogate", "codec", "utf-8", "Error", "\\x", "\\u", "Traceback")
    return message[:1].isupper() and not any(word in message for word in jargon)


def refuses(store, action: Callable[[], object], expected: str) -> None:
    """``action`` raises one ValidationError starting with ``expected``; nothing changed."""
    before = dump(store)
    audit_rows = len(before["audit_log"])
    with pytest.raises(ValidationError) as caught:
        action()
    message = str(caught.value)
    assert message.startswith(expected), message
    assert plain(message), message
    assert dump(store) == before
    assert len(dump(store)["audit_log"]) == audit_rows


def new_patient(**kw) -> Patient:
    values = dict(record_number="B-002", full_name="Lee Min", date_of_birth=date(1990, 5, 5))
    values.update(kw)
    return Patient(**values)


def new_session(store, patient, **kw) -> Session:
    values = dict(
        patient_id=patient.id,
        practitioner_id=store.practitioner_id,
        started_at=datetime.now(UTC) - timedelta(hours=1),
    )
    values.update(kw)
    return Session(**values)


NOT_TEXT = "contains characters that are not valid text"
CONTROL = "contains a hidden control character"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301", "\u3000\u200b"]


# -- patients ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"full_name": "\ud800"}, f"Full name {NOT_TEXT}"),
        ({"full_name": "Lee\udcff Min"}, f"Full name {NOT_TEXT}"),
        ({"record_number": "B\ud800"}, f"Record number {NOT_TEXT}"),
        ({"medical_history": "asthma \udc80"}, f"Medical history {NOT_TEXT}"),
        ({"full_name": "Lee\x00Min"}, f"Full name {CONTROL}"),
        ({"phone": "555\x07"}, f"Phone {CONTROL}"),
        ({"medical_history": "\x1b[2J"}, f"Medical history {CONTROL}"),
        *(({"full_name": c}, "Full name is required") for c in INVISIBLE),
        ({"record_number": "\u200b"}, "Record number is required: it has only invisible"),
    ],
)
def test_adding_a_patient_with_bad_text_is_refused(store, patient, values, expected):
    refuses(store, lambda: store.patients.add(new_patient(**values)), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"full_name": "王\ud800"}, f"Full name {NOT_TEXT}"),
        ({"full_name": "王\x00"}, f"Full name {CONTROL}"),
        ({"full_name": "\u200b\u200d"}, "Full name is required: it has only invisible"),
        ({"email": "a\ud800@example.org"}, f"E-mail {NOT_TEXT}"),
    ],
)
def test_updating_a_patient_with_bad_text_is_refused(store, patient, values, expected):
    refuses(store, lambda: store.patients.update(replace(patient, **values)), expected)
    assert store.patients.get(patient.id) == patient


@pytest.mark.parametrize(
    "name",
    [
        "陈美玲",
        "தமிழ்செல்வி",
        "فاطمة الزهراء",
        "देवनागरी शर्मा",
        "زهرا\u200cپور",
        "O'Brien",
        "Anne-Marie",
    ],
)
def test_real_names_are_saved_and_found(store, name):
    saved = store.patients.add(new_patient(full_name=name))
    assert saved.full_name == name
    assert saved in store.patients.find(name)


def test_find_with_lone_surrogates_does_not_raise(store, patient):
    assert store.patients.find("\ud800") == []
    assert store.patients.find(" \udcff\udcfe ") == []
    assert store.patients.find("王\ud800") == [patient]  # the bad character is left out
    assert store.patients.find("A-0\udc80") == [patient]
    assert store.patients.find("\x00") == []


# -- practitioners ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "Dr \ud800"}, f"Practitioner name {NOT_TEXT}"),
        ({"name": "\u200b"}, "Practitioner name is required: it has only invisible"),
        ({"name": "\u3000\u00ad"}, "Practitioner name is required"),
        ({"name": "Dr\x00Evil"}, f"Practitioner name {CONTROL}"),
        ({"name": "Dr B", "registration": "\x00"}, f"Registration number {CONTROL}"),
    ],
)
def test_adding_a_practitioner_with_bad_text_is_refused(store, values, expected):
    refuses(store, lambda: store.practitioners.add(Practitioner(**values)), expected)


# -- sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"chief_complaint": "neck \ud800"}, f"Chief complaint {NOT_TEXT}"),
        ({"notes": "\x00"}, f"Notes {CONTROL}"),
        ({"follow_up": "\udcff"}, f"Follow-up plan {NOT_TEXT}"),
        ({"consent_given": True, "consent_by": "\u200b"}, "Consent given by is required"),
        ({"adverse_events": (AdverseEvent("\u200b"),)}, "Adverse event is required"),
        ({"adverse_events": (AdverseEvent("Bruising\ud800"),)}, f"Adverse event {NOT_TEXT}"),
        ({"started_at": datetime(1, 1, 1, tzinfo=UTC)}, "Session start 0001-01-01 is before 1900"),
        ({"started_at": datetime(1899, 12, 31, tzinfo=UTC)}, "Session start 1899-12-31 is before"),
        ({"started_at": datetime(9999, 12, 31, tzinfo=UTC)}, "Session start 9999-12-31 is in the"),
        ({"started_at": datetime.now(UTC) + timedelta(days=2)}, "Session start"),
        (
            {
                "consent_given": True,
                "consent_by": "Patient",
                "consent_at": datetime(1, 1, 1, tzinfo=UTC),
            },
            "Consent time 0001-01-01 is before 1900",
        ),
    ],
)
def test_starting_a_bad_session_is_refused(store, patient, session, values, expected):
    refuses(store, lambda: store.sessions.start(new_session(store, patient, **values)), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"notes": "ok\ud800"}, f"Notes {NOT_TEXT}"),
        ({"chief_complaint": "\x1b"}, f"Chief complaint {CONTROL}"),
        ({"started_at": datetime(9999, 1, 1, tzinfo=UTC)}, "Session start 9999-01-01 is in the"),
        ({"started_at": datetime(1, 1, 1, tzinfo=UTC)}, "Session start 0001-01-01 is before"),
        (
            {
                "consent_given": True,
                "consent_by": "Patient",
                "consent_at": datetime(9999, 1, 1, tzinfo=UTC),
            },
            "Consent time 9999-01-01 is in the future",
        ),
    ],
)
def test_updating_a_session_with_bad_values_is_refused(store, session, values, expected):
    refuses(store, lambda: store.sessions.update(replace(session, **values)), expected)
    assert store.sessions.get(session.id) == session


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("typo\ud800", f"Amendment reason {NOT_TEXT}"), ("\u200b", "Amendment reason is required")],
)
def test_amending_with_a_bad_reason_is_refused(store, session, reason, expected):
    store.sessions.update(replace(session, screening_done=True))
    signed = store.sessions.sign(session.id)
    refuses(store, lambda: store.sessions.amend(session.id, reason), expected)
    assert store.sessions.get(session.id) == signed


# -- trigger points ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"region_id": "front.nowhere.left"}, "Body-map region 'front.nowhere.left' is not known"),
        (
            {"view": View.BACK, "region_id": "front.chest.right", "side": Side.RIGHT},
            "Right chest is on the front view, not on the back view",
        ),
        (
            {"side": Side.LEFT},
            "Right posterior neck is on the patient's right side, but the point is marked left",
        ),
        ({"x": 600.0}, "The point lies outside the back drawing: diagram x must be 0-500, got 600"),
        ({"muscle": "trapezius\ud800"}, f"Muscle {NOT_TEXT}"),
        ({"notes": "\x00"}, f"Notes {CONTROL}"),
    ],
)
def test_adding_a_badly_placed_point_is_refused(store, session, values, expected):
    refuses(store, lambda: store.points.add(make_point(session.id, **values)), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"region_id": "back.nowhere.right"}, "Body-map region 'back.nowhere.right' is not known"),
        ({"view": View.HEAD}, "Right posterior neck is on the back view, not on the head view"),
        ({"side": Side.LEFT}, "Right posterior neck is on the patient's right side"),
        ({"x": 750.0}, "The point lies outside the back drawing"),
        ({"notes": "\udcff"}, f"Notes {NOT_TEXT}"),
    ],
)
def test_moving_or_editing_a_point_badly_is_refused(store, session, values, expected):
    point = store.points.add(make_point(session.id))
    refuses(store, lambda: store.points.update(replace(point, **values)), expected)
    assert store.points.get(point.id) == point


def test_midline_is_saved_on_a_sided_region(store, session):
    point = store.points.add(make_point(session.id, side=Side.MIDLINE))
    assert store.points.get(point.id).side is Side.MIDLINE


# -- rows older versions stored ---------------------------------------------------------


def insert(store, table: str, values: dict[str, Any]) -> int:
    """A row written as an older version would have, triggers and CHECKs in force."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = store._ctx.db.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
    )
    store._ctx.db.conn.commit()
    return cursor.lastrowid


@pytest.fixture
def legacy(store):
    """A patient, session and points that break today's rules, as older versions stored them."""
    patient_id = insert(store, "patients", {
        "record_number": "OLD-1", "full_name": "\u200b\u200d", "date_of_birth": "1970-01-01",
        "sex": "unknown", "medical_history": "pasted\x00text", "created_at": STAMP,
        "updated_at": STAMP,
    })  # fmt: skip
    session_id = insert(store, "sessions", {
        "patient_id": patient_id, "practitioner_id": store.practitioner_id,
        "started_at": "0001-01-01T00:00:00+00:00", "consent_given": 1, "consent_by": "\ufeff",
        "consent_at": "9999-12-31T00:00:00+00:00", "screening_done": 1,
        "adverse_events": '[{"kind": "\\u200b", "severity": "mild", "note": "\\u0000"}]',
        "notes": "bell\x07", "created_at": STAMP, "updated_at": STAMP,
    })  # fmt: skip
    point = {"session_id": session_id, "kind": "active", "muscle": "", "notes": "n\x00"}
    unknown = insert(store, "trigger_points", {**point, "number": 1, "view": "back",
        "region_id": "front.nowhere.left", "side": "left", "x": 800.0, "y": 900.0})  # fmt: skip
    crossed = insert(store, "trigger_points", {**point, "number": 2, "view": "back",
        "region_id": "front.chest.right", "side": "left", "x": 300.0, "y": 300.0})  # fmt: skip
    return patient_id, session_id, unknown, crossed


@pytest.mark.file_only  # such rows exist only in files older versions wrote
def test_old_rows_breaking_the_new_rules_still_load_and_print(store, legacy):
    patient_id, session_id, unknown, _crossed = legacy
    patient = store.patients.get(patient_id)
    assert patient.full_name == "\u200b\u200d"
    assert store.patients.find("OLD") == [patient]
    (session,) = store.sessions.for_patient(patient_id)
    assert session.started_at.year == 1 and session.consent_at.year == 9999
    points = store.points.for_patient(patient_id)[session_id]
    assert [p.region_id for p in points] == ["front.nowhere.left", "front.chest.right"]
    assert store.points.get(unknown).x == 800.0
    assert session_pdf(store, session_id).startswith(b"%PDF")
    assert progress_pdf(store, patient_id).startswith(b"%PDF")
    signed = store.sessions.sign(session_id)  # the chart still closes normally
    assert session_pdf(store, signed.id).startswith(b"%PDF")

    # Written anew, the same values are refused.
    copy = replace(patient, id=None, record_number="OLD-2")
    refuses(store, lambda: store.patients.add(copy), "Full name is required")
    draft = store.sessions.start(new_session(store, patient))
    again = replace(session, id=None)
    refuses(store, lambda: store.sessions.start(again), "Session start 0001-01-01")
    for old, expected in ((points[0], "Body-map region"), (points[1], "Right chest is on")):
        carried = old.carried_to(draft.id, store.points.next_number(draft.id))
        refuses(store, lambda carried=carried: store.points.add(carried), expected)


@pytest.mark.file_only  # such rows exist only in files older versions wrote
def test_old_rows_take_edits_of_their_other_fields(store, legacy):
    patient_id, session_id, unknown, crossed = legacy
    patient = store.patients.update(replace(store.patients.get(patient_id), phone="555 0100"))
    assert (patient.phone, patient.full_name) == ("555 0100", "\u200b\u200d")
    session = store.sessions.update(replace(store.sessions.get(session_id), pain_before=6))
    assert (session.pain_before, session.started_at.year) == (6, 1)
    point = store.points.update(replace(store.points.get(unknown), pain=4))
    assert (point.pain, point.region_id, point.x) == (4, "front.nowhere.left", 800.0)

    # Undo of a delete brings the point back as it was; undo of a move puts it back.
    gone = store.points.delete(crossed)
    assert store.points.add(gone) == gone
    moved = store.points.update(
        replace(point, view=View.FRONT, region_id="front.chest.left", side=Side.LEFT, x=320.0)
    )
    back = replace(moved, view=View.BACK, region_id="front.nowhere.left", x=800.0)
    assert store.points.update(back) == point

    # A changed value is judged: the old name cannot be swapped for another invisible one.
    renamed = replace(patient, full_name="\u2060")
    refuses(store, lambda: store.patients.update(renamed), "Full name is required")
    refuses(store, lambda: store.points.update(replace(point, x=810.0)), "Body-map region")


def test_find_with_a_pasted_page_of_words_does_not_raise(store, patient):
    # Found by a hostile tester: 500+ words made a query SQLite refuses.
    assert store.patients.find(" ".join(f"word{n}" for n in range(600))) == []


@pytest.mark.parametrize("row_id", [2**63, 2**70, -(2**63) - 1])
def test_ids_beyond_what_sqlite_stores_are_simply_not_found(store, row_id):
    with pytest.raises(NotFoundError):
        store.patients.get(row_id)
