"""The clinical record's new fields read back from the PDF, and the patient's copy.

The filed record prints everything: electrical stimulation settings, the consent
wording explained, and notes the doctor kept off the patient's copy, marked as such.
The patient's copy is the same record without those notes, saying where and how many
were left out, also in the amendment trail.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import UTC

import pytest

from tests.report.conftest import add_points, start_session
from tests.report.pdf_reading import page_texts
from tpchart.core.consent import CURRENT_VERSION
from tpchart.core.trigger_point import Technique
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import session_summary_pdf

SESSION_SECRET = "Suspect the neck pain is stress at home; discuss with GP."
POINT_SECRET = "Patient flinched, ask about the old injury."
SHARED_NOTE = "Strong local twitch, eased at once."
FILED_MARK = "Internal note — kept off the patient's copy"


def record_text(store, session, *, patient_copy: bool = False) -> tuple[str, str]:
    """(first page, all pages) of the record, whitespace collapsed."""
    record = load_session_record(store, session.id)
    pages = page_texts(session_summary_pdf(record, tz=UTC, patient_copy=patient_copy))
    return pages[0], " ".join(pages)


@pytest.fixture
def visit(store, patient):
    """A signed session with three points: point 2 electrical with its settings and an
    internal note, point 1 with a note for everyone; the session notes internal."""
    session = start_session(store, patient, consent_text_version=CURRENT_VERSION,
                            notes=SESSION_SECRET, notes_internal=True)  # fmt: skip
    for p in add_points(store, session.id, 3, seed=9):
        if p.number == 1:
            store.points.update(replace(p, notes=SHARED_NOTE))
        elif p.number == 2:
            assert p.technique is Technique.ELECTRICAL
            store.points.update(replace(
                p, stim_frequency_hz=2.5, stim_pulse_width_us=250, stim_intensity_ma=12.5,
                notes=POINT_SECRET, notes_internal=True,
            ))  # fmt: skip
    return store.sessions.sign(session.id)


def test_the_filed_record_prints_the_settings_the_wording_and_internal_notes(store, visit):
    _, text = record_text(store, visit)
    assert "Stimulation: 2.5 Hz, pulse width 250 µs, 12.5 mA" in text
    assert f"explained. Consent wording: {CURRENT_VERSION}." in text
    assert f"{FILED_MARK}: {POINT_SECRET}" in text
    assert f"Session notes {FILED_MARK}: {SESSION_SECRET}" in text
    assert f"Notes: {SHARED_NOTE}" in text
    assert "patient's copy" not in text.replace(FILED_MARK, "")  # only the marks say it
    assert "Clinical record" in text and "Clinical record — patient's copy" not in text


def test_the_patients_copy_leaves_internal_notes_out_and_says_so(store, visit):
    first, text = record_text(store, visit, patient_copy=True)
    assert "Clinical record — patient's copy" in first
    assert "Patient's copy: 2 internal notes are not included in this copy." in first
    assert SESSION_SECRET not in text and POINT_SECRET not in text
    # Where each was left out, in its place.
    assert "Session notes Internal note — not included in this copy." in text
    assert "Notes: Internal note — not included in this copy." in text
    # Everything else is the same record.
    assert f"Notes: {SHARED_NOTE}" in text
    assert "Stimulation: 2.5 Hz, pulse width 250 µs, 12.5 mA" in text
    assert f"Consent wording: {CURRENT_VERSION}." in text
    assert FILED_MARK not in text


def test_one_internal_note_is_counted_in_the_singular(store, patient):
    session = start_session(store, patient, notes=SESSION_SECRET, notes_internal=True)
    first, text = record_text(store, session, patient_copy=True)
    assert "Patient's copy: 1 internal note is not included in this copy." in first
    assert SESSION_SECRET not in text


def test_a_copy_with_nothing_internal_says_every_note_is_included(store, patient):
    # Marked internal but empty: nothing was left out, so nothing is counted.
    session = start_session(store, patient, notes="Shared with the patient.")
    add_points(store, session.id, 1)
    point = store.points.for_session(session.id)[0]
    store.points.update(replace(point, notes_internal=True))
    first, text = record_text(store, session, patient_copy=True)
    assert "Patient's copy: every note recorded at this session is included." in first
    assert "Shared with the patient." in text and "not included" not in text


def test_older_sessions_say_what_was_not_recorded(store, patient):
    # Before schema 5: no consent wording version, electrical points without settings.
    session = start_session(store, patient)
    add_points(store, session.id, 2)  # point 2 is electrical stimulation
    _, text = record_text(store, session)
    assert "explained. Consent wording: not recorded." in text
    assert "Stimulation: settings not recorded" in text


def test_a_setting_left_out_is_said_to_be_unrecorded(store, patient):
    session = start_session(store, patient)
    (_one, two) = add_points(store, session.id, 2)
    store.points.update(replace(two, stim_frequency_hz=100.0))
    _, text = record_text(store, session)
    assert "Stimulation: 100 Hz, pulse width not recorded, intensity not recorded" in text


def test_the_amendment_trail_never_quotes_an_internal_note_on_the_patients_copy(store, visit):
    store.sessions.amend(visit.id, "Notes corrected")
    store.sessions.update(replace(store.sessions.get(visit.id), notes="Revised: " + SESSION_SECRET))
    for p in store.points.for_session(visit.id):
        if p.number == 2:
            store.points.update(
                replace(p, notes=POINT_SECRET + " Revised.", stim_intensity_ma=14.0)
            )
    store.sessions.sign(visit.id)

    _, filed = record_text(store, visit)
    assert f"Session notes: {SESSION_SECRET} → Revised: {SESSION_SECRET}" in filed
    assert f"notes: {POINT_SECRET} → {POINT_SECRET} Revised." in filed

    _, copy = record_text(store, visit, patient_copy=True)
    assert SESSION_SECRET not in copy and POINT_SECRET not in copy
    assert "Session notes: changed (an internal note, not included in this copy)" in copy
    # The other changes to that point are still told.
    assert "stimulation intensity: 12.5 mA → 14 mA; notes changed (an internal note" in copy


def test_the_report_function_takes_patient_copy_as_a_keyword_off_by_default():
    # The CLI and the menu call it by this name (issue 16).
    parameter = inspect.signature(session_summary_pdf).parameters["patient_copy"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is False
