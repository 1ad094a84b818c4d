"""The progress report read back from the PDF."""

from __future__ import annotations

import io
import math
from collections import Counter
from datetime import UTC, timedelta

import pdfplumber

from tests.report.conftest import START, add_points, history, start_session
from tests.report.pdf_reading import page_texts
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
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
    # Every session has a before and an after marker on the chart, as on screen.
    marks = chart_marks(pdf)
    assert marks["hollow circle", BLUE] == marks["triangle down", VERMILLION] == len(sessions)


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
    # A "before" and an "after" marker at each signed session only (the draft's 1 and 0
    # are not drawn).
    marks = chart_marks(pdf)
    assert marks["hollow circle", BLUE] == marks["triangle down", VERMILLION] == len(sessions)


# -- issue 16: complaint, adverse events and outcome measures per session -----------
BLUE, VERMILLION, WHITE = (0.0, 0.447, 0.698), (0.835, 0.369, 0.0), (1.0, 1.0, 1.0)


def signed_session(store, patient, weeks_ago: int, **values):
    """A signed session ``weeks_ago`` weeks before START with three points."""
    s = start_session(store, patient, START - timedelta(weeks=weeks_ago), **values)
    add_points(store, s.id, 3, seed=weeks_ago)
    return store.sessions.sign(s.id)


def colour(value) -> tuple[float, ...]:
    return tuple(round(float(c), 3) for c in value or ())


def chart_marks(pdf: bytes) -> Counter:
    """Markers drawn on the charts, by what they look like: ("hollow circle" |
    "filled circle" | "triangle down", colour). Chart markers are 5 pt across (a
    triangle's side is 5 * sqrt(3) / 2); the legend's, 4.5 pt, are left out."""
    found: Counter = Counter()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for c in page.curves:
                if not c["fill"]:
                    continue
                stroke, fill = colour(c["stroking_color"]), colour(c["non_stroking_color"])
                if abs(c["width"] - 5) < 0.05 and abs(c["height"] - 5) < 0.05:
                    found["hollow circle" if fill == WHITE else "filled circle", stroke] += 1
                elif abs(c["width"] - 2.5 * math.sqrt(3)) < 0.05:
                    # A triangle pointing down has one corner below the other two
                    # (pdfplumber's y grows downwards; the path repeats its first corner).
                    ys = sorted(round(y, 2) for _, y in c["pts"][:3])
                    down = ys[2] - ys[1] > ys[1] - ys[0]
                    found["triangle down" if down else "triangle up", stroke] += 1
    return found


