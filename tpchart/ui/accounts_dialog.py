"""Settings › Accounts…: who may sign in, and one's own passphrase and PIN.

An administrator sees every practitioner with their role, whether their account is
active and whether they set a PIN; adds a practitioner with a first passphrase (to
tell them, for them to change), resets a forgotten passphrase (the practitioner gets
a new signing key; the old one stays to verify their old signatures), makes an
account administrator or not, deactivates one (a colleague who left: no more
sign-in, their signatures still verify), and sets how soon an unattended screen
locks. Everyone, administrator or not, changes their own passphrase and sets their
PIN (the short secret that confirms a signature).

Every button is one store call through ``Operations`` (one transaction, audited);
a refusal is one plain line in the dialog, nothing written. Passphrase fields are
cleared as soon as they are read.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.accounts import (
    IDLE_LOCK_RANGE,
    Account,
    Role,
    check_new_passphrase_typed_twice,
    check_new_pin,
)
from tpchart.core.errors import TpchartError, ValidationError
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.ui.clinic_set_up import PASSPHRASE_HINT
from tpchart.ui.operations import Operations
from tpchart.ui.sign_in import account_changed, passphrase_field, practitioner_name
from tpchart.ui.style import MessageArea

# Fits a 1366x768 screen at 125 % (1093 x 614 logical pixels) with room for the frame.
DIALOG_WIDTH = 640
COLUMNS = ("Name", "Registration", "Role", "Sign-in", "PIN")


class AccountsDialog(QDialog):
    """Accounts for the administrator; "My account" for everyone."""

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountsDialog")
        self.setWindowTitle("Accounts")
        self._store = store
        self._operations = operations or Operations(store, self)
        me = store.signed_in
        self.admin = me is not None and me.active and me.role is Role.ADMIN
        self.mine = MyAccount(store, self._operations, self)
        self.practitioners: PractitionersPage | None = None
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        if self.admin:
            self.practitioners = PractitionersPage(store, self._operations, self)
            self.tabs = QTabWidget(objectName="accountsTabs")
            self.tabs.addTab(self.practitioners, "&Practitioners")
            self.tabs.addTab(self.mine, "&My account")
            layout.addWidget(self.tabs)
        else:
            layout.addWidget(self.mine)
        layout.addWidget(close)
        self.setFixedWidth(DIALOG_WIDTH if self.admin else 480)


class PractitionersPage(QWidget):
    """The administrator's list of practitioners and what can be done to an account."""

    def __init__(self, store: Store, operations: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practitionersPage")
        self._store = store
        self._operations = operations
        self.table = QTableWidget(0, len(COLUMNS), objectName="accountsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Practitioners and their accounts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = _button("&Add practitioner…", "addPractitionerAccount", self.add)
        self.reset_button = _button("&Reset passphrase…", "resetPassphrase", self.reset)
        self.role_button = _button("Make administra&tor", "changeRole", self.change_role)
        self.deactivate_button = _button("&Deactivate…", "deactivateAccount", self.deactivate)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.role_button):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(self.deactivate_button)
        self.message = Feedback("accountsMessage", self)

        self.minutes = QSpinBox(objectName="idleLockMinutes")
        self.minutes.setRange(*IDLE_LOCK_RANGE)
        self.minutes.setSuffix(" minutes")
        self.minutes.setAccessibleName("Lock the screen after this many minutes without use")
        self.save_minutes = _button("Sa&ve", "saveIdleLock", self.set_idle_lock)
        lock_row = QHBoxLayout()
        lock_row.addWidget(QLabel("Lock an unattended screen after", buddy=self.minutes))
        lock_row.addWidget(self.minutes)
        lock_row.addWidget(self.save_minutes)
        lock_row.addStretch()
        lock_box = QGroupBox("Idle lock", objectName="idleLockBox")
        lock_box.setLayout(lock_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, stretch=1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(lock_box)
        layout.addWidget(self._encryption_box())
        self.refresh()

    def _encryption_box(self) -> QGroupBox:
        """Whether the file is encrypted, and for a plain one "Encrypt this database…"."""
        store = self._store
        self.encrypt_button = _button("&Encrypt this database…", "encryptDatabase", self.encrypt)
        if store.encrypted:
            text = "This database is encrypted: each practitioner's passphrase opens it."
        else:
            text = "Not encrypted: anyone with the file or a backup can read it."
        self.encryption_state = QLabel(text, objectName="encryptionState", wordWrap=True)
        self.encrypt_button.setVisible(not store.encrypted and not store.read_only)
        row = QHBoxLayout()
        row.addWidget(self.encryption_state, stretch=1)
        row.addWidget(self.encrypt_button)
        box = QGroupBox("Encryption", objectName="encryptionBox")
        box.setLayout(row)
        return box

    @Slot()
    def encrypt(self) -> None:
        """Ask the administrator's passphrase, then hand the conversion to the app (it
        closes the database, converts it with progress, and reopens it signed in)."""
        dialog = EncryptDialog(self._store, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.secret is not None:
            signed = self._store.signed_in
            assert signed is not None
            secret, dialog.secret = dialog.secret, None
            encryption_requests().requested.emit(signed.practitioner_id, secret)

    # -- what is shown -----------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        """Reload practitioners and accounts; keep (or move to) ``select``'s row."""
        select = select if select is not None else self.selected_id()
        accounts = {a.practitioner_id: a for a in self._store.accounts.all()}
        practitioners = self._store.practitioners.all(include_inactive=True)
        self.table.setRowCount(len(practitioners))
        for row, practitioner in enumerate(practitioners):
            account = accounts.get(practitioner.id)  # type: ignore[arg-type]
            cells = (practitioner.name, practitioner.registration, *_account_cells(account))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, practitioner.id)
                self.table.setItem(row, column, item)
        self.minutes.setValue(self._store.idle_lock_minutes)
        self._select(select)
        self._update_buttons()

    def selected_id(self) -> int | None:
        """The practitioner whose row is selected, or None."""
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _select(self, practitioner_id: int | None) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == practitioner_id:
                self.table.selectRow(row)
                return
        self.table.clearSelection()

    def _selected_account(self) -> Account | None:
        chosen = self.selected_id()
        return self._store.accounts.get(chosen) if chosen is not None else None

    @Slot()
    def _update_buttons(self) -> None:
        chosen, account = self.selected_id(), self._selected_account()
        me = self._store.practitioner_id
        self.reset_button.setEnabled(chosen is not None)
        self.reset_button.setText(
            "&Give an account…" if chosen is not None and account is None else "&Reset passphrase…"
        )
        active = account is not None and account.active
        self.role_button.setEnabled(active and chosen != me)
        admin = account is not None and account.role is Role.ADMIN
        self.role_button.setText("Make practitioner &only" if admin else "Make administra&tor")
        # Nobody deactivates themselves: the clinic would lose its administrator.
        self.deactivate_button.setEnabled(active and chosen != me)

    # -- the administrator's actions -----------------------------------------------------
    def _done(self, practitioner_id: int | None, message: str) -> None:
        self.refresh(select=practitioner_id)
        self.message.done(message)

    def _refused(self, message: str) -> None:
        self.message.refused(message)

    @Slot()
    def add(self) -> None:
        """Add a practitioner with an account and a first passphrase."""
        dialog = NewAccountDialog(self._store, self._operations, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.added is not None:
            self._done(dialog.added.id, f"{dialog.added.name} can now sign in.")

    @Slot()
    def reset(self) -> None:
        """A new passphrase for the selected practitioner (an account if they had none)."""
        chosen = self.selected_id()
        if chosen is None:
            return
        name = practitioner_name(self._store, chosen)
        account = self._store.accounts.get(chosen)
        dialog = NewPassphraseDialog(
            self._store,
            self._operations,
            chosen,
            self,
            first=account is None,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._done(chosen, f"Tell {name} their new passphrase, for them to change it.")

    @Slot()
    def change_role(self) -> None:
        """Make the selected account administrator, or practitioner only."""
        account = self._selected_account()
        if account is None:
            return
        role = Role.PRACTITIONER if account.role is Role.ADMIN else Role.ADMIN
        store, pid = self._store, account.practitioner_id
        done = self._operations.run(
            _done_with(lambda: store.accounts.set_role(pid, role)),
            lambda _a: account_changed(store, pid),
            self._refused,
        )
        if done:
            self._done(pid, f"{practitioner_name(store, pid)} is now {role.label.lower()}.")

    @Slot()
    def deactivate(self) -> None:
        """Stop the selected practitioner signing in (asked first)."""
        account = self._selected_account()
        if account is None:
            return
        store, pid = self._store, account.practitioner_id
        name = practitioner_name(store, pid)
        answer = QMessageBox.question(
            self,
            "Deactivate account",
            f"{name} will no longer be able to sign in. Their sessions and signatures stay "
            "on record and still verify.\n\nDeactivate?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        done = self._operations.run(
            _done_with(lambda: store.accounts.deactivate(pid)),
            lambda _a: account_changed(store, pid),
            self._refused,
        )
        if done:
            self._done(pid, f"{name} can no longer sign in.")

    @Slot()
    def set_idle_lock(self) -> None:
        """Save the idle-lock time."""
        store, minutes = self._store, self.minutes.value()
        done = self._operations.run(
            _done_with(lambda: store.accounts.set_idle_lock_minutes(minutes)),
            lambda _m: account_changed(store, store.practitioner_id),
            self._refused,
        )
        if done:
            self._done(self.selected_id(), f"The screen now locks after {minutes} minutes.")


class MyAccount(QWidget):
    """The signed-in practitioner's own passphrase and PIN."""

    def __init__(self, store: Store, operations: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myAccount")
        self._store = store
        self._operations = operations
        me = store.signed_in
        name = practitioner_name(store, me.practitioner_id) if me is not None else "nobody"
        who = QLabel(f"Signed in as <b>{_escape(name)}</b>", objectName="myAccountWho")
        who.setTextFormat(Qt.TextFormat.RichText)

        self.old = passphrase_field("myOldPassphrase", "Current passphrase")
        self.new = passphrase_field("myNewPassphrase", "New passphrase")
        self.repeat = passphrase_field("myRepeatPassphrase", "New passphrase again")
        self.change_button = _button("&Change passphrase", "changePassphrase", self.change)
        change_form = QFormLayout()
        change_form.addRow(QLabel("C&urrent passphrase", buddy=self.old), self.old)
        change_form.addRow(QLabel("&New passphrase", buddy=self.new), self.new)
        change_form.addRow(QLabel("New passphrase a&gain", buddy=self.repeat), self.repeat)
        change_form.addRow("", self.change_button)
        change_box = QGroupBox("Passphrase", objectName="changePassphraseBox")
        change_box.setLayout(change_form)
        for field in (self.old, self.new, self.repeat):
            field.returnPressed.connect(self.change)

        pin_hint = QLabel(
            "A PIN of 4 to 8 digits confirms your signature faster than the passphrase. "
            "Setting it asks for your passphrase.",
            wordWrap=True,
        )
        self.pin = passphrase_field("myPin", "New PIN")
        self.pin.setMaxLength(8)
        self.pin.setInputMethodHints(self.pin.inputMethodHints() | Qt.InputMethodHint.ImhDigitsOnly)
        self.pin_passphrase = passphrase_field("myPinPassphrase", "Passphrase, to set the PIN")
        self.pin_button = _button("S&et PIN", "setPin", self.set_pin)
        pin_form = QFormLayout()
        pin_form.addRow(pin_hint)
        pin_form.addRow(QLabel("P&IN", buddy=self.pin), self.pin)
        pin_form.addRow(QLabel("Pa&ssphrase", buddy=self.pin_passphrase), self.pin_passphrase)
        pin_form.addRow("", self.pin_button)
        pin_box = QGroupBox("PIN for signing", objectName="pinBox")
        pin_box.setLayout(pin_form)
        for field in (self.pin, self.pin_passphrase):
            field.returnPressed.connect(self.set_pin)

        self.message = Feedback("myAccountMessage", self)
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(change_box)
        layout.addWidget(pin_box)
        layout.addWidget(self.message)
        layout.addStretch()
        self.setEnabled(me is not None)

    def _said(self, message: str, error: bool, field: QLineEdit | None = None) -> None:
        if error:
            self.message.refused(message)
        else:
            self.message.done(message)
        if field is not None:
            field.setFocus()

    @Slot()
    def change(self) -> None:
        """Change the signed-in practitioner's passphrase (their key is re-wrapped)."""
        old, new, repeat = self.old.text(), self.new.text(), self.repeat.text()
        for field in (self.old, self.new, self.repeat):
            field.clear()
        me = self._store.signed_in
        if not old:
            self._said("Type your current passphrase first.", True, self.old)
            return
        try:
            name = practitioner_name(self._store, me.practitioner_id) if me else ""
            check_new_passphrase_typed_twice(new, repeat, name)
        except ValidationError as exc:
            self._said(str(exc), True, self.new)
            return
        store = self._store
        done = self._operations.run(
            _done_with(lambda: store.accounts.change_passphrase(old, new)),
            lambda _r: account_changed(store, store.practitioner_id),
            lambda message: self._said(message, True, self.old),
        )
        if done:
            self._said("Your passphrase is changed. Use it from now on.", False)

    @Slot()
    def set_pin(self) -> None:
        """Set the signed-in practitioner's PIN (their passphrase confirms it)."""
        pin, secret = self.pin.text(), self.pin_passphrase.text()
        self.pin.clear()
        self.pin_passphrase.clear()
        try:
            check_new_pin(pin)
        except ValidationError as exc:
            self._said(str(exc), True, self.pin)
            return
        if not secret:
            self._said("Type your passphrase to set the PIN.", True, self.pin_passphrase)
            return
        store = self._store
        done = self._operations.run(
            _done_with(lambda: store.accounts.set_pin(pin, secret)),
            lambda _r: account_changed(store, store.practitioner_id),
            lambda message: self._said(message, True, self.pin_passphrase),
        )
        if done:
            self._said("Your PIN is set: signing a session now asks for it.", False)


class NewAccountDialog(QDialog):
    """Add a practitioner who may sign in: name, registration, role, first passphrase.
    ``added`` is the practitioner once saved."""

    def __init__(self, store: Store, operations: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newAccountDialog")
        self.setWindowTitle("Add practitioner")
        self._store = store
        self._operations = operations
        self.added: Practitioner | None = None
        self.name = QLineEdit(objectName="newAccountName", placeholderText="e.g. Dr Ben Okafor")
        self.name.setAccessibleName("Name, as it appears on records")
        self.registration = QLineEdit(objectName="newAccountRegistration")
        self.registration.setAccessibleName("Registration number")
        self.role = QComboBox(objectName="newAccountRole")
        self.role.setAccessibleName("Role")
        for role in (Role.PRACTITIONER, Role.ADMIN):
            self.role.addItem(role.label, role)
        self.passphrase = passphrase_field("newAccountPassphrase", "First passphrase")
        self.repeat = passphrase_field("newAccountRepeat", "First passphrase again")
        hint = QLabel(
            "Tell them this first passphrase in person; they change it under Settings › "
            "Accounts › My account. " + PASSPHRASE_HINT,
            wordWrap=True,
        )
        form = QFormLayout()
        form.addRow(QLabel("&Name, as on records", buddy=self.name), self.name)
        form.addRow(QLabel("&Registration (optional)", buddy=self.registration), self.registration)
        form.addRow(QLabel("R&ole", buddy=self.role), self.role)
        form.addRow(QLabel("First &passphrase", buddy=self.passphrase), self.passphrase)
        form.addRow(QLabel("Passphrase &again", buddy=self.repeat), self.repeat)
        form.addRow(hint)
        self.error = MessageArea("newAccountError", lines=2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(520)

    def accept(self) -> None:
        """Add the practitioner and their account in one transaction, or say why not."""
        secret, repeat = self.passphrase.text(), self.repeat.text()
        self.passphrase.clear()
        self.repeat.clear()
        try:
            practitioner = Practitioner(
                name=self.name.text().strip(), registration=self.registration.text().strip()
            )
        except ValidationError as exc:
            self._refused(str(exc), self.name)
            return
        try:
            check_new_passphrase_typed_twice(secret, repeat, practitioner.name)
        except ValidationError as exc:
            self._refused(str(exc), self.passphrase)
            return
        store, role = self._store, self.role.currentData()
        # One store call adds the practitioner and their account: both or neither.
        account = self._operations.run(
            lambda: store.accounts.create(practitioner, secret, role),
            lambda a: account_changed(store, a.practitioner_id),
            lambda message: self._refused(message, self.name),
        )
        if account is not None:
            self.added = store.practitioners.get(account.practitioner_id)
            super().accept()

    def _refused(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        field.setFocus()


class NewPassphraseDialog(QDialog):
    """The administrator sets a practitioner's passphrase: a reset (a new signing key)
    or, with ``first``, the first one of a practitioner who had no account."""

    def __init__(
        self,
        store: Store,
        operations: Operations,
        practitioner_id: int,
        parent: QWidget | None = None,
        *,
        first: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newPassphraseDialog")
        self._store = store
        self._operations = operations
        self._practitioner_id = practitioner_id
        self._first = first
        name = practitioner_name(store, practitioner_id)
        self.setWindowTitle("Give an account" if first else "Reset passphrase")
        text = (
            f"{name} gets an account as a practitioner, with this first passphrase."
            if first
            else f"{name} signs in with this new passphrase and then chooses their own. "
            "Their old signatures still verify; from now on they sign with a new key."
        )
        explain = QLabel(_escape(text), wordWrap=True)
        self.passphrase = passphrase_field("resetPassphraseNew", "New passphrase")
        self.repeat = passphrase_field("resetPassphraseRepeat", "New passphrase again")
        form = QFormLayout()
        form.addRow(QLabel("&New passphrase", buddy=self.passphrase), self.passphrase)
        form.addRow(QLabel("&Again", buddy=self.repeat), self.repeat)
        self.error = MessageArea("resetPassphraseError", lines=2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Give account" if first else "Reset"
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(480)

    def accept(self) -> None:
        """Set the passphrase, or say in one line why not (nothing written)."""
        secret, repeat = self.passphrase.text(), self.repeat.text()
        self.passphrase.clear()
        self.repeat.clear()
        store, pid = self._store, self._practitioner_id
        try:
            check_new_passphrase_typed_twice(secret, repeat, practitioner_name(store, pid))
        except ValidationError as exc:
            self._refused(str(exc))
            return
        if self._first:
            change = _done_with(lambda: store.accounts.create(pid, secret, Role.PRACTITIONER))
        else:
            change = _done_with(lambda: store.accounts.reset_passphrase(pid, secret))
        done = self._operations.run(change, lambda _r: account_changed(store, pid), self._refused)
        if done:
            super().accept()

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.passphrase.setFocus()


class EncryptionRequests(QObject):
    """Carries "encrypt this database" from the dialog to the app, which alone can close
    the database and reopen it (as a restore does)."""

    requested = Signal(int, str)  # the administrator's practitioner id and passphrase


_REQUESTS: EncryptionRequests | None = None


def encryption_requests() -> EncryptionRequests:
    """The one ``EncryptionRequests`` of this process (the app connects to it)."""
    global _REQUESTS
    if _REQUESTS is None:
        _REQUESTS = EncryptionRequests()
    return _REQUESTS


class EncryptDialog(QDialog):
    """What encrypting does, and the administrator's passphrase (it will open the
    file). ``secret`` holds it once checked, for the app to use at once."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("encryptDialog")
        self.setWindowTitle("Encrypt this database")
        self._store = store
        self.secret: str | None = None
        explain = QLabel(
            "tpchart will close the database, write an encrypted copy, check that it holds "
            "every record, and put it in place; the plain file is kept aside until you "
            "confirm the encrypted one opens. You get a new recovery code. Your passphrase "
            "will open the database; a colleague's opens it once they have signed in with "
            "it while it is open (File › Lock now, then sign in).",
            wordWrap=True,
        )
        self.passphrase = passphrase_field("encryptPassphrase", "Your passphrase")
        self.error = MessageArea("encryptError", lines=2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Encrypt")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(QLabel("Your &passphrase", buddy=self.passphrase), self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(480)

    def accept(self) -> None:
        """Check the passphrase (not a PIN: it will wrap the key); one line if wrong."""
        secret = self.passphrase.text()
        self.passphrase.clear()
        try:
            self._store.accounts.check_passphrase(secret)
        except TpchartError as exc:
            self.error.setText(str(exc))
            self.passphrase.setFocus()
            return
        self.secret = secret
        super().accept()


class Feedback(QStackedWidget):
    """One line or two saying how the last action went: a refusal in the error colour
    (``MessageArea``), or a plain confirmation; the room stays, so nothing jumps."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.error = MessageArea(f"{object_name}Error", lines=2)
        self.error.setAccessibleName("Refused")
        self.confirmation = QLabel(objectName=f"{object_name}Done", wordWrap=True)
        self.confirmation.setTextFormat(Qt.TextFormat.PlainText)
        self.confirmation.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.confirmation.setAccessibleName("Done")
        self.addWidget(self.error)
        self.addWidget(self.confirmation)
        self.setFixedHeight(self.error.height())

    def refused(self, message: str) -> None:
        """Say why the action was refused."""
        self.error.setText(message)
        self.setCurrentWidget(self.error)

    def done(self, message: str) -> None:
        """Say what was done."""
        self.confirmation.setText(message)
        self.setCurrentWidget(self.confirmation)

    def text(self) -> str:
        """The message shown now."""
        if self.currentWidget() is self.error:
            return self.error.text()
        return self.confirmation.text()


def _done_with(call: Callable[[], object]) -> Callable[[], bool]:
    """``call`` as a change that answers True once done (``Operations.run`` answers None
    for a refusal, so a store call that returns nothing needs an answer of its own)."""

    def change() -> bool:
        call()
        return True

    return change


def _account_cells(account: Account | None) -> tuple[str, str, str]:
    if account is None:
        return "—", "no account", "—"
    return (
        account.role.label,
        "active" if account.active else "deactivated",
        "set" if account.has_pin else "not set",
    )


def _button(text: str, object_name: str, slot) -> QPushButton:
    button = QPushButton(text, objectName=object_name)
    button.setAutoDefault(False)  # Enter belongs to the field being typed in
    button.clicked.connect(slot)
    return button


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show_accounts(
    parent: QWidget | None, store: Store, operations: Operations | None = None
) -> None:
    """Settings › Accounts…: the dialog, for an administrator or for oneself."""
    AccountsDialog(store, parent, operations=operations).exec()
