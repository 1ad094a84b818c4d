"""The idle lock: after the idle time with no input the window is covered, nothing of
the patient shows, and whoever signs in charts from then on."""

from __future__ import annotations

import os

import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit

from tpchart.ui.accounts_dialog import AccountsDialog
from tpchart.ui.idle_lock import LOCKED_TITLE, Curtain, IdleWatch
from tpchart.ui.sign_in import ChartingAs

from .conftest import ADMIN_PASSPHRASE, BEN_PASSPHRASE, PATIENT_NAME

IDLE_MS = 300


def _lock_by_idleness(qtbot, win, watch, screen) -> None:
    watch.set_idle_ms(IDLE_MS)
    watch.start()
    qtbot.waitUntil(lambda: screen.is_locked, timeout=5000)


def _sign_in(qtbot, form, practitioner_id: int, passphrase: str) -> None:
    form.practitioner.setCurrentIndex(form.practitioner.findData(practitioner_id))
    qtbot.keyClicks(form.passphrase, passphrase)
    qtbot.keyClick(form.passphrase, Qt.Key.Key_Return)


def _visible_texts(widget) -> list[str]:
    """Every text a visible label or line edit inside ``widget`` shows."""
    texts = [w.text() for w in widget.findChildren(QLabel) if w.isVisible()]
    texts += [w.text() for w in widget.findChildren(QLineEdit) if w.isVisible()]
    return texts


def test_the_lock_covers_the_patient_after_the_idle_time(qtbot, clinic, locked_window, tmp_path):
    win, watch, screen = locked_window
    win.setWindowTitle(f"{PATIENT_NAME} — tpchart")  # the worst case: a title with the patient
    # Open before locking: the patient's chart is on screen.
    assert win.patient.full_name == PATIENT_NAME and win.pages.currentWidget() is win.work
    unlocked_picture = win.grab().toImage()

    _lock_by_idleness(qtbot, win, watch, screen)

    assert screen.isVisible() and screen.geometry() == win.rect()
    assert win.windowTitle() == LOCKED_TITLE
    assert screen.form.passphrase.hasFocus()
    # Nothing of the window shows beside the lock screen: the window's picture is the
    # lock screen's picture, pixel for pixel.
    window_picture = win.grab().toImage()
    assert window_picture == screen.grab().toImage()
    assert window_picture != unlocked_picture
    assert not any(PATIENT_NAME in t or "Z-77" in t for t in _visible_texts(screen))
    if os.environ.get("TPCHART_SHOTS"):
        win.grab().save(str(tmp_path / "locked.png"))
    # Beneath, nothing takes a click or a key.
    assert not win.centralWidget().isEnabled() and not win.menuBar().isEnabled()


def test_input_postpones_the_lock(qtbot, clinic, locked_window):
    win, watch, screen = locked_window
    watch.set_idle_ms(600)
    watch.start()
    for step in range(8):  # 8 x 150 ms of use: longer than the idle time
        qtbot.wait(150)
        qtbot.mouseMove(win.centralWidget(), QPoint(200 + step, 200))
        assert not screen.is_locked
    qtbot.waitUntil(lambda: screen.is_locked, timeout=5000)


def test_wrong_then_right_passphrase_back_where_they_were(qtbot, clinic, locked_window):
    win, watch, screen = locked_window
    title = win.windowTitle()
    switched = []
    screen.practitioner_switched.connect(switched.append)
    _lock_by_idleness(qtbot, win, watch, screen)

    _sign_in(qtbot, screen.form, clinic.admin.id, "kettle whistles at nine")
    assert screen.is_locked and screen.form.error.text() == "Wrong passphrase. Try again."
    assert screen.form.passphrase.text() == "" and screen.form.passphrase.hasFocus()

    _sign_in(qtbot, screen.form, clinic.admin.id, ADMIN_PASSPHRASE)
    assert not screen.is_locked and not screen.isVisible()
    assert win.windowTitle() == title and win.centralWidget().isEnabled()
    assert clinic.store.practitioner_id == clinic.admin.id
    assert switched == []
    # Counting again: it locks once more after the idle time.
    qtbot.waitUntil(lambda: screen.is_locked, timeout=5000)


def test_another_practitioner_signing_in_switches_who_charts(qtbot, clinic, locked_window):
    win, watch, screen = locked_window
    switched = []
    screen.practitioner_switched.connect(switched.append)
    _lock_by_idleness(qtbot, win, watch, screen)
    assert screen.form.chosen() == clinic.admin.id  # offered the one who was charting

    _sign_in(qtbot, screen.form, clinic.ben.id, BEN_PASSPHRASE)

    assert not screen.is_locked
    assert clinic.store.practitioner_id == clinic.ben.id
    assert clinic.store.signed_in.practitioner_id == clinic.ben.id
    assert switched == [clinic.ben.id]
    last = clinic.store.audit_trail()[-1]
    assert (last.action, last.practitioner_id) == ("sign_in", clinic.ben.id)
    assert "taking over" in last.reason


