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
    assert view.headline.text().startswith("Pain ")
    scatter = view.pain_chart.series["before"].scatter
    first = sessions[0]
    tip = scatter.opts["tip"](x=first.started_at.timestamp(), y=first.pain_before, data=None)
    assert tip.startswith("Before needling, ") and tip.endswith(f": {first.pain_before}")
    assert "MCID" in view.headline.text()
    muscles = {(p.muscle_name, p.side) for pts in points.values() for p in pts}
    shown = {(r.muscle, r.side) for r in view.muscle_table.model_.rows}
    assert shown == muscles
    table = view.muscle_table.model_
    # No-break spaces keep each arrow with its word when the column wraps.
    trends = {table.index(r, 6).data().replace("\u00a0", " ") for r in range(table.rowCount())}
    assert trends <= {"↑ better", "↓ worse", "→ no clear change"}
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
    assert "to 1 over" in view.headline.text()
    assert ("soleus", Side.LEFT) in {(r.muscle, r.side) for r in view.muscle_table.model_.rows}
    assert view.compare.later.currentData() == session.id
    assert [p.muscle for p in view.compare.comparison.new] == ["soleus"]


def test_outcome_charts_only_for_recorded_measures(view, store):
    patient = store.patients.add(
        Patient(record_number="P-1", full_name="Ada Example", date_of_birth=date(1970, 5, 1))
    )
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for week, (pain, psfs) in enumerate([(7, None), (5, 4.0), (4, 6.5)]):
        store.sessions.start(
            Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                    started_at=start + timedelta(weeks=week), pain_before=pain, psfs=psfs)
        )  # fmt: skip
    view.show_patient(patient.id)
    assert not view.outcome_box.isHidden()
    assert view.outcome_charts["ndi"].isHidden() and view.outcome_charts["odi"].isHidden()
    assert not view.outcome_charts["psfs"].isHidden()
    assert chart_points(view.outcome_charts["psfs"], "value") == 2
    assert "PSFS rose from 4 to 6.5" in view.outcome_labels["psfs"].text()
    # No points charted: the pain chart still shows, the "after" series is absent.
    assert chart_points(view.pain_chart, "before") == 3 and "after" not in view.pain_chart.series


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
    assert view.headline.text() == "No pain scores recorded yet."
    assert view.pain_chart.series == {}
    assert view.outcome_box.isHidden()
    assert view.muscle_table.model_.rowCount() == 0
    assert view.heat.spots == []
    assert view.compare.summary.text() == "Comparing needs two sessions."
