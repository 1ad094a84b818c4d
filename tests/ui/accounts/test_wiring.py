"""Issue 18's accounts wired into the app: sign-in at start, ChartingAs in the toolbar,
signing and amending confirmed by PIN or passphrase, administrator-only settings,
File › Lock now, and the demo's sign-ins."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from tpchart.app import run_app
from tpchart.core.clinic import ClinicProfile
from tpchart.core.errors import PermissionRefused
from tpchart.core.session import SessionStatus
from tpchart.demo import DEMO_PASSPHRASE, DEMO_PIN, add_demo_accounts, write_demo
from tpchart.store import Store
from tpchart.ui.confirm_identity import ConfirmIdentityDialog
from tpchart.ui.main_window import MainWindow
from tpchart.ui.sign_in import ChartingAs, SignInDialog, sign_in

from ..charting import make_active
from .conftest import ADMIN_PASSPHRASE, BEN_PASSPHRASE


def _top(kind):
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind)
                 and w.isVisible()), None)  # fmt: skip


def _audit_rows(path) -> int:
    with Store.open(path, read_only=True) as store:
        return len(store.audit_trail())


def _signature_rows(store: Store, session_id: int) -> list[dict]:
    return store._ctx.rows(
        "SELECT s.*, k.practitioner_id AS owner FROM version_signatures s"
        " JOIN practitioner_keys k ON k.id = s.key_id WHERE s.session_id = ?",
        [session_id],
    )


@pytest.fixture
def set_up_file(clinic):
    """The clinic's file, closed (as the app finds it at start)."""
    path = clinic.store.path
    clinic.store.close()
    return path


def test_start_on_a_set_up_clinic_asks_to_sign_in_a_wrong_passphrase_changes_nothing(
    qtbot, set_up_file
):
    before = _audit_rows(set_up_file)
    seen: dict[str, object] = {}

    def at_sign_in() -> None:
        dialog = _top(SignInDialog)
        if dialog is None:
            QTimer.singleShot(50, at_sign_in)
            return
        seen["main window before sign-in"] = _top(QMainWindow)
        form = dialog.form
        qtbot.keyClicks(form.passphrase, "not the passphrase at all")
        qtbot.keyClick(form.passphrase, Qt.Key.Key_Return)
        seen["error"] = form.error.text()
        seen["passphrase left"] = form.passphrase.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape quits the app

    QTimer.singleShot(50, at_sign_in)
    assert run_app(set_up_file) == 0
    assert seen["main window before sign-in"] is None  # no patient shows before it
    assert seen["error"] == "Wrong passphrase. Try again."
    assert seen["passphrase left"] == ""
    assert _audit_rows(set_up_file) == before  # nothing written


def test_signing_in_at_start_opens_the_window_charting_as_them(qtbot, clinic, set_up_file):
    seen: dict[str, object] = {}

    def at_sign_in() -> None:
        dialog = _top(SignInDialog)
        if dialog is None:
            QTimer.singleShot(50, at_sign_in)
            return
        form = dialog.form
        form.practitioner.setCurrentIndex(form.practitioner.findData(clinic.ben.id))
        qtbot.keyClicks(form.passphrase, BEN_PASSPHRASE)
        qtbot.keyClick(form.passphrase, Qt.Key.Key_Return)
        QTimer.singleShot(50, in_window)

    def in_window() -> None:
        window = _top(MainWindow)
        if window is None:
            QTimer.singleShot(50, in_window)
            return
        charting = window.findChild(ChartingAs)
        seen["charting as"] = charting.text() if charting else None
        seen["picker"] = window.practitioner_picker
        seen["who"] = window.store.practitioner_id
        window.confirm_on_close = False
        QApplication.instance().exit(0)

    QTimer.singleShot(50, at_sign_in)
    assert run_app(set_up_file) == 0
    assert seen == {"charting as": "Dr Ben Okafor", "picker": None, "who": clinic.ben.id}


@pytest.fixture
def signing_window(qtbot, clinic, charted):
    patient, session = charted
    win = MainWindow(clinic.store)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    win.patients.select_patient(patient.id)
    make_active(qtbot, win)
    win.idle_watch.stop()  # not locking while a test waits for a dialog
    return win, session


