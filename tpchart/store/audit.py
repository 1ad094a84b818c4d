"""The audit trail: every change to clinical data, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from tpchart.core.audit import AuditEntry
from tpchart.store.rows import from_json, now, to_datetime, to_json, to_text


def record(
    db: Database,
    practitioner_id: int | None,
    action: str,
    table: str,
    row_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Append one audit row. Call inside the same ``db.atomic()`` as the change."""
    db.execute(
        "INSERT INTO audit_log (at, practitioner_id, action, table_name, row_id, before, after,"
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            to_text(now()),
            practitioner_id,
            action,
            table,
            row_id,
            None if before is None else to_json(before),
            None if after is None else to_json(after),
            reason,
        ],
    )


def trail(db: Database, table: str | None = None, row_id: int | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one table or one row."""
    where, params = [], []
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
                at=to_datetime(row["at"]),  # type: ignore[arg-type]
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
