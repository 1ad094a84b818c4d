"""Signing in: the practitioner proves who they are before charting as themselves.

``SignInForm`` (choose practitioner, passphrase) is shared by the start-up
``SignInDialog`` and the idle lock's ``LockScreen``. A wrong passphrase gets one plain
line under the field, the field cleared and focused, and nothing else changes; the
store counts failures and slows repeated guesses down (its message says for how long).

The passphrase is read from its field only at the moment of signing in and the field
is cleared at once, right or wrong: it is never logged, never kept in an attribute.

"Forgot passphrase?" explains that an administrator sets a new one (Settings ›
Accounts), and lets an administrator use the clinic's recovery code instead.

``ChartingAs`` names the signed-in practitioner in the toolbar; switching to a
colleague goes through the lock screen (they sign in), never through a list.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import tpchart.store.file as store_file
from tpchart.core.accounts import Account, Role, check_new_passphrase_typed_twice
from tpchart.core.errors import TpchartError, ValidationError
from tpchart.store import Store
from tpchart.ui.operations import Changed, Operations, What
from tpchart.ui.style import MessageArea

# Never wider than this: the form sits in the middle of a 1366 px window at 125 %.
FORM_WIDTH = 420


def passphrase_field(object_name: str, accessible_name: str) -> QLineEdit:
    """A line edit that never shows what is typed (no echo, no copy out of it)."""
    field = QLineEdit(objectName=object_name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    # Typed text is never offered to an input method's dictionary or history.
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
    )
    return field


def link_button(text: str, object_name: str) -> QPushButton:
    """A flat button that reads as a link (a secondary path, not the main action)."""
    button = QPushButton(text, objectName=object_name, flat=True)
    button.setAutoDefault(False)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet("text-decoration: underline; text-align: left; padding: 2px;")
    return button


def practitioner_name(store: Store, practitioner_id: int) -> str:
    """The practitioner's name as on records ("practitioner N" if it cannot be read)."""
    try:
        return store.practitioners.get(practitioner_id).name
    except TpchartError:
        return f"practitioner {practitioner_id}"


def account_changed(store: Store, practitioner_id: int | None) -> Changed:
    """What an account action changed, for ``Operations.records_changed``: who may chart
    (the "Charting as" display refreshes on ``What.PRACTITIONER``)."""
    if practitioner_id is None:
        return Changed(What.PRACTITIONER, None)
    try:
        return Changed(What.PRACTITIONER, store.practitioners.get(practitioner_id))
    except TpchartError:
        return Changed(What.PRACTITIONER, None)


def _remembered_key(store: Store) -> str:
    return _remembered_for(store.file if store.file is not None else store.location)


def _remembered_for(where: Path | str) -> str:
    return f"sign_in/last/{Path(where).resolve() if isinstance(where, Path) else where}"


