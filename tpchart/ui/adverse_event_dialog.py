"""One adverse event as a small record: what happened, how bad, when it started, what
was done and whether it resolved, and a note.

Types, grading and onset follow `core.adverse_events` (Brady et al., J Man Manip Ther
2014;22:134; White et al., BMJ 2001;323:485). The same dialog records an event of the
session being charted and one reported since the last session; it does not save, the
owner does (``save``), in one store call, and a refusal is shown here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.errors import ValidationError
from tpchart.ui.style import MessageArea

# Shows a refusal in plain words; the owner's save returns True once stored.
Report = Callable[[str], None]
SaveEvent = Callable[[AdverseEvent, Report], bool]

SEVERITY_MEANING = {
    Severity.MILD: "Mild: short and reversible, no care needed.",
    Severity.SIGNIFICANT: "Significant: needs care or limits activity.",
    Severity.SERIOUS: "Serious: admission to hospital or lasting harm.",
}
GRADING_SOURCE = "Grading after White et al., BMJ 2001;323:485, as used by Brady et al. 2014."
NO_KIND = "Choose what happened."
NO_DESCRIPTION = "Other: describe what happened."


class AdverseEventDialog(QDialog):
    """Asks for one adverse event. ``intro`` says where it will be recorded (an earlier
    session, for one reported since); ``onset`` is chosen beforehand (later, for one
    reported at the next session)."""

    def __init__(
        self,
        title: str,
        save: SaveEvent,
        parent: QWidget | None = None,
        *,
        intro: str = "",
        onset: Onset | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adverseEventDialog")
        self.setWindowTitle(title)
        self._save = save

        self.kind = QComboBox(objectName="adverseEventKind")
        self.kind.setAccessibleName("Adverse event: what happened")
        self.kind.addItem("— what happened? —", None)
        for kind in AdverseEventType:
            self.kind.addItem("Other…" if kind is AdverseEventType.OTHER else kind.label, kind)
        self.description = QLineEdit(objectName="adverseEventDescription")
        self.description.setPlaceholderText("Describe what happened")
        self.description.setAccessibleName("Adverse event: description")
        self.severity = QComboBox(objectName="adverseEventSeverity")
        self.severity.setAccessibleName("Adverse event severity")
        for severity in Severity:
            self.severity.addItem(severity.value.capitalize(), severity)
            self.severity.setItemData(
                self.severity.count() - 1, SEVERITY_MEANING[severity], Qt.ItemDataRole.ToolTipRole
            )
        grading = "\n".join(SEVERITY_MEANING.values())
        self.severity.setToolTip(f"{grading}\n{GRADING_SOURCE}")
        # What the chosen grade means, in one line under it; the source on hover.
        self.meaning = QLabel(objectName="severityMeaning", toolTip=GRADING_SOURCE)
        self.severity.currentIndexChanged.connect(self._severity_chosen)
        self._severity_chosen()
        self.onset = QComboBox(objectName="adverseEventOnset")
        self.onset.setAccessibleName("Adverse event: when it started")
        self.onset.addItem("— not recorded —", None)
        for when in Onset:
            self.onset.addItem(when.label.capitalize(), when)
        self.onset.setCurrentIndex(max(0, self.onset.findData(onset)))
        self.action = QLineEdit(objectName="adverseEventAction")
        self.action.setPlaceholderText("e.g. pressure applied; lay flat, legs raised")
        self.action.setAccessibleName("Action taken")
        self.resolved = QComboBox(objectName="adverseEventResolved")
        self.resolved.setAccessibleName("Adverse event resolved")
        for text, value in (("Not yet known", None), ("Yes", True), ("No", False)):
            self.resolved.addItem(text, value)
        self.note = QLineEdit(objectName="adverseEventNote", placeholderText="Optional")
        self.note.setAccessibleName("Adverse event note")

        form = QFormLayout()
        form.addRow("&What happened", self.kind)
        form.addRow("&Describe", self.description)
        form.addRow("&Severity", self.severity)
        form.addRow("", self.meaning)
        form.addRow("Sta&rted", self.onset)
        form.addRow("&Action taken", self.action)
        form.addRow("Reso&lved", self.resolved)
        form.addRow("&Note", self.note)
        self._form = form
        self.kind.currentIndexChanged.connect(self._kind_chosen)

        self.error = MessageArea("adverseEventError", lines=2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record event")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if intro:
            where = QLabel(intro, objectName="adverseEventWhere", wordWrap=True)
            where.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._kind_chosen()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self.kind.setFocus()

    def entered_event(self) -> AdverseEvent:
        """The event as entered; ValidationError, in plain words, if it is incomplete."""
        kind = self._kind()
        if kind is None:
            raise ValidationError(NO_KIND)
        description = self.description.text().strip()
        if kind is AdverseEventType.OTHER and not description:
            raise ValidationError(NO_DESCRIPTION)
        return AdverseEvent(
            kind=kind,
            severity=self.severity.currentData(),
            note=self.note.text().strip(),
            description=description if kind is AdverseEventType.OTHER else "",
            onset=self.onset.currentData(),
            action=self.action.text().strip(),
            resolved=self.resolved.currentData(),
        )

    @Slot()
    def _severity_chosen(self, *_args: object) -> None:
        self.meaning.setText(SEVERITY_MEANING[Severity(self.severity.currentData())])

    def _kind(self) -> AdverseEventType | None:
        # Qt hands an enum back as its plain value.
        data = self.kind.currentData()
        return None if data is None else AdverseEventType(data)

    @Slot()
    def _kind_chosen(self, *_args: object) -> None:
        # Only "Other" needs words; the listed types name themselves.
        other = self._kind() is AdverseEventType.OTHER
        self._form.setRowVisible(self.description, other)

    def accept(self) -> None:
        """Record the event, or say what is missing and keep everything entered."""
        try:
            event = self.entered_event()
        except ValidationError as exc:
            self.error.setText(str(exc))
            if str(exc) == NO_KIND:
                self.kind.setFocus()
            elif str(exc) == NO_DESCRIPTION:
                self.description.setFocus()
            return
        if self._save(event, self.error.setText):
            super().accept()
