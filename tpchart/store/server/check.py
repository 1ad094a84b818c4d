"""``tpchart check`` on a clinic server: what the file's check verifies, on the server.

On a file, ``check`` compares the schema with what the migrations build and every
protective trigger, then verifies the records. On the server the schema is the owner
role's, out of the app's reach (``roles``); what is checked there is that every guard
the migrations created still exists and is enabled (an owner could drop or disable one
deliberately, and that must be seen), that the schema record is this tpchart's, and
then the records themselves with the very code the file uses
(``tamper.records_report``): the audit chain link by link, every audited row against
its last after-image, the redactions, every signed version against its signature.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

from tpchart.store.records.tamper import TamperReport, records_report
from tpchart.store.server.database import ServerDatabase
from tpchart.store.server.schema import SCHEMA_VERSION, migrations, schema_version

_TRIGGER = re.compile(
    r"CREATE\s+(?:CONSTRAINT\s+)?TRIGGER\s+(\w+)\s.*?\sON\s+(\w+)", re.IGNORECASE | re.DOTALL
)


def expected_guards() -> set[tuple[str, str]]:
    """Every (table, trigger) the migrations create."""
    guards: set[tuple[str, str]] = set()
    for step in migrations():
        for name, table in _TRIGGER.findall(step.sql):
            guards.add((table, name))
    return guards


def guard_findings(pg: psycopg.Connection[Any]) -> list[str]:
    """A guard the migrations created that is gone or disabled, in plain words."""
    rows = pg.execute(
        "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
    ).fetchall()
    present = {(table, name): enabled for table, name, enabled in rows}
    findings = []
    for table, name in sorted(expected_guards()):
        enabled = present.get((table, name))
        if enabled is None:
            findings.append(f"the server's guard {name} on {table} is gone")
        elif enabled not in ("O", "A"):  # origin or always; D is disabled, R replica-only
            findings.append(f"the server's guard {name} on {table} is disabled")
    return findings


def server_report(db: ServerDatabase) -> TamperReport:
    """Everything ``check`` verifies on a clinic server (see the module's docstring)."""
    first = guard_findings(db.pg)
    version = schema_version(db.pg)
    if version != SCHEMA_VERSION:
        first.append(f"the server's schema is at version {version}, not {SCHEMA_VERSION}")
    tables = {
        r[0]
        for r in db.pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    }
    return records_report(db.conn, tables, first=first, signatures=True)
