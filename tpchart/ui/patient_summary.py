"""The Patient tab: identity, contact, history, build and standing precautions (with
their sites, where they have one)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from tpchart.core.lung import pleural_depth_mm
from tpchart.core.patient import Patient
from tpchart.ui.session_header import escape
from tpchart.ui.style import CAUTION, banner


class PatientSummary(QWidget):
    """Who the selected patient is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientSummary")
        # Wraps: a long name must not widen the window past a laptop screen.
        self.title = QLabel(objectName="patientTitle", textFormat=Qt.TextFormat.RichText,
                            wordWrap=True)  # fmt: skip
        self.precautions = banner(CAUTION, "patientPrecautions")
        self.details = QLabel(objectName="patientDetails", wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.precautions)
        layout.addWidget(self.details)
        layout.addStretch()

    def show_patient(self, patient: Patient) -> None:
        """Fill in the labels for ``patient``."""
        age = patient.age_on(date.today())
        self.title.setText(
            f"<h2>{escape(patient.full_name)}</h2>{escape(patient.record_number)} · born "
            f"{patient.date_of_birth:%d %b %Y} (age {age}) · {patient.sex.value}"
        )
        self.precautions.setText(f"⚠ Standing precautions: {precautions_text(patient)}")
        self.precautions.setVisible(bool(patient.precautions))
        contact = " · ".join(filter(None, [patient.phone, patient.email])) or "No contact details."
        history = patient.medical_history or "No medical history recorded."
        self.details.setText(f"{contact}\n\n{build_text(patient)}\n\nMedical history:\n{history}")


def precautions_text(patient: Patient) -> str:
    """The standing precautions in words, each sited one with its site(s) as
    `PrecautionSite.text` words it ("Lymphoedema in the limb: left arm ...")."""
    parts = []
    for precaution in sorted(patient.precautions):
        sites = [s for s in patient.precaution_sites if s.precaution is precaution]
        parts += [s.text for s in sites] or [precaution.label]
    return ", ".join(parts)


def build_text(patient: Patient) -> str:
    """The build and what it sets: the depth from which the lung caution warns."""
    depth = f"{pleural_depth_mm(patient.build) / 10:g} cm"
    if patient.build is None:
        return f"Build: not recorded (taken as slim: lung warning from {depth} deep)."
    return f"Build: {patient.build.label.lower()} (lung warning from {depth} deep)."
