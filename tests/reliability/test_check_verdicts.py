"""``check`` says what a file is, each case with its own exit code, and never "ok" for a
file that is not a sound tpchart database (issue 11, findings 5 and 6). Before: exit 0
"ok" for an empty file, /dev/null, another program's SQLite file and a database from
schema 99; "disk I/O error" for a folder; "DAMAGED" for a hot journal after a crash;
false tampering while the app wrote."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tpchart.store.file.health import Verdict

from .conftest import HERE, python, run_bound, run_tpchart


def _check(path: Path | str) -> tuple[int, str]:
    result = run_tpchart("check", "--db", str(path))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def _another_programs_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()


def _newer(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()


CASES = [
    ("empty file", lambda p: p.write_bytes(b""), Verdict.NOT_TPCHART, "empty (0 bytes)"),
    ("not SQLite", lambda p: p.write_bytes(b"%PDF-1.4\n" * 200), Verdict.NOT_TPCHART,
     "not an SQLite file"),
    ("folder", lambda p: p.mkdir(), Verdict.NOT_TPCHART, "is a folder"),
    ("another program's database", _another_programs_database, Verdict.NOT_TPCHART,
     "another program"),
    ("missing", lambda p: None, Verdict.MISSING, "There is no database at"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "verdict", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_check_names_what_the_file_is(tmp_path, make, verdict, words):
    path = tmp_path / "clinic.db"
    make(path)
    code, output = _check(path)
    assert code == verdict and words in output
    assert "ok" not in output.lower().split()


def test_check_of_a_device_is_not_ok():
    code, output = _check(os.devnull)
    assert code == Verdict.NOT_TPCHART and "not an ordinary file" in output


def test_check_of_a_newer_database_says_update(clinic):
    _newer(clinic)
    code, output = _check(clinic)
    assert code == Verdict.NEWER and "schema 99" in output and "update tpchart" in output


def test_check_of_a_sound_database_is_ok(clinic):
    code, output = _check(clinic)
    assert code == Verdict.SOUND and "Integrity: ok" in output and "Audit trail: ok" in output


def test_check_of_a_file_this_user_may_not_read(clinic):
    clinic.chmod(0o000)
    result = run_bound("check", "--db", str(clinic))
    assert result.returncode == Verdict.UNREADABLE, result.stdout + result.stderr
    assert "may not read" in result.stdout


def test_check_after_a_crash_with_a_hot_journal_is_sound_and_says_so(clinic):
    # A write cut short in rollback-journal mode: SQLite rolls it back at the next open.
    conn = sqlite3.connect(clinic)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    subprocess.run([sys.executable, "-c", HALF_WRITE, str(clinic)], check=False)
    assert clinic.with_name(clinic.name + "-journal").stat().st_size > 0
    code, output = _check(clinic)
    assert code == Verdict.SOUND, output
    assert "interrupted by a crash was rolled back on a copy" in output


HALF_WRITE = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")
conn.execute("BEGIN")
conn.execute("UPDATE patients SET medical_history = 'half-written'")
conn.execute("CREATE TABLE junk AS SELECT zeroblob(200000) AS b")
os._exit(9)
"""


def test_check_while_the_app_writes_never_reports_false_tampering(db_path, tmp_path):
    # One read transaction: a clinical row is never seen without its audit row.
    output = tmp_path / "writer.txt"
    with open(output, "w") as out:
        writer = python(str(HERE / "writer.py"), str(db_path), stdout=out)
    try:
        deadline = time.monotonic() + 20
        while "patient" not in output.read_text():
            assert time.monotonic() < deadline and writer.poll() is None
            time.sleep(0.02)
        for _ in range(8):
            code, report = _check(db_path)
            assert code == Verdict.SOUND, report
    finally:
        writer.kill()
        writer.wait()
    assert output.read_text().count("\n") > 20  # it really was writing meanwhile


@pytest.mark.parametrize(
    "tamper",
    ["DROP TABLE audit_log", "ALTER TABLE audit_log DROP COLUMN hash",
     "PRAGMA application_id = 0"],
    ids=["audit trail dropped", "hash column dropped", "application id zeroed"],
)  # fmt: skip
def test_check_is_not_fooled_by_removing_what_it_checks(clinic, tamper):
    # Found by a hostile tester: with the trail (or its chain) gone there was nothing
    # to compare, and check said "Audit trail: ok" over a forged name.
    conn = sqlite3.connect(clinic)
    conn.execute("UPDATE patients SET full_name = 'Forged' WHERE id = 1")
    conn.executescript("DROP TRIGGER IF EXISTS audit_log_no_delete;" if "audit" in tamper else "")
    for trigger in [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
    ]:
        conn.execute(f"DROP TRIGGER {trigger}")  # fmt: skip
    conn.execute(tamper)
    conn.commit()
    conn.close()
    code, output = _check(clinic)
    assert code == Verdict.DAMAGED, output
    assert "ok" not in output.split("Audit trail:")[-1][:5]


def test_check_of_a_path_through_a_file_is_missing(clinic):
    code, output = _check(clinic / "x.db")
    assert code == Verdict.MISSING and "There is no database at" in output
