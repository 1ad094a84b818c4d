"""Backups: consistent while the app writes, verified, rotated, restorable from the
command line with the current file kept aside."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tpchart.cli import main
from tpchart.store import DatabaseInUse, Store
from tpchart.store.autobackup import AutoBackup
from tpchart.store.file.backup import BackupFailed, BackupFile, backup_to, list_backups
from tpchart.store.file.health import check_file
from tpchart.store.file.restore import restore_backup
from tpchart.store.file.rotation import Retention, rotate, to_keep

from .conftest import HERE, python
from .records import add_patient


def _dump(path) -> list[str]:
    """Every row of every table, as SQL text: equal dumps mean equal records."""
    with Store.open(path, read_only=True) as store:
        return list(store._ctx.db.conn.iterdump())


def test_backup_taken_while_writing_is_whole_and_restores_equal(db_path, tmp_path):
    Store.open(db_path).close()
    writer = python(str(HERE / "writer.py"), str(db_path), "1", stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "ready\n"
        backups = []
        for _ in range(5):
            time.sleep(0.05)
            backups.append(backup_to(db_path, tmp_path / "backups", reason="periodic"))
    finally:
        writer.kill()
        writer.communicate()
    counts = []
    for backup in backups:
        assert check_file(backup, audit=True).ok  # whole, and the audit chain unbroken
        with Store.open(backup, read_only=True) as copy:
            counts.append(copy.patients.count())
    assert counts == sorted(counts) and counts[-1] > 0  # taken at successive moments

    restored = tmp_path / "restored.db"
    restore_backup(restored, backups[-1], tmp_path / "safety")
    assert _dump(restored) == _dump(backups[-1])


def test_restore_command_verifies_keeps_the_current_file_and_backs_it_up(
    store, db_path, tmp_path, capsys
):
    add_patient(store, 1)
    folder = tmp_path / "backups"
    backup = backup_to(db_path, folder)
    add_patient(store, 2)  # a later change the restore will undo
    store.close()

    code = main(["restore", "--db", str(db_path), "--from", str(backup), "--backups", str(folder)])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"from {backup}" in out and "kept as" in out
    with Store.open(db_path) as restored:
        assert restored.patients.count() == 1
    (kept,) = db_path.parent.glob("clinic.replaced-*.db")
    with Store.open(kept, read_only=True) as old:
        assert old.patients.count() == 2
    (safety,) = folder.glob("tpchart-*-before-restore.db")
    assert check_file(safety).ok


def test_restore_refuses_a_damaged_backup_and_changes_nothing(store, db_path, tmp_path, capsys):
    add_patient(store, 1)
    store.close()
    bad = tmp_path / "tpchart-20260101-000000-close.db"
    bad.write_bytes(b"not a database" * 100)
    before = db_path.read_bytes()
    assert main(["restore", "--db", str(db_path), "--from", str(bad)]) == 2
    assert "damaged" in capsys.readouterr().err
    assert db_path.read_bytes() == before


def test_restore_from_a_folder_takes_its_newest_good_backup(store, db_path, tmp_path):
    folder = tmp_path / "backups"
    add_patient(store, 1)
    backup_to(db_path, folder, stamp=datetime(2026, 1, 1))
    add_patient(store, 2)
    backup_to(db_path, folder, stamp=datetime(2026, 1, 2))
    (folder / "tpchart-20260103-000000-close.db").write_bytes(b"broken" * 100)
    store.close()
    assert main(["restore", "--db", str(db_path), "--from", str(folder)]) == 0
    with Store.open(db_path) as restored:
        assert restored.patients.count() == 2


def test_restore_refuses_while_the_app_has_the_database_open(store, db_path, tmp_path):
    backup = backup_to(db_path, tmp_path / "b")
    with pytest.raises(DatabaseInUse):
        restore_backup(db_path, backup, tmp_path / "b")


def test_backup_leaves_no_partial_file_when_the_folder_is_missing(store, tmp_path):
    auto = AutoBackup(store)
    auto.choose_folder(tmp_path / "usb-drive" / "tpchart")  # the drive is not plugged in
    with pytest.raises(BackupFailed, match=r"not available \(is the drive connected\?\)"):
        auto.take("close")
    assert not (tmp_path / "usb-drive").exists()  # not created on the internal disk


def test_periodic_backup_runs_only_after_changes(store, tmp_path):
    auto = AutoBackup(store)
    auto.choose_folder(tmp_path / "backups")
    (tmp_path / "backups").mkdir()
    assert auto.take_if_changed("periodic") is not None  # choosing the folder was a change
    assert auto.take_if_changed("periodic") is None
    add_patient(store, 1)
    taken = auto.take_if_changed("periodic")
    assert "-periodic" in taken.name and auto.backups()[0].path == taken


def test_default_backup_folder_is_per_database(store, db_path):
    auto = AutoBackup(store)
    add_patient(store, 1)
    path = auto.take("close")
    assert path.parent == auto.folder and db_path.stem in auto.folder.name


def _at(*args) -> BackupFile:
    stamp = datetime(*args)
    return BackupFile(path=Path(f"tpchart-{stamp:%Y%m%d-%H%M%S}.db"),
                      taken_at=stamp, reason="periodic")  # fmt: skip


def test_rotation_keeps_recent_daily_weekly_monthly_and_caps():
    now = datetime(2026, 11, 30, 18, 0)
    # Every 10 minutes of clinic hours for two years.
    backups = []
    for day in range(730):
        for minute in range(0, 8 * 60, 10):
            backups.append(_at(*(now - timedelta(days=day, minutes=minute)).timetuple()[:6]))
    policy = Retention(recent=10, daily=7, weekly=5, monthly=12, cap=40)
    kept = to_keep(backups, policy)
    stamps = sorted((b.taken_at for b in backups if b.path in kept), reverse=True)
    assert len(kept) <= 40
    assert stamps[:10] == sorted((b.taken_at for b in backups), reverse=True)[:10]
    assert len({s.date() for s in stamps}) >= 7  # one a day for the last week
    assert len({(s.year, s.month) for s in stamps}) >= 12  # one a month for a year
    assert min(stamps) < now - timedelta(days=300)


def test_rotate_deletes_only_backups_and_stale_partials(tmp_path):
    for day in range(1, 21):
        (tmp_path / f"tpchart-202601{day:02d}-120000-close.db").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("mine")
    stale = tmp_path / "tpchart-20260101-000000-close.db.partial"  # a crash mid-backup
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    rotate(tmp_path, Retention(recent=3, daily=2, weekly=0, monthly=0, cap=10))
    assert len(list_backups(tmp_path)) == 3
    assert (tmp_path / "notes.txt").exists()
    assert not list(tmp_path.glob("*.partial"))
