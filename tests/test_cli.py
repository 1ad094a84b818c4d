"""The command line: demo, check and backup, and clear one-line errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from tpchart.cli import main
from tpchart.store import Store
from tpchart.store.records.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_demo_writes_patients_in_several_scripts_with_sessions(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--patients", "4"]) == 0
    assert "Added 4 demo patients" in capsys.readouterr().out
    with Store.open(db) as store:
        patients = store.patients.find("")
        assert len(patients) == 4
        assert any(not p.full_name.isascii() for p in patients)
        for patient in patients:
            sessions = store.sessions.for_patient(patient.id)
            assert 3 <= len(sessions) <= 8
            assert sessions[-1].pain_before <= sessions[0].pain_before
            assert all(store.points.for_session(s.id) for s in sessions)
    tables = sqlite_utils.Database(db).table_names()
    assert {"patients", "sessions", "trigger_points", "audit_log"} <= set(tables)


def test_check_reports_ok_and_problems(tmp_path, capsys):
    db = tmp_path / "c.db"
    main(["demo", "--db", str(db), "--patients", "1"])
    capsys.readouterr()
    assert main(["check", "--db", str(db)]) == 0
    assert "Integrity: ok" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TRIGGER trigger_points_update_signed")
    conn.execute("UPDATE trigger_points SET session_id = 999 WHERE id = 1")
    conn.commit()
    conn.close()
    assert main(["check", "--db", str(db)]) == 1
    assert "trigger_points row 1 points to a missing sessions row" in capsys.readouterr().out


def test_backup_is_a_consistent_copy(tmp_path, capsys):
    db = tmp_path / "b.db"
    main(["demo", "--db", str(db), "--patients", "2"])
    assert main(["backup", "--db", str(db), "--to", str(tmp_path / "backups")]) == 0
    (copy,) = (tmp_path / "backups").glob("tpchart-*.db")
    assert not list((tmp_path / "backups").glob("*.partial"))
    with Store.open(copy) as restored, Store.open(db) as original:
        assert restored.patients.find("") == original.patients.find("")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--db", "{tmp}/missing.db"], "There is no database at"),
        (["backup", "--db", "{tmp}/missing.db", "--to", "{tmp}/b"], "There is no database at"),
        (["demo", "--db", "{tmp}/newer.db"], "newer version of tpchart"),
    ],
)
def test_expected_errors_are_one_clear_line(tmp_path, capsys, argv, message):
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_bad_argument_exits_non_zero_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "demo",
            "--db",
            str(tmp_path / "x.db"),
            "--patients",
            "many",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "expected a whole number" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["export-pdf", "--session", "99999999999999999999999", "-o", "x.pdf"],
        ["export-pdf", "--patient", "9" * 5000, "--progress", "-o", "x.pdf"],
        ["export-pdf", "--session", "-3", "-o", "x.pdf"],
        ["export-pdf", "--session", "١٢", "-o", "x.pdf"],
        ["demo", "--patients", "99999999999999999999"],
        ["demo", "--patients", "2001"],
    ],
)
def test_out_of_range_numbers_are_refused_before_anything_runs(tmp_path, capsys, argv):
    # Issue 11: huge ids printed an OverflowError traceback; a huge demo filled the disk.
    db = tmp_path / "clinic.db"
    with pytest.raises(SystemExit) as stopped:
        main([*argv[:1], "--db", str(db), *argv[1:]])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("must be from 1 to" in err or "whole number" in err)
    assert not db.exists()


def test_a_path_that_is_not_valid_text_is_refused_plainly(tmp_path, capsys):
    # Bytes from another system's disk (os.fsdecode makes them lone surrogates) failed
    # with a UnicodeEncodeError deep in SQLite, leaving a stray lock file behind.
    db = os.fsdecode(bytes(tmp_path) + b"/\xff.db")
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--db", db])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "not valid text" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
