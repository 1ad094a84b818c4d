"""The session form: every session field as a widget, filled from a Session without echoes.

The form only shows; ``SessionPanel`` saves what the doctor changes.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import ValidationError
from tpchart.core.session import COMMON_ADVERSE_EVENTS, AdverseEvent, Session, Severity
from tpchart.ui.session_fields import (
    PainScale,
    ScreeningChecklist,
    ScrollSafeCombo,
    likely_cause_combo,
)
from tpchart.ui.style import WrappingCheckBox, readable_when_disabled, warning_text_colour

# Outcome measures: field, label, upper limit, and the minimal clinically important
# change from clinical.md ("Outcome thresholds worth knowing").
_OUTCOMES = (
    ("ndi", "&NDI (%)", "Neck Disability Index, 0-100 %. A change of about 14-19 points "
     "is clinically important."),
    ("odi", "&ODI (%)", "Oswestry Disability Index, 0-100 %. A change of about 12 points "
     "is clinically important."),
    ("psfs", "PS&FS (0-10)", "Patient-Specific Functional Scale, mean 0-10. A change of about "
     "2 points is clinically important."),
)  # fmt: skip


class TextBox(QPlainTextEdit):
    """Multi-line text that reports ``editing_finished`` when it loses focus, like a line edit."""

    editing_finished = Signal()

    def __init__(self, object_name: str, height: int = 64) -> None:
        super().__init__(objectName=object_name)
        self.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.setFixedHeight(height)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class AdverseEventsEditor(QWidget):
    """The session's adverse events as a list, with a row to add one and a Remove button.

    It only asks; the panel saves: ``add_requested`` and ``remove_requested(index)``.
    """

    add_requested = Signal()
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adverseEvents")
        self.none_label = QLabel("None recorded.", objectName="noAdverseEvents")
        self.list = QListWidget(objectName="adverseEventList")
        self.list.setMaximumHeight(84)
        self.list.setAccessibleName("Adverse events recorded")
        self.kind = ScrollSafeCombo(objectName="adverseEventKind", editable=True)
        self.kind.addItems(COMMON_ADVERSE_EVENTS)
        self.kind.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.kind.setCurrentIndex(-1)
        self.kind.lineEdit().setPlaceholderText("What happened")
        self.kind.setAccessibleName("Adverse event: what happened")
        _narrow(self.kind)
        self.severity = ScrollSafeCombo(objectName="adverseEventSeverity")
        self.severity.setAccessibleName("Adverse event severity")
        for severity in Severity:
            self.severity.addItem(severity.value.capitalize(), severity)
        self.severity.setToolTip(
            "Mild: short, reversible. Significant: needs care or limits activity. "
            "Serious: admission or lasting harm."
        )
        self.note = QLineEdit(objectName="adverseEventNote", placeholderText="Note (optional)")
        self.note.setAccessibleName("Adverse event note")
        self.add_button = QPushButton("Add", objectName="addAdverseEvent")
        self.remove_button = QPushButton("Remove selected", objectName="removeAdverseEvent")
        self.add_button.clicked.connect(self.add_requested)
        self.note.returnPressed.connect(self.add_requested)
        self.kind.lineEdit().returnPressed.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove)

        first = QHBoxLayout()
        first.addWidget(self.kind, stretch=1)
        first.addWidget(self.severity)
        second = QHBoxLayout()
        second.addWidget(self.note, stretch=1)
        second.addWidget(self.add_button)
        # The entry rows come first: the list growing under them when an event is
        # added never moves the Add button from under the mouse.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.none_label)
        layout.addWidget(self.list)
        layout.addWidget(self.remove_button, alignment=Qt.AlignmentFlag.AlignRight)

    def set_events(self, events: tuple[AdverseEvent, ...]) -> None:
        """Show these events."""
        self.list.clear()
        for event in events:
            text = f"{event.kind} — {event.severity.value}"
            self.list.addItem(f"{text}: {event.note}" if event.note else text)
            if event.severity is not Severity.MILD:
                item = self.list.item(self.list.count() - 1)
                item.setForeground(warning_text_colour(self.list.palette()))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
        self.none_label.setVisible(not events)
        self.list.setVisible(bool(events))
        self.remove_button.setVisible(bool(events))

    def entered_event(self) -> AdverseEvent:
        """The event typed in the add row; ValidationError if it has no kind."""
        kind = self.kind.currentText().strip()
        if not kind:
            raise ValidationError("Adverse event: choose or type what happened, then Add")
        return AdverseEvent(kind=kind, severity=self.severity.currentData(), note=self.note.text())

    def clear_entry(self) -> None:
        """Empty the add row after the event was saved."""
        self.kind.setCurrentIndex(-1)
        self.kind.setEditText("")
        self.severity.setCurrentIndex(0)
        self.note.clear()

    def set_editable(self, editable: bool) -> None:
        """Enable or disable adding and removing."""
        for widget in (self.kind, self.severity, self.note, self.add_button, self.remove_button):
            widget.setEnabled(editable)

    @Slot()
    def _remove(self) -> None:
        if self.list.currentRow() >= 0:
            self.remove_requested.emit(self.list.currentRow())


class SessionForm(QWidget):
    """Group boxes "Before needling", "After needling" and "Outcome measures"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionForm")
        # A signed session is disabled, yet must stay easy to read: disabled text close
        # to the palette's own text colour (on a light or a dark palette alike).
        readable_when_disabled(self)
        self.chief_complaint = QLineEdit(objectName="chiefComplaint")
        self.likely_cause = likely_cause_combo()
        _narrow(self.likely_cause)
        self.pain_before = PainScale("painBefore", "Pain before")
        # The panel shows the referral banner above the scrolling form instead.
        self.screening = ScreeningChecklist(columns=1, show_referral=False)
        self.screening_done = WrappingCheckBox(
            "Screening &done: all of the above asked today", "screeningDone"
        )
        self.consent_given = QCheckBox("Consent &given", objectName="consentGiven")
        self.consent_by = QLineEdit(objectName="consentBy", placeholderText="by whom")
        self.consent_by.setAccessibleName("Consent given by")
        self.consent_time = QLabel(objectName="consentTime")
        self.skin_prepared = QCheckBox("&Skin cleaned at each site", objectName="skinPrepared")
        consent = QHBoxLayout()
        consent.addWidget(self.consent_given)
        consent.addWidget(self.consent_time)
        consent.addStretch()
        by = QHBoxLayout()
        by.addWidget(QLabel("by", buddy=self.consent_by))
        by.addWidget(self.consent_by, stretch=1)
        before = _form_box("Before needling", self)
        before.addRow("&Chief complaint", self.chief_complaint)
        before.addRow("Likely ca&use", self.likely_cause)
        before.addRow("&Pain before (0-10)", self.pain_before)
        before.addRow(self.screening)
        before.addRow(self.screening_done)
        before.addRow(consent)
        before.addRow(by)
        before.addRow(self.skin_prepared)

        self.pain_after = PainScale("painAfter", "Pain after")
        self.adverse = AdverseEventsEditor()
        self.aftercare_given = QCheckBox("&Aftercare advice given", objectName="aftercareGiven")
        self.aftercare_text = TextBox("aftercareText", height=120)
        self.aftercare_text.setPlaceholderText(
            "Ticking Aftercare advice given fills in the clinic's standard advice."
        )
        self.follow_up = TextBox("followUp")
        self.notes = TextBox("notes")
        after = _form_box("After needling", self)
        after.addRow("Pain af&ter (0-10)", self.pain_after)
        after.addRow("Adverse &events", self.adverse)
        after.addRow(self.aftercare_given)
        after.addRow("Aftercare advice", self.aftercare_text)
        after.addRow("&Follow-up plan", self.follow_up)
        after.addRow("N&otes", self.notes)

        outcomes = _form_box("Outcome measures", self)
        self.outcome_edits: dict[str, QLineEdit] = {}
        for name, label, tip in _OUTCOMES:
            edit = QLineEdit(objectName=name, placeholderText="not measured", toolTip=tip)
            edit.setAccessibleName(label.replace("&", ""))
            self.outcome_edits[name] = edit
            outcomes.addRow(label, edit)
        outcomes.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for form_layout in (before, after, outcomes):
            column.addWidget(form_layout.parentWidget())
        column.addStretch()

        self._line_edits = [self.chief_complaint, self.consent_by, *self.outcome_edits.values()]
        self.text_boxes = [self.aftercare_text, self.follow_up, self.notes]
        self._switches: list[QWidget] = [
            self.likely_cause, self.pain_before, self.screening_done, self.consent_given,
            self.skin_prepared, self.pain_after, self.aftercare_given,
        ]  # fmt: skip

    def fill(self, s: Session) -> None:
        """Put the stored values on screen without echoing them back as saves."""
        widgets = [*self._line_edits, *self.text_boxes, *self._switches]
        blockers = [QSignalBlocker(w) for w in widgets]
        try:
            _set_text(self.chief_complaint, s.chief_complaint)
            self.likely_cause.setCurrentIndex(self.likely_cause.findData(s.likely_cause))
            self.pain_before.set_value(s.pain_before)
            self.screening.set_values(s.contraindications, s.red_flags)
            self.screening_done.setChecked(s.screening_done)
            self.consent_given.setChecked(s.consent_given)
            _set_text(self.consent_by, s.consent_by)
            when = s.consent_at.astimezone() if s.consent_at else None
            self.consent_time.setText(f"at {when:%H:%M}" if when else "")
            self.consent_time.setToolTip(f"{when:%d %b %Y %H:%M}" if when else "")
            self.skin_prepared.setChecked(s.skin_prepared)
            self.pain_after.set_value(s.pain_after)
            self.adverse.set_events(s.adverse_events)
            self.aftercare_given.setChecked(s.aftercare_given)
            for box, text in zip(self.text_boxes, (s.aftercare_text, s.follow_up, s.notes),
                                 strict=True):  # fmt: skip
                if box.toPlainText() != text:
                    box.setPlainText(text)
            for name, edit in self.outcome_edits.items():
                value = getattr(s, name)
                _set_text(edit, "" if value is None else _measure_text(value))
        finally:
            for blocker in blockers:
                blocker.unblock()
        self.set_editable(s.editable)

    def outcomes(self) -> dict[str, float | None]:
        """NDI, ODI and PSFS as typed (None: not measured); ValidationError if not a number."""
        return {
            name: _parse_measure(label, self.outcome_edits[name].text())
            for name, label, _tip in _OUTCOMES
        }

    def set_editable(self, editable: bool) -> None:
        """Signed sessions are read-only."""
        # Text stays selectable and readable when signed: read-only, not greyed out.
        for edit in self._line_edits:
            edit.setReadOnly(not editable)
        for box in self.text_boxes:
            box.setReadOnly(not editable)
        for widget in self._switches:
            widget.setEnabled(editable)
        self.screening.set_editable(editable)
        self.adverse.set_editable(editable)


def _form_box(title: str, parent: QWidget) -> QFormLayout:
    """A titled group whose form puts labels above fields, to fit a narrow side panel."""
    box = QGroupBox(title, parent, objectName=title.title().replace(" ", ""))
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
    form.setContentsMargins(6, 6, 6, 6)  # the side panel is 300 px: width goes to fields
    return form


def _narrow(combo: QComboBox) -> None:
    """Let a combo be narrower than its longest entry (the list still shows it whole),
    so the side panel never needs a horizontal scroll bar."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)


def _set_text(edit: QLineEdit, text: str) -> None:
    # Only when different, so refilling after a save does not move the cursor.
    if edit.text() != text:
        edit.setText(text)


def _parse_measure(label: str, text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None  # not measured
    try:
        return float(text)
    except ValueError:
        name = label.replace("&", "")
        raise ValidationError(f"{name} must be a number, or empty if not measured") from None


def _measure_text(value: float) -> str:
    """A stored score as text that reads back to exactly the same number, so showing
    a session never changes it ("34" for 34.0, but every digit of 42.2222222)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)
