"""The session form: every session field as a widget, filled from a Session without echoes.

The form only shows; ``SessionPanel`` saves what the doctor changes. After who gave
consent it says, quietly, which version of the consent wording was explained
(``Session.consent_text_version``); under the notes, whether they are kept off the
patient's copy of the clinical record.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSignalBlocker, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFocusEvent, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.adverse_events import AdverseEvent, Severity
from tpchart.core.errors import ValidationError
from tpchart.core.session import Session
from tpchart.ui.later_events import LaterEventsView
from tpchart.ui.screening_checklist import ScreeningChecklist
from tpchart.ui.session_fields import PainScale, likely_cause_combo, narrow
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
    """The session's adverse-event answer: "Asked: none", or the events recorded (each
    as its one line, `AdverseEvent.text`), with buttons to add one (a small record,
    `AdverseEventDialog`) and remove one; under them the events reported since the
    last session and about this one at later sessions (`LaterEventsView`).

    It only asks; the panel saves: ``asked_changed(bool)``, ``add_requested``,
    ``remove_requested(index)`` and the view's ``report_requested``.
    """

    asked_changed = Signal(bool)
    add_requested = Signal()
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adverseEvents")
        # "Asked, none" is an answer; an unticked box with no event is "not asked".
        self.asked_none = QCheckBox("Asked: none", objectName="adverseEventsNone")
        self.asked_none.setToolTip(
            "Tick once the patient was asked and reported no adverse event. Unticked "
            "with no event listed, the record says: not asked."
        )
        self.asked_none.toggled.connect(self.asked_changed)
        self.list = QListWidget(objectName="adverseEventList")
        self.list.setAccessibleName("Adverse events recorded")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.add_button = QPushButton("Add event…", objectName="addAdverseEvent")
        self.remove_button = QPushButton("Remove selected", objectName="removeAdverseEvent")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove)
        self.later = LaterEventsView()

        buttons = QHBoxLayout()
        buttons.addWidget(self.asked_none)
        buttons.addStretch()
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        layout.addWidget(self.remove_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.later)
        self._events: tuple[AdverseEvent, ...] = ()

    def set_events(self, events: tuple[AdverseEvent, ...], asked: bool = False) -> None:
        """Show these events, or the "Asked: none" answer, without emitting a change."""
        self._events = events
        self.list.clear()
        for event in events:
            item = QListWidgetItem(event.text)
            item.setToolTip(event.text)
            if event.severity is not Severity.MILD:
                item.setForeground(warning_text_colour(self.list.palette()))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
        with QSignalBlocker(self.asked_none):
            self.asked_none.setChecked(asked and not events)
        # With events recorded the question was answered by them.
        self.asked_none.setVisible(not events)
        self.list.setVisible(bool(events))
        self.remove_button.setVisible(bool(events))
        self._fit_list()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_list()  # wrapped lines change with the width

    def _fit_list(self) -> None:
        # Every event whole, wrapped, up to about eight lines; more scrolls inside the
        # list. Heights are measured here: a list view's own guess is one line a row.
        if not self._events:
            return
        width = max(40, self.list.viewport().width() - 8)
        rows = 0
        for i in range(self.list.count()):
            item = self.list.item(i)
            metrics = QFontMetrics(item.font())
            text = metrics.boundingRect(
                QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap.value, item.text()
            )
            item.setSizeHint(QSize(width, text.height() + 4))
            rows += text.height() + 4
        frame = 2 * self.list.frameWidth()
        limit = 8 * self.fontMetrics().lineSpacing() + frame
        self.list.setFixedHeight(min(rows + frame + 2, limit))

    def set_editable(self, editable: bool) -> None:
        """Enable or disable answering, adding and removing."""
        for widget in (self.asked_none, self.add_button, self.remove_button):
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
        narrow(self.likely_cause)
        self.pain_before = PainScale("painBefore", "Pain before")
        # The panel shows the red flags' decision above the scrolling form.
        self.screening = ScreeningChecklist(columns=1)
        self.screening_done = WrappingCheckBox(
            "Screening &done: all of the above asked today", "screeningDone"
        )
        self.consent_given = QCheckBox("Consent &given", objectName="consentGiven")
        self.consent_by = QLineEdit(objectName="consentBy", placeholderText="by whom")
        self.consent_by.setAccessibleName("Consent given by")
        self.consent_time = QLabel(objectName="consentTime")
        # Plain text like the time, nothing to act on while charting: the version is for
        # the file (which wording the consent form reprints).
        self.consent_wording = QLabel(objectName="consentWording")
        self.consent_wording.setAccessibleName("Consent wording version")
        self.skin_prepared = QCheckBox("&Skin cleaned at each site", objectName="skinPrepared")
        consent = QHBoxLayout()
        consent.addWidget(self.consent_given)
        consent.addWidget(self.consent_time)
        consent.addStretch()
        by = QHBoxLayout()
        by.addWidget(QLabel("by", buddy=self.consent_by))
        by.addWidget(self.consent_by, stretch=1)
        # On the line of who consented, not beside the time: there the 300 px panel has
        # no room left, and this line is there already, so ticking moves nothing.
        by.addWidget(self.consent_wording)
        before, forms = _section("Before needling", self, 2)
        forms[0].addRow("&Chief complaint", self.chief_complaint)
        forms[0].addRow("Likely ca&use", self.likely_cause)
        forms[0].addRow("&Pain before (0-10)", self.pain_before)
        # Between the forms, not a form row: a form sizes a row by a stale width when
        # the checklist's wrapped answers change (red flags added by a complaint area).
        before.insertWidget(1, self.screening)
        forms[1].addRow(self.screening_done)
        forms[1].addRow(consent)
        forms[1].addRow(by)
        forms[1].addRow(self.skin_prepared)

        self.pain_after = PainScale("painAfter", "Pain after")
        self.adverse = AdverseEventsEditor()
        self.aftercare_given = QCheckBox("&Aftercare advice given", objectName="aftercareGiven")
        self.aftercare_text = TextBox("aftercareText", height=120)
        self.aftercare_text.setPlaceholderText(
            "Ticking Aftercare advice given fills in the clinic's standard advice."
        )
        self.follow_up = TextBox("followUp")
        self.notes = TextBox("notes")
        self.notes.setAccessibleName("Session notes")
        self.notes_internal = WrappingCheckBox("Keep notes off patient's copy", "notesInternal")
        self.notes_internal.setToolTip(
            "The patient's copy of the clinical record leaves these notes out and says "
            "that a note was left out. The clinic's filed record still prints them, "
            "marked internal."
        )
        after, forms = _section("After needling", self, 2)
        forms[0].addRow("Pain af&ter (0-10)", self.pain_after)
        forms[0].addRow(QLabel("Adverse &events", buddy=self.adverse.add_button))
        after.insertWidget(1, self.adverse)  # wrapped lines of events: as the checklist
        forms[1].addRow(self.aftercare_given)
        forms[1].addRow("Aftercare advice", self.aftercare_text)
        forms[1].addRow("&Follow-up plan", self.follow_up)
        forms[1].addRow("N&otes", self.notes)
        forms[1].addRow(self.notes_internal)

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
        for layout in (before, after, outcomes):
            column.addWidget(layout.parentWidget())
        column.addStretch()

        self._line_edits = [self.chief_complaint, self.consent_by, *self.outcome_edits.values()]
        self.text_boxes = [self.aftercare_text, self.follow_up, self.notes]
        self._switches: list[QWidget] = [
            self.likely_cause, self.pain_before, self.screening_done, self.consent_given,
            self.skin_prepared, self.pain_after, self.aftercare_given, self.notes_internal,
        ]  # fmt: skip

    def fill(self, s: Session, reload: bool = False) -> None:
        """Put the stored values on screen without echoing them back as saves.
        ``reload``: the same session again (after a save), so nothing on screen that
        the doctor may reach for disappears."""
        widgets = [*self._line_edits, *self.text_boxes, *self._switches]
        blockers = [QSignalBlocker(w) for w in widgets]
        try:
            _set_text(self.chief_complaint, s.chief_complaint)
            self.likely_cause.setCurrentIndex(self.likely_cause.findData(s.likely_cause))
            self.pain_before.set_value(s.pain_before)
            self.screening.set_values(
                s.contraindications,
                s.red_flags,
                s.complaint_areas,
                s.precaution_sites,
                keep_shown=reload,
            )
            self.screening_done.setChecked(s.screening_done)
            self.consent_given.setChecked(s.consent_given)
            _set_text(self.consent_by, s.consent_by)
            when = s.consent_at.astimezone() if s.consent_at else None
            self.consent_time.setText(f"at {when:%H:%M}" if when else "")
            self.consent_time.setToolTip(f"{when:%d %b %Y %H:%M}" if when else "")
            self._show_consent_wording(s)
            self.skin_prepared.setChecked(s.skin_prepared)
            self.pain_after.set_value(s.pain_after)
            self.adverse.set_events(s.adverse_events, s.adverse_events_asked)
            self.aftercare_given.setChecked(s.aftercare_given)
            self.notes_internal.setChecked(s.notes_internal)
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

    def _show_consent_wording(self, s: Session) -> None:
        """After who consented, "· wording 2026-11"; for consent recorded before the
        version was kept, nothing there and the time's tooltip saying so."""
        version = s.consent_text_version if s.consent_given else ""
        self.consent_wording.setText(f"·\N{NO-BREAK SPACE}wording {version}" if version else "")
        self.consent_wording.setToolTip(
            f"Consent wording version {version} was explained: the consent form prints "
            "this wording, and the clinical record names it."
            if version
            else ""
        )
        if s.consent_given and not version:
            unknown = (
                "Which consent wording was explained was not recorded (consent recorded "
                "before tpchart kept it)."
            )
            shown = self.consent_time.toolTip()
            self.consent_time.setToolTip(f"{shown}\n{unknown}" if shown else unknown)

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


def _section(title: str, parent: QWidget, forms: int) -> tuple[QVBoxLayout, list[QFormLayout]]:
    """A titled group of ``forms`` forms one under the other (labels above fields), for
    widgets that wrap to go between them."""
    box = QGroupBox(title, parent, objectName=title.title().replace(" ", ""))
    column = QVBoxLayout(box)
    column.setContentsMargins(6, 6, 6, 6)  # the side panel is 300 px: width goes to fields
    made = []
    for _ in range(forms):
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setContentsMargins(0, 0, 0, 0)
        column.addLayout(form)
        made.append(form)
    return column, made


def _form_box(title: str, parent: QWidget) -> QFormLayout:
    """A titled group whose form puts labels above fields, to fit a narrow side panel."""
    box = QGroupBox(title, parent, objectName=title.title().replace(" ", ""))
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
    form.setContentsMargins(6, 6, 6, 6)  # the side panel is 300 px: width goes to fields
    return form


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