def test_shortcuts_of_the_window_do_nothing_while_locked(qtbot, clinic, locked_window):
    win, _watch, screen = locked_window
    fired = []
    action = QAction("Print", win)
    action.setShortcut(QKeySequence("Ctrl+K"))
    action.triggered.connect(lambda: fired.append(1))
    win.addAction(action)
    qtbot.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert fired == [1]  # the shortcut works while unlocked
    screen.lock()
    qtbot.keyClick(screen.form.passphrase, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert fired == [1]


def test_an_open_dialog_is_covered_and_sign_in_comes_in_front(qtbot, clinic, locked_window):
    win, watch, screen = locked_window
    dialog = QDialog(win)
    dialog.setWindowTitle(f"New session — {PATIENT_NAME}")
    QLabel(PATIENT_NAME, dialog)
    dialog.resize(400, 300)
    dialog.open()  # window-modal, as an edit in progress would be
    qtbot.waitExposed(dialog)
    assert QApplication.activeModalWidget() is dialog

    _lock_by_idleness(qtbot, win, watch, screen)

    assert dialog.isVisible() and dialog.windowTitle() == LOCKED_TITLE
    curtain = dialog.findChild(Curtain, "lockCurtain")
    assert curtain is not None and curtain.isVisible() and curtain.geometry() == dialog.rect()
    front = screen.modal_sign_in
    assert front is not None and front.isVisible()
    assert QApplication.activeModalWidget() is front
    qtbot.keyClick(front.form.passphrase, Qt.Key.Key_Escape)  # cannot be cancelled
    assert front.isVisible()

    _sign_in(qtbot, front.form, clinic.admin.id, ADMIN_PASSPHRASE)
    assert not screen.is_locked and not front.isVisible()
    assert dialog.isVisible() and dialog.windowTitle() == f"New session — {PATIENT_NAME}"
    qtbot.waitUntil(lambda: not shiboken6.isValid(curtain))
    dialog.reject()


def test_repaints_and_timers_do_not_postpone_the_lock(qtbot, clinic, locked_window):
    win, watch, screen = locked_window
    watch.set_idle_ms(IDLE_MS)
    watch.start()
    for _ in range(20):  # the window busy repainting, nobody at the computer
        win.update()
        qtbot.wait(25)
        if screen.is_locked:
            break
    assert screen.is_locked


def test_the_idle_time_is_set_in_minutes(qtbot):
    watch = IdleWatch(minutes=10)
    assert watch.idle_ms == 600_000
    watch.set_minutes(1)
    assert watch.idle_ms == 60_000


def test_typing_is_saved_under_its_author_before_the_lock(qtbot, clinic, charted, locked_window):
    win, watch, screen = locked_window
    _patient, session = charted
    win.side_tabs.setCurrentWidget(win.session_panel)
    field = win.session_panel.form.chief_complaint
    field.setFocus()
    field.end(False)
    qtbot.keyClicks(field, " and headache")  # still typing: not yet saved

    _lock_by_idleness(qtbot, win, watch, screen)
    _sign_in(qtbot, screen.form, clinic.ben.id, BEN_PASSPHRASE)

    assert clinic.store.sessions.get(session.id).chief_complaint == "Neck pain and headache"
    saved = [e for e in clinic.store.audit_trail("sessions", session.id) if e.action == "update"]
    assert saved[-1].practitioner_id == clinic.admin.id  # the one who typed it


def test_the_administrators_new_idle_time_applies_at_once(qtbot, clinic, locked_window):
    win, watch, _screen = locked_window
    watch.start()
    assert watch.idle_ms == 10 * 60_000
    dialog = AccountsDialog(clinic.store, win, operations=win.operations)
    qtbot.addWidget(dialog)
    dialog.practitioners.minutes.setValue(3)
    qtbot.mouseClick(dialog.practitioners.save_minutes, Qt.MouseButton.LeftButton)
    assert clinic.store.idle_lock_minutes == 3
    assert watch.idle_ms == 3 * 60_000


def test_charting_as_names_who_signed_in_and_locks(qtbot, clinic, locked_window):
    win, _watch, screen = locked_window
    badge = ChartingAs(clinic.store, win.operations)
    qtbot.addWidget(badge)
    badge.lock_requested.connect(screen.lock)
    assert badge.text() == "Dr Ada Admin"
    badge.switch_action.trigger()
    assert screen.is_locked
    _sign_in(qtbot, screen.form, clinic.ben.id, BEN_PASSPHRASE)
    assert badge.text() == "Dr Ben Okafor"
