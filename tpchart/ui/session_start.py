"""Start a session: complaint, likely cause, pain before, screening and consent in one panel.

Also home of the two pieces the session panel reuses: the 0-10 pain scale and the
screening checklist with its referral banner.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QElapsedTimer, Qt, Signal, Slot
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.patient import Patient
from tpchart.core.screening import REFERRAL_ADVICE, Precaution, RedFlag
from tpchart.core.session import DEFAULT_AFTERCARE, LikelyCause, Session
from tpchart.store import Store
from tpchart.ui.operations import Operations
from tpchart.ui.style import WARNING, banner, error_label

# The checked score must read at a glance and stay readable when the session is signed
# (disabled); white on these blues/greys is above 7:1.
_SCALE_STYLE = """
QToolButton { border: 1px solid #9aa0a6; border-radius: 3px; background: #ffffff;
              color: #202124; min-width: 22px; min-height: 22px; padding: 0px; }
QToolButton:hover { background: #e8f0fe; }
QToolButton:checked { background: #1a56b0; color: #ffffff; font-weight: bold;
                      border-color: #0b3a7a; }
QToolButton:disabled { color: #5f6368; background: #f1f3f4; }
QToolButton:checked:disabled { background: #5f6368; color: #ffffff; }
"""
_FOCUS = "QFrame#{name} {{ border: 2px solid {colour}; border-radius: 4px; }}"


class ScrollSafeCombo(QComboBox):
    """A combo that ignores the mouse wheel unless focused: scrolling a form past it
    must not change (and save) a clinical value by accident."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # goes on to the scroll area


def likely_cause_combo(object_name: str = "likelyCause") -> QComboBox:
    """A combo of the likely causes with a blank first entry for "not stated"."""
    combo = ScrollSafeCombo(objectName=object_name)
    combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus by wheel either
    combo.addItem("— not stated —", None)
    for cause in LikelyCause:
        combo.addItem(cause.label, cause)
    return combo


class PainScale(QFrame):
    """Numeric rating scale 0-10 as eleven toggle buttons: one click or one key sets it.

    With focus: keys 0-9 set the score, "1" then "0" typed quickly gives 10 (the
    type-ahead a list view uses), arrows step, Delete or Backspace clears it to
    "not recorded". Clicking the chosen score again also clears it.
    """

    value_changed = Signal(object)  # int | None

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("0 = no pain, 10 = worst imaginable. Keys 0-9, 1 0 for 10, Del clears.")
        self._value: int | None = None
        self._last_digit: str | None = None
        self._typed = QElapsedTimer()
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for score in range(11):
            button = QToolButton(text=str(score), checkable=True, objectName=f"score{score}")
            # One Tab stop for the whole scale; the keys above do the rest.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, s=score: self._clicked(s))
            row.addWidget(button)
            self.buttons.append(button)
        row.addStretch()
        self._show_focus(False)
        self._sync()

    def value(self) -> int | None:
        """The chosen score, or None when not recorded."""
        return self._value

    def set_value(self, value: int | None) -> None:
        """Choose a score (None clears); emits value_changed when it differs."""
        if value is not None:
            value = max(0, min(10, value))
        if value == self._value:
            self._sync()
            return
        self._value = value
        self._sync()
        self.value_changed.emit(value)

    def _sync(self) -> None:
        for score, button in enumerate(self.buttons):
            button.setChecked(score == self._value)
        shown = "not recorded" if self._value is None else str(self._value)
        self.setAccessibleDescription(f"Pain {shown} out of 10")

    def _clicked(self, score: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.set_value(None if score == self._value else score)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text, key = event.text(), event.key()
        if len(text) == 1 and text.isdigit():
            quick = (
                self._typed.isValid()
                and self._typed.elapsed() < QApplication.keyboardInputInterval()
            )
            if text == "0" and quick and self._last_digit == "1" and self._value == 1:
                self.set_value(10)
            else:
                self.set_value(int(text))
            self._last_digit = text
            self._typed.restart()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Up):
            self.set_value(0 if self._value is None else self._value + 1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Down):
            self.set_value(0 if self._value is None else self._value - 1)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_value(None)
        else:
            super().keyPressEvent(event)  # Enter, Tab, Escape go on to the dialog

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._show_focus(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._show_focus(False)
        super().focusOutEvent(event)

    def _show_focus(self, focused: bool) -> None:
        colour = "#1a73e8" if focused else "transparent"
        self.setStyleSheet(_SCALE_STYLE + _FOCUS.format(name=self.objectName(), colour=colour))


class ScreeningChecklist(QWidget):
    """Contraindications and precautions plus the neck red flags, as checkboxes.

    A ticked red flag shows the referral banner at once (clinical.md: "refer for
    medical assessment"); ticked items are coloured so a positive answer stands out.
    """

    changed = Signal()  # the user ticked or unticked something

    def __init__(
        self, columns: int = 2, show_referral: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screeningChecklist")
        self._show_referral = show_referral  # off where the owner shows its own banner
        # Qt ignores font changes on pseudo-states, so a positive answer is coloured
        # (same dark amber / red as the caution and warning banners, above 7:1 on white).
        self.setStyleSheet(
            "QCheckBox:disabled { color: #3c4043; }"
            "QCheckBox:checked { color: #5c4400; }"
            "#redFlags QCheckBox:checked { color: #7a0b0b; }"
        )
        self.precaution_boxes: dict[Precaution, QCheckBox] = {}
        self.red_flag_boxes: dict[RedFlag, QCheckBox] = {}

        precautions = QGroupBox("Contraindications and precautions today", objectName="precautions")
        grid = QGridLayout(precautions)
        rows = (len(Precaution) + columns - 1) // columns
        for i, precaution in enumerate(Precaution):
            box = QCheckBox(precaution.label, objectName=f"precaution_{precaution.value}")
            box.toggled.connect(self._toggled)
            self.precaution_boxes[precaution] = box
            # Fill column by column so Tab reads down the list, as on a paper form.
            grid.addWidget(box, i % rows, i // rows)

        red_flags = QGroupBox("Neck red flags", objectName="redFlags")
        flags = QHBoxLayout(red_flags)
        for flag in RedFlag:
            box = QCheckBox(flag.label, objectName=f"redFlag_{flag.value}")
            box.toggled.connect(self._toggled)
            self.red_flag_boxes[flag] = box
            flags.addWidget(box)
        flags.addStretch()

        self.referral = banner(WARNING, "referralBanner")
        self.referral.setText("⚠ " + REFERRAL_ADVICE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(precautions)
        layout.addWidget(red_flags)
        layout.addWidget(self.referral)

    def checkboxes(self) -> list[QCheckBox]:
        """Every box in reading order (precautions column by column, then red flags)."""
        return [*self.precaution_boxes.values(), *self.red_flag_boxes.values()]

    def set_values(
        self, contraindications: Iterable[Precaution], red_flags: Iterable[RedFlag]
    ) -> None:
        """Tick exactly these, without emitting ``changed``."""
        ticked = {*contraindications, *red_flags}
        for item, box in [*self.precaution_boxes.items(), *self.red_flag_boxes.items()]:
            box.blockSignals(True)
            box.setChecked(item in ticked)
            box.blockSignals(False)
        self._update_referral()

    def contraindications(self) -> frozenset[Precaution]:
        """The ticked contraindications and precautions."""
        return frozenset(p for p, box in self.precaution_boxes.items() if box.isChecked())

    def red_flags(self) -> frozenset[RedFlag]:
        """The ticked red flags."""
        return frozenset(f for f, box in self.red_flag_boxes.items() if box.isChecked())

    def set_editable(self, editable: bool) -> None:
        """Enable or disable every box (a signed session is read-only)."""
        for box in self.checkboxes():
            box.setEnabled(editable)

    @Slot(bool)
    def _toggled(self, _checked: bool) -> None:
        self._update_referral()
        self.changed.emit()

    def _update_referral(self) -> None:
        self.referral.setVisible(self._show_referral and bool(self.red_flags()))


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
        self.pain_before = PainScale("painBefore")
        form = QFormLayout()
        form.addRow("&Chief complaint", self.chief_complaint)
        form.addRow("Likely ca&use", self.likely_cause)
        form.addRow("&Pain before (0-10)", self.pain_before)

        self.screening = ScreeningChecklist(columns=2)
        self.screening.set_values(patient.precautions, ())
        standing = QLabel(objectName="standingNote", wordWrap=True)
        standing.setText(
            "Ticked from the patient's standing precautions: untick what does not apply today."
        )
        standing.setVisible(bool(patient.precautions))

        self.consent_given = QCheckBox(
            "Consent &given after explaining the procedure and needle sites",
            objectName="consentGiven",
        )
        self.consent_by = QLineEdit("Patient", objectName="consentBy")
        self.consent_by.setEnabled(False)
        self.consent_given.toggled.connect(self.consent_by.setEnabled)
        consent = QHBoxLayout()
        consent.addWidget(self.consent_given)
        consent.addWidget(QLabel("&by", buddy=self.consent_by))
        consent.addWidget(self.consent_by, stretch=1)

        self.error = error_label()
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
            self.consent_given,
            self.consent_by,
            *buttons.buttons(),
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def session(self) -> Session:
        """The session as entered; raises ValidationError with a readable message."""
        now = datetime.now().astimezone()
        consent = self.consent_given.isChecked()
        return Session(
            patient_id=self._patient.id,  # type: ignore[arg-type]
            practitioner_id=self._store.practitioner_id,  # type: ignore[arg-type]
            started_at=now,
            chief_complaint=self.chief_complaint.text().strip(),
            likely_cause=self.likely_cause.currentData(),
            pain_before=self.pain_before.value(),
            consent_given=consent,
            consent_by=self.consent_by.text().strip() if consent else "",
            consent_at=now if consent else None,
            screening_done=True,
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

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
