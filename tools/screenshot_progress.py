"""Screenshots of the Progress tab for the improving, the stalled and the worsening demo
patient (issue 17), on a real X server at the given screen size and scale.

    bash tools/screenshot_progress.sh          # 1366x768 at scale 1 and 1.25 (starts Xvfb)
    QT_SCALE_FACTOR=1.25 DISPLAY=:n QT_QPA_PLATFORM=xcb \
        .venv/bin/python tools/screenshot_progress.py OUT_DIR TAG

The window fills the screen's available area, as a doctor would maximise it, and the
whole screen is grabbed. Per patient two pictures: the top of the page (the trend in
words and the charts) and the muscle table (scrolled to it).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication, QWidget

from tpchart.app import add_shipped_fonts
from tpchart.core.progress import Status, pain_trend
from tpchart.demo import COURSES, write_demo
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow


def _shoot(app: QApplication, window: MainWindow, path: Path) -> None:
    for _ in range(3):
        app.processEvents()
    window.screen().grabWindow(0).save(str(path))
    # Palette PNGs: a twentieth of the size, the same pixels to the eye.
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(path.name)


def main(out: Path, tag: str) -> None:
    app = QApplication.instance() or QApplication([])
    add_shipped_fonts()  # as the app does: CJK names in real characters
    app.setOrganizationName("tpchart-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "demo.db")
        patients = write_demo(store, patients=8, seed=7)
        window = MainWindow(store)
        window.setGeometry(window.screen().availableGeometry())
        window.show()
        for index, course in sorted(COURSES.items()):
            patient = patients[index]
            status = pain_trend(store.sessions.for_patient(patient.id)).status  # type: ignore[arg-type]
            assert status is Status(course), (patient.full_name, status)
            window.patients.select_patient(patient.id)
            window.tabs.setCurrentWidget(window.progress_tab)
            view = window.progress
            assert view is not None
            view.scroll.verticalScrollBar().setValue(0)
            _shoot(app, window, out / f"{tag}-{course}.png")
            table = view.findChild(QWidget, "muscleSection")
            view.scroll.ensureWidgetVisible(table, 0, 0)
            bar = view.scroll.verticalScrollBar()
            bar.setValue(min(bar.maximum(), table.y() - 4))
            _shoot(app, window, out / f"{tag}-{course}-muscles.png")
        window.confirm_on_close = False
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
