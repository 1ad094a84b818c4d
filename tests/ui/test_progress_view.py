"""The progress view shows a demo patient's sessions and follows new signed sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tpchart.core.patient import Patient
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.demo import write_demo
from tpchart.store import DEMO_KEY
from tpchart.ui.progress_view import ProgressView


@pytest.fixture
def demo(store):
    """Three demo patients; returns the one with the most sessions."""
    store.settings.set_many({DEMO_KEY: "yes"})  # a demo database, as `tpchart demo` makes
    patients = write_demo(store, patients=3, seed=11)
    return max(patients, key=lambda p: len(store.sessions.for_patient(p.id)))


@pytest.fixture
def view(qtbot, store):
    widget = ProgressView(store)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    return widget


def chart_points(chart, key):
    xs, _ = chart.series[key].getData()
    return len(xs)


def test_shows_a_demo_patients_sessions(view, store, demo):
    sessions = store.sessions.for_patient(demo.id)
    points = store.points.for_patient(demo.id)
    view.show_patient(demo.id)

    assert view.objectName() == "progressView"
    assert view.pages.currentWidget() is view.scroll
    assert chart_points(view.pain_chart, "before") == len(sessions)
    assert chart_points(view.pain_chart, "after") == len(sessions)
    assert view.headline.text().startswith("Pain: ")
    scatter = view.pain_chart.series["before"].scatter
    first = sessions[0]
    tip = scatter.opts["tip"](x=first.started_at.timestamp(), y=first.pain_before, data=None)
    assert tip.startswith("Before needling, ") and tip.endswith(f": {first.pain_before}")
    assert "MCID" in view.details.text() and "Farrar et al." in view.rules.text()
    muscles = {(p.muscle_name, p.side) for pts in points.values() for p in pts}
    shown = {(r.muscle, r.side) for r in view.muscle_table.model_.rows}
    assert shown == muscles
    table = view.muscle_table.model_
    # No-break spaces keep each arrow with its word when the column wraps.
    # The trend in words, its reason under it: never an arrow that could read as "rose".
    trends = {table.index(r, 6).data().split("\n")[0] for r in range(table.rowCount())}
    assert trends <= {"Improved", "Worse", "No clear change"}
    for r, row in enumerate(table.rows):
        assert table.index(r, 6).data() == row.trend_text.replace(": ", "\n", 1)
    # The heat view holds every point of the visible diagram over all sessions.
    heat_view = view.heat.current_view()
    on_view = sum(p.view is heat_view for pts in points.values() for p in pts)
    assert sum(s.count for s in view.heat.spots) == on_view > 0
    # Compare defaults to the last two sessions and accounts for every point of both.
    cmp = view.compare.comparison
    earlier, later = (points.get(s.id, []) for s in sessions[-2:])
    assert len(cmp.persisting) + len(cmp.gone) == len(earlier)
    assert len(cmp.persisting) + len(cmp.new) == len(later)
    assert view.compare.table.rowCount() == len(view.compare.rows)


def test_heat_range_narrows_to_the_chosen_sessions(view, store, demo):
    view.show_patient(demo.id)
    points = store.points.for_patient(demo.id)
    last = store.sessions.for_patient(demo.id)[-1]
    view.heat.first_session.setCurrentIndex(view.heat.last_session.currentIndex())
    heat_view = view.heat.current_view()
    expected = sum(p.view is heat_view for p in points.get(last.id, []))
    assert sum(s.count for s in view.heat.spots) == expected


def test_updates_when_a_new_session_is_signed(view, store, demo):
    view.show_patient(demo.id)
    before = len(store.sessions.for_patient(demo.id))
    last = store.sessions.for_patient(demo.id)[-1]
    session = store.sessions.start(
        Session(
            patient_id=demo.id,
            practitioner_id=store.practitioner_id,
            started_at=last.started_at + timedelta(days=7),
            pain_before=1,
        )
    )
    store.points.add(
        TriggerPoint(session_id=session.id, number=1, view=View.BACK, region_id="back.calf.left",
                     side=Side.LEFT, x=180.0, y=820.0, muscle="soleus", pain=3)
    )  # fmt: skip
    session = store.sessions.update(
        replace(session, pain_after=0, screening_done=True, consent_given=True,
                consent_by="Patient", consent_at=session.started_at)
    )  # fmt: skip
    store.sessions.sign(session.id)
    view.refresh()

    assert chart_points(view.pain_chart, "before") == before + 1
    assert "→ 1 (lower is better)" in view.details.text()
    assert ("soleus", Side.LEFT) in {(r.muscle, r.side) for r in view.muscle_table.model_.rows}
    assert view.compare.later.currentData() == session.id
    assert [p.muscle for p in view.compare.comparison.new] == ["soleus"]


def signed(store, session):
    """``session`` screened and signed (no points: no consent needed)."""
    store.sessions.update(replace(session, screening_done=True))
    return store.sessions.sign(session.id)


def test_outcome_charts_only_for_recorded_measures(view, store):
    patient = store.patients.add(
        Patient(record_number="P-1", full_name="Ada Example", date_of_birth=date(1970, 5, 1))
    )
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for week, (pain, psfs) in enumerate([(7, None), (5, 4.0), (4, 6.5)]):
        signed(store, store.sessions.start(
            Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                    started_at=start + timedelta(weeks=week), pain_before=pain, psfs=psfs)
        ))  # fmt: skip
    view.show_patient(patient.id)
    assert not view.outcome_box.isHidden()
    assert view.outcome_charts["ndi"].isHidden() and view.outcome_charts["odi"].isHidden()
    assert not view.outcome_charts["psfs"].isHidden()
    assert chart_points(view.outcome_charts["psfs"], "value") == 2
    assert "PSFS 4 → 6.5 (higher is better)" in view.outcome_labels["psfs"].text()
    # No points charted: the pain chart still shows, the "after" series is absent.
    assert chart_points(view.pain_chart, "before") == 3 and "after" not in view.pain_chart.series


def test_drafts_are_not_charted_or_counted_and_said_so(view, store):
    patient = store.patients.add(
        Patient(record_number="P-4", full_name="Di Example", date_of_birth=date(1975, 5, 1))
    )
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for week, pain in enumerate([7, 7, 7]):
        signed(store, store.sessions.start(
            Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                    started_at=start + timedelta(weeks=week), pain_before=pain, ndi=40.0)
        ))  # fmt: skip
    draft = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=start + timedelta(weeks=3), pain_before=3, ndi=10.0)
    )  # fmt: skip
    view.show_patient(patient.id)
    # The draft's 3 would have read as a meaningful improvement: it is left out.
    assert view.headline.text() == "Pain: no clear change"
    assert chart_points(view.pain_chart, "before") == 3
    assert chart_points(view.outcome_charts["ndi"], "value") == 3
    assert "Not counted until signed: session 4" in view.details.text()
    assert "NDI 40% → 40%" in view.outcome_labels["ndi"].text()
    # It is still offered for comparing points, marked as a draft.
    assert view.compare.later.currentText().endswith("(draft)")
    assert view.compare.later.currentData() == draft.id


def test_no_patient_and_no_sessions(view, store):
    assert view.pages.currentWidget() is view.placeholder
    patient = store.patients.add(
        Patient(record_number="P-2", full_name="Bo Example", date_of_birth=date(1980, 2, 3))
    )
    view.show_patient(patient.id)
    assert "No sessions yet" in view.placeholder.text()


def test_fits_a_1366_wide_screen(view, store, demo):
    view.show_patient(demo.id)
    view.show()
    # Minimum width of everything side by side stays inside a 1366-pixel screen.
    assert view.content.minimumSizeHint().width() <= 1366
    assert view.content.minimumWidth() <= 1366


def test_a_single_session_without_scores(view, store):
    patient = store.patients.add(
        Patient(record_number="P-3", full_name="Cy Example", date_of_birth=date(1990, 1, 1))
    )
    store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime(2025, 2, 3, 9, tzinfo=UTC))
    )  # fmt: skip
    view.show_patient(patient.id)
    assert view.headline.text() == "No pain scores recorded at a signed session yet."
    assert view.pain_chart.series == {}
    assert view.outcome_box.isHidden()
    assert view.muscle_table.model_.rowCount() == 0
    assert view.heat.spots == []
    assert view.compare.summary.text() == "Comparing needs two sessions."


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_screen_and_the_pdf_say_the_same_words(view, store, demo):
    """Issue 17: the Progress tab and the progress report, for the same patient, say
    the same sentences (both come from ``progress_words``) and the same per-muscle
    trend with its reason."""
    import io

    import pdfplumber

    from tests.report.pdf_reading import page_texts
    from tpchart.report.progress_report import progress_report_pdf
    from tpchart.report.records import load_progress_record

    view.show_patient(demo.id)
    pdf = progress_report_pdf(load_progress_record(store, demo.id))
    printed = flat(" ".join(page_texts(pdf)))
    on_screen = [view.headline.text(), *view.details.text().split("\n"),
                 *view.rules.text().split("\n")]  # fmt: skip
    on_screen += [label.text() for label in view.outcome_labels.values() if not label.isHidden()]
    assert len(on_screen) >= 6
    for sentence in on_screen:
        assert flat(sentence) in printed, sentence
    # The muscle table: the report's Trend column read from the page, top to bottom.
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        column = ""
        for page in doc.pages:
            heads = [w for w in page.extract_words() if w["text"] == "Trend"]
            if heads:
                x0 = max(w["x0"] for w in heads) - 1
                column += " " + (page.crop((x0, 0, page.width, page.height)).extract_text() or "")
    table = view.muscle_table.model_
    printed_rows = table.rows[:8]  # the report lists the eight most treated
    expected = " ".join(
        flat(table.index(r, 6).data().replace("\n", ": ", 1)) for r in range(len(printed_rows))
    )
    assert expected in flat(column)
