"""Taking back from the main window's menus: discard a draft and bring it back, archive
a patient and bring them back, and the reminder of unsigned sessions at quit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QPushButton

from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.store import StorageError
from tpchart.ui import take_back
from tpchart.ui.main_window import MainWindow
from tpchart.ui.patient_dialog import PatientDialog

from .test_take_back import Answers


class SpontaneousClose(QCloseEvent):
    """The close event the window manager sends for the title bar's close button (Qt
    marks those spontaneous; PySide6 cannot make one any other way)."""

    def spontaneous(self) -> bool:
        return True


def open_window(qtbot, store):
    patient = store.patients.add(
        Patient(record_number="B-1", full_name="Bea Back", date_of_birth=date(1990, 7, 8))
    )
    session = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime.now(UTC), chief_complaint="Started by mistake")
    )  # fmt: skip
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.patients.select_patient(patient.id)
    return window, patient, session


def restore_in_dialog(qtbot):
    """Choose the first row of the way-back dialog and press its Restore button."""
    dialog = QApplication.activeModalWidget()
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    (restore,) = [b for b in dialog.findChildren(QPushButton) if "Restore" in b.text()]
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)


def test_discard_a_draft_and_bring_it_back(qtbot, store, monkeypatch):
    window, patient, _session = open_window(qtbot, store)
    answers = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", answers)
    assert window.menus.discard_draft_action.isEnabled()
    answers.planned = ["Discard draft"]
    window.menus.discard_draft_action.trigger()
    assert store.sessions.for_patient(patient.id) == []
    assert window.session is None and window.session_list.count() == 0
    assert not window.menus.discard_draft_action.isEnabled()

    QTimer.singleShot(0, lambda: restore_in_dialog(qtbot))
    window.menus.discarded_drafts_action.trigger()
    (back,) = store.sessions.for_patient(patient.id)
    assert back.chief_complaint == "Started by mistake"
    assert window.session is not None and window.session.id == back.id
    answers.planned = ["Quit anyway"]  # the window closes at teardown with the draft back


def test_archive_a_patient_and_bring_them_back(qtbot, store, monkeypatch):
    window, patient, _ = open_window(qtbot, store)
    answers = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", answers)
    answers.planned = ["Archive"]
    window.menus.archive_patient_action.trigger()
    assert store.patients.get(patient.id).archived
    assert window.patient is None and window.patients.model.rowCount() == 0

    QTimer.singleShot(0, lambda: restore_in_dialog(qtbot))
    window.menus.archived_patients_action.trigger()
    assert not store.patients.get(patient.id).archived
    assert window.patient is not None and window.patient.id == patient.id
    answers.planned = ["Quit anyway"]


def test_quitting_with_an_unsigned_session_asks_and_go_back_keeps_the_window(
    qtbot, store, monkeypatch
):
    window, _, _ = open_window(qtbot, store)
    answers = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", answers)
    answers.planned = ["Go back"]
    window.menus.quit_action.trigger()  # File › Quit
    assert window.isVisible()
    assert "1 session is not signed: Bea Back" in answers.boxes[0]["text"]
    # The title bar's close button: a spontaneous close event, as the window manager sends.
    answers.planned = ["Go back"]
    QApplication.sendEvent(window, SpontaneousClose())
    assert window.isVisible() and len(answers.boxes) == 2
    answers.planned = ["Quit anyway"]
    window.menus.quit_action.trigger()
    assert not window.isVisible()
    # The app or the system closing it (log-out, restore) never asks.
    window.show()
    window.close()
    assert not window.isVisible() and len(answers.boxes) == 3


def test_go_back_returns_the_keyboard_to_where_the_doctor_was(qtbot, store, monkeypatch):
    window, _, _ = open_window(qtbot, store)
    qtbot.waitExposed(window)
    answers = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", answers)
    complaint = window.session_panel.form.chief_complaint
    window.side_tabs.setCurrentWidget(window.session_panel)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    complaint.setFocus()
    qtbot.waitUntil(complaint.hasFocus)
    answers.planned = ["Go back"]
    QApplication.sendEvent(window, SpontaneousClose())
    assert window.isVisible()
    qtbot.waitUntil(complaint.hasFocus)


def test_records_that_cannot_be_read_never_stop_the_doctor_quitting(qtbot, store, monkeypatch):
    window, _, _ = open_window(qtbot, store)
    answers = Answers(qtbot)  # no answer planned: any question fails the test
    monkeypatch.setattr(take_back, "ask", answers)

    def unreadable():
        raise StorageError("The database file cannot be read", "io")

    monkeypatch.setattr(store.sessions, "unsigned", unreadable)
    window.menus.quit_action.trigger()
    assert not window.isVisible() and answers.boxes == []


def test_a_new_patient_matching_an_archived_one_brings_it_back_only_when_asked(
    qtbot, store, monkeypatch
):
    window, patient, _ = open_window(qtbot, store)
    store.patients.archive(patient.id)
    window.patients.refresh()
    answers = Answers(qtbot)
    monkeypatch.setattr(take_back, "ask", answers)

    def fill(press_open_existing):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PatientDialog):
            return QTimer.singleShot(20, lambda: fill(press_open_existing))
        dialog.full_name.setText("Bea Back")
        dialog.date_of_birth.setText("08.07.1990")
        QTimer.singleShot(0, press_open_existing)
        dialog.accept()

    def open_existing():
        question = QApplication.activeModalWidget()
        (button,) = [b for b in question.buttons() if b.text() == "Open existing"]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    for answer, archived in (("Cancel", True), ("Bring back", False)):
        answers.planned = [answer]
        QTimer.singleShot(0, lambda: fill(open_existing))
        window.new_patient()
        assert store.patients.get(patient.id).archived is archived
    assert window.patient is not None and window.patient.id == patient.id
    assert store.patients.count(include_archived=True) == 1
