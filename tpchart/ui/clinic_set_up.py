"""First run of a clinic: its first practitioner becomes the administrator.

``ClinicSetUpDialog`` asks the practitioner's name and registration (or, on a
database that already has practitioners, which of them sets the clinic up) and a
passphrase typed twice, then sets the clinic up with ONE store call
(``store.accounts.set_up_clinic``: practitioner, administrator account, signed in).

The store answers with a recovery code: the one way back in when the clinic's only
administrator forgets their passphrase. It is shown once (``RecoveryCodePage``), with
Print… and a tick "I have written it down or stored it"; the dialog cannot be left
before the tick, and the code is wiped from the screen as soon as it is.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.accounts import check_new_passphrase_typed_twice
from tpchart.core.errors import ValidationError
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.ui.operations import Changed, Operations, What
from tpchart.ui.sign_in import passphrase_field
from tpchart.ui.style import MessageArea

# Fits a 1366x768 screen at 125 % (1093 x 614 logical pixels) with room for the frame.
DIALOG_WIDTH = 560
NEW = -1  # "Someone new" in the list of existing practitioners

ENCRYPT_OFFER = "&Encrypt this database (recommended on laptops)"
ENCRYPT_WHY = (
    "A stolen laptop or backup drive then gives nothing away. Your passphrase opens the "
    "database (each colleague's their own); the recovery code below opens it too."
)

PASSPHRASE_HINT = (
    "At least 10 characters. A few words only you would put together are easy to "
    "remember and hard to guess (e.g. “kettle whistles at seven”); spaces are fine."
)


class ClinicSetUpDialog(QDialog):
    """The clinic's first administrator and their passphrase, then the recovery code.
    ``practitioner`` is who was set up (signed in) once accepted."""

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clinicSetUpDialog")
        self.setWindowTitle("Set up tpchart for your clinic")
        self._store = store
        self._operations = operations or Operations(store, self)
        self.practitioner: Practitioner | None = None
        self.pages = QStackedWidget(objectName="setUpPages")
        self.pages.addWidget(self._details_page())
        self.code_page = RecoveryCodePage(store, self)
        self.code_page.done.connect(self.accept)
        self.pages.addWidget(self.code_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setFixedWidth(DIALOG_WIDTH)
        self._who_changed()

    def _details_page(self) -> QWidget:
        page = QWidget(objectName="setUpDetails")
        intro = QLabel(
            "<h2>Who looks after tpchart in this clinic?</h2>"
            "That practitioner becomes its administrator: they add colleagues, reset a "
            "forgotten passphrase and set how soon an unattended screen locks. Everyone "
            "signs in with their own passphrase, and signing a session asks for it again.",
            wordWrap=True,
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        existing = self._store.practitioners.all()
        self.who = QComboBox(objectName="setUpWho")
        self.who.setAccessibleName("Administrator")
        for practitioner in existing:
            self.who.addItem(practitioner.name, practitioner.id)
        self.who.addItem("Someone new…", NEW)
        self.who.currentIndexChanged.connect(self._who_changed)
        self.name = QLineEdit(objectName="setUpName", placeholderText="e.g. Dr Ana Souza")
        self.name.setAccessibleName("Your name, as it appears on records")
        self.registration = QLineEdit(objectName="setUpRegistration")
        self.registration.setAccessibleName("Registration number")
        self.passphrase = passphrase_field("setUpPassphrase", "Passphrase")
        self.repeat = passphrase_field("setUpRepeat", "Passphrase again")
        hint = QLabel(PASSPHRASE_HINT, wordWrap=True, objectName="passphraseHint")
        self.encrypt = self._encryption_offer(existing)
        self.error = MessageArea("setUpError", lines=2)
        self.error.setAccessibleName("Set-up message")
        self.set_up_button = QPushButton("Set up", objectName="setUpButton")
        self.set_up_button.setDefault(True)  # Enter in any field sets up
        self.set_up_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel", objectName="setUpCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        form = QFormLayout()
        self._who_row = QLabel("&Administrator", buddy=self.who)
        form.addRow(self._who_row, self.who)
        form.addRow(QLabel("Your &name, as on records", buddy=self.name), self.name)
        form.addRow(QLabel("&Registration (optional)", buddy=self.registration), self.registration)
        form.addRow(QLabel("&Passphrase", buddy=self.passphrase), self.passphrase)
        form.addRow(QLabel("Passphrase &again", buddy=self.repeat), self.repeat)
        form.addRow("", hint)
        form.addRow("", self.encrypt)
        self._form = form
        # Only a database that already has practitioners asks which of them it is.
        form.setRowVisible(self._who_row, bool(existing))
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.set_up_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch()
        layout.addLayout(buttons)
        return page

    def _encryption_offer(self, existing: list[Practitioner]) -> QCheckBox:
        """ "Encrypt this database": on by default for a new, empty one (made encrypted
        before its first record); shown ticked and fixed when it is encrypted already
        (an earlier set-up stopped half way); not offered for a database with records,
        which Settings › Accounts encrypts once the clinic is set up."""
        box = QCheckBox(ENCRYPT_OFFER, objectName="setUpEncrypt")
        box.setToolTip(ENCRYPT_WHY)
        box.setStatusTip(ENCRYPT_WHY)
        store = self._store
        if store.encrypted:
            box.setText("This database is encrypted: your passphrase will open it")
            box.setChecked(True)
            box.setEnabled(False)
        elif (
            store.file is None  # a clinic server: its connection is TLS, its disk the server's
            or existing
            or store.read_only
            or store.patients.count(include_archived=True)
        ):
            box.setChecked(False)
            box.setVisible(False)
        else:
            box.setChecked(True)
        return box

    @Slot()
    def _who_changed(self) -> None:
        new = self.who.currentData() == NEW
        self._form.setRowVisible(self.name, new)
        self._form.setRowVisible(self.registration, new)
        (self.name if new else self.passphrase).setFocus()

    def _entered(self) -> Practitioner:
        """The practitioner as chosen or typed; raises ValidationError in plain words."""
        chosen = self.who.currentData()
        if chosen != NEW:
            return self._store.practitioners.get(chosen)
        return Practitioner(
            name=self.name.text().strip(), registration=self.registration.text().strip()
        )

    @Slot()
    def submit(self) -> None:
        """Set the clinic up, or say in one line what is wrong and change nothing."""
        secret, repeat = self.passphrase.text(), self.repeat.text()
        self.passphrase.clear()
        self.repeat.clear()
        try:
            practitioner = self._entered()
        except ValidationError as exc:
            self._refused(str(exc), self.name)
            return
        try:
            check_new_passphrase_typed_twice(secret, repeat, practitioner.name)
        except ValidationError as exc:
            self._refused(str(exc), self.passphrase)
            return
        store = self._store
        # Encrypting a new database is part of the same user action: one store call.
        encrypt = not self.encrypt.isHidden() and self.encrypt.isChecked() and not store.encrypted
        if encrypt:
            self.error.setText("Encrypting the new database…")
            self.error.repaint()  # two scrypt derivations: a moment without a reply
        done = self._operations.run(
            lambda: store.set_up_clinic(practitioner, secret, encrypt=encrypt),
            lambda result: Changed(What.PRACTITIONER, result[0]),
            lambda message: self._refused(message, self.passphrase),
        )
        if done is None:
            return
        self.practitioner, code = done
        self.error.clear()
        self.code_page.show_code(code, self.practitioner.name)
        self.pages.setCurrentWidget(self.code_page)

    def _refused(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        field.setFocus()

    def reject(self) -> None:
        """Cancel before setting up; once set up, only after the code is kept."""
        if self.pages.currentWidget() is self.code_page:
            if self.code_page.may_leave():
                self.accept()
            return
        super().reject()


class RecoveryCodePage(QWidget):
    """Shows a recovery code once: Print…, a tick that it is kept, then Continue.
    ``done`` once the doctor ticked and continued; the code is gone from the screen."""

    done = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryCodePage")
        self._store = store
        self._admin = ""
        self.heading = QLabel(wordWrap=True, objectName="recoveryHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.code = QLabel(objectName="recoveryCodeText", alignment=Qt.AlignmentFlag.AlignCenter)
        self.code.setTextFormat(Qt.TextFormat.PlainText)
        # Selectable, to paste into a password manager; never copied for the doctor.
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(QFont.Weight.Bold)
        self.code.setFont(font)
        self.code.setAccessibleName("Recovery code")
        self.code.setStyleSheet("padding: 10px; border: 1px solid palette(mid);")
        explain = QLabel(
            "Keep it where the clinic keeps important papers, or in a password manager. "
            "With it, an administrator who forgot their passphrase chooses a new one; "
            "without it, and with no other administrator, nobody can. It is shown only "
            "now: tpchart keeps no copy it could show again.",
            wordWrap=True,
        )
        self.print_button = QPushButton("Print…", objectName="printRecoveryCode")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_code)
        self.kept = QCheckBox("I have &written it down or stored it safely", objectName="codeKept")
        self.kept.setAccessibleName("I have written the recovery code down or stored it")
        self.continue_button = QPushButton("Continue", objectName="recoveryContinue")
        self.continue_button.setEnabled(False)
        self.continue_button.clicked.connect(self._continue)
        self.kept.toggled.connect(self.continue_button.setEnabled)
        self.message = MessageArea("recoveryMessage", lines=1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addStretch()
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.code)
        layout.addWidget(explain)
        layout.addWidget(self.kept)
        layout.addWidget(self.message)
        layout.addStretch()
        layout.addLayout(buttons)

    def show_code(self, code: str, admin: str, *, renewed: bool = False) -> None:
        """Show ``code`` for the administrator ``admin`` (``renewed``: after a recovery)."""
        self._admin = admin
        what = "The clinic's new recovery code" if renewed else "The clinic's recovery code"
        self.heading.setText(
            f"<h2>{what}</h2>Write it down now, or print it"
            + (": the old code no longer works." if renewed else ".")
        )
        self.code.setText(code)
        self.kept.setChecked(False)
        self.continue_button.setDefault(True)  # Enter continues, once ticked
        self.kept.setFocus()

    def may_leave(self) -> bool:
        """Whether the code may go from the screen (ticked as kept); says why not."""
        if self.kept.isChecked() or not self.code.text():
            return True
        self.message.setText("Tick that the code is kept first: it cannot be shown again.")
        self.kept.setFocus()
        return False

    @Slot()
    def _continue(self) -> None:
        if not self.may_leave():
            return
        self.code.clear()  # not left in a widget once it is kept
        self.done.emit()

    @Slot()
    def print_code(self) -> None:
        """Print the code on a sheet to keep (the print dialog lets the doctor choose)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName("tpchart recovery code")
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery code")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.sheet().print_(printer)

    def sheet(self) -> QTextDocument:
        """The printed sheet: clinic, database, administrator, date, the code, and
        what it is for."""
        return recovery_sheet(
            self.code.text(),
            self._admin,
            self._store.clinic.load().name,
            self._store.location,
        )


