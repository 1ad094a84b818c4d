"""Grab the main window on a demo database, for docs/ and for looking at changes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot_window.py OUT_DIR

Writes charting-<view>.png (a draft session charted today, on each view). The
Progress tab has its own: tools/screenshot_progress.sh.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tpchart.app import add_shipped_fonts
from tpchart.bodymap import load_body_map
from tpchart.core.regions import REGIONS, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import PointKind, TwitchStrength
from tpchart.demo import write_demo
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow

# Today's points: neck and shoulder girdle on the back (two in lung-risk zones), jaw.
TODAY = [
    ("back.neck.posterior.right", TwitchStrength.STRONG, PointKind.ACTIVE),
    ("back.shoulder.upper.right", TwitchStrength.MEDIUM, PointKind.ACTIVE),
    ("back.scapula.right", None, PointKind.LATENT),
    ("back.upper.left", TwitchStrength.WEAK, PointKind.LATENT),
    ("head.masseter.right", TwitchStrength.MEDIUM, PointKind.ACTIVE),
    ("head.temporal.right", None, PointKind.ACTIVE),
    ("front.chest.right", TwitchStrength.WEAK, PointKind.ACTIVE),
]


def chart_today(app: QApplication, window: MainWindow, store: Store, patient_id: int) -> None:
    """Start a draft session and chart TODAY through the real chart panel."""
    previous = store.sessions.for_patient(patient_id)[-1]
    store.sessions.start(
        Session(
            patient_id=patient_id,
            practitioner_id=store.practitioner_id,  # type: ignore[arg-type]
            started_at=datetime.now(UTC),
            chief_complaint=previous.chief_complaint,
            likely_cause=previous.likely_cause,
            pain_before=previous.pain_after,
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
            contraindications=frozenset(store.patients.get(patient_id).precautions),
        )
    )
    window.patients.select_patient(patient_id)
    app.processEvents()
    for region_id, twitch, kind in TODAY:
        x, y = load_body_map(REGIONS[region_id].view).interior_point(region_id)
        window.chart.add_point(region_id, x, y)
        point = window.chart.selected_point()
        assert point is not None
        edited = replace(point, kind=kind, twitch_elicited=twitch is not None,
                         twitch_strength=twitch, twitch_count=2 if twitch else None,
                         pain=6, needle_gauge_mm=0.25, needle_length_mm=30.0)  # fmt: skip
        window.chart.edit_point(edited, "findings")
    app.processEvents()


def main(out: Path) -> None:
    app = QApplication.instance() or QApplication([])
    add_shipped_fonts()  # as the app does: CJK names in real characters
    app.setOrganizationName("tpchart-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "shots.db")
        write_demo(store, patients=8)
        window = MainWindow(store)
        window.resize(1366, 740)
        window.splitter.setSizes([260, 1106])
        window.work.setSizes([700, 406])
        window.show()
        patient = store.patients.find("Maria")[0]
        chart_today(app, window, store, patient.id)  # type: ignore[arg-type]
        for view in View:
            window.chart.show_view(view)
            points = [p for p in window.chart.points.values() if p.view is view]
            if points:
                window.chart.select_point(points[0].id)  # type: ignore[arg-type]
            app.processEvents()
            window.grab().save(str(out / f"charting-{view.value}.png"))
        window.confirm_on_close = False  # no "sessions not signed" question here
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots"))
