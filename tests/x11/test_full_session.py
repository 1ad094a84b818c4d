"""A whole first consultation and its follow-up, driven through the real window by
keyboard and mouse on a real X server: welcome, new patient, new session with screening
and consent, charting on the map, pain after, signing, printing to PDF, amending with a
reason, signing again, and the next session. The database and the PDF are read at the
end. Dialogs are answered as a doctor would, by keys and clicks, once they are shown.
"""

from __future__ import annotations

from collections.abc import Callable

from pypdf import PdfReader
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from tpchart.bodymap import load_body_map
from tpchart.core.regions import REGIONS
from tpchart.core.session import SessionStatus
from tpchart.core.trigger_point import PointKind, TwitchStrength
from tpchart.store import Store
from tpchart.ui.amend_dialog import AmendDialog
from tpchart.ui.main_window import MainWindow
from tpchart.ui.patient_dialog import PatientDialog
from tpchart.ui.session_start import StartSessionDialog

NECK = "back.neck.posterior.right"
SHOULDER = "back.shoulder.upper.right"
CTRL = Qt.KeyboardModifier.ControlModifier


def when_shown(kind: type, answer: Callable[[QWidget], None]) -> None:
    """Answer the next modal dialog of ``kind`` once it is on screen."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            answer(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)


def activate(qtbot, window: MainWindow) -> None:
    """Give the window the keyboard back after a dialog: without a window manager under
    Xvfb nobody else does (a desktop's window manager would)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # A press in the same turn as the activation only activates (body_map_view): a hand
    # on the mouse comes later than that.
    qtbot.wait(20)


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(widget: QWidget, text: str) -> None:
    click(widget)
    QTest.keyClicks(widget, text)


def click_map(window: MainWindow, region_id: str) -> None:
    view = REGIONS[region_id].view
    QTest.keyClick(window.chart.canvas, {"front": Qt.Key.Key_F, "back": Qt.Key.Key_B,
                                         "head": Qt.Key.Key_H}[view.value])  # fmt: skip
    x, y = load_body_map(view).interior_point(region_id)
    canvas = window.chart.canvas
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=canvas.mapFromScene(QPointF(x, y)))  # fmt: skip


def answer_yes(box: QMessageBox) -> None:
    QTest.keyClick(box.button(QMessageBox.StandardButton.Yes), Qt.Key.Key_Space)


def test_a_whole_consultation_and_the_next_one(qtbot, tmp_path, monkeypatch):
    store = Store.open(tmp_path / "clinic.db")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.setGeometry(window.screen().availableGeometry())
    window.show()
    qtbot.waitExposed(window)
    activate(qtbot, window)

    # Welcome: who is charting and the clinic, then the first patient.
    welcome = window.welcome
    type_into(welcome.name, "Dr Ana Souza")
    type_into(welcome.clinic_name, "Riverside Pain Clinic")

    def new_patient(dialog: PatientDialog) -> None:
        type_into(dialog.full_name, "Lim Wei Ling")
        type_into(dialog.date_of_birth.edit, "15.03.1985")
        QTest.keyClick(dialog.full_name, Qt.Key.Key_Return)  # Enter saves

    when_shown(PatientDialog, new_patient)
    click(welcome.new_patient)
    assert window.patient is not None and window.patient.full_name == "Lim Wei Ling"
    assert str(window.patient.date_of_birth) == "1985-03-15"

    # New session by its key: complaint, pain before, screening asked, consent.
    def start(dialog: StartSessionDialog) -> None:
        type_into(dialog.chief_complaint, "Neck pain after desk work")
        click(dialog.pain_before.buttons[7])
        click(dialog.screening_done)
        click(dialog.consent_given)
        QTest.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)

    when_shown(StartSessionDialog, start)
    activate(qtbot, window)
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+N"))
    qtbot.waitUntil(lambda: window.session is not None)
    session_id = window.session.id

    # Charting: a click on the neck, then single keys for the findings.
    qtbot.waitUntil(lambda: window.chart.canvas.hasFocus())
    click_map(window, NECK)
    for key in (Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_6):
        QTest.keyClick(window.chart.canvas, key)
    click_map(window, SHOULDER)
    QTest.keyClick(window.chart.canvas, Qt.Key.Key_L)

    # After needling: pain after on the Session tab, then sign.
    panel = window.session_panel
    window.side_tabs.setCurrentWidget(panel)
    panel.scroll.ensureWidgetVisible(panel.form.pain_after)
    click(panel.form.pain_after.buttons[3])
    assert window.side_tabs.currentWidget() is panel  # the tab stays where the doctor is
    when_shown(QMessageBox, answer_yes)
    click(panel.sign_button)
    assert store.sessions.get(session_id).status is SessionStatus.SIGNED

    # Print to PDF (File › Export PDF, Ctrl+E); the save dialog is the system's.
    activate(qtbot, window)
    target = tmp_path / "session.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    QTest.keySequence(window, QKeySequence("Ctrl+E"))
    assert target.exists()
    (saved,) = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.isVisible()]  # fmt: skip
    assert target.name in saved.text() + saved.informativeText()
    click(saved.button(QMessageBox.StandardButton.Close))  # "saved: Open, Show in folder"

    # Amend with a reason: a depth forgotten; sign version 2.
    def amend(dialog: AmendDialog) -> None:
        type_into(dialog.reason_edit, "Needle depth of point 1 added")
        QTest.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    when_shown(AmendDialog, amend)
    click(panel.amend_button)
    assert store.sessions.get(session_id).status is SessionStatus.AMENDING
    activate(qtbot, window)
    click_map(window, "back.buttock.left")
    when_shown(QMessageBox, answer_yes)
    click(panel.sign_button)
    signed = store.sessions.get(session_id)
    assert (signed.status, signed.version) == (SessionStatus.SIGNED, 2)

    # The next session: New session from the toolbar's action by key again.
    def next_start(dialog: StartSessionDialog) -> None:
        type_into(dialog.chief_complaint, "Neck pain, better")
        click(dialog.pain_before.buttons[4])
        click(dialog.screening_done)
        QTest.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)

    when_shown(StartSessionDialog, next_start)
    activate(qtbot, window)
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+N"))
    qtbot.waitUntil(lambda: window.session is not None and window.session.id != session_id)

    # What is on disk.
    (patient,) = store.patients.find("Lim")
    first, second = store.sessions.for_patient(patient.id)
    assert (first.pain_before, first.pain_after, first.screening_done) == (7, 3, True)
    assert first.consent_given and second.pain_before == 4 and second.status is SessionStatus.DRAFT
    points = sorted(store.points.for_session(first.id), key=lambda p: p.number)
    assert [p.region_id for p in points] == [NECK, SHOULDER, "back.buttock.left"]
    assert (points[0].kind, points[0].twitch_strength, points[0].pain) == (
        PointKind.ACTIVE, TwitchStrength.STRONG, 6)  # fmt: skip
    assert points[1].kind is PointKind.LATENT
    assert [a.reason for a in store.sessions.amendments(first.id)] == [
        "Needle depth of point 1 added"
    ]
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Lim Wei Ling" in text and "Riverside Pain Clinic" in text
    assert "Dr Ana Souza" in text and points[0].muscle in text
    window.close()
    store.close()
