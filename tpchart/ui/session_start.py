"""Start a session: complaint, likely cause, pain before, screening and consent in one
panel. Its fields (pain scale, screening checklist) are in ``session_fields``, shared with
the session panel."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient
from tpchart.core.session import DEFAULT_AFTERCARE, Session
from tpchart.store import Store
from tpchart.ui.operations import Operations
from tpchart.ui.session_fields import PainScale, ScreeningChecklist, likely_cause_combo
from tpchart.ui.style import (
    MessageArea,
    WrappingCheckBox,
)

NO_COMPLAINT = "Write the chief complaint to start the session: what brings the patient in today."


class StartSessionDialog(QDialog):
    """The "New session" start panel; on Save the draft session is in the store.

    ``saved`` holds the stored Session after a successful Save, else None.
    """

    def __init__(
        self,
        store: Store,
        patient: Patient,
        parent: QWidget | None = None,
        *,
        operations: Operations | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("startSessionDialog")
        self.setWindowTitle(f"New session — {patient.full_name}")
        self._store = store
        self._operations = operations or Operations(store, self)
        self._patient = patient
        self.saved: Session | None = None

        who = QLabel(objectName="sessionPatient", textFormat=Qt.TextFormat.PlainText)
        who.setText(f"{patient.full_name} · {patient.record_number}")
        who.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.chief_complaint = QLineEdit(objectName="chiefComplaint")
        self.chief_complaint.setPlaceholderText("e.g. neck and shoulder pain after desk work")
        self.likely_cause = likely_cause_combo()
        self.pain_before = PainScale("painBefore", "Pain before")
        form = QFormLayout()
        form.addRow("&Chief complaint", self.chief_complaint)
        form.addRow("Likely ca&use", self.likely_cause)
        form.addRow("&Pain before (0-10)", self.pain_before)

        self.screening = ScreeningChecklist(columns=2)
        self.screening.offer(patient.sex, patient.precautions)
        self.screening.set_values(patient.precautions, ())
        standing = QLabel(objectName="standingNote", wordWrap=True)
        standing.setText(
            "Ticked from the patient's standing precautions: untick what does not apply today."
        )
        standing.setVisible(bool(patient.precautions))
        # Unticked until the doctor has asked: signing needs it, so it must mean it.
        self.screening_done = WrappingCheckBox(
            "Screening &done: all of the above asked today", "screeningDone"
        )

        self.consent_given = QCheckBox(
            "Consent &given after explaining the procedure and needle sites",
            objectName="consentGiven",
        )
        self.consent_by = QLineEdit("Patient", objectName="consentBy")
        self.consent_by.setAccessibleName("Consent given by")
        self.consent_by.setEnabled(False)
        self.consent_given.toggled.connect(self.consent_by.setEnabled)
        consent = QHBoxLayout()
        consent.addWidget(self.consent_given)
        consent.addWidget(QLabel("&by", buddy=self.consent_by))
        consent.addWidget(self.consent_by, stretch=1)

        # Room kept for a refusal, so Start session does not move when one shows.
        self.error = MessageArea("sessionStartError", lines=2)
        self.pain_before.refused.connect(self._show_error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Start session")
        self.save_button.setDefault(True)  # Enter anywhere but in a button saves
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addLayout(form)
        layout.addWidget(standing)
        layout.addWidget(self.screening)
        layout.addWidget(self.screening_done)
        layout.addLayout(consent)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._set_tab_order(buttons)
        self.chief_complaint.setFocus()

    def _set_tab_order(self, buttons: QDialogButtonBox) -> None:
        # The order of the consultation: assessment, screening, consent, then Save.
        chain: list[QWidget] = [
            self.chief_complaint,
            self.likely_cause,
            self.pain_before,
            *self.screening.checkboxes(),
            self.screening_done,
            self.consent_given,
            self.consent_by,
            *buttons.buttons(),
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def session(self) -> Session:
        """The session as entered; raises ValidationError with a readable message."""
        complaint = self.chief_complaint.text().strip()
        if not complaint:
            raise ValidationError(NO_COMPLAINT)
        now = datetime.now().astimezone()
        consent = self.consent_given.isChecked()
        return Session(
            patient_id=self._patient.id,  # type: ignore[arg-type]
            practitioner_id=self._store.practitioner_id,  # type: ignore[arg-type]
            started_at=now,
            chief_complaint=complaint,
            likely_cause=self.likely_cause.currentData(),
            pain_before=self.pain_before.value(),
            consent_given=consent,
            consent_by=self.consent_by.text().strip() if consent else "",
            consent_at=now if consent else None,
            screening_done=self.screening_done.isChecked(),
            contraindications=self.screening.contraindications(),
            red_flags=self.screening.red_flags(),
            # Pre-filled so the advice is on record and editable in the session panel.
            aftercare_text=DEFAULT_AFTERCARE,
        )

    def accept(self) -> None:
        """Start the session, or show what is wrong and keep everything entered."""
        self.saved = self._operations.start_session(self.session, self._show_error)
        if self.saved is not None:
            super().accept()
        elif not self.chief_complaint.text().strip():
            self.chief_complaint.setFocus()  # where the message asks to write

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