class SignInForm(QWidget):
    """Who is signing in and their passphrase; Enter (or "Sign in") signs in with one
    store call. ``signed_in`` carries the Account once the store accepted it."""

    signed_in = Signal(object)  # Account

    def __init__(
        self,
        store: Store,
        operations: Operations,
        parent: QWidget | None = None,
        *,
        object_name: str = "signInForm",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._store = store
        self._operations = operations
        self.practitioner = QComboBox(objectName="signInPractitioner")
        self.practitioner.setAccessibleName("Practitioner signing in")
        self.practitioner.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.practitioner.setMinimumContentsLength(16)
        self.passphrase = passphrase_field("signInPassphrase", "Passphrase")
        self.passphrase.returnPressed.connect(self.submit)
        self.error = MessageArea("signInError", lines=2)
        self.error.setAccessibleName("Sign-in message")
        self.sign_in_button = QPushButton("Sign in", objectName="signInButton")
        # Enter is handled by the passphrase field itself: a dialog's default button
        # would sign in a second time with the field already cleared.
        self.sign_in_button.setAutoDefault(False)
        self.sign_in_button.clicked.connect(self.submit)
        self.forgot = link_button("Forgot passphrase?", "forgotPassphrase")
        self.forgot.clicked.connect(self._forgot)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel("&Practitioner", buddy=self.practitioner), self.practitioner)
        form.addRow(QLabel("P&assphrase", buddy=self.passphrase), self.passphrase)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.sign_in_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.forgot, alignment=Qt.AlignmentFlag.AlignLeft)
        self.setMaximumWidth(FORM_WIDTH)
        self.refresh()

    def refresh(self, preferred: int | None = None) -> None:
        """List the practitioners who may sign in (active accounts), choosing
        ``preferred``, else whoever signed in last on this computer."""
        if preferred is None:
            remembered = QSettings().value(_remembered_key(self._store))
            try:
                preferred = int(remembered) if remembered is not None else None
            except (TypeError, ValueError):
                preferred = None
        self.practitioner.clear()
        names = [
            (practitioner_name(self._store, a.practitioner_id), a.practitioner_id)
            for a in self._store.accounts.all()
            if a.active
        ]
        for name, practitioner_id in sorted(names):
            self.practitioner.addItem(name, practitioner_id)
        index = self.practitioner.findData(preferred)
        self.practitioner.setCurrentIndex(max(index, 0))

    def chosen(self) -> int | None:
        """The practitioner chosen (their id), or None when nobody can sign in."""
        return self.practitioner.currentData()

    def focus_passphrase(self) -> None:
        """Put the cursor in the passphrase field (the one thing left to type)."""
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def submit(self) -> None:
        """Sign in as the chosen practitioner; on refusal say why in one line."""
        practitioner_id = self.chosen()
        secret = self.passphrase.text()
        self.passphrase.clear()  # right or wrong, the text goes now
        if practitioner_id is None:
            self._refused("Nobody can sign in: ask the clinic's administrator.")
            return
        if not secret:
            self._refused("Type your passphrase.")
            return
        store = self._store
        # One store call: verify, unlock the signing key, audit the sign-in (and a switch).
        account = self._operations.run(
            lambda: store.sign_in(practitioner_id, secret),
            lambda a: account_changed(store, a.practitioner_id),
            self._refused,
            flush=False,  # whoever typed before the lock was saved when it locked
        )
        if account is None:
            return
        self.error.clear()
        QSettings().setValue(_remembered_key(store), practitioner_id)
        self.signed_in.emit(account)

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.focus_passphrase()

    @Slot()
    def _forgot(self) -> None:
        ForgotPassphraseDialog(self._store, self._operations, self.chosen(), self).exec()
        self.focus_passphrase()


class SignInDialog(QDialog):
    """The app's first window on a clinic with accounts: sign in, or quit (Escape).
    ``account`` is who signed in once accepted."""

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        operations: Operations | None = None,
        title: str = "Sign in to tpchart",
        explanation: str = "",
        cancellable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self._cancellable = cancellable
        self.setWindowTitle(title)
        self.account: Account | None = None
        self._operations = operations or Operations(store, self)
        clinic = store.clinic.load().name
        heading = QLabel(f"<h2>{_escape(clinic) if clinic else 'tpchart'}</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        intro = QLabel(
            explanation
            or "Sign in to chart as yourself: every change and signature is recorded "
            "under your name.",
            wordWrap=True,
        )
        self.form = SignInForm(store, self._operations, self)
        self.form.signed_in.connect(self._signed_in)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        if cancellable:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
            buttons.rejected.connect(self.reject)
            layout.addWidget(buttons)
        self.setFixedWidth(FORM_WIDTH + 40)
        self.form.focus_passphrase()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.form.focus_passphrase()

    def reject(self) -> None:
        """Escape or Cancel: quit signing in (not offered by the idle lock's dialog,
        which would leave the screen locked with nobody to unlock it)."""
        if self._cancellable:
            super().reject()

    @Slot(object)
    def _signed_in(self, account: Account) -> None:
        self.account = account
        self.accept()


