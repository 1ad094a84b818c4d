"""A damaged database is never written to: refused untouched, set aside with its
journal files, and the newest backup that passes integrity_check is offered."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from tpchart.cli import main
from tpchart.store import DatabaseDamaged, Store
from tpchart.store.file.backup import backup_to
from tpchart.store.file.restore import recover_damaged, restore_backup

from .records import add_patient


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _truncate(path):
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)


@pytest.fixture
def records(store, db_path, tmp_path):
    """A database with records, a good backup of it, and the store closed."""
    for n in range(1, 40):
        add_patient(store, n, medical_history="history " * 200)
    folder = tmp_path / "backups"
    backup = backup_to(db_path, folder, reason="close")
    store.close()
    return folder, backup


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"garbage, not sqlite" * 500), id="garbage"),
        pytest.param(_truncate, id="truncated"),
        pytest.param(lambda p: p.write_bytes(b""), id="emptied"),
    ],
)
def test_damaged_file_is_refused_untouched(records, db_path, damage):
    damage(db_path)
    before = _digest(db_path)
    with pytest.raises(DatabaseDamaged) as caught:
        Store.open(db_path)
    assert _digest(db_path) == before
    assert "it was not changed" in str(caught.value).lower()


def test_damaged_file_is_set_aside_with_its_journal_and_a_good_backup_offered(
    records, db_path, tmp_path
):
    folder, good = records
    newer_but_damaged = folder / "tpchart-29990101-000000-close.db"
    newer_but_damaged.write_bytes(b"not a database at all" * 100)
    _truncate(db_path)
    wal = db_path.with_name(db_path.name + "-wal")
    wal.write_bytes(b"wal bytes that belong to the damaged file")
    damaged_bytes = db_path.read_bytes()

    found = recover_damaged(db_path, [folder])

    assert not db_path.exists() and not wal.exists()  # nothing recreated over it
    kept_db, kept_wal = found.kept_aside
    assert kept_db.name.startswith("clinic.damaged-") and kept_db.suffix == ".db"
    assert kept_wal.name == kept_db.name + "-wal"
    assert kept_db.read_bytes() == damaged_bytes
    assert found.backup.path == good  # the newest one that passes integrity_check

    restore_backup(db_path, found.backup.path, folder)
    with Store.open(db_path) as restored:
        assert restored.patients.count() == 39
    assert kept_db.read_bytes() == damaged_bytes


def test_no_good_backup_is_said_plainly(db_path, tmp_path):
    db_path.write_bytes(b"garbage" * 1000)
    found = recover_damaged(db_path, [tmp_path / "nowhere"])
    assert found.backup is None and found.kept_aside and not db_path.exists()


def test_check_command_reports_damage(records, db_path, capsys):
    _truncate(db_path)
    assert main(["check", "--db", str(db_path)]) == 1
    assert "DAMAGED" in capsys.readouterr().out


def test_a_damaged_page_inside_the_file_is_found_at_start(records, db_path):
    # Scribble over a page in the middle: the header still reads, the b-tree does not.
    with open(db_path, "r+b") as handle:
        page = sqlite3.connect(db_path).execute("PRAGMA page_size").fetchone()[0]
        handle.seek(page * 3)
        handle.write(os.urandom(page))
    with pytest.raises(DatabaseDamaged):
        Store.open(db_path)
