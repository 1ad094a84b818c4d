"""The audit trail: every change to clinical data, written in the change's own transaction.

The trail is a hash chain: each row stores the previous row's hash and a SHA-256 of
its own stored text together with that previous hash, so altering, removing or
inserting an audit row outside the app breaks the chain from that row on
(``tpchart.store.records.tamper`` walks it). Each row also keeps the full after-image of the
clinical row it changed, which is what a later out-of-app edit is compared against.

The one exception to "never changed": an administrator's redaction
(``tpchart.store.records.redaction``) replaces a row's before/after content with a
marker, keeps the row's stored hashes, and is itself a digitally signed entry of the
chain, which ``check`` needs before it accepts the row's stored hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from typing import Any

from tpchart.core.audit import AuditEntry
from tpchart.store.records.context import RecordDatabase
from tpchart.store.records.rows import from_json, now, to_datetime, to_json, to_text

log = logging.getLogger("tpchart.store")


def record(
    db: RecordDatabase,
    practitioner_id: int | None,
    action: str,
    table: str,
    row_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> int:
    """Append one audit row, chained to the previous one; returns its id. Call inside
    the same transaction as the change (which already holds SQLite's write lock, so no
    other writer can slip a row in between reading the last hash and inserting; on the
    clinic server, where workstations write at once, ``lock_audit_chain`` queues them and
    gives the head as it is once queued)."""
    lock_chain = getattr(db, "lock_audit_chain", None)
    if lock_chain is not None:
        # The server's face takes the lock and reads the head after it in one round trip.
        last = lock_chain()
    else:
        last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    new_id, previous = (1, GENESIS) if last is None else (last[0] + 1, last[1])
    content = {
        "id": new_id,
        "at": to_text(now()),
        "practitioner_id": practitioner_id,
        "action": action,
        "table_name": table,
        "row_id": row_id,
        "before": None if before is None else to_json(before),
        "after": None if after is None else to_json(after),
        "reason": reason,
    }
    content["prev_hash"] = previous
    content["hash"] = link_hash(previous, content)
    columns = ", ".join(content)
    db.execute(
        f"INSERT INTO audit_log ({columns}) VALUES ({', '.join('?' * len(content))})",
        list(content.values()),
    )
    return new_id


# The table name of an audit entry about the schema itself (a migration's record).
SCHEMA_ENTRY = "schema"

# An administrator's redaction: an entry on the table "audit_log" naming, as its
# row_id, the audit row whose content it removed (`tpchart.store.records.redaction`).
REDACT = "redact"
REDACTED_TABLE = "audit_log"

# The previous hash of the very first row.
GENESIS = "0" * 64

# The stored columns a link's hash covers, in this order.
HASHED_COLUMNS = (
    "id", "at", "practitioner_id", "action", "table_name", "row_id", "before", "after", "reason",
)  # fmt: skip


def link_hash(previous: str, row: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the row's stored values (as stored, so a
    one-byte change to the JSON text changes the hash)."""
    text = json.dumps([row[c] for c in HASHED_COLUMNS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def trail(
    db: RecordDatabase, table: str | None = None, row_id: int | None = None
) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one table or one row."""
    where: list[str] = []
    params: list[object] = []
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    if row_id is not None:
        where.append("row_id = ?")
        params.append(row_id)
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    rows = db.execute(sql + " ORDER BY id", params)
    columns = [c[0] for c in rows.description]
    entries = []
    for values in rows.fetchall():
        row = dict(zip(columns, values, strict=True))
        entries.append(
            AuditEntry(
                id=row["id"],
                at=to_datetime(row["at"]),
                practitioner_id=row["practitioner_id"],
                action=row["action"],
                table=row["table_name"],
                row_id=row["row_id"],
                before=from_json(row["before"]),
                after=from_json(row["after"]),
                reason=row["reason"],
            )
        )
    return entries


def log_chain_head(db: RecordDatabase) -> None:
    """Write the newest audit row's id and hash to the log: a record outside the file,
    against which a rewritten chain can be noticed."""
    try:
        head = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return  # already closed, or a schema without the chain
    if head:
        log.info("Audit chain head: row %s, hash %s", head[0], head[1])