def _answer_confirmation(qtbot, secret: str, seen: list[str]) -> None:
    """Type ``secret`` into the confirmation dialog once it shows, and press Enter."""

    def answer() -> None:
        dialog = _top(ConfirmIdentityDialog)
        if dialog is None:
            QTimer.singleShot(30, answer)
            return
        seen.append(dialog.explain.text())
        qtbot.keyClicks(dialog.field, secret)
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    QTimer.singleShot(30, answer)


def test_signing_through_the_panel_asks_the_passphrase_and_signs_digitally(
    qtbot, clinic, signing_window
):
    win, session = signing_window
    store = clinic.store
    asked: list[str] = []
    _answer_confirmation(qtbot, ADMIN_PASSPHRASE, asked)
    qtbot.mouseClick(win.session_panel.sign_button, Qt.MouseButton.LeftButton)

    assert asked and "Dr Ada Admin" in asked[0]
    signed = store.sessions.get(session.id)
    assert signed.status is SessionStatus.SIGNED and signed.signed_by == clinic.admin.id
    rows = _signature_rows(store, session.id)
    assert [(r["version"], r["owner"]) for r in rows] == [(1, clinic.admin.id)]


def test_cancelling_the_confirmation_signs_nothing(qtbot, clinic, signing_window):
    win, session = signing_window

    def cancel() -> None:
        dialog = _top(ConfirmIdentityDialog)
        if dialog is None:
            QTimer.singleShot(30, cancel)
            return
        qtbot.keyClick(dialog.field, Qt.Key.Key_Escape)

    QTimer.singleShot(30, cancel)
    qtbot.mouseClick(win.session_panel.sign_button, Qt.MouseButton.LeftButton)
    assert clinic.store.sessions.get(session.id).status is SessionStatus.DRAFT
    assert _signature_rows(clinic.store, session.id) == []


def test_amending_asks_the_passphrase_too(qtbot, clinic, signing_window, monkeypatch):
    win, session = signing_window
    store = clinic.store
    signed = store.sessions.sign(session.id, confirm=ADMIN_PASSPHRASE)
    win.session_saved(signed)
    win.session_panel.set_session(signed, win.patient)

    from tpchart.ui import session_panel

    class Reasoned(session_panel.AmendDialog):
        def exec(self) -> int:
            self.reason_edit.setText("Pain after was recorded on the wrong session")
            return 1

    monkeypatch.setattr(session_panel, "AmendDialog", Reasoned)
    asked: list[str] = []
    _answer_confirmation(qtbot, ADMIN_PASSPHRASE, asked)
    qtbot.mouseClick(win.session_panel.amend_button, Qt.MouseButton.LeftButton)
    assert asked and "Amend this session" in asked[0]
    amended = store.sessions.get(session.id)
    assert amended.version == 2 and amended.status is SessionStatus.AMENDING


def test_five_wrong_confirmations_lock_the_screen(qtbot, clinic, signing_window):
    win, session = signing_window

    def wrong(times: list[int]) -> None:
        dialog = _top(ConfirmIdentityDialog)
        if dialog is None:
            QTimer.singleShot(30, lambda: wrong(times))
            return
        qtbot.keyClicks(dialog.field, "wrong answer here")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
        times.append(1)
        if dialog.isVisible():
            QTimer.singleShot(10, lambda: wrong(times))

    QTimer.singleShot(30, lambda: wrong([]))
    qtbot.mouseClick(win.session_panel.sign_button, Qt.MouseButton.LeftButton)
    assert clinic.store.signed_in is None
    assert win.lock_screen.is_locked
    assert "signed out" in win.lock_screen.form.error.text()
    assert clinic.store.sessions.get(session.id).status is SessionStatus.DRAFT


def _action(win, name: str) -> QAction:
    action = win.findChild(QAction, name)
    assert action is not None, name
    return action


