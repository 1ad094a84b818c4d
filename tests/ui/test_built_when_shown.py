"""What the window builds only when the doctor first looks at it (issue 19): the
diagrams of the views not on screen, and the Progress tab. Each must then show exactly
what it would have shown had it been built at start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from tpchart.core.regions import View
from tpchart.demo import write_demo
from tpchart.store import DEMO_KEY
from tpchart.ui.main_window import MainWindow
from tpchart.ui.progress_view import ProgressView

from .charting import make_active, start
from .test_charting import earlier_point

NECK = "back.neck.posterior.right"
SHOULDER = "back.shoulder.upper.right"
CHEST = "front.chest.left"
JAW = "head.masseter.right"


def open_window(qtbot, store, patient) -> MainWindow:
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    win.patients.select_patient(patient.id)
    make_active(qtbot, win)
    return win


def expected_markers(chart, view: View) -> tuple[dict, dict]:
    """What a diagram of ``view`` must show: this session's points, and the previous
    session's faintly when "Previous session" is ticked."""
    ghosts = chart.previous if chart.show_previous.isChecked() else []
    return (
        {p.id: p for p in chart.points.values() if p.view is view},
        {p.id: p for p in ghosts if p.view is view},
    )


def shown_markers(scene) -> tuple[dict, dict]:
    return (
        {i: m.point for i, m in scene.markers.items()},
        {i: m.point for i, m in scene.ghosts.items()},
    )


def test_only_the_diagram_on_screen_is_built_until_another_view_is_chosen(qtbot, store, patient):
    earlier = start(store, patient, days_ago=14)
    earlier_point(store, earlier, NECK, 1, "splenius capitis")
    earlier_point(store, earlier, SHOULDER, 2, "upper trapezius")
    today = start(store, patient)
    earlier_point(store, today, CHEST, 1, "pectoralis major")
    earlier_point(store, today, JAW, 2, "masseter")
    win = open_window(qtbot, store, patient)
    chart = win.chart
    assert chart.session.id == today.id
    assert set(chart.scenes) == {View.FRONT}  # the back and head diagrams: not yet
    assert shown_markers(chart.scenes[View.FRONT]) == expected_markers(chart, View.FRONT)

    # Changes on a view not built yet: carried forward onto the back, undone, redone.
    chart.carry_forward_points(list(chart.previous))
    chart.undo_stack.undo()
    chart.undo_stack.redo()
    assert set(chart.scenes) == {View.FRONT}
    on_back = [p for p in store.points.for_session(today.id) if p.view is View.BACK]
    assert len(on_back) == 2

    # The doctor presses B on the map: the back diagram is built with every marker.
    chart.canvas.setFocus()
    qtbot.keyClick(chart.canvas, Qt.Key.Key_B)
    assert chart.current_scene().view is View.BACK
    assert set(chart.scenes) == {View.FRONT, View.BACK}
    back = chart.scenes[View.BACK]
    markers, ghosts = expected_markers(chart, View.BACK)
    assert shown_markers(back) == (markers, ghosts)
    assert set(markers) == {p.id for p in on_back} and len(ghosts) == 2
    assert all(m.isVisible() for m in back.markers.values())
    assert all(bool(m.flags() & m.GraphicsItemFlag.ItemIsMovable) for m in back.markers.values())

    # The head: built when chosen, from the same points.
    qtbot.keyClick(chart.canvas, Qt.Key.Key_H)
    assert shown_markers(chart.scenes[View.HEAD]) == expected_markers(chart, View.HEAD)
    assert len(chart.scenes[View.HEAD].markers) == 1


def test_a_signed_session_builds_its_later_diagrams_read_only(qtbot, store, patient):
    session = start(store, patient)
    earlier_point(store, session, NECK, 1, "splenius capitis")
    store.sessions.sign(session.id)
    win = open_window(qtbot, store, patient)
    assert not win.chart.editable
    win.chart.show_view(View.BACK)
    (marker,) = win.chart.scenes[View.BACK].markers.values()
    assert not marker.flags() & marker.GraphicsItemFlag.ItemIsMovable
    assert not win.chart.scenes[View.BACK].editable


