"""Exports never overwrite records and never leave the app unaudited (issue 11,
findings 1 and 8): ``export-pdf -o clinic.db`` used to replace the database with a PDF,
and an export from a read-only database wrote the file, then failed to audit it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tpchart.store import Store
from tpchart.store.file.backup import backup_to
from tpchart.store.file.health import check_database

from .conftest import run_bound, run_tpchart


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _exports(db: Path) -> int:
    with Store.open(db, read_only=True) as store:
        return sum(e.action == "export" for e in store.audit_trail())


def _target(db: Path, kind: str) -> Path:
    """A path naming the database, one of its files, or another file of records."""
    folder = db.parent
    if kind in ("-wal", "-shm", "-journal", ".lock", ".restoring"):
        return db.with_name(db.name + kind)
    if kind == "symlink":
        (folder / "link.pdf").symlink_to(db)
        return folder / "link.pdf"
    if kind == "hard link":
        os.link(db, folder / "hard.pdf")
        return folder / "hard.pdf"
    if kind == "backup":
        return backup_to(db, folder / "backups")
    if kind == "other database":
        other = folder / "other-clinic.pdf"  # named like a PDF, but records inside
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
        return other
    if kind == "letter":
        letter = folder / "letter.odt"
        letter.write_bytes(b"PK\x03\x04 a document the doctor wrote")
        return letter
    if kind == "folder":
        (folder / "reports").mkdir()
        return folder / "reports"
    if kind == "missing folder":  # refused before the audit row, not recorded then failed
        return folder / "nowhere" / "visit.pdf"
    if kind == "pipe":  # reading a pipe's first bytes would wait forever
        os.mkfifo(folder / "session.pdf")
        return folder / "session.pdf"
    if kind == "journal through a link":  # the database named by a link to it
        (folder / "links").mkdir()
        (folder / "links" / db.name).symlink_to(db)
        return db.with_name(db.name + "-journal")
    return db


KINDS = ["database", "-wal", "-shm", "-journal", ".lock", ".restoring", "symlink",
         "hard link", "backup", "other database", "letter", "folder", "pipe", "missing folder",
         "journal through a link"]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_export_pdf_never_overwrites_the_database_or_any_file_of_records(clinic, kind):
    target = _target(clinic, kind)
    existed = target.is_file()
    before = _digest(target) if existed else None
    database_before = _digest(clinic)
    db = clinic.parent / "links" / clinic.name if kind == "journal through a link" else clinic
    result = run_tpchart("export-pdf", "--db", str(db), "--session", "1", "-o", str(target))
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "nothing was written" in result.stderr.lower()
    if kind == ".lock":  # rewritten by every open: it must still be the lock record
        assert target.read_bytes().startswith(b"{")
    elif existed:
        assert _digest(target) == before
    elif not target.is_dir() and kind != "pipe":
        assert not target.exists()
    assert _digest(clinic) == database_before
    assert check_database(clinic).ok
    assert _exports(clinic) == 0


def test_an_old_pdf_is_replaced_and_the_export_audited(clinic, tmp_path):
    target = tmp_path / "session.pdf"
    target.write_bytes(b"%PDF-1.4 last week's copy")
    result = run_tpchart("export-pdf", "--db", str(clinic), "--session", "1", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF-") and b"last week" not in target.read_bytes()
    assert _exports(clinic) == 1


def test_export_from_a_read_only_database_writes_no_file(clinic, tmp_path):
    # A database the user can only read (a colleague's folder, a read-only mount): the
    # export could not be recorded in its audit trail, so nothing leaves the app.
    records = tmp_path / "records"
    records.mkdir()
    db = clinic.rename(records / clinic.name)
    records.chmod(0o555)
    try:
        result = run_bound(
            "export-pdf", "--db", str(db), "--session", "1", "-o", str(tmp_path / "out.pdf")
        )
    finally:
        records.chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert "read-only" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.pdf").exists()
    assert _exports(db) == 0