def test_a_practitioner_cannot_open_the_clinic_profile_or_backups(qtbot, clinic, charted):
    store = clinic.store
    store.sign_in(clinic.ben.id, BEN_PASSPHRASE)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.add_backups_action(lambda: pytest.fail("a practitioner opened the backups"))
    profile, backups = _action(win, "clinicProfileAction"), _action(win, "backupSettingsAction")
    for action in (profile, backups):
        assert not action.isEnabled()
        assert "Only an administrator" in action.toolTip()
        assert "Only an administrator" in action.statusTip()
    # The store refuses too: nothing written.
    before = store.clinic.load()
    with pytest.raises(PermissionRefused, match="Only an administrator"):
        store.clinic.save(replace(before, name="Ben's Clinic"))
    assert store.clinic.load() == before
    # The administrator signing in at the lock screen gets them back.
    win.lock_screen.lock()
    form = win.lock_screen.form
    form.practitioner.setCurrentIndex(form.practitioner.findData(clinic.admin.id))
    qtbot.keyClicks(form.passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClick(form.passphrase, Qt.Key.Key_Return)
    assert profile.isEnabled() and backups.isEnabled()
    assert "administrator" not in profile.toolTip()
    win.idle_watch.stop()


def test_the_administrator_saves_the_clinic_profile(clinic):
    saved = clinic.store.clinic.save(ClinicProfile(name="Harbour Pain Clinic", phone="555 0100"))
    assert clinic.store.clinic.load() == saved


def test_ctrl_l_locks_and_switching_practitioner_clears_undo(qtbot, clinic, signing_window):
    win, _session = signing_window
    win.chart.undo_stack.push(QUndoCommand("a step of the previous practitioner"))
    assert win.chart.undo_stack.count() == 1
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.lock_screen.is_locked
    form = win.lock_screen.form
    form.practitioner.setCurrentIndex(form.practitioner.findData(clinic.ben.id))
    qtbot.keyClicks(form.passphrase, BEN_PASSPHRASE)
    qtbot.keyClick(form.passphrase, Qt.Key.Key_Return)
    assert not win.lock_screen.is_locked
    assert clinic.store.practitioner_id == clinic.ben.id
    assert win.chart.undo_stack.count() == 0  # Ada's steps are not Ben's to undo
    assert win.findChild(ChartingAs).text() == "Dr Ben Okafor"
    win.idle_watch.stop()


def test_a_locked_window_closes_without_naming_unsigned_sessions(
    qtbot, clinic, signing_window, monkeypatch
):
    win, _session = signing_window
    from tpchart.ui import take_back

    monkeypatch.setattr(take_back, "confirm_quit", lambda *_: pytest.fail("reminder shown"))
    win.lock_screen.lock()
    win.quit()
    assert not win.isVisible()
    assert not win.idle_watch.watching


def test_without_accounts_the_old_picker_stays(qtbot, window):
    assert window.practitioner_picker is not None and window.findChild(ChartingAs) is None
    assert not _action(window, "lockNowAction").isEnabled()
    assert _action(window, "clinicProfileAction").isEnabled()


def test_the_demo_has_two_sign_ins_and_its_hint(qtbot, tmp_path, monkeypatch):
    with Store.open(tmp_path / "demo.db") as store:
        write_demo(store, patients=1)
        add_demo_accounts(store)
        accounts = store.accounts.all()
        assert len(accounts) == 2 and sum(a.is_admin for a in accounts) == 1
        store.confirm(DEMO_PIN)  # the PIN the demo prints signs sessions
    shown: list[str] = []

    def look(dialog: SignInDialog) -> int:
        shown.extend(label.text() for label in dialog.findChildren(QLabel))
        return 0  # as Escape

    monkeypatch.setattr(SignInDialog, "exec", look)
    with Store.open(tmp_path / "demo.db") as store:
        assert sign_in(None, store) is None
    assert any(DEMO_PASSPHRASE in text for text in shown)


def test_a_read_only_window_signs_in_by_verifying_only(clinic, set_up_file):
    before = _audit_rows(set_up_file)
    with Store.open(set_up_file, read_only=True) as store:
        with pytest.raises(Exception, match="Wrong passphrase"):
            store.sign_in(clinic.admin.id, "not the passphrase at all")
        account = store.sign_in(clinic.admin.id, ADMIN_PASSPHRASE)
        assert account.practitioner_id == clinic.admin.id and store.signed_in is not None
    assert _audit_rows(set_up_file) == before
