"""The demo database on screen: DEMO in the title bar and a banner across the window,
with the way back to the clinic's records.

Demo patients live only in a demo database of their own (``Store.is_demo``); the app
switches to it and back (``tpchart.app``). The window only says where it is.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QSizePolicy, QWidget

from tpchart.ui.style import INFO, banner


class DemoBanner(QWidget):
    """ "DEMO database: made-up patients" and a button back to the clinic's records."""

    leave_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="demoBanner")
        self.label = banner(INFO, "demoBannerText")
        self.label.setText(
            "DEMO database: made-up patients, not clinical records. Your own records are untouched."
        )
        # One line across the window: a word-wrapped label in a tool bar grows tall.
        self.label.setWordWrap(False)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.show()
        self.back = QPushButton("Back to my records", objectName="leaveDemo")
        self.back.clicked.connect(self.leave_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.label, stretch=1)
        row.addWidget(self.back)


def window_title(database_name: str, demo: bool) -> str:
    """The title bar: the file's name, and DEMO first for a demo database."""
    return f"tpchart — DEMO — {database_name}" if demo else f"tpchart — {database_name}"


def add_demo_banner(window: QMainWindow) -> DemoBanner:
    """Put the demo banner across the top of ``window``, above its tool bar's row."""
    demo = DemoBanner(window)
    bar = window.addToolBar("Demo")
    bar.setObjectName("demoBar")
    bar.setMovable(False)
    window.insertToolBarBreak(bar)
    bar.addWidget(demo)
    return demo
