"""The progress report read back from the PDF."""

from __future__ import annotations

from datetime import UTC

from tests.report.conftest import history
from tests.report.pdf_reading import page_texts, shapes
from tpchart.core.progress import most_treated, muscle_progress, pain_trend
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
    sentence = pain_trend(sessions).sentence
    assert "clinically meaningful improvement" in sentence
    assert sentence in text


def test_lists_the_most_treated_muscles(store, patient):
    sessions = history(store, patient, 5)
    _, text = report(store, patient)
    rows = most_treated(muscle_progress(sessions, store.points.for_patient(patient.id)), 8)
    assert rows
    for row in rows:
        assert row.label in text


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
