"""A positive red flag needs a recorded decision: referred for medical assessment, or
assessed and safe to proceed with the reason [Finucane et al., JOSPT 2020;50:350;
shared/clinical.md, "Red flags depend on the complaint"].

`RedFlagBar` says where the session stands (decision needed, referred, safe to
proceed) with one button; `RedFlagDecisionDialog` asks for the decision. Neither
saves: the owner (the start dialog, the session panel) does, in one store call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import ValidationError
from tpchart.core.screening import RedFlag, RedFlagDecision
from tpchart.core.session import Session
from tpchart.ui.style import CAUTION, WARNING, MessageArea

# Shows a refusal in plain words (the dialog's own message area).
Report = Callable[[str], None]
# Saves a decision; True once it is recorded, else it has told ``Report`` why not.
SaveDecision = Callable[[RedFlagDecision, str, Report], bool]

SOURCES = (
    "Red flags asked for every complaint and for the low back: Finucane et al., "
    "JOSPT 2020;50:350. Head and neck: the IFOMPT cervical framework (Rushton et al., "
    "JOSPT 2023) for arterial signs and the worst-ever headache."
)
NO_CHOICE = "Choose: referred for medical assessment, or assessed and safe to proceed."


def flag_names(flags: Iterable[RedFlag]) -> str:
    """The ticked flags, short (`RedFlag.short`: the summary above the chart has two
    lines), in the order they are asked (any complaint, head and neck, low back)."""
    ticked = set(flags)
    return ", ".join(flag.short for flag in RedFlag if flag in ticked)


def red_flag_line(
    flags: Iterable[RedFlag],
    decision: RedFlagDecision | None,
    reason: str = "",
    editable: bool = True,
) -> str:
    """Where the session stands on its red flags, in one sentence ("" without any):
    what is needed while undecided, the decision and its reason once decided. A signed
    session of the first version, which asked for no decision, says so plainly."""
    names = flag_names(flags)
    if not names:
        return ""
    reason = " ".join(reason.split())
    if decision is None and not editable:
        return f"⚠ Red flag ({names}): no decision was recorded with this session."
    if decision is None:
        return (
            f"⚠ Red flag ({names}): decision needed before needling: refer, or record "
            "why it is safe to proceed."
        )
    if decision is RedFlagDecision.REFERRED:
        # What it means for today first: a long note is what a short line cuts.
        note = f" {reason}" if reason else ""
        return (
            f"⚠ Red flag ({names}): referred for medical assessment; no needling this "
            f"session.{note}"
        )
    return f"Red flag ({names}): assessed, safe to proceed: {reason}"


def line_kind(decision: RedFlagDecision | None) -> str:
    """The banner colours for a decision: red until decided and after a referral (no
    needling), amber once assessed as safe (still a red flag on the record)."""
    return CAUTION if decision is RedFlagDecision.SAFE_TO_PROCEED else WARNING


def decision_refusal(
    flags: Iterable[RedFlag], decision: RedFlagDecision | None, reason: str
) -> str:
    """Why the record would refuse this decision ("" when it would take it), judged by
    the session's own rules before anything is stored (the start dialog's case)."""
    if decision is None:
        return NO_CHOICE
    try:
        probe = Session(
            patient_id=0,
            practitioner_id=0,
            started_at=datetime.now(UTC),
            red_flags=frozenset(flags),
            red_flag_decision=decision,
            red_flag_reason=reason,
        )
        probe.check_for_saving()
    except ValidationError as exc:
        return str(exc)
    return ""


class RedFlagBar(QFrame):
    """One banner for the red flags: the line of `red_flag_line` and a button that asks
    for the decision (``decide_requested``). Hidden while no red flag is ticked."""

    decide_requested = Signal()

    def __init__(
        self, object_name: str, parent: QWidget | None = None, *, beside: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.label = QLabel(objectName=f"{object_name}Text", wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Record decision…", objectName=f"{object_name}Decide")
        self.button.setToolTip(SOURCES)
        # Enter in a dialog's fields means its main button (Start session), never this.
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.decide_requested)
        # ``beside``: the button right of the text, where there is width (a dialog)
        # and height is short; under it in the narrow side panel.
        layout = QHBoxLayout(self) if beside else QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(6 if beside else 2)
        layout.addWidget(self.label, stretch=1)
        layout.addWidget(
            self.button,
            alignment=Qt.AlignmentFlag.AlignVCenter if beside else Qt.AlignmentFlag.AlignRight,
        )
        self._kind = ""
        self.hide()

    def show_state(
        self,
        flags: Iterable[RedFlag],
        decision: RedFlagDecision | None,
        reason: str,
        editable: bool = True,
    ) -> None:
        """Show where these flags stand; the button only where the session may change."""
        line = red_flag_line(flags, decision, reason)
        self.label.setText(line)
        self.setAccessibleName(line)
        kind = line_kind(decision)
        if kind != self._kind:
            self._kind = kind
            name = self.objectName()
            self.setStyleSheet(
                f"QFrame#{name} {{ {kind} border-radius: 4px; }}"
                f" QLabel#{name}Text {{ {kind} border: none; background: transparent;"
                " font-weight: bold; }"
            )
        self.button.setText("Record decision…" if decision is None else "Change decision…")
        self.button.setVisible(editable)
        self.setVisible(bool(line))

    def text(self) -> str:
        """The line shown ("" while no red flag is ticked)."""
        return self.label.text()


class RedFlagDecisionDialog(QDialog):
    """Asks the doctor to decide on the ticked red flags: referred, or safe to proceed
    with the reason (required). ``save`` records it; a refusal is shown here and the
    dialog stays, with what was typed."""

    def __init__(
        self,
        flags: Iterable[RedFlag],
        decision: RedFlagDecision | None,
        reason: str,
        save: SaveDecision,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("redFlagDecisionDialog")
        self.setWindowTitle("Red flag: decision")
        self._save = save
        ticked = set(flags)
        listed = QLabel(objectName="redFlagsListed", wordWrap=True)
        listed.setTextFormat(Qt.TextFormat.PlainText)
        listed.setText(
            "Ticked today:\n" + "\n".join(f"• {f.label}" for f in RedFlag if f in ticked)
        )
        listed.setToolTip(SOURCES)
        self.referred = QRadioButton(RedFlagDecision.REFERRED.label, objectName="decisionReferred")
        self.safe = QRadioButton(RedFlagDecision.SAFE_TO_PROCEED.label, objectName="decisionSafe")
        self.choices = QButtonGroup(self)
        self.choices.addButton(self.referred)
        self.choices.addButton(self.safe)
        self.referred.setChecked(decision is RedFlagDecision.REFERRED)
        self.safe.setChecked(decision is RedFlagDecision.SAFE_TO_PROCEED)
        self.reason_edit = QLineEdit(reason, objectName="decisionReason")
        self.reason_edit.setAccessibleName("Reason for the decision")
        self.reason_label = QLabel("&Reason", buddy=self.reason_edit)
        self.choices.buttonToggled.connect(self._choice_changed)
        self.error = MessageArea("redFlagDecisionError", lines=2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record decision")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(listed)
        layout.addWidget(self.referred)
        layout.addWidget(self.safe)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._choice_changed()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 60)
        (self.safe if decision is None else self.reason_edit).setFocus()

    def decision(self) -> RedFlagDecision | None:
        """The choice made, or None while neither is chosen."""
        if self.referred.isChecked():
            return RedFlagDecision.REFERRED
        if self.safe.isChecked():
            return RedFlagDecision.SAFE_TO_PROCEED
        return None

    def reason(self) -> str:
        """The reason as typed, without surrounding blanks."""
        return self.reason_edit.text().strip()

    @Slot()
    def _choice_changed(self, *_args: object) -> None:
        # The same box for both: what it asks for follows the choice.
        if self.safe.isChecked():
            hint = "Required: why it is safe (e.g. fever was a cold, now gone)"
        else:
            hint = "Optional: to whom and how soon (e.g. GP today, letter given)"
        self.reason_edit.setPlaceholderText(hint)

    def accept(self) -> None:
        """Record the decision, or say why not and keep the dialog open."""
        decision = self.decision()
        if decision is None:
            self.error.setText(NO_CHOICE)
            return
        if self._save(decision, self.reason(), self.error.setText):
            super().accept()
        elif decision is RedFlagDecision.SAFE_TO_PROCEED:
            self.reason_edit.setFocus()  # where the message asks to write
