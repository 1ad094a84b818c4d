"""The session's fields that the start dialog and the session panel share: the 0-10
pain scale and the combos that a scrolling form must not change by the wheel. The
screening checklist they share is in ``screening_checklist``."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from tpchart.core.errors import ValidationError
from tpchart.core.session import LikelyCause
from tpchart.core.validation import check_score

# The checked score must read at a glance and stay readable when the session is signed
# (disabled); white on these blues/greys is above 7:1. The scale sets its own background
# as well as its text, so it reads the same on a dark palette. 18 px wide buttons let all
# eleven fit the 300 px side panel; they grow to their natural width where there is room.
_SCALE_STYLE = """
QToolButton { border: 1px solid #9aa0a6; border-radius: 3px; background: #ffffff;
              color: #202124; min-width: 18px; min-height: 22px; padding: 0px; }
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
    "not recorded". Clicking the chosen score again also clears it. Digits typed
    quickly that make more than 10 ("1" "2") are not cut to a score: the scale goes
    back to what it showed before and ``refused`` carries the record's own message
    ("Pain before must be 0-10, got 12") for the owner to show.
    """

    value_changed = Signal(object)  # int | None
    refused = Signal(str)  # a typed score out of range, in the record's words

    def __init__(
        self, object_name: str, label: str = "Pain", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("0 = no pain, 10 = worst imaginable. Keys 0-9, 1 0 for 10, Del clears.")
        self.setAccessibleName(f"{label} (0-10)")
        self._label = label  # as the record names it, so messages match the store's
        self._value: int | None = None
        self._digits = ""  # digits typed quickly one after another
        self._before_typing: int | None = None  # the score shown before those digits
        self._typed = QElapsedTimer()
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for score in range(11):
            button = QToolButton(text=str(score), checkable=True, objectName=f"score{score}")
            # One Tab stop for the whole scale; the keys above do the rest.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAccessibleName(f"{label} {score}")
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
        """Choose a score (None clears); emits value_changed when it differs.

        Raises ValidationError, with the record's message, for anything but 0-10."""
        check_score(self._label, value)  # never cut to 0 or 10 without a word
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
        if len(text) == 1 and text in "0123456789":
            self._typed_digit(text)
            return
        self._digits = ""
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Up):
            # Stepping stops at the ends of the scale, as a spin box does.
            self.set_value(0 if self._value is None else min(10, self._value + 1))
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Down):
            self.set_value(0 if self._value is None else max(0, self._value - 1))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_value(None)
        else:
            super().keyPressEvent(event)  # Enter, Tab, Escape go on to the dialog

    def _typed_digit(self, digit: str) -> None:
        quick = (
            bool(self._digits)
            and self._typed.isValid()
            and self._typed.elapsed() < QApplication.keyboardInputInterval()
        )
        if not quick:
            self._digits, self._before_typing = "", self._value
        self._digits += digit
        self._typed.start()
        try:
            self.set_value(int(self._digits))
        except ValidationError as exc:
            # "1" "2" typed as one number is 12, not 2 and not 10: say so, show what
            # was there before the digits, and let the next digit start afresh.
            self._digits = ""
            self.set_value(self._before_typing)
            self.refused.emit(str(exc))

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._show_focus(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._show_focus(False)
        super().focusOutEvent(event)

    def _show_focus(self, focused: bool) -> None:
        colour = "#1a73e8" if focused else "transparent"
        self.setStyleSheet(_SCALE_STYLE + _FOCUS.format(name=self.objectName(), colour=colour))


def narrow(combo: QComboBox, characters: int = 8) -> None:
    """Let a combo be narrower than its longest entry (the list still shows it whole),
    so the side panel never needs a horizontal scroll bar."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
