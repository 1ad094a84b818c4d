"""Settings › Accounts…: the administrator manages practitioners' sign-ins and the
idle lock; everyone changes their own passphrase and PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tpchart.core.accounts import Role
from tpchart.core.errors import SignInError
from tpchart.ui.accounts_dialog import AccountsDialog, NewAccountDialog, NewPassphraseDialog

from ..dialogs import on_next_modal
from .conftest import ADMIN_PASSPHRASE, BEN_PASSPHRASE

CARA_PASSPHRASE = "orange lanterns over the bay"


def _dialog(qtbot, store) -> AccountsDialog:
    dialog = AccountsDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _rows(dialog: AccountsDialog) -> list[list[str]]:
    table = dialog.practitioners.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def _select(dialog: AccountsDialog, name: str) -> None:
    table = dialog.practitioners.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == name)
    table.selectRow(row)


def _sign_in_works(store, practitioner_id: int, passphrase: str) -> bool:
    try:
        store.sign_in(practitioner_id, passphrase)
    except SignInError:
        return False
    return True


def test_the_administrator_sees_every_practitioner(qtbot, clinic):
    dialog = _dialog(qtbot, clinic.store)
    assert dialog.admin and dialog.tabs.count() == 2
    assert _rows(dialog) == [
        ["Dr Ada Admin", "MC 1", "Administrator", "active", "not set"],
        ["Dr Ben Okafor", "", "Practitioner", "active", "not set"],
    ]
    _select(dialog, "Dr Ada Admin")
    page = dialog.practitioners
    # Nobody deactivates or demotes themselves.
    assert not page.deactivate_button.isEnabled() and not page.role_button.isEnabled()
    _select(dialog, "Dr Ben Okafor")
    assert page.deactivate_button.isEnabled() and page.role_button.isEnabled()


def test_add_a_practitioner_with_a_first_passphrase(qtbot, clinic):
    store = clinic.store
    dialog = _dialog(qtbot, store)

    def add(new: NewAccountDialog) -> None:
        qtbot.waitUntil(new.isActiveWindow)
        qtbot.keyClicks(new.name, "Dr Cara Lind")
        qtbot.keyClicks(new.passphrase, CARA_PASSPHRASE)
        qtbot.keyClicks(new.repeat, "orange lanterns over the sea")
        qtbot.keyClick(new.repeat, Qt.Key.Key_Return)
        assert new.isVisible() and "differ" in new.error.text()
        assert new.passphrase.text() == "" and new.passphrase.hasFocus()
        assert len(store.practitioners.all()) == 2  # nothing written
        qtbot.keyClicks(new.passphrase, CARA_PASSPHRASE)
        qtbot.keyClicks(new.repeat, CARA_PASSPHRASE)
        qtbot.keyClick(new.repeat, Qt.Key.Key_Return)

    failures = on_next_modal(qtbot, add)
    qtbot.mouseClick(dialog.practitioners.add_button, Qt.MouseButton.LeftButton)
    assert not failures, failures
    cara = next(p for p in store.practitioners.all() if p.name == "Dr Cara Lind")
    assert store.accounts.get(cara.id).role is Role.PRACTITIONER
    assert ["Dr Cara Lind", "", "Practitioner", "active", "not set"] in _rows(dialog)
    assert "Dr Cara Lind can now sign in" in dialog.practitioners.message.text()
    assert _sign_in_works(store, cara.id, CARA_PASSPHRASE)


def test_reset_a_forgotten_passphrase(qtbot, clinic):
    store = clinic.store
    dialog = _dialog(qtbot, store)
    _select(dialog, "Dr Ben Okafor")
    fresh = "a fresh start for ben"

    def reset(new: NewPassphraseDialog) -> None:
        qtbot.waitUntil(new.isActiveWindow)
        qtbot.keyClicks(new.passphrase, "Dr Ben Okafor")
        qtbot.keyClicks(new.repeat, "Dr Ben Okafor")
        qtbot.keyClick(new.repeat, Qt.Key.Key_Return)
        assert new.error.text() == "A passphrase cannot be your name"
        qtbot.keyClicks(new.passphrase, fresh)
        qtbot.keyClicks(new.repeat, fresh)
        qtbot.keyClick(new.repeat, Qt.Key.Key_Return)

    failures = on_next_modal(qtbot, reset)
    qtbot.mouseClick(dialog.practitioners.reset_button, Qt.MouseButton.LeftButton)
    assert not failures, failures
    assert not _sign_in_works(store, clinic.ben.id, BEN_PASSPHRASE)
    assert _sign_in_works(store, clinic.ben.id, fresh)


def test_deactivate_and_change_role(qtbot, clinic, monkeypatch):
    store = clinic.store
    dialog = _dialog(qtbot, store)
    page = dialog.practitioners
    _select(dialog, "Dr Ben Okafor")
    qtbot.mouseClick(page.role_button, Qt.MouseButton.LeftButton)
    assert store.accounts.get(clinic.ben.id).role is Role.ADMIN
    assert page.role_button.text() == "Make practitioner &only"

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    qtbot.mouseClick(page.deactivate_button, Qt.MouseButton.LeftButton)
    assert store.accounts.get(clinic.ben.id).active  # "No": nothing changed

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.deactivate_button, Qt.MouseButton.LeftButton)
    assert not store.accounts.get(clinic.ben.id).active
    assert _rows(dialog)[1][3] == "deactivated"
    assert "can no longer sign in" in page.message.text()
    assert not _sign_in_works(store, clinic.ben.id, BEN_PASSPHRASE)


def test_set_the_idle_lock_minutes(qtbot, clinic):
    store = clinic.store
    dialog = _dialog(qtbot, store)
    page = dialog.practitioners
    assert page.minutes.value() == 10
    page.minutes.setFocus()
    page.minutes.selectAll()
    qtbot.keyClicks(page.minutes, "25")
    qtbot.mouseClick(page.save_minutes, Qt.MouseButton.LeftButton)
    assert store.idle_lock_minutes == 25
    assert "25 minutes" in page.message.text()


def test_a_practitioner_sees_only_their_own_account(qtbot, clinic):
    store = clinic.store
    store.sign_in(clinic.ben.id, BEN_PASSPHRASE)
    dialog = _dialog(qtbot, store)
    assert not dialog.admin and dialog.practitioners is None
    mine = dialog.mine
    assert "Dr Ben Okafor" in mine.findChild(type(mine.message.confirmation), "myAccountWho").text()

    # A wrong current passphrase: one line, every field cleared, nothing changed.
    qtbot.keyClicks(mine.old, "not my passphrase")
    qtbot.keyClicks(mine.new, "the tide comes in twice")
    qtbot.keyClicks(mine.repeat, "the tide comes in twice")
    qtbot.keyClick(mine.repeat, Qt.Key.Key_Return)
    assert mine.message.text() == "Wrong passphrase. Try again."
    assert mine.old.text() == mine.new.text() == mine.repeat.text() == ""
    assert mine.old.hasFocus()

    qtbot.keyClicks(mine.old, BEN_PASSPHRASE)
    qtbot.keyClicks(mine.new, "the tide comes in twice")
    qtbot.keyClicks(mine.repeat, "the tide comes in twice")
    qtbot.keyClick(mine.repeat, Qt.Key.Key_Return)
    assert "changed" in mine.message.text()
    assert not _sign_in_works(store, clinic.ben.id, BEN_PASSPHRASE)
    assert _sign_in_works(store, clinic.ben.id, "the tide comes in twice")


def test_set_my_pin(qtbot, clinic):
    store = clinic.store
    dialog = _dialog(qtbot, store)
    dialog.tabs.setCurrentWidget(dialog.mine)
    mine = dialog.mine
    qtbot.keyClicks(mine.pin, "1234")
    qtbot.keyClicks(mine.pin_passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClick(mine.pin_passphrase, Qt.Key.Key_Return)
    assert mine.message.text() == "A PIN cannot be a run of digits such as 1234"
    assert not store.accounts.get(clinic.admin.id).has_pin

    qtbot.keyClicks(mine.pin, "4071")
    qtbot.keyClicks(mine.pin_passphrase, ADMIN_PASSPHRASE)
    qtbot.keyClick(mine.pin_passphrase, Qt.Key.Key_Return)
    assert "PIN is set" in mine.message.text()
    assert store.accounts.get(clinic.admin.id).has_pin
    store.confirm("4071")  # the PIN now confirms a signature
    dialog.practitioners.refresh()
    assert _rows(dialog)[0][4] == "set"
