"""The schema comes only from migrations, and foreign or newer files are refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
import sqlite_utils

from tpchart.store import DatabaseRefused, Store
from tpchart.store.records.schema import APPLICATION_ID, SCHEMA_VERSION, migrations

TABLES = {
    "practitioners",
    "patients",
    "patient_name_words",
    "sessions",
    "trigger_points",
    "session_versions",
    "amendments",
    "audit_log",
    "settings",
    "adverse_events_later",
}


def test_migrations_build_the_schema_from_an_empty_file(db_path):
    Store.open(db_path).close()
    db = sqlite_utils.Database(db_path)
    assert set(db.table_names()) >= TABLES
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    for table in TABLES:
        assert db[table].strict, f"{table} is not STRICT"


def test_schema_version_counts_the_migrations():
    assert len(migrations.pending(sqlite_utils.Database(memory=True))) == SCHEMA_VERSION


def test_reopening_applies_nothing_twice(db_path):
    Store.open(db_path).close()
    Store.open(db_path).close()
    db = sqlite_utils.Database(db_path)
    assert db["_sqlite_migrations"].count == SCHEMA_VERSION


@pytest.mark.file_only  # the server's twin: tests/server
def test_connection_pragmas(store):
    db = store._ctx.db
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newer_schema_is_refused_and_left_untouched(db_path):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(DatabaseRefused, match="newer version of tpchart"):
        Store.open(db_path)
    assert _digest(db_path) == before
    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_foreign_database_is_refused_untouched(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = _digest(db_path)
    with pytest.raises(DatabaseRefused, match="not a tpchart database"):
        Store.open(db_path)
    assert _digest(db_path) == before


def test_garbage_file_is_refused_untouched(db_path):
    db_path.write_bytes(b"this is not sqlite at all" * 100)
    before = _digest(db_path)
    with pytest.raises(DatabaseRefused, match="not a readable database"):
        Store.open(db_path)
    assert _digest(db_path) == before
