"""What the log says about the previous run: a first start is not a crash (issue 14).

On a new install the log's first lines said the previous run "did not close cleanly or
unknown", which sends whoever reads the log after a real problem looking for a crash
that never happened. A missing lock record still earns the full integrity check; only
the words change, and a real crash is still named one.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from tpchart.app import run_app
from tpchart.store import Store
from tpchart.store.file.lock import lock_path
from tpchart.store.file.logfile import logging_to_file, setup_logging

from .conftest import HERE, python

UNCLEAN = "did not close cleanly"


@pytest.fixture
def quiet_app(tmp_path, qapp, monkeypatch):
    """Private QSettings, and message boxes recorded instead of waiting for a click."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: shown.append(str(a[2:3])))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()))
    return shown


def _locked_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Locked " in line]


def _run_once(db_path) -> str:
    """Start the app on ``db_path``, note its status bar once shown, quit as a doctor
    would (closing the window); the status bar text."""
    seen: list[str] = []

    def look_and_close():
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, QMainWindow) and w.isVisible())  # fmt: skip
        seen.append(window.statusBar().currentMessage())
        window.close()

    QTimer.singleShot(50, look_and_close)
    assert run_app(db_path) == 0
    return seen[0]


def test_the_first_start_does_not_claim_an_unclean_exit(db_path, quiet_app):
    assert not db_path.exists()
    status = _run_once(db_path)
    log_text = setup_logging().read_text(encoding="utf-8")  # the file the app wrote
    first_lines = log_text.splitlines()[:3]
    assert any("Starting tpchart" in line for line in first_lines)
    (locked,) = _locked_lines(log_text)
    assert "a new database: no earlier run recorded" in locked
    assert UNCLEAN not in log_text
    assert "not closed properly" not in status
    # The second start reads the clean close the first one recorded.
    _run_once(db_path)
    second = _locked_lines(setup_logging().read_text(encoding="utf-8"))[1]
    assert "previous run closed cleanly" in second


def test_a_run_that_died_is_still_named_a_crash(clinic, db_path, tmp_path):
    holder = python(str(HERE / "holder.py"), str(db_path), stdin=-1, stdout=-1, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
    finally:
        holder.kill()  # no close, no clean-up: the lock record is left "open"
        holder.wait(timeout=20)
    with logging_to_file(tmp_path / "log") as log_file:
        store = Store.open(db_path)
        store.close()
    assert store.unclean_exit
    (locked,) = _locked_lines(log_file.read_text(encoding="utf-8"))
    assert f"previous run {UNCLEAN}: it ended without closing the database" in locked


def test_a_lost_lock_record_is_neither_a_first_start_nor_a_crash(clinic, db_path, tmp_path):
    lock_path(db_path).unlink()
    with logging_to_file(tmp_path / "log") as log_file:
        store = Store.open(db_path)
        store.close()
    assert not store.unclean_exit
    text = log_file.read_text(encoding="utf-8")
    (locked,) = _locked_lines(text)
    assert "no record of the previous run" in locked and UNCLEAN not in locked
    # Unknown history still earns the full integrity_check ("Integrity", not "quick").
    assert "Integrity: ok" in text and "quick check" not in text
