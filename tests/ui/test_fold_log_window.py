"""The window copies the file's -wal into it once it has been idle a moment after a
change (``FOLD_AFTER_IDLE_MS``), so no click waits for SQLite's own checkpoint."""

from __future__ import annotations

import sqlite3

from tpchart.ui.main_window import FOLD_AFTER_IDLE_MS

from .charting import click_region


def points_in_the_file_alone(store, folder) -> int:
    folder.mkdir(exist_ok=True)
    copy = folder / "alone.db"
    copy.write_bytes(store.path.read_bytes())  # the file only: not its -wal
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM trigger_points").fetchone()[0]
    finally:
        conn.close()
        copy.unlink()


def test_a_point_reaches_the_file_itself_once_the_window_is_idle(qtbot, window, tmp_path):
    probe = tmp_path / "probe"
    window.store.fold_log()
    before = points_in_the_file_alone(window.store, probe)
    click_region(qtbot, window, "front.forearm.right")
    assert len(window.chart.points) == 1
    timer = window.findChild(type(window._fold_timer), "foldLogTimer")
    assert timer.isActive() and timer.interval() == FOLD_AFTER_IDLE_MS
    # Saved in the -wal at once; copied into the file only after the pause.
    assert points_in_the_file_alone(window.store, probe) == before
    qtbot.waitUntil(lambda: not timer.isActive(), timeout=FOLD_AFTER_IDLE_MS + 3000)
    assert points_in_the_file_alone(window.store, probe) == before + 1
