"""Only the doctor switches the side panel's tabs (issue 14, finding 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QPointF, Qt

from tpchart.bodymap import load_body_map
from tpchart.core.patient import Patient
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session
from tpchart.ui.main_window import MainWindow

NECK = "back.neck.posterior.right"


def test_saving_from_the_session_tab_stays_there(qtbot, store):
    patient = store.patients.add(
        Patient(record_number="T-1", full_name="Tab Stays", date_of_birth=date(1980, 1, 2))
    )
    session = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime.now(UTC), chief_complaint="Neck", screening_done=True)
    )  # fmt: skip
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    window.patients.select_patient(patient.id)
    qtbot.waitExposed(window)

    # A click on the map: the doctor is charting, the Point tab shows the new point.
    canvas = window.chart.canvas
    window.chart.show_view(REGIONS[NECK].view)
    x, y = load_body_map(REGIONS[NECK].view).interior_point(NECK)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=canvas.mapFromScene(QPointF(x, y)))  # fmt: skip
    assert window.side_tabs.currentWidget() is window.inspector

    # The doctor turns to the Session tab and records pain after: the tab stays.
    window.side_tabs.setCurrentWidget(window.session_panel)
    pain_after = window.session_panel.form.pain_after
    window.session_panel.scroll.ensureWidgetVisible(pain_after)
    qtbot.mouseClick(pain_after.buttons[3], Qt.MouseButton.LeftButton)
    assert store.sessions.get(session.id).pain_after == 3
    assert window.side_tabs.currentWidget() is window.session_panel

    # Undo from the toolbar, and a second score: still the Session tab.
    window.menus.undo_action.trigger()
    assert store.points.for_session(session.id) == []
    qtbot.mouseClick(pain_after.buttons[4], Qt.MouseButton.LeftButton)
    assert window.side_tabs.currentWidget() is window.session_panel
