"""Settings → Clinic profile…: the letterhead printed on every PDF, entered once."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.clinic import ClinicProfile
from tpchart.store import Store
from tpchart.ui.operations import Operations
from tpchart.ui.style import error_label


class ClinicDialog(QDialog):
    """Edits the clinic's name, address, phone and e-mail; saves through the operations
    on OK."""

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clinicDialog")
        self.setWindowTitle("Clinic profile")
        self.setMinimumWidth(460)
        self._store = store
        self._operations = operations or Operations(store, self)
        self.saved: ClinicProfile | None = None

        self.name = QLineEdit(objectName="clinicName", placeholderText="e.g. Riverside Pain Clinic")
        self.address = QPlainTextEdit(objectName="clinicAddress")
        self.address.setTabChangesFocus(True)
        self.address.setPlaceholderText("Street and number\nPostcode and town")
        self.address.setFixedHeight(72)
        self.phone = QLineEdit(objectName="clinicPhone")
        self.email = QLineEdit(objectName="clinicEmail")

        hint = QLabel(
            "Printed at the top of every clinical record, aftercare sheet and progress report. "
            "The doctor's name comes from the practitioner of each session.",
            wordWrap=True,
        )
        form = QFormLayout()
        form.addRow("Clinic name", self.name)
        form.addRow("Address", self.address)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._fill(store.clinic.load())

    def _fill(self, profile: ClinicProfile) -> None:
        self.name.setText(profile.name)
        self.address.setPlainText(profile.address)
        self.phone.setText(profile.phone)
        self.email.setText(profile.email)

    def profile(self) -> ClinicProfile:
        """The profile as entered; raises ValidationError with a readable message."""
        return ClinicProfile(
            name=self.name.text().strip(),
            address=self.address.toPlainText().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
        )

    def accept(self) -> None:
        """Save, or show what is wrong and keep everything typed."""
        self.saved = self._operations.save_clinic(self.profile, self._show_error)
        if self.saved is not None:
            super().accept()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def edit_clinic_profile(
    parent: QWidget | None, store: Store, operations: Operations | None = None
) -> ClinicProfile | None:
    """Show the dialog; the saved profile, or None if cancelled."""
    dialog = ClinicDialog(store, parent, operations=operations)
    return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
