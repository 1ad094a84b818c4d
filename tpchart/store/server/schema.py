"""The clinic schema on PostgreSQL, only ever changed through numbered migrations.

The migrations are the SQL files in ``migrations/`` (``NNN_name.sql``), applied in
order by the owner role. Each runs in ONE transaction together with its row in
``schema_migrations`` and the app role's privileges on what it created, so a
server is never left half-migrated, nor with a table the workstations cannot use
(or can use more than they should). Concurrent migrators queue on an advisory lock
and re-read the version after it. A server migrated by a newer tpchart is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from tpchart.store.records import audit
from tpchart.store.server.connection import SCHEMA, ServerRefused
from tpchart.store.server.database import ServerDatabase
from tpchart.store.server.roles import grant_app

VERSION_TABLE = "schema_migrations"

# Any constant will do: it only has to be the same for every tpchart migrating.
_MIGRATION_LOCK = 0x54504348


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file of ``migrations/``."""

    number: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped, in order; numbers start at 1 with no gap."""
    found = []
    for entry in resources.files("tpchart.store.server").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{3})_(\w+)\.sql", entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    assert [m.number for m in found] == list(range(1, len(found) + 1)), "a migration is missing"
    return found


# The schema version this tpchart writes.
SCHEMA_VERSION = len(migrations())


def _version_table_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", [f"{SCHEMA}.{VERSION_TABLE}"]).fetchone()
    return row is not None and row[0] is not None


def applied(conn: psycopg.Connection[Any]) -> list[tuple[int, str, str]]:
    """The migrations recorded on the server: (number, name, app role), in order."""
    if not _version_table_exists(conn):
        return []
    rows = conn.execute(
        sql.SQL("SELECT version, name, app_role FROM {} ORDER BY version").format(
            sql.Identifier(SCHEMA, VERSION_TABLE)
        )
    ).fetchall()
    return [(int(v), str(n), str(r)) for v, n, r in rows]


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """How many migrations the server has (0: none yet). Refuses a server whose
    record is not a prefix of ours: a newer tpchart's, or altered by hand."""
    record = applied(conn)
    known = migrations()
    for number, name, _ in record:
        if number > len(known):
            raise ServerRefused(
                f"The clinic server was set up by a newer tpchart (schema {number}; this "
                f"one knows {len(known)}): update tpchart on this computer."
            )
        if known[number - 1].name != name:
            raise ServerRefused(
                f"The clinic server's schema record names migration {number} {name!r}, "
                f"which this tpchart does not know as such: it was altered outside "
                "tpchart. Nothing was changed; ask whoever runs the server."
            )
    return len(record)


def migrate(
    conn: psycopg.Connection[Any], *, app_role: str | None = None, target: int | None = None
) -> int:
    """Apply pending migrations (up to ``target``, default all) as the owner role;
    returns the schema version reached.

    ``conn`` is an autocommit connection (``connection.connect``) of the owner role.
    ``app_role`` is the role the workstations connect as; needed for the first
    migration, and afterwards read from the record (it is granted what each new
    table needs, in that table's own migration)."""
    if conn.autocommit is False:
        raise ServerRefused("migrations need an autocommit connection (one per migration)")
    goal = SCHEMA_VERSION if target is None else target
    while True:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
            version = schema_version(conn)  # read after the lock: another may have migrated
            if version >= goal:
                return version
            role = app_role or _recorded_app_role(conn)
            if role is None:
                raise ServerRefused("the first migration needs the app role's name")
            step = migrations()[version]
            _apply(conn, step, role)


def _recorded_app_role(conn: psycopg.Connection[Any]) -> str | None:
    record = applied(conn)
    return record[-1][2] if record else None


def _apply(conn: psycopg.Connection[Any], step: Migration, app_role: str) -> None:
    """One migration, its record and the grants, inside the caller's transaction."""
    if step.number == 1:
        # The schema itself comes from create_roles (owned by the owner role); the
        # record of migrations lives in it, created with the first migration.
        conn.execute(
            sql.SQL(
                """
                CREATE TABLE {} (
                    version integer PRIMARY KEY CHECK (version >= 1),
                    name text NOT NULL UNIQUE,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by name NOT NULL DEFAULT current_user,
                    app_role name NOT NULL
                )"""
            ).format(sql.Identifier(SCHEMA, VERSION_TABLE))
        )
    conn.execute(sql.SQL("SET LOCAL search_path = {}, pg_catalog").format(sql.Identifier(SCHEMA)))
    # A migration is several statements: the simple query protocol runs them as sent,
    # inside the transaction already open (no implicit commit between them).
    conn.execute(step.sql.encode(), prepare=False)
    if step.number == 1:
        _audit_identity(conn)
    conn.execute(
        sql.SQL("INSERT INTO {} (version, name, app_role) VALUES (%s, %s, %s)").format(
            sql.Identifier(SCHEMA, VERSION_TABLE)
        ),
        [step.number, step.name, app_role],
    )
    grant_app(conn, app_role)


def _audit_identity(conn: psycopg.Connection[Any]) -> None:
    """The first entry of the clinic's audit trail: the identity the first migration
    gave the database, as a file's schema 6 records its own (``check`` finds a row
    without its entry). Written through the store's own audit code, so the entry
    is hashed exactly as every later one."""
    db = ServerDatabase(conn)
    cursor = db.execute("SELECT id, database_id, created_at FROM database_identity")
    identity = dict(zip(("id", "database_id", "created_at"), cursor.fetchone() or (), strict=True))
    audit.record(
        db, None, "insert", "database_identity", identity["id"], after=identity,
        reason="The clinic server's identity, naming it wherever its records go",
    )  # fmt: skip