class RecoveryCodeDialog(QDialog):
    """A recovery code shown once outside the set-up (after encrypting a database):
    Escape or closing leaves only once it is ticked as kept."""

    def __init__(
        self, store: Store, code: str, admin: str, parent: QWidget | None = None, *,
        renewed: bool = True,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("recoveryCodeDialog")
        self.setWindowTitle("The clinic's recovery code")
        self.page = RecoveryCodePage(store, self)
        self.page.show_code(code, admin, renewed=renewed)
        self.page.done.connect(self.accept)
        QVBoxLayout(self).addWidget(self.page)
        self.setFixedWidth(DIALOG_WIDTH)

    def reject(self) -> None:
        """Not before the code is ticked as kept."""
        if self.page.may_leave():
            self.accept()


def recovery_sheet(code: str, admin: str, clinic: str, database: str) -> QTextDocument:
    """A one-page document holding the recovery code and what it is for."""
    document = QTextDocument()
    document.setDefaultFont(QFont("Sans", 11))
    html = (
        "<h1>tpchart recovery code</h1>"
        f"<p><b>Clinic:</b> {_escape(clinic or 'not named yet')}<br>"
        f"<b>Database:</b> {_escape(database)}<br>"
        f"<b>Administrator at set-up:</b> {_escape(admin)}<br>"
        f"<b>Printed:</b> {date.today().isoformat()}</p>"
        f"<p style='font-family: monospace; font-size: 22pt; font-weight: bold;'>"
        f"{_escape(code)}</p>"
        "<p>This code lets an administrator of this clinic who forgot their passphrase "
        "choose a new one (sign-in window › Forgot passphrase?). Using it gives a new "
        "code and this one stops working.</p>"
        "<p><b>Keep this sheet locked away.</b> Anyone holding it and the computer can "
        "become the clinic's administrator.</p>"
    )
    document.setHtml(html)
    return document


def set_up_clinic(
    parent: QWidget | None, store: Store, operations: Operations | None = None
) -> Practitioner | None:
    """Run the first-run set-up; the administrator (signed in), or None if cancelled."""
    dialog = ClinicSetUpDialog(store, parent, operations=operations)
    return dialog.practitioner if dialog.exec() == QDialog.DialogCode.Accepted else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
