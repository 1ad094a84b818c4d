"""Tamper evidence: a change made outside tpchart, even one byte of a note in the
file itself, is reported by ``check`` naming the row; the audit trail is a hash chain."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlite_utils

from tpchart.cli import main
from tpchart.store import Store
from tpchart.store.file.health import check_file
from tpchart.store.file.locations import backup_folder_for
from tpchart.store.records.audit import link_hash
from tpchart.store.records.schema import SCHEMA_VERSION, migrations

from .records import NOTE, chart_a_day


@pytest.fixture
def charted(store, db_path):
    """A day of charting through the app: every kind of change the store makes."""
    return chart_a_day(store)


def _findings(db_path):
    return check_file(db_path, audit=True).audit


def _raw(db_path, *sql):
    conn = sqlite3.connect(db_path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_everything_the_app_writes_checks_clean(charted, db_path, capsys):
    assert _findings(db_path) == []
    assert main(["check", "--db", str(db_path)]) == 0
    assert "Audit trail: ok" in capsys.readouterr().out


def test_one_byte_changed_in_the_file_names_the_row(charted, db_path, capsys):
    data = bytearray(db_path.read_bytes())
    needle = NOTE.encode()
    # The note is stored twice: in the trigger_points row and, as JSON, in the audit
    # trail (preceded by a quote). Change one byte of the clinical row's copy only.
    at = next(i for i in range(len(data)) if data.startswith(needle, i) and data[i - 1 : i] != b'"')
    data[at + needle.index(b"QZX")] = ord("Q") + 1
    db_path.write_bytes(bytes(data))
    assert check_file(db_path).integrity == ["ok"]  # SQLite itself sees nothing wrong
    assert main(["check", "--db", str(db_path)]) == 1
    out = capsys.readouterr().out
    assert f"trigger_points row {charted.id} differs from its last audited version (notes)" in out


def test_a_note_edited_with_another_tool_is_named(charted, db_path):
    _raw(db_path, "UPDATE patients SET full_name = 'Patient 2' WHERE id = 1")
    assert _findings(db_path) == ["patients row 1 differs from its last audited version "
                                  "(full_name)"]  # fmt: skip


def test_an_altered_audit_row_breaks_the_chain_there(charted, db_path):
    _raw(
        db_path,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET reason = 'Typo' WHERE action = 'amend'",
    )
    (amend_id,) = (
        sqlite_utils.Database(db_path)
        .execute("SELECT id FROM audit_log WHERE action = 'amend'")
        .fetchone()
    )
    assert _findings(db_path)[0] == f"audit_log row {amend_id} was altered after it was written"


def test_removed_audit_rows_are_reported(charted, db_path):
    _raw(db_path, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 3")
    assert _findings(db_path)[0].startswith("audit_log rows 3 to 3 are missing")


def test_a_recomputed_row_still_breaks_the_link_to_the_next(charted, db_path):
    # Someone who changes row 2 and gives it the hash of its new content: the row
    # verifies on its own, but row 3 was chained to the old hash.
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM audit_log WHERE id = 2").fetchone())
    conn.close()
    row["reason"] = "Entered by mistake"
    forged = link_hash(row["prev_hash"], row)
    _raw(
        db_path,
        "DROP TRIGGER audit_log_no_update",
        f"UPDATE audit_log SET reason = 'Entered by mistake', hash = '{forged}' WHERE id = 2",
    )
    assert _findings(db_path)[0] == "audit_log row 3 does not follow row 2: the chain is broken"


def test_rows_added_or_deleted_outside_are_named(charted, db_path):
    _raw(
        db_path,
        "INSERT INTO practitioners (name, created_at) VALUES ('Dr Nobody', '2026-01-01')",
        "DROP TRIGGER sessions_delete_signed",
        "PRAGMA foreign_keys = OFF",
        "DELETE FROM trigger_points WHERE session_id = 1",
    )
    findings = _findings(db_path)
    assert "practitioners row 2 has no audit entry: it was added outside" in findings
    assert any(f.startswith("trigger_points row") and "deleted outside" in f for f in findings)


def test_version_1_database_gets_its_trail_chained_after_a_backup(db_path):
    db = sqlite_utils.Database(db_path)
    migrations.apply(db, stop_before="m002_audit_hash_chain")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute(
        "INSERT INTO practitioners (id, name, created_at) VALUES (1, 'Dr Old', '2025-01-01')"
    )
    row = dict(zip(["id", "name", "registration", "active", "created_at"],
                   db.execute("SELECT * FROM practitioners").fetchone(), strict=True))  # fmt: skip
    db.execute(
        "INSERT INTO audit_log (at, practitioner_id, action, table_name, row_id, after)"
        " VALUES ('2025-01-01', 1, 'insert', 'practitioners', 1, ?)",
        [json.dumps(row)],
    )
    db.close()

    with Store.open(db_path) as store:
        assert store._ctx.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    (backup,) = backup_folder_for(db_path).glob("tpchart-*-before-update.db")
    old = sqlite_utils.Database(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert _findings(db_path) == []
    _raw(db_path, "UPDATE practitioners SET name = 'Dr Forged'")
    assert _findings(db_path) == ["practitioners row 1 differs from its last audited version "
                                  "(name)"]  # fmt: skip


def test_new_audit_rows_must_be_chained(store):
    with pytest.raises(sqlite3.IntegrityError, match="audit rows must be chained"):
        store._ctx.db.execute(
            "INSERT INTO audit_log (at, action, table_name) VALUES ('x', 'insert', 'patients')"
        )