def chart_lines(pdf: bytes) -> list[tuple[tuple[float, ...], bool]]:
    """The 1.6 pt lines joining a chart's markers (and drawn in its legend): (colour, dashed)."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for c in [*page.curves, *page.lines]:
                if abs(c.get("linewidth", 0) - 1.6) < 0.01:
                    dash = c.get("dash")
                    out.append((colour(c["stroking_color"]), bool(dash and dash[0])))
    return out


def test_each_sessions_presenting_complaint(store, patient):
    complaints = ["Kopfschmerzen seit drei Wochen, schlimmer am Bildschirm",
                  "Low back pain after lifting boxes at work", ""]  # fmt: skip
    sessions = [signed_session(store, patient, 3 - i, chief_complaint=c, pain_before=7 - i,
                               pain_after=3) for i, c in enumerate(complaints)]  # fmt: skip
    _, text = report(store, patient)
    for n, (s, words) in enumerate(zip(sessions, complaints, strict=True), start=1):
        # The row reads: number, date, pain before and after, points, complaint.
        expected = words or "not recorded"
        row = f"{n} {s.started_at:%d %b %Y} {s.pain_before} 3 3 {expected}"
        assert row in text, row
    assert "Treated: " in text


def test_adverse_events_at_each_session_and_reported_later(store, patient):
    bruise = signed_session(store, patient, 3)  # the fixture's bruising event
    none = signed_session(store, patient, 2, adverse_events=(), adverse_events_asked=True)
    unasked = signed_session(store, patient, 1, adverse_events=(), adverse_events_asked=False)
    later = store.later_events.report(none.id, AdverseEvent(
        AdverseEventType.PAIN_AFTER, Severity.MILD, note="Sore for two days",
        onset=Onset.DELAYED, action="advised heat", resolved=True))  # fmt: skip
    draft = start_session(store, patient, START, adverse_events=(
        AdverseEvent(AdverseEventType.VASOVAGAL, Severity.SIGNIFICANT, onset=Onset.DURING,
                     action="lay flat, recovered in 5 minutes", resolved=True),))  # fmt: skip
    _, text = report(store, patient)
    assert "Adverse events at 2 of 4 sessions; asked, none at 1; not asked at 1; " \
           "1 event reported later." in text  # fmt: skip
    at = {s.id: f"{n} {s.started_at:%d %b %Y}" for n, s in enumerate(
        [bruise, none, unasked, draft], start=1)}  # fmt: skip
    assert f"{at[bruise.id]} {bruise.adverse_events[0].text}" in text
    assert f"{at[none.id]} Asked, none" in text
    assert f"{at[unasked.id]} Not asked" in text
    assert f"{at[draft.id]} draft {draft.adverse_events[0].text}" in text
    reported = (f"Recorded {later.recorded_at.astimezone(UTC):%d %b %Y, %H:%M} by Dr Ana Souza: "
                f"{later.event.text}")  # fmt: skip
    assert reported in text


def test_outcome_measures_per_session_with_not_recorded(store, patient):
    values = [dict(ndi=40.0, psfs=3.5), dict(ndi=None, psfs=5.0), dict(ndi=22.5, psfs=None)]
    sessions = [signed_session(store, patient, 3 - i, **v) for i, v in enumerate(values)]
    draft = start_session(store, patient, START, ndi=10.0)
    pdf, text = report(store, patient)
    rows = [
        f"1 {sessions[0].started_at:%d %b %Y} 40% 3.5 Signed",
        f"2 {sessions[1].started_at:%d %b %Y} not recorded 5 Signed",
        f"3 {sessions[2].started_at:%d %b %Y} 22.5% not recorded Signed",
        f"4 {draft.started_at:%d %b %Y} 10% not recorded Draft, not counted",
    ]
    for row in rows:
        assert row in text, row
    assert "Not recorded at any session: ODI." in text
    # A chart for each recorded measure, legend as on screen, the MCID zone named.
    for title in ("Neck Disability Index (%), signed sessions",
                  "Patient-Specific Functional Scale (0-10), signed sessions"):  # fmt: skip
        assert title in text
    assert "≥ 19 points lower than the first signed session (lower is better)" in text
    assert "≥ 2 points higher than the first signed session (higher is better)" in text
    marks = chart_marks(pdf)
    # Two NDI and two PSFS values at signed sessions: the draft's 10 % is not drawn,
    # and a missing value is left out, never drawn as 0.
    assert marks["filled circle", BLUE] == 4
    assert marks["hollow circle", BLUE] == 3  # pain before at the three signed sessions
    assert marks["triangle down", VERMILLION] == 3  # pain after
    assert set(marks) == {("filled circle", BLUE), ("hollow circle", BLUE),
                          ("triangle down", VERMILLION)}  # fmt: skip
    lines = chart_lines(pdf)
    # Pain before dashed blue, pain after solid vermillion, each measure solid blue
    # (each once in its chart and once in its legend).
    assert lines.count((BLUE, True)) == 2
    assert lines.count((VERMILLION, False)) == 2
    assert lines.count((BLUE, False)) == 4


def test_no_outcome_measures_recorded(store, patient):
    history(store, patient, 3)
    pdf, text = report(store, patient)
    assert "No outcome measure (NDI, ODI, PSFS) recorded at any session." in text
    assert "Neck Disability Index" not in text
    assert not chart_marks(pdf)["filled circle", BLUE]
