"""Start a session: complaint, likely cause, pain before, screening (with the decision a
ticked red flag needs) and consent in one panel. Its fields (``session_fields``,
``screening_checklist``) are shared with the session panel."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient
from tpchart.core.screening import RedFlag, RedFlagDecision, decision_after
from tpchart.core.session import DEFAULT_AFTERCARE, Session
from tpchart.store import Store
from tpchart.ui.operations import Operations, Report
from tpchart.ui.red_flag_decision import (
    RedFlagBar,
    RedFlagDecisionDialog,
    decision_refusal,
)
from tpchart.ui.screening_checklist import ScreeningChecklist
from tpchart.ui.session_fields import PainScale, likely_cause_combo
from tpchart.ui.style import (
    MessageArea,
    WrappingCheckBox,
)

NO_COMPLAINT = "Write the chief complaint to start the session: what brings the patient in today."


# Room left for the window's title bar and frame, which the available screen area
# does not include (about 30 device pixels on common desktops).
TITLE_BAR = 40
# The checklist's width in average characters: the precautions, and beside them most
# red flags on one line (the longest, the cervical arterial signs, on two).
WIDTH = 120


class ChecklistScroll(QScrollArea):
    """The screening checklist, scrolling only where the screen is too short for it
    (1366x768 at 125 %): the dialog keeps its buttons on screen, and the answers wrap
    whole instead of being cut, since a scroll area gives its widget the height its
    wrapped text needs at the width it has."""

    def __init__(self, checklist: ScreeningChecklist, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="screeningScroll", widgetResizable=True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(checklist)

    def sizeHint(self) -> QSize:
        # QScrollArea caps its hint at 24 lines; the dialog wants the whole list when
        # the screen has room, and is itself capped by the screen (`_fit_to_screen`).
        # Wide enough for most red flags on one line: the laptop is wide and short.
        widget = self.widget()
        width = max(widget.sizeHint().width(), self.fontMetrics().averageCharWidth() * WIDTH)
        height = widget.heightForWidth(width) if widget.hasHeightForWidth() else -1
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(width + bar, max(height, widget.sizeHint().height()))


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
        # The red-flag decision, kept here until the session is started with it.
        self._decision: RedFlagDecision | None = None
        self._reason = ""
        self._flags_before: frozenset[RedFlag] = frozenset()
        self._fitted = False

        who = QLabel(objectName="sessionPatient", textFormat=Qt.TextFormat.PlainText)
        who.setText(f"{patient.full_name} · {patient.record_number}")
        who.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.chief_complaint = QLineEdit(objectName="chiefComplaint")
        self.chief_complaint.setPlaceholderText("e.g. neck and shoulder pain after desk work")
        self.likely_cause = likely_cause_combo()
        self.pain_before = PainScale("painBefore", "Pain before")
        pain_label = QLabel("&Pain before (0-10)", buddy=self.pain_before)
        # Cause and pain share a row: the screen's height goes to the screening.
        cause_and_pain = QHBoxLayout()
        cause_and_pain.addWidget(self.likely_cause, stretch=1)
        cause_and_pain.addSpacing(12)
        cause_and_pain.addWidget(pain_label)
        cause_and_pain.addWidget(self.pain_before)
        form = QFormLayout()
        form.addRow("&Chief complaint", self.chief_complaint)
        # A row holding a layout gets no buddy: without one "&" would show literally.
        cause_label = QLabel("Likely ca&use", buddy=self.likely_cause)
        # Level with the combo, not with the top of the taller pain scale.
        cause_label.setMinimumHeight(self.pain_before.sizeHint().height())
        cause_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(cause_label, cause_and_pain)

        self.screening = ScreeningChecklist(columns=2)
        self.screening.offer(patient.sex, patient.precautions)
        self.screening.set_standing_sites(patient.precaution_sites)
        self.screening.set_values(patient.precautions, (), (), patient.precaution_sites)
        self.screening.changed.connect(self._screening_changed)
        self.screening_scroll = ChecklistScroll(self.screening)
        standing = QLabel(objectName="standingNote", wordWrap=True)
        standing.setText("Standing precautions are ticked: untick what does not apply today.")
        standing.setVisible(bool(patient.precautions))
        # Outside the scrolling list, so a red flag ticked anywhere in it is answered here.
        self.red_flag_bar = RedFlagBar("startRedFlag", beside=True)
        self.red_flag_bar.decide_requested.connect(self.decide_red_flag)
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
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # Who, and the note on the standing precautions, share the top line: the
        # short laptop screen's height goes to the checklist.
        top = QHBoxLayout()
        top.addWidget(who)
        top.addSpacing(16)
        top.addWidget(standing, stretch=1, alignment=Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.screening_scroll, stretch=1)
        layout.addWidget(self.red_flag_bar)
        layout.addWidget(self.screening_done)
        layout.addLayout(consent)
        # A refusal is said beside the buttons: the short screen's height goes to the list.
        ending = QHBoxLayout()
        ending.addWidget(self.error, stretch=1)
        ending.addWidget(buttons, alignment=Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(ending)
        # Once in the dialog, so no other button can be its default: Enter anywhere but
        # in a button saves.
        self.save_button.setDefault(True)
        self._set_tab_order(buttons)
        self.chief_complaint.setFocus()

    def _set_tab_order(self, buttons: QDialogButtonBox) -> None:
        # The order of the consultation: assessment, screening, consent, then Save.
        chain: list[QWidget] = [
            self.chief_complaint,
            self.likely_cause,
            self.pain_before,
            *self.screening.focus_chain(),
            self.red_flag_bar.button,
            self.screening_done,
            self.consent_given,
            self.consent_by,
            *buttons.buttons(),
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._fitted:
            self._fitted = True
            self._fit_to_screen()
        super().showEvent(event)

    def _fit_to_screen(self) -> None:
        """As large as the whole checklist wants, but never larger than the screen: on a
        short screen the checklist scrolls and the buttons stay in sight."""
        available = self.screen().availableGeometry()
        width = min(self.sizeHint().width(), available.width() - 16)
        self.resize(width, self.sizeHint().height())
        layout = self.layout()
        if layout is not None:
            layout.activate()
        # Tall enough for every red flag and the decision bar, so ticking a complaint
        # area or a red flag never makes the dialog grow or the list scroll, where the
        # screen has room; on a short screen the list scrolls instead.
        scroll = self.screening_scroll
        inner = scroll.width() - scroll.verticalScrollBar().sizeHint().width()
        bar = self.red_flag_bar
        bar_height = (
            0
            if bar.isVisible()
            else (2 * bar.label.fontMetrics().lineSpacing() + bar.button.sizeHint().height() + 16)
        )
        others = self.sizeHint().height() - scroll.sizeHint().height()
        wanted = others + self.screening.height_with_every_flag(inner) + bar_height
        self.resize(width, min(wanted, available.height() - TITLE_BAR))

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
            complaint_areas=self.screening.complaint_areas(),
            red_flag_decision=self._decision,
            red_flag_reason=self._reason,
            precaution_sites=self.screening.precaution_sites(),
            # Pre-filled so the advice is on record and editable in the session panel.
            aftercare_text=DEFAULT_AFTERCARE,
        )

    def _screening_changed(self) -> None:
        flags = self.screening.red_flags()
        self._decision, self._reason = decision_after(
            self._flags_before, flags, self._decision, self._reason
        )
        self._flags_before = flags
        self._show_red_flags()

    def _show_red_flags(self) -> None:
        self.red_flag_bar.show_state(self.screening.red_flags(), self._decision, self._reason)

    def decide_red_flag(self) -> None:
        """Ask for the decision on the ticked red flags (kept until Start session)."""
        flags = self.screening.red_flags()
        if not flags:
            return

        def decided(decision: RedFlagDecision, reason: str, report: Report) -> bool:
            problem = decision_refusal(flags, decision, reason)
            if problem:
                report(problem)
                return False
            self._decision, self._reason = decision, reason
            return True

        dialog = RedFlagDecisionDialog(flags, self._decision, self._reason, decided, self)
        dialog.exec()
        self._show_red_flags()

    def accept(self) -> None:
        """Start the session, or show what is wrong and keep everything entered."""
        self.saved = self._operations.start_session(self.session, self._show_error)
        if self.saved is not None:
            super().accept()
        elif not self.chief_complaint.text().strip():
            self.chief_complaint.setFocus()  # where the message asks to write

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
