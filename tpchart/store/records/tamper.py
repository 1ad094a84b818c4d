"""Tamper evidence: walk the audit hash chain and compare clinical rows with their
last audited after-image.

The app writes every change to a clinical row together with an audit row holding the
row's full new content, in one transaction. So, for a file only ever changed by the
app, each current row equals the ``after`` of its newest audit entry and the chain of
hashes is unbroken. Anything else means the file was changed by another tool.

Limits (see docs/reliability.md): whoever rewrites the whole chain with this
algorithm is not detected from the file alone; the chain head is written to the log
at every close so it can be compared.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from tpchart.store.records.added_columns import added_values
from tpchart.store.records.audit import GENESIS, HASHED_COLUMNS, SCHEMA_ENTRY, link_hash

# Tables whose every change the app audits with a full after-image.
CLINICAL_TABLES = (
    "practitioners", "patients", "sessions", "trigger_points", "adverse_events_later",
)  # fmt: skip

# Enough to act on; a heavily altered file would otherwise print thousands of lines.
MAX_FINDINGS = 20


def audit_findings(conn: sqlite3.Connection) -> list[str]:
    """Plain-words findings, empty when the trail and the clinical rows agree.
    The first broken link of the chain is reported (everything after it is suspect)."""
    missing = _missing_schema(conn)
    if missing:
        return missing  # without these, nothing below can be trusted or even read
    if conn.execute("PRAGMA user_version").fetchone()[0] < CHAINED_SINCE:
        return []  # a database from before the chain existed: nothing to verify
    findings: list[str] = []
    last_image: dict[tuple[str, Any], tuple[str, str | None]] = {}
    muscle_ids: dict[str, str] = {}  # what the schema-4 migration recorded
    chain_broken = False
    previous_hash, previous_id = GENESIS, 0
    select = ", ".join((*HASHED_COLUMNS, "prev_hash", "hash"))
    for values in conn.execute(f"SELECT {select} FROM audit_log ORDER BY id"):
        row = dict(zip((*HASHED_COLUMNS, "prev_hash", "hash"), values, strict=True))
        if not chain_broken:
            problem = _link_problem(row, previous_id, previous_hash)
            if problem:
                findings.append(problem)
                chain_broken = True
        previous_hash, previous_id = row["hash"], row["id"]
        if row["table_name"] == SCHEMA_ENTRY and row["action"] == "migrate" and row["after"]:
            muscle_ids.update(json.loads(row["after"]).get("muscle_ids", {}))
        image = _row_image(row)
        if image is not None:
            last_image[image[0]] = image[1]
    for table in CLINICAL_TABLES:
        if table in _tables(conn):
            findings += _table_findings(conn, table, last_image, muscle_ids)
    findings += _settings_findings(conn, last_image)
    if len(findings) > MAX_FINDINGS:
        findings = [*findings[:MAX_FINDINGS], f"... and {len(findings) - MAX_FINDINGS} more"]
    return findings


# The schema version (migration) that added the audit hash chain.
CHAINED_SINCE = 2

# Tables every tpchart database has, and the columns the checks rely on.
REQUIRED_TABLES = (
    "practitioners", "patients", "sessions", "trigger_points", "session_versions",
    "amendments", "audit_log", "settings",
)  # fmt: skip
# Tables added by a later migration, with the schema version that added them.
TABLES_SINCE = {"adverse_events_later": 4}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _missing_schema(conn: sqlite3.Connection) -> list[str]:
    """A table or the chain's columns dropped outside tpchart: otherwise a check would
    find nothing to compare and say "ok"."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        return []  # no schema yet: a first start cut short holds no records
    tables = _tables(conn)
    required = [*REQUIRED_TABLES, *(t for t, since in TABLES_SINCE.items() if version >= since)]
    findings = [f"table {t} is missing: it was dropped outside tpchart" for t in required
                if t not in tables]  # fmt: skip
    if "audit_log" in tables and version >= CHAINED_SINCE:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(audit_log)")}
        for column in ("prev_hash", "hash"):
            if column not in columns:
                findings.append(
                    f"audit_log has no {column} column: the hash chain was removed outside tpchart"
                )
    return findings


def _row_image(row: dict[str, Any]) -> tuple[tuple[str, Any], tuple[str, str | None]] | None:
    """The (table, id) and the after-image an audit row records, or None for entries
    that changed no row (an export or a print names a row without changing it)."""
    table, after = row["table_name"], row["after"]
    if table == "settings":
        return (
            (("settings", json.loads(after).get("key")), (row["action"], after)) if after else None
        )
    if row["action"] == "delete":
        return (table, row["row_id"]), ("delete", None)
    if after is not None and json.loads(after).get("id") == row["row_id"]:
        return (table, row["row_id"]), (row["action"], after)
    return None


def _link_problem(row: dict[str, Any], previous_id: int, previous_hash: str) -> str | None:
    if row["id"] != previous_id + 1:
        return (
            f"audit_log rows {previous_id + 1} to {row['id'] - 1} are missing: the audit "
            f"trail was cut before row {row['id']}"
        )
    if row["prev_hash"] != previous_hash:
        return f"audit_log row {row['id']} does not follow row {previous_id}: the chain is broken"
    if row["hash"] != link_hash(previous_hash, row):
        return f"audit_log row {row['id']} was altered after it was written"
    return None


def _table_findings(
    conn: sqlite3.Connection,
    table: str,
    last_image: dict[tuple[str, Any], tuple[str, str | None]],
    muscle_ids: dict[str, str],
) -> list[str]:
    findings = []
    cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY id")
    names = [c[0] for c in cursor.description]
    present = set()
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        present.add(row["id"])
        action, after = last_image.get((table, row["id"]), (None, None))
        if action is None:
            findings.append(f"{table} row {row['id']} has no audit entry: it was added outside")
        elif after is None:
            findings.append(f"{table} row {row['id']} was deleted in tpchart but is back")
        else:
            audited = json.loads(after)
            # A column added by a later migration must still hold what the migration
            # gave this row, until the row's next audited change records it.
            expected = {**added_values(table, audited, muscle_ids), **audited}
            changed = sorted(k for k, v in expected.items() if k in row and row[k] != v)
            if changed:
                findings.append(
                    f"{table} row {row['id']} differs from its last audited version "
                    f"({', '.join(changed)})"
                )
    for (name, row_id), (_action, after) in last_image.items():
        if name == table and after is not None and row_id not in present:
            findings.append(f"{table} row {row_id} is missing: it was deleted outside tpchart")
    return findings


def _settings_findings(
    conn: sqlite3.Connection, last_image: dict[tuple[str, Any], tuple[str, str | None]]
) -> list[str]:
    findings = []
    current = dict(conn.execute("SELECT key, value FROM settings").fetchall())
    for key, value in current.items():
        _, after = last_image.get(("settings", key), (None, None))
        if after is None or json.loads(after).get("value") != value:
            findings.append(f"setting {key!r} differs from its last audited value")
    return findings
