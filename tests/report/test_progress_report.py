"""The progress report read back from the PDF."""

from __future__ import annotations

from datetime import UTC

from tests.report.conftest import START, add_points, history, start_session
from tests.report.pdf_reading import page_texts, shapes
from tpchart.core.progress import most_treated, muscle_progress, pain_trend, progress_words
from tpchart.report.progress_report import progress_report_pdf
from tpchart.report.records import load_progress_record


def report(store, patient) -> tuple[bytes, str]:
    pdf = progress_report_pdf(load_progress_record(store, patient.id), tz=UTC)
    return pdf, " ".join(page_texts(pdf))


def test_one_row_per_session_with_pain_and_points(store, patient):
    sessions = history(store, patient, 6)
    _, text = report(store, patient)
    assert "王小明 (Wang Xiaoming)" in text
    for s in sessions:
        assert f"{s.started_at:%d %b %Y}" in text
    points = store.points.for_patient(patient.id)
    # Date, pain before, pain after, number of points, as the row reads.
    for s in sessions:
        row = f"{s.started_at:%d %b %Y} {s.pain_before} {s.pain_after} {len(points[s.id])}"
        assert row in text, row


def test_states_the_change_against_the_mcid(store, patient):
    sessions = history(store, patient, 6)
    _, text = report(store, patient)
    trend = pain_trend(sessions)
    assert "improved by 5 points (62 %), at least the MCID" in trend.sentence
    assert trend.sentence in text and trend.status_sentence in text
    # The rule and the sources are printed with it.
    assert "Farrar et al., Pain 2001;94:149" in text and "measured on the trapezius" in text


def test_lists_the_most_treated_muscles(store, patient):
    sessions = history(store, patient, 5)
    _, text = report(store, patient)
    rows = most_treated(muscle_progress(sessions, store.points.for_patient(patient.id)), 8)
    assert rows
    for row in rows:
        assert row.label in text
        # The same trend words as the Progress tab's muscle table (pdf text is read in
        # lines across the table's cells, so look for the words of the trend column).
        assert row.trend.words in text


def test_chart_has_dates_and_both_lines(store, patient):
    sessions = history(store, patient, 4)
    pdf, text = report(store, patient)
    for s in sessions:
        assert f"{s.started_at:%d %b %y}" in text  # the x-axis labels
    assert "Pain before needling" in text and "Pain after needling" in text
    _, curves = shapes(pdf)
    # Every session has a before and an after marker on the chart (5 pt symbols).
    symbols = [c for c in curves if 4 < c.width < 6 and 4 < c.height < 6]
    assert len(symbols) >= len(sessions)


def test_patient_without_sessions(store, patient):
    _, text = report(store, patient)
    assert "No sessions recorded yet." in text


def test_a_draft_is_listed_but_not_counted(store, patient):
    sessions = history(store, patient, 3)
    draft = start_session(store, patient, START, pain_before=1, pain_after=0)
    add_points(store, draft.id, 2, seed=9)
    pdf, text = report(store, patient)
    assert "Draft, not counted" in text
    assert "Not counted until signed: session 4" in text
    words = progress_words([*sessions, draft], store.points.for_patient(patient.id))
    assert words.headline in text and "to 1" not in words.pain[1]
    _, curves = shapes(pdf)
    symbols = [c for c in curves if 4 < c.width < 6 and 4 < c.height < 6]
    # A round "before" marker at each signed session only (the draft's 1 is not drawn).
    assert len(symbols) == len(sessions)
