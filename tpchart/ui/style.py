"""Shared look: banner colours for precautions, cautions and errors, used by every panel."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

# Background, text and border colours; each pair has a contrast ratio above 7:1.
CAUTION = "background: #fff3cd; color: #5c4400; border: 1px solid #e0b400;"
WARNING = "background: #fde2e1; color: #7a0b0b; border: 1px solid #d93025;"
INFO = "background: #e8f0fe; color: #0b3a7a; border: 1px solid #7aa7e9;"
_BANNER = " border-radius: 4px; padding: 6px; font-weight: bold;"
ERROR_TEXT = "color: #b00020; font-weight: bold;"


def banner(kind: str, object_name: str, parent: QWidget | None = None) -> QLabel:
    """A word-wrapped, hidden-until-needed label styled as a caution/warning/info banner."""
    label = QLabel(parent, objectName=object_name, wordWrap=True)
    label.setStyleSheet(kind + _BANNER)
    label.hide()
    return label


def error_label(object_name: str = "errorMessage", parent: QWidget | None = None) -> QLabel:
    """A red, word-wrapped label for validation messages, hidden until used."""
    label = QLabel(parent, objectName=object_name, wordWrap=True)
    label.setStyleSheet(ERROR_TEXT)
    label.hide()
    return label
