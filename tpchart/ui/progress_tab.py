"""The Progress tab's page, whose view is built when first shown and redrawn only
while on screen.

Its chart library (pyqtgraph and numpy) costs start-up time and memory a doctor who
only charts never needs; and a session's fields are saved on every edit while a redraw
takes tens of ms, so a change made while the tab is hidden redraws it when next shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from tpchart.store import Store

if TYPE_CHECKING:
    from tpchart.ui.progress_view import ProgressView


class ProgressTab(QWidget):
    """One patient's progress, as a page of ``tabs``."""

    def __init__(self, store: Store, tabs: QTabWidget) -> None:
        super().__init__(objectName="progressTab")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._store = store
        self._tabs = tabs
        self.view: ProgressView | None = None
        self.patient_id: int | None = None
        self._stale = False
        tabs.currentChanged.connect(self._tab_changed)

    def show_patient(self, patient_id: int | None) -> None:
        """Show ``patient_id``'s progress (now if on screen, else when next shown)."""
        self.patient_id = patient_id
        self.refresh()

    def refresh(self) -> None:
        """The records changed: redraw now if on screen, else when next shown."""
        self._stale = self._tabs.currentWidget() is not self
        if not self._stale:
            self.progress_view().show_patient(self.patient_id)

    def progress_view(self) -> ProgressView:
        """The view, built on first use."""
        if self.view is None:
            from tpchart.ui.progress_view import ProgressView

            self.view = ProgressView(self._store)
            self._layout.addWidget(self.view)
            self.view.show()
        return self.view

    @Slot(int)
    def _tab_changed(self, _index: int) -> None:
        if self._tabs.currentWidget() is self and self._stale:
            self.refresh()