def sign_in(
    parent: QWidget | None, store: Store, operations: Operations | None = None
) -> Account | None:
    """Ask who is using tpchart; the Account signed in, or None if the doctor quit.
    A demo database says its made-up passphrase (it holds no clinical record)."""
    explanation = ""
    if store.is_demo:
        from tpchart.demo import DEMO_ADMIN, DEMO_PASSPHRASE, DEMO_PIN  # only for the demo

        explanation = (
            f"This is the demo: sign in as {DEMO_ADMIN} with the passphrase "
            f"\u201c{DEMO_PASSPHRASE}\u201d (PIN {DEMO_PIN} to sign sessions)."
        )
    dialog = SignInDialog(store, parent, operations=operations, explanation=explanation)
    if store.is_demo and QSettings().value(_remembered_key(store)) is None:
        # The hint names the administrator: offer them first, not the list's first name.
        demo_admin = next((a for a in store.accounts.all() if a.is_admin), None)
        if demo_admin is not None:
            dialog.form.refresh(preferred=demo_admin.practitioner_id)
    return dialog.account if dialog.exec() == QDialog.DialogCode.Accepted else None


RECOVERY = "recovery"  # the unlock list's entry for the recovery code


class UnlockDialog(QDialog):
    """The first window on an encrypted database, before it is opened: who you are
    (the names in its key file, never a patient's) and your passphrase, typed once. It
    unlocks the file; ``signer`` (practitioner id, passphrase) then signs in with no
    second question. The recovery code unlocks too (then the sign-in window's "Forgot
    passphrase?" sets a new passphrase). A wrong passphrase: one line, nothing changed."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self.setWindowTitle("Open an encrypted database")
        self.path = Path(path)
        self.signer: tuple[int, str] | None = None
        heading = QLabel(f"<h2>{_escape(self.path.name)}</h2>", objectName="unlockHeading")
        heading.setTextFormat(Qt.TextFormat.RichText)
        intro = QLabel(
            "This database is encrypted. Your passphrase opens it and signs you in.",
            wordWrap=True,
        )
        self.practitioner = QComboBox(objectName="unlockPractitioner")
        self.practitioner.setAccessibleName("Practitioner opening the database")
        self.practitioner.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.practitioner.setMinimumContentsLength(16)
        # Enter presses the default button ("Open"): not connected twice.
        self.passphrase = passphrase_field("unlockPassphrase", "Passphrase")
        self.error = MessageArea("unlockError", lines=2)
        self.error.setAccessibleName("Unlock message")
        self.open_button = QPushButton("Open", objectName="unlockButton")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel", objectName="unlockCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(QLabel("&Who", buddy=self.practitioner), self.practitioner)
        form.addRow(QLabel("&Passphrase", buddy=self.passphrase), self.passphrase)
        buttons = QDialogButtonBox()
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setFixedWidth(FORM_WIDTH + 40)
        self._list_slots()

    def _list_slots(self) -> None:
        """One entry per practitioner with a key slot (by the name it was made with),
        the last one to sign in here first; then the recovery code."""
        try:
            slots = store_file.encryption.read_slots(self.path)
        except TpchartError as exc:
            self.error.setText(str(exc))
            slots = []
        people: dict[int | None, str] = {}
        recovery = False
        for slot in slots:
            if slot.kind == "recovery":
                recovery = True
            elif slot.practitioner_id not in people:
                people[slot.practitioner_id] = slot.label or "The clinic's passphrase"
        for practitioner_id, label in sorted(people.items(), key=lambda item: item[1]):
            self.practitioner.addItem(label, practitioner_id)
        if recovery:
            self.practitioner.addItem("The clinic's recovery code", RECOVERY)
        last = QSettings().value(_remembered_for(self.path))
        try:
            index = self.practitioner.findData(int(last)) if last is not None else -1
        except (TypeError, ValueError):
            index = -1
        self.practitioner.setCurrentIndex(max(index, 0))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def submit(self) -> None:
        """Unlock with the passphrase (one scrypt for a chosen practitioner); on
        refusal say why in one line, clear the field and change nothing."""
        chosen = self.practitioner.currentData()
        secret = self.passphrase.text()
        self.passphrase.clear()  # right or wrong, the text goes now
        if not secret:
            self._refused("Type your passphrase.")
            return
        practitioner_id = chosen if isinstance(chosen, int) else None
        try:
            # Nothing is written: the key is unwrapped into this process's memory only.
            unlocked = store_file.encryption.unlock(self.path, secret, practitioner_id)
        except TpchartError as exc:
            self._refused(str(exc))
            return
        if unlocked.practitioner_id is not None:
            self.signer = (unlocked.practitioner_id, secret)
        self.accept()

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)


def unlock_at_start(path: Path, parent: QWidget | None = None) -> tuple[int, str] | bool:
    """Ask for the passphrase of the encrypted database at ``path`` before it opens.
    Returns who signs in with it (practitioner id, passphrase), True when it was unlocked
    by the recovery code or a clinic passphrase (the sign-in window follows), or False
    when the doctor cancelled (nothing was changed)."""
    dialog = UnlockDialog(path, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return dialog.signer if dialog.signer is not None else True


class ForgotPassphraseDialog(QDialog):
    """What to do about a forgotten passphrase: an administrator sets a new one; an
    administrator who forgot theirs uses the recovery code printed at set-up."""

    def __init__(
        self,
        store: Store,
        operations: Operations,
        practitioner_id: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("forgotPassphraseDialog")
        self.setWindowTitle("Forgot passphrase")
        self._store = store
        self._operations = operations
        self._practitioner_id = practitioner_id
        accounts = store.accounts.all()
        admins = [
            practitioner_name(store, a.practitioner_id)
            for a in accounts
            if a.role is Role.ADMIN and a.active
        ]
        chosen = next((a for a in accounts if a.practitioner_id == practitioner_id), None)
        who = ", ".join(sorted(admins)) or "the clinic's administrator"
        self.explanation = explain = QLabel(
            "tpchart keeps only a check of each passphrase, never the passphrase, so "
            f"nobody can tell you yours. Ask {who} to set a new one for you (Settings › "
            "Accounts › Reset passphrase); once signed in, choose your own under Settings "
            "› Accounts › My account.",
            wordWrap=True,
        )
        self.pages = QStackedWidget(objectName="forgotPages")
        ask = QWidget()
        ask_layout = QVBoxLayout(ask)
        ask_layout.setContentsMargins(0, 0, 0, 0)
        ask_layout.addWidget(explain)
        self.recovery: QWidget | None = None
        if chosen is not None and chosen.role is Role.ADMIN:
            ask_layout.addWidget(self._recovery_form(chosen.practitioner_id))
        ask_layout.addStretch()
        self.pages.addWidget(ask)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.buttons)
        self.setFixedWidth(FORM_WIDTH + 80)

    def _recovery_form(self, practitioner_id: int) -> QWidget:
        box = QWidget(objectName="recoveryForm")
        name = practitioner_name(self._store, practitioner_id)
        hint = QLabel(
            f"<b>{_escape(name)}, administrator:</b> if no other administrator can help, "
            "type the recovery code printed when the clinic was set up and choose a new "
            "passphrase. You will get a new recovery code; the old one stops working.",
            wordWrap=True,
        )
        self.code = QLineEdit(objectName="recoveryCode")
        self.code.setAccessibleName("Recovery code")
        self.code.setPlaceholderText("e.g. ABCD-EFGH-…")
        self.new = passphrase_field("recoveryNewPassphrase", "New passphrase")
        self.repeat = passphrase_field("recoveryRepeatPassphrase", "New passphrase again")
        self.error = MessageArea("recoveryError", lines=2)
        self.use_code = QPushButton("Reset with recovery code", objectName="useRecoveryCode")
        self.use_code.setAutoDefault(False)
        self.use_code.clicked.connect(lambda: self._recover(practitioner_id))
        for field in (self.code, self.new, self.repeat):
            field.returnPressed.connect(lambda: self._recover(practitioner_id))
        form = QFormLayout()
        form.addRow(QLabel("Recovery &code", buddy=self.code), self.code)
        form.addRow(QLabel("&New passphrase", buddy=self.new), self.new)
        form.addRow(QLabel("&Repeat it", buddy=self.repeat), self.repeat)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.use_code, alignment=Qt.AlignmentFlag.AlignRight)
        self.recovery = box
        return box

    def _recover(self, practitioner_id: int) -> None:
        code, new, repeat = self.code.text().strip(), self.new.text(), self.repeat.text()
        self.new.clear()
        self.repeat.clear()
        if not code:
            self._refused("Type the recovery code.", self.code)
            return
        try:
            name = practitioner_name(self._store, practitioner_id)
            check_new_passphrase_typed_twice(new, repeat, name)
        except ValidationError as exc:
            self._refused(str(exc), self.new)
            return
        store = self._store
        fresh = self._operations.run(
            lambda: store.accounts.recover(code, practitioner_id, new),
            lambda _code: account_changed(store, practitioner_id),
            lambda message: self._refused(message, self.code),
        )
        if fresh is None:
            return
        self.code.clear()
        self._show_new_code(fresh, practitioner_name(store, practitioner_id))

    def _show_new_code(self, code: str, name: str) -> None:
        # Imported here: clinic_set_up imports this module's fields.
        from tpchart.ui.clinic_set_up import RecoveryCodePage

        page = RecoveryCodePage(self._store, self)
        page.show_code(code, name, renewed=True)
        page.done.connect(self.accept)
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)
        self.buttons.hide()  # the page's own "Continue" closes, once the code is kept
        self.recovery_page = page

    def reject(self) -> None:
        """Escape or Close; refused while a new recovery code waits to be written down."""
        page = getattr(self, "recovery_page", None)
        if page is not None and not page.may_leave():
            return
        super().reject()

    def _refused(self, message: str, field: QLineEdit) -> None:
        self.error.setText(message)
        field.setFocus()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ChartingAs(QToolButton):
    """Who is charting, for the toolbar (in place of the old "Charting as" list, which
    let anyone chart as anyone): the signed-in practitioner's name, and a menu to lock
    the screen or let a colleague sign in (both ``lock_requested``: the lock screen
    asks who goes on) or open one's own account (``account_requested``)."""

    lock_requested = Signal()
    account_requested = Signal()

    def __init__(self, store: Store, operations: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartingAs")
        self.setToolTip("Who is charting: recorded with every change and signature")
        self.setAccessibleName("Charting as")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._store = store
        menu = QMenu(self)
        self.switch_action = menu.addAction("Switch practitioner…")
        self.switch_action.triggered.connect(self.lock_requested)
        self.lock_action = menu.addAction("Lock now")
        self.lock_action.triggered.connect(self.lock_requested)
        menu.addSeparator()
        self.account_action = menu.addAction("My account…")
        self.account_action.triggered.connect(self.account_requested)
        self.setMenu(menu)
        operations.records_changed.connect(self._records_changed)
        self.refresh()

    def refresh(self) -> None:
        """Show who is signed in now."""
        account = self._store.signed_in
        if account is None:
            self.setText("nobody signed in")
        else:
            self.setText(practitioner_name(self._store, account.practitioner_id))

    @Slot(object)
    def _records_changed(self, changed: Changed) -> None:
        if changed.what is What.PRACTITIONER:
            self.refresh()
