"""Signing in at start-up: wrong then right passphrase, Enter, Escape, and a forgotten
passphrase rescued with the recovery code."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit

from tpchart.ui.operations import Operations
from tpchart.ui.sign_in import ForgotPassphraseDialog, SignInDialog

from ..dialogs import on_next_modal
from .conftest import ADMIN_PASSPHRASE, BEN_PASSPHRASE


def _dialog(qtbot, store) -> SignInDialog:
    dialog = SignInDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _choose(dialog: SignInDialog, practitioner_id: int) -> None:
    combo = dialog.form.practitioner
    combo.setCurrentIndex(combo.findData(practitioner_id))


def test_wrong_then_right_passphrase(qtbot, clinic):
    store = clinic.store
    store.sign_out()
    audit_rows = len(store.audit_trail())
    dialog = _dialog(qtbot, store)
    _choose(dialog, clinic.admin.id)
    field = dialog.form.passphrase
    assert field.echoMode() is QLineEdit.EchoMode.Password
    assert field.hasFocus()

    qtbot.keyClicks(field, "kettle whistles at six")
    qtbot.keyClick(field, Qt.Key.Key_Return)

    assert dialog.isVisible()
    assert dialog.form.error.text() == "Wrong passphrase. Try again."
    assert field.text() == "" and field.hasFocus()
    assert store.signed_in is None and store.practitioner_id is None
    assert len(store.audit_trail()) == audit_rows  # nothing written

    qtbot.keyClicks(field, ADMIN_PASSPHRASE)
    qtbot.keyClick(field, Qt.Key.Key_Return)

    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.account.practitioner_id == clinic.admin.id
    assert store.practitioner_id == clinic.admin.id
    assert field.text() == ""
    last = store.audit_trail()[-1]
    assert (last.action, last.practitioner_id) == ("sign_in", clinic.admin.id)


def test_the_last_practitioner_is_offered_next_time(qtbot, clinic):
    store = clinic.store
    store.sign_out()
    first = _dialog(qtbot, store)
    _choose(first, clinic.ben.id)
    qtbot.keyClicks(first.form.passphrase, BEN_PASSPHRASE)
    qtbot.keyClick(first.form.passphrase, Qt.Key.Key_Enter)
    assert store.practitioner_id == clinic.ben.id

    store.sign_out()
    again = _dialog(qtbot, store)
    assert again.form.chosen() == clinic.ben.id
    names = [again.form.practitioner.itemText(i) for i in range(again.form.practitioner.count())]
    assert names == ["Dr Ada Admin", "Dr Ben Okafor"]


def test_escape_quits_without_signing_in(qtbot, clinic):
    store = clinic.store
    store.sign_out()
    dialog = _dialog(qtbot, store)
    qtbot.keyClicks(dialog.form.passphrase, "half typed")
    qtbot.keyClick(dialog.form.passphrase, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert dialog.account is None and store.signed_in is None


def test_a_deactivated_practitioner_is_not_offered(qtbot, clinic):
    store = clinic.store
    store.accounts.deactivate(clinic.ben.id)
    store.sign_out()
    dialog = _dialog(qtbot, store)
    assert dialog.form.practitioner.findData(clinic.ben.id) == -1


def test_forgot_passphrase_without_admin_role_only_explains(qtbot, clinic):
    dialog = ForgotPassphraseDialog(clinic.store, Operations(clinic.store), clinic.ben.id)
    qtbot.addWidget(dialog)
    assert dialog.recovery is None  # the recovery code is an administrator's only
    assert "Ask Dr Ada Admin" in dialog.explanation.text()
    assert "Reset passphrase" in dialog.explanation.text()


def test_admin_resets_a_forgotten_passphrase_with_the_recovery_code(qtbot, clinic):
    store = clinic.store
    store.sign_out()
    dialog = _dialog(qtbot, store)
    _choose(dialog, clinic.admin.id)
    new_passphrase = "lighthouse keeper's green door"
    shown: dict[str, str] = {}

    def recover(forgot: ForgotPassphraseDialog) -> None:
        assert forgot.recovery is not None
        qtbot.waitUntil(forgot.isActiveWindow)
        qtbot.keyClicks(forgot.code, "not-the-code")
        qtbot.keyClicks(forgot.new, new_passphrase)
        qtbot.keyClicks(forgot.repeat, new_passphrase)
        qtbot.keyClick(forgot.repeat, Qt.Key.Key_Return)
        assert "not this clinic's" in forgot.error.text()
        assert forgot.new.text() == "" and forgot.code.hasFocus()

        forgot.code.clear()
        qtbot.keyClicks(forgot.code, clinic.recovery_code.lower())
        qtbot.keyClicks(forgot.new, new_passphrase)
        qtbot.keyClicks(forgot.repeat, new_passphrase)
        qtbot.keyClick(forgot.repeat, Qt.Key.Key_Return)
        page = forgot.recovery_page
        shown["code"] = page.code.text()
        assert not page.continue_button.isEnabled()
        qtbot.keyClick(forgot, Qt.Key.Key_Escape)  # refused: the new code is not kept yet
        assert forgot.isVisible() and "Tick" in page.message.text()
        qtbot.keyClick(page.kept, Qt.Key.Key_Space)
        qtbot.mouseClick(page.continue_button, Qt.MouseButton.LeftButton)
        assert not forgot.isVisible() and page.code.text() == ""

    failures = on_next_modal(qtbot, recover)
    qtbot.mouseClick(dialog.form.forgot, Qt.MouseButton.LeftButton)
    assert not failures, failures
    assert shown["code"] and shown["code"] != clinic.recovery_code
    assert dialog.focusWidget() is dialog.form.passphrase  # back where the doctor was
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)

    qtbot.keyClicks(dialog.form.passphrase, ADMIN_PASSPHRASE)  # the old one: gone
    qtbot.keyClick(dialog.form.passphrase, Qt.Key.Key_Return)
    assert store.signed_in is None
    qtbot.keyClicks(dialog.form.passphrase, new_passphrase)
    qtbot.keyClick(dialog.form.passphrase, Qt.Key.Key_Return)
    assert store.signed_in is not None and store.practitioner_id == clinic.admin.id
