"""A full disk or a read-only file: a plain-words error, nothing half-saved, and the
store carries on once the cause is gone."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from tpchart.store import StorageError, Store
from tpchart.store.errors import storage_error

from .records import add_patient, make_point, start_session


def _fill_disk(store: Store) -> None:
    """Simulate a full disk: the file may not grow by a single page."""
    db = store._ctx.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def _free_disk(store: Store) -> None:
    store._ctx.db.execute("PRAGMA max_page_count = 1073741823")


def _counts(store: Store) -> tuple[int, ...]:
    db = store._ctx.db
    return tuple(
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("patients", "sessions", "trigger_points", "audit_log")
    )


def test_disk_full_says_so_and_saves_nothing_of_the_action(store):
    patient = add_patient(store, 1)
    _fill_disk(store)
    before = _counts(store)
    full = pytest.raises(StorageError, match="The disk is full; your last change was not saved")
    # One user action: a session with its points, big enough to need new pages.
    with full, store.transaction():
        session = start_session(store, patient.id, notes="n" * 20_000)
        for k in range(1, 6):
            store.points.add(make_point(session.id, k, notes="p" * 5_000))
    assert _counts(store) == before  # no partial session, no orphan audit row
    _free_disk(store)
    session = start_session(store, patient.id, notes="n" * 20_000)
    assert store.sessions.get(session.id).notes == "n" * 20_000
    assert store.points.add(make_point(session.id)).id is not None


def test_disk_full_during_a_single_save_keeps_the_old_values(store):
    patient = add_patient(store, 1)
    _fill_disk(store)
    with pytest.raises(StorageError) as caught:
        store.patients.update(replace(patient, medical_history="h" * 50_000))
    assert caught.value.kind == "full"
    assert store.patients.get(patient.id).medical_history == ""
    assert len(store.audit_trail("patients", patient.id)) == 1


def test_read_only_file_opens_read_only_and_refuses_writes_in_plain_words(
    store, db_path, monkeypatch
):
    add_patient(store, 1)
    store.close()
    # Tests may run as root, who can write any file: pretend the file is read-only.
    monkeypatch.setattr("tpchart.store.file.opening.writable", lambda path: False)
    with Store.open(db_path) as viewer:
        assert viewer.read_only
        assert viewer.patients.count() == 1
        viewer.practitioner_id = viewer.practitioners.all()[0].id
        with pytest.raises(StorageError, match="The database is read-only") as caught:
            add_patient(viewer, 2)
        assert caught.value.kind == "read_only"
        assert viewer.patients.count() == 1


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("SQLITE_FULL", "full", "The disk is full"),
        ("SQLITE_IOERR_WRITE", "io", "The disk reported an error"),
        ("SQLITE_BUSY", "busy", "The database is busy"),
        ("SQLITE_READONLY_DBMOVED", "read_only", "read-only"),
        ("SQLITE_CORRUPT", "damaged", "restore the newest backup"),
    ],
)
def test_each_storage_failure_has_plain_words(name, kind, words):
    exc = sqlite3.OperationalError("terse")
    exc.sqlite_errorname = name
    error = storage_error(exc)
    assert error.kind == kind and words in str(error)
    assert "your last change was not saved" in str(error)


def test_constraint_errors_are_not_storage_errors():
    exc = sqlite3.IntegrityError("CHECK constraint failed")
    exc.sqlite_errorname = "SQLITE_CONSTRAINT_CHECK"
    assert storage_error(exc) is None