@pytest.fixture
def demo(store):
    store.settings.set_many({DEMO_KEY: "yes"})
    patients = write_demo(store, patients=3, seed=11)
    return sorted(patients, key=lambda p: len(store.sessions.for_patient(p.id)))


def progress_shown(view: ProgressView) -> tuple:
    """What the Progress tab says and draws, as a doctor reads it."""
    return (
        view.patient_id,
        view.headline.text(),
        view.details.text(),
        view.rules.text(),
        [(r.muscle, r.side) for r in view.muscle_table.model_.rows],
        {key: len(series.getData()[0]) for key, series in view.pain_chart.series.items()},
        [view.compare.later.itemText(i) for i in range(view.compare.later.count())],
        view.pages.currentWidget() is view.scroll,
    )


def test_the_progress_tab_first_shown_shows_what_a_view_built_at_once_shows(qtbot, store, demo):
    first, *_, most = demo
    win = open_window(qtbot, store, first)
    win.patients.select_patient(most.id)  # patients chosen while the tab is hidden
    assert win.progress is None  # nothing built, nothing read for it
    tab_bar = win.tabs.tabBar()
    index = win.tabs.indexOf(win.progress_tab)
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(index).center())
    assert win.tabs.currentWidget() is win.progress_tab
    at_once = ProgressView(store)
    qtbot.addWidget(at_once)
    at_once.show_patient(most.id)
    assert win.progress is not None and win.progress.isVisible()
    assert progress_shown(win.progress) == progress_shown(at_once)
    assert win.progress.headline.text()  # the words are there, not an empty page

    # Another patient chosen with the tab in front: the Chart tab comes forward and the
    # hidden page is not drawn for nothing; shown again, it follows.
    win.patients.select_patient(first.id)
    assert win.tabs.currentWidget() is win.chart
    assert win.progress.patient_id == most.id
    win.tabs.setCurrentWidget(win.progress_tab)
    at_once.show_patient(first.id)
    assert progress_shown(win.progress) == progress_shown(at_once)


# Run in a new process: in the test run, other tests have imported NumPy already.
WITHOUT_NUMPY = textwrap.dedent(
    """
    import sys
    from datetime import date
    from pathlib import Path
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication
    from tpchart.core.patient import Patient
    from tpchart.core.practitioner import Practitioner
    from tpchart.store import Store
    from tpchart.ui.main_window import MainWindow
    app = QApplication([])
    store = Store.open(Path(sys.argv[1]))
    store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Lean")).id
    patient = store.patients.add(
        Patient(record_number="L-1", full_name="Lean Start", date_of_birth=date(1980, 1, 1))
    )
    window = MainWindow(store)
    window.show()
    window.patients.select_patient(patient.id)
    app.processEvents()
    assert window.patient.id == patient.id
    chart = window.chart
    # A hover parses the diagram's regions (svgelements).
    scene = chart.current_scene()
    region = scene.body.region_at(250.0, 400.0) or scene.body.region_ids()[0]
    print("before progress:", "numpy" in sys.modules, "pyqtgraph" in sys.modules)
    window.tabs.setCurrentWidget(window.progress_tab)
    app.processEvents()
    print("after progress:", "numpy" in sys.modules, window.progress is not None)
    # sqlite-utils, imported without NumPy, still writes once NumPy is in.
    store.patients.add(
        Patient(record_number="L-2", full_name="Later Write", date_of_birth=date(1981, 1, 1))
    )
    print("patients:", store.patients.count())
    store.close()
    """
)


def test_numpy_stays_out_until_the_progress_tab_is_shown(tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_NUMPY, str(tmp_path / "lean.db")],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "before progress: False False" in lines
    assert "after progress: True True" in lines
    assert "patients: 2" in lines
