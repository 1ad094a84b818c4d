"""Before signing or amending: the signed-in practitioner types their PIN or
passphrase again, so a signature is theirs even at a screen left unlocked.

``confirm_identity`` shows ``ConfirmIdentityDialog`` and returns the secret once the
store accepted it (``store.confirm``), for the caller to hand to
``store.sessions.sign(..., confirm=secret)`` or ``amend``; None when the doctor
cancelled. A clinic without accounts (not yet set up) has nobody to confirm: the
function returns ``NOT_NEEDED`` at once and the caller passes ``confirm=None``.

A wrong secret gets one plain line under the field, the field cleared and focused;
nothing is written. The dialog's field is cleared as soon as it is read.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import TpchartError
from tpchart.store import Store
from tpchart.ui.sign_in import passphrase_field, practitioner_name
from tpchart.ui.style import MessageArea

# Returned when the clinic has no accounts yet: nothing to confirm (pass confirm=None).
NOT_NEEDED = ""


class ConfirmIdentityDialog(QDialog):
    """Asks the signed-in practitioner's PIN or passphrase; ``secret`` once accepted."""

    def __init__(
        self, store: Store, doing: str, parent: QWidget | None = None, *, action: str = "Confirm"
    ) -> None:
        super().__init__(parent)
        self.setObjectName("confirmIdentityDialog")
        self.setWindowTitle(doing)
        self._store = store
        self.secret: str | None = None
        # Why the store signed the practitioner out (too many wrong answers), or "".
        self.signed_out = ""
        account = store.signed_in
        name = practitioner_name(store, account.practitioner_id) if account else "nobody"
        ask = (
            "your PIN or passphrase"
            if account is not None and account.has_pin
            else ("your passphrase")
        )
        self.explain = QLabel(
            f"{doing} as <b>{_escape(name)}</b>: type {ask} to confirm it is you.",
            wordWrap=True,
            objectName="confirmExplain",
        )
        self.explain.setTextFormat(Qt.TextFormat.RichText)
        self.field = passphrase_field(
            "confirmSecret", "PIN or passphrase" if "PIN" in ask else "Passphrase"
        )
        self.error = MessageArea("confirmError", lines=2)
        self.error.setAccessibleName("Confirmation message")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(action)
        self.ok_button.setDefault(True)  # Enter in the field confirms
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        label = QLabel("&PIN or passphrase" if "PIN" in ask else "&Passphrase", buddy=self.field)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(420)
        self.field.setFocus()

    @Slot()
    def accept(self) -> None:
        """Close with the secret once the store accepts it; else say so and stay."""
        secret = self.field.text()
        self.field.clear()
        if not secret:
            self._refused("Type your PIN or passphrase.")
            return
        try:
            # A check, not a change of the records: the store verifies (and counts a
            # failure towards its lock-out); the signature itself is the one write.
            self._store.confirm(secret)
        except TpchartError as exc:
            if self._store.signed_in is None:
                # Too many wrong answers: the store signed the practitioner out. Close;
                # the caller locks the screen, which says why (``on_signed_out``).
                self.signed_out = str(exc)
                super().reject()
                return
            self._refused(str(exc))
            return
        self.secret = secret
        super().accept()

    def reject(self) -> None:
        """Cancel: nothing is signed or amended."""
        self.field.clear()
        self.secret = None
        super().reject()

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.field.setFocus()


def confirm_identity(
    parent: QWidget | None,
    store: Store,
    doing: str,
    *,
    action: str = "Confirm",
    on_signed_out: Callable[[str], None] | None = None,
) -> str | None:
    """Ask the signed-in practitioner to confirm it is them before ``doing`` (e.g.
    "Sign this session"); the accepted PIN or passphrase, ``NOT_NEEDED`` when the
    clinic has no accounts, or None when cancelled. After too many wrong answers the
    store signs the practitioner out: ``on_signed_out`` (the lock screen's ``lock``)
    is then called with the store's words, and None returned."""
    if not store.accounts.any():
        return NOT_NEEDED
    dialog = ConfirmIdentityDialog(store, doing, parent, action=action)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        if dialog.signed_out and on_signed_out is not None:
            on_signed_out(dialog.signed_out)
        return None
    secret, dialog.secret = dialog.secret, None
    return secret


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
