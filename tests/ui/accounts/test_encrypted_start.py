"""Encryption in the app (issue 18): the first-run set-up offers to encrypt a new
database, and the start on an encrypted one asks who and the passphrase once: it
unlocks the file and signs in. Real SQLCipher files, real scrypt, real key presses."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from tpchart.app import run_app
from tpchart.core.accounts import Role
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.store.file import database as database_module
from tpchart.store.file.encryption import read_slots, unlock
from tpchart.ui.clinic_set_up import ClinicSetUpDialog
from tpchart.ui.main_window import MainWindow
from tpchart.ui.sign_in import ChartingAs, SignInDialog, UnlockDialog

from .conftest import ADMIN_PASSPHRASE, BEN_PASSPHRASE


@pytest.fixture(autouse=True)
def no_key_survives(tmp_path, monkeypatch):
    """No key survives a test; anchors and backups stay under tmp_path."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database_module._KEYS.clear()
    yield
    database_module._KEYS.clear()


def _top(kind):
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind)
                 and w.isVisible()), None)  # fmt: skip


def _type_set_up(qtbot, dialog: ClinicSetUpDialog) -> None:
    qtbot.keyClicks(dialog.name, "Dr Ada Admin")
    qtbot.keyClicks(dialog.passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, ADMIN_PASSPHRASE)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)


def test_the_set_up_offers_encryption_and_makes_the_new_database_encrypted(qtbot, empty_store):
    dialog = ClinicSetUpDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.encrypt.isVisible() and dialog.encrypt.isChecked()  # on by default
    _type_set_up(qtbot, dialog)
    assert dialog.pages.currentWidget() is dialog.code_page
    code = dialog.code_page.code.text()
    path = empty_store.path
    assert empty_store.encrypted and empty_store.signed_in is not None
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM practitioners").fetchall()
    admin = dialog.practitioner.id
    assert sorted(s.slot_id for s in read_slots(path)) == [f"practitioner-{admin}", "recovery"]
    empty_store.close()
    database_module._KEYS.clear()
    # Both the passphrase and the code shown on the page open the file.
    assert unlock(path, ADMIN_PASSPHRASE, admin).practitioner_id == admin
    database_module._KEYS.clear()
    assert unlock(path, code).slot.kind == "recovery"


def test_unticking_the_offer_keeps_the_database_plain(qtbot, empty_store):
    dialog = ClinicSetUpDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.encrypt, Qt.MouseButton.LeftButton, pos=dialog.encrypt.rect().center())
    assert not dialog.encrypt.isChecked()
    _type_set_up(qtbot, dialog)
    assert dialog.pages.currentWidget() is dialog.code_page
    assert not empty_store.encrypted
    assert not empty_store.path.with_name("ui.db.keys").exists()


def test_the_offer_is_not_made_for_a_database_with_practitioners(qtbot, store):
    dialog = ClinicSetUpDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.encrypt.isHidden()


@pytest.fixture
def encrypted_clinic(tmp_path):
    """A clinic set up encrypted, with a colleague (Ben); closed, key forgotten."""
    path = tmp_path / "clinic.db"
    with Store.open(path) as store:
        admin, _code = store.set_up_clinic(
            Practitioner(name="Dr Ada Admin"), ADMIN_PASSPHRASE, encrypt=True
        )
        ben = store.accounts.create(
            Practitioner(name="Dr Ben Okafor"), BEN_PASSPHRASE, Role.PRACTITIONER
        )
    database_module._KEYS.clear()
    return path, admin.id, ben.practitioner_id


def test_an_encrypted_start_asks_the_passphrase_once_and_signs_in(qtbot, encrypted_clinic):
    path, _admin, ben = encrypted_clinic
    keys_before = path.with_name("clinic.db.keys").read_bytes()
    seen: dict[str, object] = {"sign-in dialog": None}

    def at_unlock() -> None:
        dialog = _top(UnlockDialog)
        if dialog is None:
            QTimer.singleShot(50, at_unlock)
            return
        seen["main window before"] = _top(QMainWindow)
        seen["who"] = [dialog.practitioner.itemText(i) for i in range(dialog.practitioner.count())]
        dialog.practitioner.setCurrentIndex(dialog.practitioner.findData(ben))
        qtbot.keyClicks(dialog.passphrase, "not the passphrase at all")
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        seen["error"] = dialog.error.text()
        seen["field"] = dialog.passphrase.text()
        seen["key after wrong"] = database_module.key_for(path)
        qtbot.keyClicks(dialog.passphrase, BEN_PASSPHRASE)
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        QTimer.singleShot(50, in_window)

    def in_window() -> None:
        if _top(SignInDialog) is not None:
            seen["sign-in dialog"] = "asked again"
            _top(SignInDialog).reject()
            return
        window = _top(MainWindow)
        if window is None:
            QTimer.singleShot(50, in_window)
            return
        charting = window.findChild(ChartingAs)
        seen["charting as"] = charting.text() if charting else None
        window.confirm_on_close = False
        QApplication.instance().exit(0)

    QTimer.singleShot(50, at_unlock)
    assert run_app(path) == 0
    assert seen["main window before"] is None
    assert seen["who"] == ["Dr Ada Admin", "Dr Ben Okafor", "The clinic's recovery code"]
    assert seen["error"] == "That passphrase does not open clinic.db; nothing was changed."
    assert seen["field"] == "" and seen["key after wrong"] is None
    assert seen["sign-in dialog"] is None  # typed once: no second question
    assert seen["charting as"] == "Dr Ben Okafor"
    assert path.with_name("clinic.db.keys").read_bytes() == keys_before  # Ben had a slot


