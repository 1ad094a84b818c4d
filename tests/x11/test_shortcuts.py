"""Keyboard shortcuts on a real X server, where the platform's own key bindings apply."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest

from tpchart.bodymap import load_body_map
from tpchart.core.patient import Patient
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session
from tpchart.ui.main_window import MainWindow

NECK = "back.neck.posterior.right"


def open_window(qtbot, store) -> MainWindow:
    patient = store.patients.add(
        Patient(record_number="K-1", full_name="Kim Keys", date_of_birth=date(1980, 2, 3))
    )
    store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime.now(UTC),
            chief_complaint="Neck pain",
            screening_done=True,
        )
    )
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.patients.select_patient(patient.id)
    qtbot.waitExposed(window)
    window.activateWindow()  # no window manager under Xvfb: the app asks for focus itself
    qtbot.waitUntil(window.isActiveWindow)
    return window


def key_owners(window: MainWindow) -> dict[str, list[str]]:
    """Every key sequence that can fire in the window, and what it fires."""
    owners: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action.text())
    for shortcut in window.findChildren(QShortcut):
        sequences = shortcut.keys()  # a QShortcut's key sequences, not a dict's keys
        for key in sequences:
            owners.setdefault(key.toString(), []).append(f"map key {shortcut.objectName()}")
    return owners


def test_no_two_actions_share_a_key(qtbot, store):
    window = open_window(qtbot, store)
    shared = {key: names for key, names in key_owners(window).items() if len(names) > 1}
    assert shared == {}


def test_undo_and_redo_by_keyboard(qtbot, store):
    window = open_window(qtbot, store)
    session_id = window.session.id
    x, y = load_body_map(REGIONS[NECK].view).interior_point(NECK)
    window.chart.add_point(NECK, x, y)
    assert len(store.points.for_session(session_id)) == 1
    window.chart.canvas.setFocus()

    undo = QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)[0]
    QTest.keySequence(window, undo)
    assert store.points.for_session(session_id) == []
    # The keys a Linux doctor presses: Ctrl+Shift+Z (X11's Redo), and Ctrl+Y.
    QTest.keyClick(window.chart.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert len(store.points.for_session(session_id)) == 1
    QTest.keySequence(window, undo)
    QTest.keyClick(window.chart.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(store.points.for_session(session_id)) == 1
