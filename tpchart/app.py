"""Composition of the desktop app: Qt application, store and main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from tpchart.core.errors import TpchartError
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow


def run_app(db_path: Path, argv: list[str] | None = None) -> int:
    """Open ``db_path`` and run the window until the doctor quits; returns the exit code."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("tpchart")
    app.setApplicationName("tpchart")
    try:
        store = Store.open(db_path)
    except TpchartError as exc:
        QMessageBox.critical(None, "tpchart cannot open the database", str(exc))
        print(f"tpchart: {exc}", file=sys.stderr)
        return 2
    window = MainWindow(store)
    window.show()
    try:
        return app.exec()
    finally:
        store.close()
