"""New / edit patient dialog: validation messages appear in the dialog, nothing is lost."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.patient import Patient, Sex
from tpchart.core.screening import Precaution
from tpchart.store import Store
from tpchart.ui.operations import Operations
from tpchart.ui.style import error_label


class PatientDialog(QDialog):
    """Asks for a patient's details and saves them through the operations on OK."""

    def __init__(
        self,
        store: Store,
        patient: Patient | None = None,
        parent: QWidget | None = None,
        *,
        operations: Operations | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("patientDialog")
        self.setWindowTitle("Edit patient" if patient else "New patient")
        self._store = store
        self._operations = operations or Operations(store, self)
        self._original = patient
        self.saved: Patient | None = None

        self.full_name = QLineEdit(objectName="fullName")
        self.record_number = QLineEdit(objectName="recordNumber")
        self.date_of_birth = QDateEdit(objectName="dateOfBirth", calendarPopup=True)
        self.date_of_birth.setDisplayFormat("dd MMM yyyy")
        self.date_of_birth.setMaximumDate(QDate.currentDate())
        self.date_of_birth.setMinimumDate(QDate(1900, 1, 1))
        self.date_of_birth.setDate(QDate(1980, 1, 1))
        self.sex = QComboBox(objectName="sex")
        for sex in Sex:
            self.sex.addItem(sex.value.capitalize(), sex)
        self.phone = QLineEdit(objectName="phone")
        self.email = QLineEdit(objectName="email")
        self.history = QPlainTextEdit(objectName="medicalHistory")
        self.history.setTabChangesFocus(True)
        self.history.setFixedHeight(70)

        form = QFormLayout()
        form.addRow("Full name", self.full_name)
        form.addRow("Record number", self.record_number)
        form.addRow("Date of birth", self.date_of_birth)
        form.addRow("Sex", self.sex)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        form.addRow("Medical history", self.history)

        precautions = QGroupBox("Standing precautions (shown while charting)")
        grid = QGridLayout(precautions)
        self.precaution_boxes: dict[Precaution, QCheckBox] = {}
        for i, precaution in enumerate(Precaution):
            box = QCheckBox(precaution.label, objectName=f"precaution_{precaution.value}")
            self.precaution_boxes[precaution] = box
            grid.addWidget(box, i // 2, i % 2)

        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(precautions)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if patient:
            self._fill(patient)
        else:
            self.record_number.setText(self._suggest_record_number())

    def _fill(self, p: Patient) -> None:
        self.full_name.setText(p.full_name)
        self.record_number.setText(p.record_number)
        self.date_of_birth.setDate(
            QDate(p.date_of_birth.year, p.date_of_birth.month, p.date_of_birth.day)
        )
        self.sex.setCurrentIndex(self.sex.findData(p.sex))
        self.phone.setText(p.phone)
        self.email.setText(p.email)
        self.history.setPlainText(p.medical_history)
        for precaution, box in self.precaution_boxes.items():
            box.setChecked(precaution in p.precautions)

    def _suggest_record_number(self) -> str:
        return f"P-{self._store.patients.count(include_archived=True) + 1:05d}"

    def patient(self) -> Patient:
        """The patient as entered; raises ValidationError with a readable message."""
        values = dict(
            full_name=self.full_name.text().strip(),
            record_number=self.record_number.text().strip(),
            date_of_birth=self.date_of_birth.date().toPython(),
            sex=self.sex.currentData(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            medical_history=self.history.toPlainText(),
            precautions=frozenset(p for p, box in self.precaution_boxes.items() if box.isChecked()),
        )
        if self._original:
            return replace(self._original, **values)
        return Patient(**values)

    def accept(self) -> None:
        """Save, or show what is wrong and keep everything typed."""
        self.saved = self._operations.save_patient(self.patient, self._show_error)
        if self.saved is not None:
            super().accept()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def keyPressEvent(self, event) -> None:
        # Enter in a line edit saves; a doctor expects that, Escape cancels.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.history.hasFocus():
            self.accept()
            return
        super().keyPressEvent(event)
