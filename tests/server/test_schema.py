"""The clinic schema on a real PostgreSQL: migrations build it from empty and from every
earlier version, one transaction each, as the owner only; it is the SQLite schema's
twin (same tables and columns in native types, every CHECK on the same columns)."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest
from sqlite_utils import Database

from tpchart.store.records import schema as sqlite_schema
from tpchart.store.server import SCHEMA, SCHEMA_VERSION, ServerRefused, migrate, schema_version
from tpchart.store.server import schema as server_schema

CLINIC_TABLES = {
    "practitioners", "patients", "patient_name_words", "sessions", "trigger_points",
    "session_versions", "amendments", "audit_log", "settings", "adverse_events_later",
    "accounts", "practitioner_keys", "version_signatures", "database_identity",
}  # fmt: skip

# Tables only the server has: the record of its migrations, and who has which session
# open for editing (leases: clinic mode's, not a clinical record).
SERVER_ONLY_TABLES = {"schema_migrations", "session_leases"}


def _catalog(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """What the schema holds: tables with columns and types, constraints, triggers,
    indexes and owners; two servers with equal catalogs have the same schema."""
    q = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default"
        " FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = %s::regnamespace ORDER BY 1, 2",
        "triggers": "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled"
        " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal AND c.relnamespace = %s::regnamespace ORDER BY 1, 2",
        "functions": "SELECT proname, pg_get_functiondef(oid), pg_get_userbyid(proowner)"
        " FROM pg_proc WHERE pronamespace = %s::regnamespace ORDER BY 1",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = %s ORDER BY 1, 2",
        "owners": "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c"
        " WHERE c.relnamespace = %s::regnamespace ORDER BY 1",
    }
    return {k: conn.execute(v, [SCHEMA]).fetchall() for k, v in q.items()}


def _tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SCHEMA]
    )
    return {r[0] for r in rows}


def test_migrations_build_the_schema_from_empty(empty_clinic):
    with empty_clinic.as_owner() as owner:
        assert schema_version(owner) == 0
        assert _tables(owner) == set()
        assert migrate(owner, app_role=empty_clinic.roles.app) == SCHEMA_VERSION
        assert schema_version(owner) == SCHEMA_VERSION
        assert _tables(owner) == CLINIC_TABLES | SERVER_ONLY_TABLES
        record = owner.execute(
            "SELECT version, name, applied_by, app_role FROM schema_migrations ORDER BY 1"
        ).fetchall()
        assert [(v, n) for v, n, _, _ in record] == [
            (m.number, m.name) for m in server_schema.migrations()
        ]
        assert {(by, role) for _, _, by, role in record} == {
            (empty_clinic.roles.owner, empty_clinic.roles.app)
        }
        # Everything belongs to the owner role, nothing to the app or a superuser.
        catalog = _catalog(owner)
        owners = {who for _, who in catalog["owners"]} | {f[2] for f in catalog["functions"]}
        assert owners == {empty_clinic.roles.owner}
        assert len(catalog["triggers"]) > 20 and len(catalog["functions"]) >= 5
        identity = owner.execute("SELECT id, database_id FROM database_identity").fetchall()
        assert len(identity) == 1 and re.fullmatch(r"[0-9a-f]{32}", identity[0][1])
        # Migrating again is a no-op.
        assert migrate(owner) == SCHEMA_VERSION


def test_migrating_from_every_earlier_version_gives_the_same_schema(server_dsn, empty_clinic):
    from tests.server.conftest import _drop_clinic, _new_clinic

    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app)
        direct = _catalog(owner)
    for start in range(1, SCHEMA_VERSION):
        stepwise = _new_clinic(server_dsn)
        try:
            with stepwise.as_owner() as owner:
                assert migrate(owner, app_role=stepwise.roles.app, target=start) == start
                assert schema_version(owner) == start
                # The app role's name comes from the record for later migrations.
                assert migrate(owner) == SCHEMA_VERSION
                catalog = _catalog(owner)
        finally:
            _drop_clinic(stepwise)
        rename = {stepwise.roles.owner: empty_clinic.roles.owner}
        catalog["owners"] = [(t, rename.get(o, o)) for t, o in catalog["owners"]]
        catalog["functions"] = [(n, d, rename.get(o, o)) for n, d, o in catalog["functions"]]
        assert catalog == direct, f"from version {start}"


def test_a_failing_migration_leaves_nothing_behind(empty_clinic, monkeypatch):
    shipped = server_schema.migrations()
    broken = server_schema.Migration(
        len(shipped) + 1,
        "broken",
        "CREATE TABLE half_done (id integer); ALTER TABLE patients ADD COLUMN x integer;"
        " SELECT 1 / 0;",
    )
    monkeypatch.setattr(server_schema, "migrations", lambda: [*shipped, broken])
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app, target=len(shipped))
        before = _catalog(owner)
        with pytest.raises(psycopg.errors.DivisionByZero):
            migrate(owner, target=len(shipped) + 1)
        assert schema_version(owner) == len(shipped)
        assert "half_done" not in _tables(owner)
        assert _catalog(owner) == before


def test_a_new_table_without_decided_privileges_fails_its_migration(empty_clinic, monkeypatch):
    shipped = server_schema.migrations()
    undecided = server_schema.Migration(
        len(shipped) + 1, "undecided", "CREATE TABLE notes (n text)"
    )
    monkeypatch.setattr(server_schema, "migrations", lambda: [*shipped, undecided])
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app, target=len(shipped))
        with pytest.raises(ServerRefused, match="notes has no decided privileges"):
            migrate(owner, target=len(shipped) + 1)
        assert "notes" not in _tables(owner)
        assert schema_version(owner) == len(shipped)


def test_a_server_of_a_newer_tpchart_is_refused_untouched(empty_clinic):
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app)
        owner.execute(
            "INSERT INTO schema_migrations (version, name, app_role) VALUES (%s, 'later', %s)",
            [SCHEMA_VERSION + 1, empty_clinic.roles.app],
        )
        before = _catalog(owner)
        with pytest.raises(ServerRefused, match="newer tpchart"):
            migrate(owner)
        assert _catalog(owner) == before


def test_the_app_role_cannot_migrate(empty_clinic):
    with empty_clinic.as_app() as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        migrate(app, app_role=empty_clinic.roles.app)
    with empty_clinic.as_owner() as owner:
        assert _tables(owner) == set()
        assert schema_version(owner) == 0


# --- the SQLite schema's twin --------------------------------------------------------


def _sqlite_tables() -> dict[str, tuple[dict[str, str], str]]:
    """Each table of the SQLite schema as the app builds it today: columns with their
    declared type, and its CREATE statement (ALTERed columns included)."""
    db = Database(memory=True)
    sqlite_schema.migrate(db)
    tables = {}
    for name, create in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%' AND name <> '_sqlite_migrations'"
    ):
        columns = {row[1]: row[2] for row in db.execute(f"PRAGMA table_info([{name}])")}
        tables[name] = (columns, create)
    return tables


def _sqlite_checks(create: str, columns: set[str]) -> list[tuple[str, frozenset[str]]]:
    """Every CHECK of a CREATE TABLE statement: its expression and the columns it names."""
    checks = []
    for match in re.finditer(r"\bCHECK\s*\(", create, flags=re.IGNORECASE):
        depth, start = 1, match.end()
        end = start
        while depth:
            depth += {"(": 1, ")": -1}.get(create[end], 0)
            end += 1
        expression = " ".join(create[start : end - 1].split())
        words = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"'[^']*'", "", expression)))
        checks.append((expression, frozenset(words & columns)))
    return checks


# SQLite CHECKs that only say what PostgreSQL's native type already guarantees.
_TYPE_ONLY = [
    (re.compile(r"(\w+) IN \(0, 1\)"), "boolean"),
    (re.compile(r"date\((\w+)\) IS \1"), "date"),
    (re.compile(r"json_valid\((\w+)\)"), "jsonb"),
    (re.compile(r"(\w+) IS NULL OR json_valid\(\1\)"), "jsonb"),
]

# SQLite's declared type and the PostgreSQL types that may stand for it.
_TYPES = {
    "INTEGER": {"bigint", "integer", "boolean"},
    "REAL": {"double precision"},
    "TEXT": {"text", "timestamp with time zone", "date", "jsonb"},
}


def _server_columns(conn: psycopg.Connection[Any]) -> dict[str, dict[str, str]]:
    columns: dict[str, dict[str, str]] = {}
    for table, column, kind in conn.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s",
        [SCHEMA],
    ):
        columns.setdefault(table, {})[column] = kind
    return columns


def _server_checks(conn: psycopg.Connection[Any]) -> dict[str, list[frozenset[str]]]:
    checks: dict[str, list[frozenset[str]]] = {}
    for table, columns in conn.execute(
        "SELECT c.conrelid::regclass::text, array_agg(a.attname::text)"
        " FROM pg_constraint c JOIN pg_attribute a"
        "   ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
        " WHERE c.contype = 'c' AND c.connamespace = %s::regnamespace GROUP BY c.oid, 1",
        [SCHEMA],
    ):
        checks.setdefault(table.removeprefix(f"{SCHEMA}."), []).append(frozenset(columns))
    return checks


def test_the_same_tables_and_columns_as_the_sqlite_schema_in_native_types(owner):
    sqlite_tables = _sqlite_tables()
    server = _server_columns(owner)
    assert set(sqlite_tables) == CLINIC_TABLES
    assert set(server) - SERVER_ONLY_TABLES == set(sqlite_tables)
    for table, (columns, _) in sqlite_tables.items():
        assert set(server[table]) == set(columns), table
        for column, declared in columns.items():
            assert server[table][column] in _TYPES[declared], (table, column, declared)
    assert server["patients"]["date_of_birth"] == "date"
    assert server["sessions"]["started_at"] == "timestamp with time zone"
    assert server["sessions"]["consent_given"] == "boolean"
    assert server["session_versions"]["snapshot"] == "jsonb"
    assert server["audit_log"]["after"] == "jsonb"


def test_every_sqlite_check_has_its_twin_on_the_same_columns(owner):
    server_checks = _server_checks(owner)
    server_types = _server_columns(owner)
    missing = []
    seen = 0
    for table, (columns, create) in _sqlite_tables().items():
        for expression, named in _sqlite_checks(create, set(columns)):
            seen += 1
            assert named, f"{table}: CHECK ({expression}) names no column"
            type_only = next(
                (kind for pattern, kind in _TYPE_ONLY if pattern.fullmatch(expression)), None
            )
            if type_only is not None:
                (column,) = named
                if server_types[table][column] != type_only:
                    missing.append(f"{table}.{column}: CHECK ({expression}) needs {type_only}")
            elif named not in server_checks.get(table, []):
                missing.append(f"{table}({', '.join(sorted(named))}): CHECK ({expression})")
    assert seen > 80  # the parser found the CHECKs (m001-m006 have about a hundred)
    assert not missing, "CHECKs of the SQLite schema without a twin on the server:\n" + (
        "\n".join(missing)
    )


def test_the_twin_checks_refuse_what_sqlite_refuses(app):
    """A few of the twins at work, as the app role writes them."""
    with app.transaction():
        practitioner = app.execute(
            "INSERT INTO practitioners (name, created_at) VALUES ('Dr Ana Souza', now())"
            " RETURNING id"
        ).fetchone()[0]
        app.execute(
            "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
            " updated_at) VALUES ('MRN-7', 'Chen Mei', '1980-02-29', 'female', now(), now())"
        )
        raise psycopg.Rollback
    bad = [
        "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
        " updated_at) VALUES ('MRN-8', '  ', '1980-01-01', 'female', now(), now())",
        "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
        " updated_at) VALUES ('MRN-8', 'A B', '1980-01-01', 'robot', now(), now())",
        "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
        " updated_at, precautions) VALUES ('MRN-8', 'A B', '1980-01-01', 'male', now(), now(),"
        " '{}')",
        f"INSERT INTO accounts (practitioner_id, role, passphrase_hash, created_at, updated_at)"
        f" VALUES ({practitioner}, 'admin', 'plain-text', now(), now())",
    ]
    for statement in bad:
        with pytest.raises(psycopg.errors.CheckViolation):
            app.execute(statement)
    with pytest.raises(psycopg.DataError):
        app.execute(
            "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
            " updated_at) VALUES ('MRN-9', 'A B', '1980-02-30', 'male', now(), now())"
        )
    assert app.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
