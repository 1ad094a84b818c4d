"""The window's size and its splitters' positions, remembered between runs (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

KEY = "mainWindow"


def restore_layout(window: QMainWindow, outer: QSplitter, work: QSplitter) -> None:
    """Size ``window`` and its splitters as last time (first run: a laptop screen)."""
    settings = QSettings()
    geometry = settings.value(f"{KEY}/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(1366, 740)
        outer.setSizes([270, 1096])
        work.setSizes([700, 396])
    for splitter in (outer, work):
        state = settings.value(f"{KEY}/{splitter.objectName()}")
        if state is not None:
            splitter.restoreState(state)


def save_layout(window: QMainWindow, *splitters: QSplitter) -> None:
    """Remember ``window``'s geometry and its splitters' positions."""
    settings = QSettings()
    settings.setValue(f"{KEY}/geometry", window.saveGeometry())
    for splitter in splitters:
        settings.setValue(f"{KEY}/{splitter.objectName()}", splitter.saveState())
