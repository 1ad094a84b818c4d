"""The app's start-up and running: damaged file, second instance, read-only banner,
backups on close and on a timer, restore from the Backups dialog, error dialogs, logs."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

from tpchart.app import run_app, setup_logging
from tpchart.core.practitioner import Practitioner
from tpchart.store import StorageError, Store
from tpchart.store.autobackup import AutoBackup
from tpchart.store.file.backup import backup_to, list_backups
from tpchart.store.file.locations import backup_folder_for
from tpchart.ui import recovery
from tpchart.ui.backup_settings import BackupSettingsDialog, install_backup_timer
from tpchart.ui.single_instance import InstanceServer, bring_forward

from .conftest import HERE, python
from .records import add_patient


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path, qapp):
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))


@pytest.fixture
def no_dialogs(monkeypatch):
    """Record message boxes instead of waiting for a click."""
    shown = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: shown.append((_n, *a[1:3])))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(("exec", self.text())))
    return shown


def _main_window():
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)
                and w.isVisible())  # fmt: skip


def _when_shown(action, delay=50):
    """Run ``action(window)`` once the event loop shows the main window."""
    QTimer.singleShot(delay, lambda: action(_main_window()))


def _quit(window=None):
    QApplication.instance().exit(0)


PASSPHRASE = "a quiet harbour at dawn"


def _doctor(store):
    store.practitioner_id = store.practitioners.add(Practitioner(name="Dr A")).id


def test_damaged_database_at_start_is_set_aside_and_a_backup_offered(
    db_path, tmp_path, monkeypatch, no_dialogs
):
    with Store.open(db_path) as store:
        _doctor(store)
        add_patient(store, 1)
        AutoBackup(store).take("close")
    garbage = b"\x00garbage" * 4096
    db_path.write_bytes(garbage)
    offered = []

    def answer(found, finding, parent=None):
        offered.append((found, finding))
        assert not db_path.exists()  # already set aside, nothing recreated over it
        return recovery.RESTORE

    monkeypatch.setattr(recovery, "ask_after_damage", answer)
    seen = []
    _when_shown(lambda w: (seen.append(w.store.patients.count()), _quit()))
    assert run_app(db_path) == 0
    (found, finding) = offered[0]
    assert found.backup is not None and "not a readable database" in finding
    assert found.kept_aside[0].read_bytes() == garbage
    assert seen == [1]  # the window opened on the restored records


def test_an_emptied_database_at_start_is_never_shown_as_an_empty_clinic(
    db_path, monkeypatch, no_dialogs
):
    # Issue 11: what a kill in the old restore left (an empty file) opened as a new,
    # empty clinic, and closing that window made an empty backup the newest one.
    with Store.open(db_path) as store:
        _doctor(store)
        add_patient(store, 1)
        AutoBackup(store).take("close")
    db_path.write_bytes(b"")
    folder = backup_folder_for(db_path)
    backups = list_backups(folder)
    offered, windows = [], []
    monkeypatch.setattr("tpchart.app.MainWindow", windows.append)  # none may open
    monkeypatch.setattr(
        recovery, "ask_after_damage",
        lambda found, finding, parent=None: offered.append((found, finding)) or recovery.QUIT,
    )  # fmt: skip
    for start in range(2):  # refused at every start until the doctor decides
        offered.clear()
        assert run_app(db_path) == 2
        assert not windows and offered
        found, finding = offered[0]
        assert found.backup.path == backups[0].path
        assert "empty" in finding if start == 0 else "earlier start" in finding
        assert list_backups(folder) == backups  # no empty backup became the newest


def test_damaged_database_and_quit_leaves_everything_as_it_was_set_aside(
    db_path, monkeypatch, no_dialogs
):
    db_path.write_bytes(b"garbage" * 1000)
    monkeypatch.setattr(recovery, "ask_after_damage", lambda *a, **k: recovery.QUIT)
    assert run_app(db_path) == 2
    assert not db_path.exists()
    # The next start asks again instead of silently making an empty database.
    asked = []
    monkeypatch.setattr(
        recovery, "ask_after_damage", lambda *a, **k: asked.append(a) or recovery.QUIT
    )
    assert run_app(db_path) == 2
    assert asked and not db_path.exists()


def test_starting_empty_keeps_the_old_backups_out_of_rotation(db_path, monkeypatch, no_dialogs):
    Store.open(db_path).close()
    old = backup_to(db_path, backup_folder_for(db_path), reason="close")
    db_path.write_bytes(b"garbage" * 1000)
    monkeypatch.setattr(recovery, "ask_after_damage", lambda *a, **k: recovery.EMPTY)
    _when_shown(_quit)
    assert run_app(db_path) == 0
    (kept,) = old.parent.glob(f"kept-*/{old.name}")  # out of the folder's rotation
    assert [b.path for b in list_backups(kept.parent)] == [kept]


@pytest.fixture
def holder(db_path):
    Store.open(db_path).close()
    process = python(str(HERE / "holder.py"), str(db_path), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout.readline() == "open\n"
    yield process
    process.stdin.close()
    process.wait(timeout=10)


def test_second_instance_explains_and_does_not_write(db_path, holder, monkeypatch, no_dialogs):
    asked = []
    monkeypatch.setattr(recovery, "ask_in_use", lambda exc, parent=None: asked.append(str(exc))
                        or recovery.QUIT)  # fmt: skip
    before = db_path.read_bytes()
    assert run_app(db_path) == 2
    assert "already open" in asked[0] and db_path.read_bytes() == before


def test_second_instance_can_look_read_only_with_a_banner(db_path, holder, monkeypatch, no_dialogs):
    monkeypatch.setattr(recovery, "ask_in_use", lambda *a, **k: recovery.READ_ONLY)
    seen = []

    def look(window):
        banner = window.findChild(QLabel, "readOnlyBanner")
        seen.append((window.store.read_only, banner.isVisible(), banner.text()))
        _quit()

    _when_shown(look)
    assert run_app(db_path) == 0
    assert seen[0][:2] == (True, True) and "open in another tpchart window" in seen[0][2]


def test_a_second_start_brings_the_first_window_forward(qtbot, db_path):
    window = QMainWindow()
    qtbot.addWidget(window)
    server = InstanceServer(db_path, window)
    assert server.listening
    with qtbot.waitSignal(server.show_requested, timeout=3000):
        assert bring_forward(db_path)
    server.close()


def test_close_makes_a_backup_and_logs(db_path, no_dialogs, tmp_path):
    def chart(window):
        _doctor(window.store)
        add_patient(window.store, 1)
        window.close()

    _when_shown(chart)
    assert run_app(db_path) == 0
    (backup,) = list_backups(backup_folder_for(db_path))
    assert backup.reason == "close"
    with Store.open(backup.path, read_only=True) as copy:
        assert copy.patients.count() == 1
    log_text = setup_logging().read_text()  # the same rotating file the app wrote
    assert f"Starting tpchart on {db_path}" in log_text
    assert f"Backed up {db_path}" in log_text and "tpchart stopped" in log_text


def test_restore_from_the_backups_dialog_reopens_the_restored_records(db_path, no_dialogs):
    with Store.open(db_path) as store:
        _doctor(store)
        add_patient(store, 1)
        backup = AutoBackup(store).take("manual")
        add_patient(store, 2)
    counts = []

    def restore(window):
        counts.append(window.store.patients.count())
        QTimer.singleShot(0, lambda: _answer_dialog())
        window.backup_settings_action.trigger()

    def _answer_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, BackupSettingsDialog)
        dialog.restore_requested.emit(backup)
        dialog.accept()
        _when_shown(lambda w: (counts.append(w.store.patients.count()), _quit()), delay=100)

    _when_shown(restore)
    assert run_app(db_path) == 0
    assert counts == [2, 1]
    assert list(db_path.parent.glob("clinic.replaced-*.db"))


def test_backups_dialog_shows_the_folder_and_backs_up(qtbot, db_path, tmp_path, no_dialogs):
    store = Store.open(db_path)
    auto = AutoBackup(store)
    dialog = BackupSettingsDialog(store, auto)
    qtbot.addWidget(dialog)
    assert str(backup_folder_for(db_path)) in dialog.folder_label.text()
    assert "(default)" in dialog.folder_label.text()
    chosen = tmp_path / "usb"
    chosen.mkdir()
    dialog.set_folder(chosen)
    assert dialog.folder_label.text() == str(chosen)
    assert dialog.backups.count() == 1 and "Backed up to" in dialog.status.text()
    dialog.set_folder(tmp_path / "Dropbox")
    assert dialog.warning.isVisibleTo(dialog) and "Dropbox" in dialog.warning.text()
    store.close()


def test_backup_timer_backs_up_only_after_changes(qtbot, db_path):
    store = Store.open(db_path)
    window = QMainWindow()
    qtbot.addWidget(window)
    auto = AutoBackup(store)
    timer = install_backup_timer(window, auto)
    timer.timeout.emit()
    assert auto.backups() == []
    _doctor(store)
    timer.timeout.emit()
    assert [b.reason for b in auto.backups()] == ["periodic"]
    store.close()
    # A window that outlives its records (closed, or the app switched to another
    # database) stops its timer instead of failing every ten minutes.
    timer.timeout.emit()
    assert not timer.isActive()


def test_unexpected_errors_are_logged_and_shown_once(no_dialogs, caplog, tmp_path):
    reloaded = []
    hook = recovery.ExceptionHook(tmp_path / "tpchart.log", reload=lambda: reloaded.append(1))
    with caplog.at_level(logging.INFO, logger="tpchart"):
        for _ in range(3):
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                hook(*sys.exc_info())
        full = StorageError("The disk is full; your last change was not saved.", "full")
        hook(StorageError, full, None)
    assert [s[0] for s in no_dialogs] == ["exec", "warning"]
    assert "tpchart.log" in no_dialogs[0][1]
    assert "The disk is full" in no_dialogs[1][2]
    assert reloaded == [1]
    assert sum("Unexpected error" in r.message for r in caplog.records) == 3
    assert "boom" in caplog.text


def test_terminate_signal_closes_normally_with_a_backup(db_path, tmp_path):
    # Log-out and shutdown send SIGTERM: the window closes as if the doctor quit. The
    # clinic has accounts, so the app signs in from the command line, as a script would.
    with Store.open(db_path) as store:
        doctor, _code = store.accounts.set_up_clinic(Practitioner(name="Dr A"), PASSPHRASE)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"  # inherited by the child
    app = python("main.py", "--db", str(db_path), "--practitioner", str(doctor.id),
                 "--passphrase-file", str(secret))  # fmt: skip
    log_file = setup_logging()
    deadline = time.monotonic() + 30
    while "Window open" not in (log_file.read_text() if log_file.exists() else ""):
        assert time.monotonic() < deadline and app.poll() is None, "the app did not start"
        time.sleep(0.05)
    app.send_signal(signal.SIGTERM)
    assert app.wait(timeout=20) == 0
    assert json.loads(db_path.with_name("clinic.db.lock").read_text())["state"] == "closed"
    assert [b.reason for b in list_backups(backup_folder_for(db_path))] == ["close"]
