"""Lung risk while charting, as a doctor meets it (issue 15): a caution per point over
the lung that calms into a line of what was done once a precaution is ticked, a
warning for both sides of the thorax acknowledged once per session, a warning for a
depth past where the pleura may lie for this patient's build, and no point at all
while a red flag waits for a decision."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tpchart.core.lung import Build, LungPrecaution
from tpchart.core.safety import BOTH_SIDES_ACKNOWLEDGED, BOTH_SIDES_WARNING
from tpchart.core.screening import RedFlag, RedFlagDecision
from tpchart.store import Store
from tpchart.ui.chart_cautions import BOTH_SIDES_BANNER
from tpchart.ui.main_window import MainWindow

from .charting import click_region, make_active

CHEST_LEFT = "front.chest.left"
CHEST_RIGHT = "front.chest.right"
BETWEEN_BLADES_LEFT = "back.upper.left"
NECK = "back.neck.posterior.right"


def tick(qtbot, box) -> None:
    """Click a check box on its box, as the mouse would."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def type_depth(qtbot, window, millimetres: str) -> None:
    depth = window.inspector.depth
    depth.setFocus()
    qtbot.keyClick(depth, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(depth, millimetres)
    qtbot.keyClick(depth, Qt.Key.Key_Return)


def test_recording_a_precaution_calms_the_points_line(qtbot, window, store):
    chart = window.chart
    click_region(qtbot, window, CHEST_LEFT)
    assert chart.notices.shown() is chart.caution
    assert chart.caution.text().startswith("⚠ Over the lung: point 1;")
    assert "within 2 cm (build not recorded" in chart.caution.text()  # taken as slim

    lung = window.inspector.lung
    assert lung.isVisible() and "rib cage" in lung.reason.text()  # pectoralis major's reason
    tick(qtbot, lung.boxes[LungPrecaution.PINCER_GRIP])

    (point,) = store.points.for_session(window.session.id)
    assert point.lung_precautions == {LungPrecaution.PINCER_GRIP}
    assert chart.caution.text() == ""
    assert chart.notices.shown() is chart.done
    assert chart.done.text().startswith("✓ Point 1, Left chest")
    assert "pectoralis major" in chart.done.text() and "over the lung" in chart.done.text()
    assert "pincer grip" in chart.done.text()
    assert "font-weight: normal" in chart.done.styleSheet()  # calm, not one more alarm
    window.undo()  # one undo step takes the precaution back, and the caution with it
    assert store.points.for_session(window.session.id)[0].lung_precautions == frozenset()
    assert chart.notices.shown() is chart.caution and not lung.chosen()


def test_both_sides_are_acknowledged_once_per_session(qtbot, window, store):
    chart = window.chart
    button = chart.acknowledge_button
    click_region(qtbot, window, CHEST_LEFT)
    assert not button.isVisible()
    click_region(qtbot, window, CHEST_RIGHT)
    assert chart.notices.shown() is chart.warning
    assert chart.warning.text() == f"⚠ {BOTH_SIDES_BANNER}"
    assert BOTH_SIDES_WARNING in chart.warning.toolTip()  # the whole wording on hover
    assert button.isVisible()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert store.sessions.get(window.session.id).both_sides_acknowledged
    assert chart.warning.text() == "" and not button.isVisible()
    assert chart.done.text().startswith(f"✓ {BOTH_SIDES_ACKNOWLEDGED}")

    click_region(qtbot, window, BETWEEN_BLADES_LEFT)  # more points over the lung: not asked
    assert chart.warning.text() == "" and not button.isVisible()
    assert store.sessions.get(window.session.id).both_sides_acknowledged

    # Stored with the session: the chart opened again does not ask either.
    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    again.patients.select_patient(window.patient.id)
    assert again.chart.warning.text() == "" and BOTH_SIDES_ACKNOWLEDGED in again.chart.done.text()


def test_a_new_session_asks_again(qtbot, window, store, patient):
    from .charting import start

    click_region(qtbot, window, CHEST_LEFT)
    click_region(qtbot, window, CHEST_RIGHT)
    qtbot.mouseClick(window.chart.acknowledge_button, Qt.MouseButton.LeftButton)
    later = start(store, patient)
    window.show_session(later)
    # The last session's points lie where the clicks go: hide them, as a doctor may.
    qtbot.mouseClick(window.chart.show_previous, Qt.MouseButton.LeftButton)
    click_region(qtbot, window, CHEST_LEFT)
    click_region(qtbot, window, CHEST_RIGHT)
    assert len(store.points.for_session(later.id)) == 2
    assert window.chart.warning.text() == f"⚠ {BOTH_SIDES_BANNER}"
    assert window.chart.acknowledge_button.isVisible()


@pytest.mark.parametrize("build", [None, Build.SLIM])
def test_a_depth_past_the_pleura_of_a_slim_or_unrecorded_build_is_a_warning(
    qtbot, window, store, patient, build
):
    window.operations.save_patient(lambda: replace(patient, build=build), pytest.fail)
    click_region(qtbot, window, CHEST_LEFT)
    type_depth(qtbot, window, "25")
    assert store.points.for_session(window.session.id)[0].depth_mm == 25
    chart = window.chart
    assert chart.notices.shown() is chart.warning
    assert "as deep as the pleura: point 1 (25 mm); the pleura can lie within 2 cm" in (
        chart.warning.text()
    )
    assert "Depth 25 mm: the pleura can lie within 2 cm" in chart.warning.toolTip()
    assert chart.caution.text() == "" and not chart.acknowledge_button.isVisible()
    type_depth(qtbot, window, "15")  # shallower than the pleura: a caution again
    assert chart.warning.text() == "" and chart.notices.shown() is chart.caution


def test_the_same_depth_for_an_average_build_stays_a_caution(qtbot, window, store, patient):
    click_region(qtbot, window, CHEST_LEFT)
    type_depth(qtbot, window, "25")
    chart = window.chart
    assert chart.notices.shown() is chart.warning  # build not recorded: taken as slim
    # The build recorded in the patient dialog (any save of the patient): the chart follows.
    window.operations.save_patient(lambda: replace(patient, build=Build.AVERAGE), pytest.fail)
    assert chart.warning.text() == ""
    assert chart.notices.shown() is chart.caution
    assert "the pleura can lie within 3 cm" in chart.caution.text()
    assert "Depth" not in chart.caution.toolTip()


def test_a_point_is_refused_plainly_while_a_red_flag_waits(qtbot, window, store):
    chart = window.chart
    session = store.sessions.update(replace(window.session, red_flags=frozenset({RedFlag.FEVER})))
    window.session_saved(session)
    reason = session.needling_refused()
    # Before any click, the strip says why no point can be marked.
    assert chart.notices.shown() is chart.refusal and chart.refusal.text() == f"⚠ {reason}"
    click_region(qtbot, window, NECK)
    assert store.points.for_session(session.id) == []  # nothing written
    assert QApplication.activeModalWidget() is None  # one line, no box to dismiss
    assert window.statusBar().currentMessage() == reason
    assert chart.undo_stack.count() == 0

    referred = store.sessions.update(replace(session, red_flag_decision=RedFlagDecision.REFERRED))
    window.session_saved(referred)
    assert "referred" in chart.refusal.text()
    click_region(qtbot, window, NECK)
    assert store.points.for_session(session.id) == []

    decided = store.sessions.update(
        replace(
            referred,
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Fever last month, well since, no other flags",
        )
    )
    window.session_saved(decided)
    assert chart.refusal.text() == ""
    click_region(qtbot, window, NECK)
    assert len(store.points.for_session(session.id)) == 1


def test_a_chart_that_cannot_change_shows_no_refusal(qtbot, store, patient):
    """The refusal is about marking points: a chart that marks nothing (a database open
    read-only; sessions signed before decisions were asked) has nothing to refuse."""
    from .charting import start

    session = start(store, patient)
    session = store.sessions.update(replace(session, red_flags=frozenset({RedFlag.FEVER})))
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    make_active(qtbot, win)
    win.patients.select_patient(patient.id)
    assert win.chart.notices.shown() is win.chart.refusal
    reader = Store.open(store.path, read_only=True)
    try:
        read_only = MainWindow(reader)
        qtbot.addWidget(read_only)
        read_only.show()
        read_only.patients.select_patient(patient.id)
        assert read_only.chart.refusal.text() == ""
    finally:
        reader.close()


def test_the_acknowledgement_survives_an_edit_in_the_session_form(qtbot, window, store):
    click_region(qtbot, window, CHEST_LEFT)
    click_region(qtbot, window, CHEST_RIGHT)
    qtbot.mouseClick(window.chart.acknowledge_button, Qt.MouseButton.LeftButton)
    window.side_tabs.setCurrentWidget(window.session_panel)
    complaint = window.session_panel.form.chief_complaint
    complaint.setFocus()
    qtbot.keyClick(complaint, Qt.Key.Key_End)
    qtbot.keyClicks(complaint, " and left shoulder")
    qtbot.keyClick(complaint, Qt.Key.Key_Return)
    saved = store.sessions.get(window.session.id)
    assert saved.chief_complaint.endswith("and left shoulder")
    assert saved.both_sides_acknowledged
