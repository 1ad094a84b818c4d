"""Screenshots of issue 15's charting safety states on a real X server (xcb), the whole
screen grabbed so what does not fit is cut as on the laptop.

    tools/screenshot_safety.sh runs it at 1366x768, scale 1 and 1.25.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tpchart.app import add_shipped_fonts
from tpchart.bodymap import load_body_map
from tpchart.core.clinic import ClinicProfile
from tpchart.core.lung import Build, LungPrecaution
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.regions import REGIONS
from tpchart.core.screening import Precaution
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow
from tpchart.ui.patient_dialog import PatientDialog

sys.path.insert(0, str(Path(__file__).parent))
from screenshot_states import start_session


def mark(app, window, region_id):
    x, y = load_body_map(REGIONS[region_id].view).interior_point(region_id)
    window.chart.add_point(region_id, x, y)
    app.processEvents()
    return window.chart.selected_point()


def shoot(app, window, out, tag, state):
    for _ in range(5):
        app.processEvents()
    QTest.qWait(50)
    path = out / f"{state}-{tag}.png"
    window.screen().grabWindow(0).save(str(path))
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    frame, available = window.frameGeometry(), window.screen().availableGeometry()
    strip = window.chart.notices
    shown = strip.shown()
    cut = shown is not None and not shown.quiet and shown.shown_text() != shown.text()
    print(
        f"{path.name}: {frame.width()}x{frame.height()} on {available.width()}x"
        f"{available.height()}{'' if available.contains(frame) else ' DOES NOT FIT'}"
        f"{' BANNER CUT: ' + shown.objectName() if cut else ''}"
    )


def main(out: Path, tag: str) -> None:
    app = QApplication.instance() or QApplication([])
    add_shipped_fonts()
    app.setOrganizationName("tpchart-screenshots-uib")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "safety.db")
        store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Ana Souza")).id
        store.clinic.save(ClinicProfile(name="Riverside Pain Clinic"))
        ana = store.patients.add(
            Patient(record_number="P-00001", full_name="Ana Lima", sex=Sex.FEMALE,
                    date_of_birth=date(1984, 3, 15), build=Build.SLIM)
        )  # fmt: skip
        lena = store.patients.add(
            Patient(record_number="P-00002", full_name="Lena Brandt", sex=Sex.FEMALE,
                    date_of_birth=date(1962, 7, 2),
                    precautions=frozenset({Precaution.LYMPHOEDEMA}),
                    precaution_sites=(PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM,
                                                     SiteSide.LEFT),))
        )  # fmt: skip
        start_session(store, ana)
        window = MainWindow(store)
        window.confirm_on_close = False
        window.setGeometry(window.screen().availableGeometry())
        window.show()
        window.activateWindow()
        window.patients.select_patient(ana.id)
        app.processEvents()

        # Lung: one point over the lung, before and after the precaution.
        point = mark(app, window, "back.shoulder.upper.right")
        shoot(app, window, out, tag, "lung_banner_before")
        # Depth past the pleura of a slim patient.
        window.chart.edit_point(replace(window.chart.points[point.id], depth_mm=25), "depth")
        shoot(app, window, out, tag, "lung_depth_warning")
        window.chart.edit_point(replace(window.chart.points[point.id], depth_mm=15), "depth")
        box = window.inspector.lung.boxes[LungPrecaution.PINCER_GRIP]
        QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        shoot(app, window, out, tag, "lung_banner_after")
        # Both sides, before and after Acknowledge.
        mark(app, window, "back.shoulder.upper.left")
        shoot(app, window, out, tag, "lung_both_sides_before")
        QTest.mouseClick(window.chart.acknowledge_button, Qt.MouseButton.LeftButton)
        shoot(app, window, out, tag, "lung_both_sides_after")

        # The muscle completer: "upper traps" typed.
        line = window.inspector.muscle.lineEdit()
        line.setFocus()
        line.selectAll()
        QTest.keyClicks(line, "upper traps")
        shoot(app, window, out, tag, "muscle_completer")
        window.inspector.muscle.completer_.popup().hide()
        line.selectAll()
        QTest.keyClicks(line, "QL")
        shoot(app, window, out, tag, "muscle_completer_synonym")
        window.inspector.muscle.completer_.popup().hide()
        line.selectAll()
        QTest.keyClicks(line, "fibres of upper trap near C7")
        QTest.keyClick(line, Qt.Key.Key_Return)
        shoot(app, window, out, tag, "muscle_other")

        # A sited precaution, named as the point is marked on its site.
        start_session(store, lena)
        window.patients.select_patient(lena.id)
        mark(app, window, "front.forearm.right")
        mark(app, window, "front.forearm.left")
        shoot(app, window, out, tag, "site_marking")
        window.tabs.setCurrentWidget(window.summary)
        shoot(app, window, out, tag, "patient_summary")
        window.tabs.setCurrentWidget(window.chart)

        dialog = PatientDialog(store, store.patients.get(lena.id), window)
        dialog.show()
        dialog.build.setCurrentIndex(dialog.build.findData(Build.AVERAGE))
        for precaution in (Precaution.LOCAL_INFECTION, Precaution.IMPLANTS):
            dialog.precaution_boxes[precaution].setChecked(True)
        implants = dialog.site_choices[Precaution.IMPLANTS]
        implants.area.setCurrentIndex(implants.area.findData(BodyArea.KNEE))
        implants.side.setCurrentIndex(implants.side.findData(SiteSide.RIGHT))
        dialog.error.setText("Local infection or open wound: choose the side of its site "
                             "(or both sides)")  # fmt: skip
        dialog.error.show()
        for _ in range(5):
            app.processEvents()
        QTest.qWait(50)
        path = out / f"patient_dialog-{tag}.png"
        window.screen().grabWindow(0).save(str(path))
        Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
        frame, screen = dialog.frameGeometry(), window.screen().availableGeometry()
        print(f"{path.name}: dialog {frame.width()}x{frame.height()} on {screen.height()}")
        dialog.reject()
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
