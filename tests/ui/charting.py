"""Charting helpers the UI tests share: start a session, bring the window forward, and
click a region on the map as the mouse would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPointF, Qt

from tpchart.bodymap import load_body_map
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session


def start(store, patient, days_ago: int = 0) -> Session:
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime.now(UTC) - timedelta(days=days_ago),
            chief_complaint="Neck pain",
            pain_before=7,
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
        )
    )


def make_active(qtbot, win) -> None:
    """Bring ``win`` to the front, as the doctor's first click would: a click on an
    inactive window only activates it (`body_map_view.is_focus_click`)."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    # The map ignores clicks in the event-loop turn its window became active in (that
    # click only brought the window forward): wait for that turn to end.
    canvas = win.chart.canvas
    qtbot.waitUntil(lambda: not getattr(canvas, "_activated_this_turn", False))


def click_region(qtbot, win, region_id: str) -> None:
    """Click the canvas at a region's interior point, as the mouse would."""
    view = REGIONS[region_id].view
    win.chart.show_view(view)
    x, y = load_body_map(view).interior_point(region_id)
    canvas = win.chart.canvas
    pos = canvas.mapFromScene(QPointF(x, y))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
