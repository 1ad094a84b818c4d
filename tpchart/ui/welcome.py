"""First run on an empty database: who is charting, then a first patient, or a look at
the demo database (a separate file; see ``tpchart.ui.demo_mode``)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.clinic import ClinicProfile
from tpchart.core.errors import ValidationError
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.ui.operations import Changed, Operations, What
from tpchart.ui.style import error_label


class WelcomePage(QWidget):
    """Shown while the database holds no patients."""

    new_patient_requested = Signal()
    demo_requested = Signal()

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self._store = store
        self._operations = operations or Operations(store, self)
        title = QLabel("<h1>Welcome to tpchart</h1>")
        intro = QLabel(
            "Chart trigger points and dry needling on body maps, print a summary for the "
            "patient, and follow progress across sessions. Everything is saved as you go, "
            + (
                f"in a database on this computer:<br><code>{escape(str(store.file))}</code>"
                if store.file is not None
                else f"on {escape(store.location)}, shared by the clinic's computers."
            ),
            wordWrap=True,
        )
        self.name = QLineEdit(objectName="practitionerName")
        self.name.setPlaceholderText("e.g. Dr Ana Souza")
        self.registration = QLineEdit(objectName="practitionerRegistration")
        self.who = QWidget()
        form = QFormLayout(self.who)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Your name, as it appears on records", self.name)
        form.addRow("Registration number (optional)", self.registration)
        # Asked once, here, so no printed document ever carries a "not set" heading.
        self.clinic_name = QLineEdit(objectName="welcomeClinicName")
        self.clinic_name.setPlaceholderText("e.g. Riverside Pain Clinic")
        self.clinic_address = QLineEdit(objectName="welcomeClinicAddress")
        self.clinic_address.setPlaceholderText("Street and number, postcode and town")
        self.clinic = QWidget()
        clinic_form = QFormLayout(self.clinic)
        clinic_form.setContentsMargins(0, 0, 0, 0)
        clinic_form.addRow("Clinic name, printed on every document", self.clinic_name)
        clinic_form.addRow("Clinic address (optional)", self.clinic_address)
        self.error = error_label()
        self.new_patient = QPushButton("New patient…", objectName="welcomeNewPatient")
        self.demo = QPushButton("Try with demo patients", objectName="welcomeLoadDemo")
        self.demo.setToolTip(
            "Opens a separate demo database of made-up patients; your own database stays "
            "empty. The banner there leads back."
        )
        self.new_patient.setDefault(True)
        self.new_patient.clicked.connect(self._new_patient)
        self.demo.clicked.connect(self._demo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_patient)
        buttons.addWidget(self.demo)
        buttons.addStretch()
        column = QVBoxLayout()
        for widget in (title, intro, self.who, self.clinic, self.error):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addStretch()
        box = QWidget(maximumWidth=640)
        box.setLayout(column)
        outer = QHBoxLayout(self)
        outer.addWidget(box, alignment=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.refresh()

    def refresh(self) -> None:
        """Ask for the practitioner only while nobody is chosen, and for the clinic
        only while its profile is empty."""
        self.who.setVisible(self._store.practitioner_id is None)
        self.clinic.setVisible(self._store.clinic.load().is_empty)

    def _ensure_practitioner(self) -> bool:
        """Who is charting and the clinic's name, saved together in one transaction;
        False (and the reason shown) when something is missing or refused."""
        store = self._store
        need_who, need_clinic = store.practitioner_id is None, store.clinic.load().is_empty
        if not need_who and not need_clinic:
            return True

        def first_run() -> Practitioner | None:
            # Checked in the order of the form: who first, then the clinic.
            who = (
                Practitioner(
                    name=self.name.text().strip(), registration=self.registration.text().strip()
                )
                if need_who
                else None
            )
            name = self.clinic_name.text().strip()
            if need_clinic and not name:
                raise ValidationError("Clinic name is required: it heads every printed document")
            profile = ClinicProfile(name=name, address=self.clinic_address.text().strip())
            practitioner = None
            with store.transaction():
                if who is not None:
                    practitioner = store.practitioners.add(who)
                if need_clinic:
                    store.clinic.save(profile)
            if practitioner is not None:  # charting as them once both are on disk
                store.practitioner_id = practitioner.id
            return practitioner

        done = self._operations.run(first_run, lambda p: Changed(What.PRACTITIONER, p),
                                    self._refused)  # fmt: skip
        if done is None and (store.practitioner_id is None or store.clinic.load().is_empty):
            return False
        self.error.hide()
        self.refresh()
        return True

    def _refused(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.name.setFocus()

    @Slot()
    def _new_patient(self) -> None:
        if self._ensure_practitioner():
            self.new_patient_requested.emit()

    @Slot()
    def _demo(self) -> None:
        # The demo has its own made-up doctor: nobody's name goes on demo records.
        self.demo_requested.emit()
