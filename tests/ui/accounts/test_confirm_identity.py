"""Before signing or amending, the signed-in practitioner types their PIN or
passphrase again; the accepted secret is what the store's sign() needs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tpchart.core.session import SessionStatus
from tpchart.ui.confirm_identity import NOT_NEEDED, ConfirmIdentityDialog, confirm_identity

from ..dialogs import on_next_modal
from .conftest import ADMIN_PASSPHRASE


def _answer(qtbot, *secrets: str):
    """Type each secret into the next confirmation dialog and press Enter."""

    def answer(dialog: ConfirmIdentityDialog) -> None:
        assert isinstance(dialog, ConfirmIdentityDialog)
        qtbot.waitUntil(dialog.isActiveWindow)
        assert dialog.field.echoMode() is QLineEdit.EchoMode.Password
        for secret in secrets:
            qtbot.keyClicks(dialog.field, secret)
            qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
            if dialog.isVisible():
                assert dialog.field.text() == "" and dialog.field.hasFocus()
                answer.errors.append(dialog.error.text())

    answer.errors = []
    return answer


def test_wrong_then_right_passphrase_then_the_session_is_signed(qtbot, clinic, charted):
    store = clinic.store
    _patient, session = charted
    answer = _answer(qtbot, "not my passphrase", ADMIN_PASSPHRASE)
    failures = on_next_modal(qtbot, answer)
    secret = confirm_identity(None, store, "Sign this session", action="Sign")
    assert not failures, failures
    assert answer.errors == ["Wrong passphrase. Try again."]
    assert secret == ADMIN_PASSPHRASE
    assert store.sessions.get(session.id).status is SessionStatus.DRAFT  # nothing signed yet

    signed = store.sessions.sign(session.id, confirm=secret)
    assert signed.status is SessionStatus.SIGNED and signed.signed_by == clinic.admin.id


def test_a_pin_confirms_once_set(qtbot, clinic):
    store = clinic.store
    store.accounts.set_pin("2580", ADMIN_PASSPHRASE)

    def check(dialog: ConfirmIdentityDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow)
        assert "PIN or passphrase" in dialog.explain.text()
        qtbot.keyClicks(dialog.field, "2581")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
        assert dialog.error.text() == "Wrong passphrase or PIN. Try again."
        qtbot.keyClicks(dialog.field, "2580")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Enter)

    failures = on_next_modal(qtbot, check)
    assert confirm_identity(None, store, "Amend this session") == "2580"
    assert not failures, failures


def test_escape_cancels(qtbot, clinic):
    def cancel(dialog: ConfirmIdentityDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClicks(dialog.field, "half")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Escape)
        assert not dialog.isVisible() and dialog.field.text() == ""

    failures = on_next_modal(qtbot, cancel)
    assert confirm_identity(None, clinic.store, "Sign this session") is None
    assert not failures, failures


def test_too_many_wrong_answers_sign_out_and_lock(qtbot, clinic):
    store = clinic.store
    locked = []
    failures = on_next_modal(qtbot, _answer(qtbot, *["wrong guess " + str(i) for i in range(5)]))
    assert confirm_identity(None, store, "Sign this session", on_signed_out=locked.append) is None
    assert not failures, failures
    assert store.signed_in is None
    assert locked == ["5 wrong answers in a row: you were signed out. Sign in again."]


def test_nothing_to_confirm_before_the_clinic_is_set_up(qtbot, store):
    # The library's databases without accounts sign as before: no dialog at all.
    assert confirm_identity(None, store, "Sign this session") == NOT_NEEDED