def test_cancelling_the_passphrase_quits_and_opens_nothing(qtbot, encrypted_clinic):
    path, _admin, _ben = encrypted_clinic
    before = path.read_bytes()

    def at_unlock() -> None:
        dialog = _top(UnlockDialog)
        if dialog is None:
            QTimer.singleShot(50, at_unlock)
            return
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(50, at_unlock)
    assert run_app(path) == 0
    assert path.read_bytes() == before
    assert database_module.key_for(path) is None


def _when(kind, then, tries=200):
    """Call ``then(widget)`` once a visible top-level ``kind`` shows (polling the loop)."""

    def poll() -> None:
        widget = _top(kind)
        if widget is None:
            if tries_left[0] > 0:
                tries_left[0] -= 1
                QTimer.singleShot(50, poll)
            return
        then(widget)

    tries_left = [tries]
    QTimer.singleShot(50, poll)


def test_encrypting_a_plain_clinic_from_accounts_reopens_it_signed_in(qtbot, clinic, charted):
    from PySide6.QtWidgets import QMessageBox

    from tpchart.ui.accounts_dialog import AccountsDialog, EncryptDialog
    from tpchart.ui.clinic_set_up import RecoveryCodeDialog

    path, admin = clinic.store.path, clinic.admin.id
    clinic.store.close()
    seen: dict[str, object] = {"windows": 0}

    def at_sign_in(dialog: SignInDialog) -> None:
        qtbot.keyClicks(dialog.form.passphrase, ADMIN_PASSPHRASE)
        qtbot.keyClick(dialog.form.passphrase, Qt.Key.Key_Return)
        _when(MainWindow, in_plain_window)

    def in_plain_window(window: MainWindow) -> None:
        accounts = AccountsDialog(window.store, window)
        seen["state before"] = accounts.practitioners.encryption_state.text()
        _when(EncryptDialog, type_passphrase)
        qtbot.mouseClick(accounts.practitioners.encrypt_button, Qt.MouseButton.LeftButton)

    def type_passphrase(dialog: EncryptDialog) -> None:
        qtbot.keyClicks(dialog.passphrase, "1234")  # a PIN does not wrap the key
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        seen["pin refused"] = dialog.error.text()
        qtbot.keyClicks(dialog.passphrase, ADMIN_PASSPHRASE)
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        _when(RecoveryCodeDialog, keep_code)

    def keep_code(dialog: RecoveryCodeDialog) -> None:
        window = _top(MainWindow)
        seen["charting as"] = window.findChild(ChartingAs).text()
        seen["encrypted"] = window.store.encrypted
        seen["code"] = dialog.page.code.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # not before the tick
        seen["still shown"] = dialog.isVisible()
        dialog.page.kept.setChecked(True)
        _when(QMessageBox, keep_plain)
        qtbot.mouseClick(dialog.page.continue_button, Qt.MouseButton.LeftButton)

    def keep_plain(box: QMessageBox) -> None:
        seen["question"] = box.text()
        box.button(QMessageBox.StandardButton.No).click()
        window = _top(MainWindow)
        window.confirm_on_close = False
        QTimer.singleShot(50, lambda: QApplication.instance().exit(0))

    _when(SignInDialog, at_sign_in)
    assert run_app(path) == 0
    assert seen["state before"].startswith("Not encrypted")
    assert seen["pin refused"] == "Wrong passphrase. Try again."
    assert seen["encrypted"] is True and seen["charting as"] == "Dr Ada Admin"
    assert seen["still shown"] is True
    assert "Delete the plain copy now?" in seen["question"]
    plain = list(path.parent.glob("ui.plain-*.db"))
    assert len(plain) == 1  # kept aside until the doctor confirms
    database_module._KEYS.clear()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM patients").fetchall()
    # The admin's passphrase opens it, and the code shown is the clinic's one code:
    # it opens the file and rescues the administrator.
    unlock(path, ADMIN_PASSPHRASE, admin)
    with Store.open(path) as store:
        assert store.patients.count() == 1
        store.accounts.recover(seen["code"], admin, "a brand new morning walk")
