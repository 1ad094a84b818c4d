"""The left column of the window: "New patient…", the patient search and list, and
the chosen patient's sessions with "New session…"."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tpchart.store import Store
from tpchart.ui.patient_list import PatientListPanel
from tpchart.ui.session_list import SessionList


class PatientColumn(QWidget):
    """Patients above, the selected patient's sessions below."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="leftColumn")
        self.patients = PatientListPanel(store)
        self.new_patient_button = QPushButton("New patient…", objectName="newPatientButton")
        self.new_session_button = QPushButton("New session…", objectName="newSessionButton")
        self.sessions = SessionList()
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 0, 6)
        column.addWidget(self.new_patient_button)
        column.addWidget(self.patients, stretch=3)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<b>Sessions</b>"))
        heading.addStretch()
        heading.addWidget(self.new_session_button)
        column.addLayout(heading)
        column.addWidget(self.sessions, stretch=2)

    def update_buttons(self, writable: bool, has_patient: bool) -> None:
        """New patients need a writable database; new sessions a patient too."""
        self.new_patient_button.setEnabled(writable)
        self.new_session_button.setEnabled(writable and has_patient)
