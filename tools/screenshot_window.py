"""Grab the main window on a demo database, for docs/ and for looking at changes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot_window.py OUT_DIR

Writes window-<view>.png for the front, back and head views of a charted visit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tpchart.core.regions import View
from tpchart.demo import write_demo
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication([])
    app.setOrganizationName("tpchart-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "shots.db")
        write_demo(store, patients=8)
        window = MainWindow(store)
        window.resize(1366, 740)
        window.splitter.setSizes([270, 1096])
        window.work.setSizes([730, 366])
        window.show()
        window.patients.select_patient(store.patients.find("Maria")[0].id)  # type: ignore[arg-type]
        app.processEvents()
        for view in View:
            window.chart.show_view(view)
            points = [p for p in window.chart.points.values() if p.view is view]
            if points:
                window.chart.select_point(points[0].id)  # type: ignore[arg-type]
            app.processEvents()
            window.grab().save(str(out / f"window-{view.value}.png"))
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
