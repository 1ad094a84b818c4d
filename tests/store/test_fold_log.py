"""The file's -wal copied into it when the window is idle (``Store.fold_log``), so that no
click waits for SQLite's own checkpoint (docs/performance.md, issue 19 part 7)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store


def in_the_file_alone(database: Path, folder: Path, name: str) -> bool:
    """Whether the database file itself, read without its -wal, holds a patient ``name``."""
    folder.mkdir(exist_ok=True)
    copy = folder / "alone.db"
    shutil.copyfile(database, copy)  # the file only: no -wal, no -shm beside the copy
    conn = sqlite3.connect(copy)
    try:
        query = "SELECT count(*) FROM patients WHERE full_name = ?"
        return conn.execute(query, [name]).fetchone()[0] == 1
    finally:
        conn.close()
        copy.unlink()


def opened(path: Path) -> Store:
    store = Store.open(path)
    store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Fold")).id
    return store


def add(store: Store, name: str) -> None:
    patient = Patient(record_number=name[:8], full_name=name, date_of_birth=date(1980, 1, 1))
    store.patients.add(patient)


def test_a_committed_change_reaches_the_file_itself_when_the_log_is_folded(tmp_path):
    path, probe = tmp_path / "clinic.db", tmp_path / "probe"
    store = opened(path)
    try:
        store.fold_log()
        add(store, "Ana Fold")
        # Committed (and on disk) in the -wal; the file itself does not have it yet.
        assert not in_the_file_alone(path, probe, "Ana Fold")
        store.fold_log()
        assert in_the_file_alone(path, probe, "Ana Fold")
        assert store.patients.find("Ana Fold")[0].full_name == "Ana Fold"
    finally:
        store.close()


def test_folding_a_closed_or_read_only_file_is_harmless(tmp_path):
    path, probe = tmp_path / "clinic.db", tmp_path / "probe"
    store = opened(path)
    add(store, "Ana Fold")
    store.close()
    store.fold_log()  # closed: nothing, and no error
    reader = Store.open(path, read_only=True)
    try:
        reader.fold_log()  # read-only: nothing, and no error
        assert reader.patients.find("Ana Fold")
    finally:
        reader.close()
    assert in_the_file_alone(path, probe, "Ana Fold")  # the last close folded it, as ever
