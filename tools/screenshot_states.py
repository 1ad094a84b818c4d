"""Screenshots of the main window in every state a session goes through, on a real X
server at the given screen size and scale, for docs/screenshots/states/.

    bash tools/screenshot_states.sh            # all sizes and scales (starts Xvfb)
    QT_SCALE_FACTOR=1.25 DISPLAY=:n QT_QPA_PLATFORM=xcb \
        .venv/bin/python tools/screenshot_states.py OUT_DIR TAG

The window is sized to the screen's available area, as a doctor would maximise it,
and the whole screen is grabbed, so what does not fit is cut off in the picture as it
would be on the laptop. States: draft (Point and Session tabs), signed, amending, red
flag, lung warning and a long name. The database is a throwaway one, not a demo one.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication

from tpchart.app import add_shipped_fonts
from tpchart.bodymap import load_body_map
from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import REGIONS
from tpchart.core.screening import Precaution, RedFlag
from tpchart.core.session import Session
from tpchart.core.trigger_point import TwitchStrength
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow

POINTS = [
    "back.neck.posterior.right",
    "back.shoulder.upper.right",
    "back.scapula.right",
    "back.upper.left",
    "head.masseter.right",
]
BOTH_SIDES = ["front.chest.right", "front.chest.left"]
LONG_NAME = "Maximiliana Alexandra Konstantinopoulou-Vanderbilt-Nakamura"


def start_session(store: Store, patient: Patient, days_ago: int = 0, **fields) -> Session:
    """A draft session of ``patient`` begun ``days_ago`` days ago, screened and consented
    (the screenshot tools share it)."""
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime.now(UTC) - timedelta(days=days_ago),
            chief_complaint="Neck and shoulder pain after desk work",
            pain_before=6,
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
            **fields,
        )
    )


def _chart(app: QApplication, window: MainWindow, regions: list[str]) -> None:
    for region_id in regions:
        x, y = load_body_map(REGIONS[region_id].view).interior_point(region_id)
        window.chart.add_point(region_id, x, y)
        point = window.chart.selected_point()
        window.chart.edit_point(
            replace(point, twitch_elicited=True, pain=6, twitch_strength=TwitchStrength.MEDIUM),
            "findings",
        )
    app.processEvents()


def _shoot(app: QApplication, window: MainWindow, out: Path, tag: str, state: str) -> None:
    for _ in range(3):
        app.processEvents()
    screen = window.screen()
    path = out / f"{tag}-{state}.png"
    screen.grabWindow(0).save(str(path))
    # Palette PNGs: a twentieth of the size, the same pixels to the eye.
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    frame, available = window.frameGeometry(), screen.availableGeometry()
    fits = available.contains(frame)
    print(
        f"{path.name}: window {frame.width()}x{frame.height()} on "
        f"{available.width()}x{available.height()} {'fits' if fits else 'DOES NOT FIT'}"
    )


def main(out: Path, tag: str) -> None:
    app = QApplication.instance() or QApplication([])
    add_shipped_fonts()  # as the app does: CJK names in real characters
    app.setOrganizationName("tpchart-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "states.db")
        store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Ana Souza")).id
        store.clinic.save(ClinicProfile(name="Riverside Pain Clinic"))
        ana = store.patients.add(
            Patient(
                record_number="P-00001",
                full_name="Ana Lima",
                date_of_birth=date(1984, 3, 15),
                sex=Sex.FEMALE,
                precautions=frozenset({Precaution.ANTICOAGULANTS}),
            )
        )
        long = store.patients.add(
            Patient(
                record_number="P-00002",
                full_name=LONG_NAME,
                date_of_birth=date(1950, 11, 30),
                sex=Sex.FEMALE,
            )
        )
        start_session(store, ana, 14)
        window = MainWindow(store)
        window.setGeometry(window.screen().availableGeometry())
        window.show()
        window.patients.select_patient(ana.id)
        # Draft: a new session charted today, one point selected.
        start_session(store, ana, 0)
        window.patients.select_patient(long.id)
        window.patients.select_patient(ana.id)
        _chart(app, window, POINTS)
        _shoot(app, window, out, tag, "draft-point")
        window.side_tabs.setCurrentWidget(window.session_panel)
        _shoot(app, window, out, tag, "draft-session")
        # Lung: both sides of the thorax.
        window.side_tabs.setCurrentWidget(window.inspector)
        _chart(app, window, BOTH_SIDES)
        _shoot(app, window, out, tag, "lung-warning")
        # Signed, then amending with a long reason.
        session = window.session
        store.sessions.update(replace(store.sessions.get(session.id), pain_after=3))
        store.sessions.sign(session.id)
        window.reload_from_store()
        window.side_tabs.setCurrentWidget(window.session_panel)
        _shoot(app, window, out, tag, "signed")
        store.sessions.amend(
            session.id,
            "Added needle depth for points 5 and 6, which "
            "were recorded on paper during the session and not typed in",
        )
        window.reload_from_store()
        _shoot(app, window, out, tag, "amending")
        # Red flag, on a patient with a long name and a long complaint.
        start_session(
            store,
            long,
            0,
            red_flags=frozenset({RedFlag.ARTERIAL_SIGNS, RedFlag.FEVER}),
            contraindications=frozenset({Precaution.PREGNANCY, Precaution.LYMPHOEDEMA}),
        )
        window.patients.select_patient(long.id)
        window.side_tabs.setCurrentWidget(window.session_panel)
        _shoot(app, window, out, tag, "red-flag-long-name")
        window.tabs.setCurrentWidget(window.progress_tab)
        window.patients.select_patient(ana.id)
        window.tabs.setCurrentWidget(window.progress_tab)
        _shoot(app, window, out, tag, "progress")
        window.confirm_on_close = False  # no "sessions not signed" question here
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
