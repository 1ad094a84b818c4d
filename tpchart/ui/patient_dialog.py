"""New / edit patient dialog: validation messages appear in the dialog, nothing is lost.

A new patient whose name and date of birth match a patient already on file is not added
without asking: the doctor may open the existing record instead (``existing``).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import TpchartError
from tpchart.core.patient import Patient, Sex
from tpchart.core.screening import Precaution, precautions_for
from tpchart.core.validation import check_text
from tpchart.store import Store
from tpchart.ui.date_entry import DateOfBirthEntry
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
        # The patient already on file that the doctor chose to open instead of adding
        # a duplicate; the caller selects them. None otherwise.
        self.existing: Patient | None = None
        # The question asked about a possible duplicate, while it is open (for tests).
        self.duplicate_question: QMessageBox | None = None

        self.full_name = QLineEdit(objectName="fullName")
        self.record_number = QLineEdit(objectName="recordNumber")
        # Starts empty for a new patient: a default date would be saved unseen.
        self.date_of_birth = DateOfBirthEntry()
        self.sex = QComboBox(objectName="sex")
        for sex in Sex:
            self.sex.addItem(sex.value.capitalize(), sex)
        # Nothing chosen is recorded as unknown, not as the first sex in the list.
        self.sex.setCurrentIndex(self.sex.findData(Sex.UNKNOWN))
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
        self._precaution_grid = QGridLayout(precautions)
        self.precaution_boxes: dict[Precaution, QCheckBox] = {}
        for precaution in Precaution:
            box = QCheckBox(
                precaution.label, precautions, objectName=f"precaution_{precaution.value}"
            )
            self.precaution_boxes[precaution] = box

        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(precautions)
        # Spare height goes here, not into the form's rows, when the list of precautions
        # gets shorter (a male patient) or an error line comes and goes.
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if patient:
            self._fill(patient)
        else:
            self.record_number.setText(self._suggest_record_number())
        self._offer_precautions()
        self.sex.currentIndexChanged.connect(self._offer_precautions)

    @Slot()
    def _offer_precautions(self) -> None:
        """Lay out the precautions worth asking of the chosen sex (no pregnancy for a
        male patient), plus any already ticked: a recorded precaution is never hidden,
        or it would be saved without the doctor seeing it."""
        offered = set(precautions_for(self._chosen_sex()))
        shown = [p for p, box in self.precaution_boxes.items() if p in offered or box.isChecked()]
        for box in self.precaution_boxes.values():
            self._precaution_grid.removeWidget(box)
        # Packed into two columns again, so a hidden item leaves no hole in the grid.
        for i, precaution in enumerate(shown):
            self._precaution_grid.addWidget(self.precaution_boxes[precaution], i // 2, i % 2)
        for precaution, box in self.precaution_boxes.items():
            box.setVisible(precaution in shown)

    def _chosen_sex(self) -> Sex:
        # Qt hands item data back as a plain str: made a Sex again here.
        return Sex(self.sex.currentData())

    def _fill(self, p: Patient) -> None:
        self.full_name.setText(p.full_name)
        self.record_number.setText(p.record_number)
        self.date_of_birth.setDate(p.date_of_birth)
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
        full_name = self.full_name.text().strip()
        record_number = self.record_number.text().strip()
        # Asked in the order of the form: a missing name is named before a missing date.
        check_text("Full name", full_name, required=True)
        check_text("Record number", record_number, required=True)
        values = dict(
            full_name=full_name,
            record_number=record_number,
            date_of_birth=self.date_of_birth.value(),
            sex=self._chosen_sex(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            medical_history=self.history.toPlainText(),
            precautions=frozenset(p for p, box in self.precaution_boxes.items() if box.isChecked()),
        )
        if self._original:
            return replace(self._original, **values)
        return Patient(**values)

    def accept(self) -> None:
        """Save, or show what is wrong and keep everything typed. A new patient who
        looks like one already on file is added only if the doctor says so."""
        if self._original is None and not self._confirm_new_person():
            return
        self.saved = self._operations.save_patient(self.patient, self._show_error)
        if self.saved is not None:
            super().accept()

    def _confirm_new_person(self) -> bool:
        """True to go on adding; False when the doctor went back to the form or chose
        to open the patient already on file (``existing``; the dialog then closes)."""
        try:
            entered = self.patient()
            matches = self._store.patients.same_person(entered.full_name, entered.date_of_birth)
        except TpchartError:
            return True  # saving reports what is wrong, the same way as ever
        if not matches:
            return True
        question = QMessageBox(
            QMessageBox.Icon.Warning,
            "Possible duplicate",
            "A patient with this name and date of birth already exists: "
            + "; ".join(_identify(p) for p in matches),
            parent=self,
        )
        question.setInformativeText(
            "Open the existing record, or add a new patient anyway if this is someone else."
        )
        open_existing = question.addButton("Open existing", QMessageBox.ButtonRole.AcceptRole)
        add_anyway = question.addButton("Add anyway", QMessageBox.ButtonRole.DestructiveRole)
        go_back = question.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
        # Enter opens the record on file (most likely the same person); Escape goes back.
        question.setDefaultButton(open_existing)
        question.setEscapeButton(go_back)
        self.duplicate_question = question
        try:
            question.exec()
        finally:
            self.duplicate_question = None
        chosen = question.clickedButton()
        if chosen is add_anyway:
            return True
        if chosen is open_existing:
            self.existing = matches[0]
            self.done(QDialog.DialogCode.Accepted)
        return False

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        # The cursor goes where the correction is typed.
        field = next((w for label, w in self._fields() if message.startswith(label)), None)
        if field is not None:
            field.setFocus()

    def _fields(self) -> list[tuple[str, QWidget]]:
        """Each field with the label its messages start with."""
        return [
            ("Full name", self.full_name),
            ("Record number", self.record_number),
            ("Date of birth", self.date_of_birth),
            ("Phone", self.phone),
            ("E-mail", self.email),
            ("Medical history", self.history),
        ]

    def keyPressEvent(self, event) -> None:
        # Enter in a line edit saves; a doctor expects that, Escape cancels.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.history.hasFocus():
            self.accept()
            return
        super().keyPressEvent(event)


def _identify(patient: Patient) -> str:
    """A patient as named in the duplicate question: "陈美玲, P-00012 (archived)"."""
    archived = " (archived)" if patient.archived else ""
    return f"{patient.full_name}, {patient.record_number}{archived}"
