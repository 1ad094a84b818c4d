"""The PL/pgSQL guards and the limits of the app role on a real server: what a
workstation (or anyone holding its password) cannot do to a signed session, its
points, the versions, the audit trail and the triggers that protect them."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
import pytest

from tpchart.store.server.schema import migrations

GENESIS = "0" * 64
Refused = psycopg.errors.IntegrityConstraintViolation
NotAllowed = psycopg.errors.InsufficientPrivilege


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _audit(conn: psycopg.Connection[Any], action: str, table: str, row_id: int) -> int:
    """Append one chained audit row (the store computes the real hash; the server
    checks the link)."""
    head = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    new_id, previous = (1, GENESIS) if head is None else (head[0] + 1, head[1])
    conn.execute(
        "INSERT INTO audit_log (id, at, action, table_name, row_id, after, prev_hash, hash)"
        " VALUES (%s, now(), %s, %s, %s, '{}', %s, %s)",
        [new_id, action, table, row_id, previous, _digest(f"{previous}{new_id}")],
    )
    return new_id


@pytest.fixture(scope="module")
def chart(migrated_clinic) -> dict[str, int]:
    """A signed session with two points, its version, signature and audit rows, and a
    draft session with one point, all written by the app role."""
    with migrated_clinic.as_app() as app, app.transaction():
        ids: dict[str, int] = {}

        def one(query: str, params: list[Any]) -> int:
            return int(app.execute(query, params).fetchone()[0])  # type: ignore[index]

        ids["practitioner"] = one(
            "INSERT INTO practitioners (name, created_at) VALUES (%s, now()) RETURNING id",
            ["Dr Ana Souza"],
        )
        ids["patient"] = one(
            "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
            " updated_at) VALUES ('MRN-1', 'Chen Mei', '1980-02-29', 'female', now(), now())"
            " RETURNING id",
            [],
        )
        for name in ("signed", "draft"):
            ids[name] = one(
                "INSERT INTO sessions (patient_id, practitioner_id, started_at, created_at,"
                " updated_at) VALUES (%s, %s, now(), now(), now()) RETURNING id",
                [ids["patient"], ids["practitioner"]],
            )
            for number in (1, 2) if name == "signed" else (1,):
                ids[f"{name}_point_{number}"] = one(
                    "INSERT INTO trigger_points (session_id, number, view, region_id, side, x,"
                    " y, kind) VALUES (%s, %s, 'back', 'upper_trapezius', 'left', 250, 180,"
                    " 'active') RETURNING id",
                    [ids[name], number],
                )
        app.execute(
            "UPDATE sessions SET status = 'signed', signed_by = %s, signed_at = now()"
            " WHERE id = %s",
            [ids["practitioner"], ids["signed"]],
        )
        ids["version"] = one(
            "INSERT INTO session_versions (session_id, version, signed_by, signed_at, snapshot)"
            " VALUES (%s, 1, %s, now(), %s) RETURNING id",
            [ids["signed"], ids["practitioner"], '{"notes": "as signed"}'],
        )
        ids["key"] = one(
            "INSERT INTO practitioner_keys (practitioner_id, public_key, wrapped_key,"
            " created_at) VALUES (%s, %s, 'abcd', now()) RETURNING id",
            [ids["practitioner"], _digest("public key")],
        )
        app.execute(
            "INSERT INTO version_signatures (session_id, version, key_id, snapshot_sha256,"
            " signature) VALUES (%s, 1, %s, %s, %s)",
            [ids["signed"], ids["key"], _digest("snapshot"), _digest("a") + _digest("b")],
        )
        ids["audit"] = _audit(app, "sign", "sessions", ids["signed"])
        _audit(app, "insert", "trigger_points", ids["draft_point_1"])
    return ids


def _snapshot(conn: psycopg.Connection[Any]) -> list[Any]:
    """Every row the guards protect, to show a refused statement changed nothing."""
    return [
        conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        for table in ("sessions", "trigger_points", "session_versions", "audit_log",
                      "version_signatures", "practitioner_keys")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'tidied up'",
        "DELETE FROM audit_log WHERE id = 1",
        "TRUNCATE audit_log",
        "UPDATE session_versions SET snapshot = '{}'",
        "DELETE FROM session_versions",
        "TRUNCATE session_versions CASCADE",
        "UPDATE version_signatures SET signature = repeat('0', 128)",
        "DELETE FROM amendments",
        "DELETE FROM practitioner_keys",
        "UPDATE database_identity SET database_id = repeat('0', 32)",
    ],
)
def test_the_app_role_cannot_rewrite_the_audit_trail_or_the_signed_record(chart, app, statement):
    before = _snapshot(app)
    with pytest.raises(NotAllowed, match="permission denied"):
        app.execute(statement)
    assert _snapshot(app) == before


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE trigger_points DISABLE TRIGGER trigger_points_signed",
        "DROP FUNCTION refuse() CASCADE",
        "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NEW; END $$",
        "ALTER TABLE session_versions ADD COLUMN note text",
        "ALTER TABLE session_versions DROP CONSTRAINT session_versions_version_check",
        "ALTER TABLE session_versions RENAME TO old_versions",
        "DROP TABLE session_versions CASCADE",
        "ALTER TABLE audit_log OWNER TO CURRENT_USER",
        "CREATE TABLE sessions_copy (id bigint)",
        "CREATE TRIGGER sneaky BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse('x')",
    ],
)
def test_the_app_role_cannot_drop_disable_or_alter_a_guard(chart, app, statement):
    with pytest.raises((NotAllowed, psycopg.errors.WrongObjectType)):
        app.execute(statement)
    # The guards are all still there and enabled.
    triggers = app.execute(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal AND t.tgenabled = 'O'"
        " AND c.relnamespace = 'tpchart'::regnamespace"
    ).fetchone()[0]
    shipped = sum(m.sql.count("CREATE TRIGGER") for m in migrations())
    assert triggers == shipped > 20


def test_the_app_role_cannot_switch_triggers_off_for_its_session(chart, app):
    with pytest.raises(NotAllowed):
        app.execute("SET session_replication_role = replica")
    # Nor shadow a table with a temporary one (the guards name theirs in full anyway).
    with pytest.raises(NotAllowed, match="temporary"):
        app.execute("CREATE TEMPORARY TABLE sessions (id bigint, status text)")
    # Nor grant itself more: PostgreSQL only warns "no privileges were granted".
    app.execute("GRANT UPDATE, TRUNCATE ON audit_log TO CURRENT_USER")
    with pytest.raises(NotAllowed):
        app.execute("UPDATE audit_log SET reason = 'x'")


def test_a_signed_session_cannot_change_except_by_amending(chart, app):
    before = _snapshot(app)
    for statement in (
        "UPDATE sessions SET notes = 'changed after signing' WHERE id = %s",
        "UPDATE sessions SET status = 'draft', signed_by = NULL, signed_at = NULL WHERE id = %s",
        "UPDATE sessions SET status = 'amending', version = version + 2 WHERE id = %s",
        "DELETE FROM sessions WHERE id = %s",
    ):
        with pytest.raises(Refused, match=r"session is signed|only an unsigned draft"):
            app.execute(statement, [chart["signed"]])
    assert _snapshot(app) == before
    # Amending starts with the next version; then the session is open again.
    with app.transaction():
        app.execute(
            "INSERT INTO amendments (session_id, from_version, reason, practitioner_id, at)"
            " VALUES (%s, 1, 'pain score typed wrong', %s, now())",
            [chart["signed"], chart["practitioner"]],
        )
        app.execute(
            "UPDATE sessions SET status = 'amending', version = 2, signed_by = NULL,"
            " signed_at = NULL WHERE id = %s",
            [chart["signed"]],
        )
        app.execute("UPDATE sessions SET pain_before = 6 WHERE id = %s", [chart["signed"]])
        app.execute("UPDATE trigger_points SET pain = 4 WHERE session_id = %s", [chart["signed"]])
        raise psycopg.Rollback
    assert _snapshot(app) == before


def test_the_points_of_a_signed_session_cannot_change(chart, app):
    before = _snapshot(app)
    statements = [
        ("UPDATE trigger_points SET pain = 9 WHERE id = %s", [chart["signed_point_1"]]),
        ("DELETE FROM trigger_points WHERE id = %s", [chart["signed_point_2"]]),
        (
            "INSERT INTO trigger_points (session_id, number, view, region_id, side, x, y, kind)"
            " VALUES (%s, 3, 'front', 'pectoralis_major', 'right', 400, 300, 'latent')",
            [chart["signed"]],
        ),
        # Moving a draft's point into the signed session is adding one to it.
        (
            "UPDATE trigger_points SET session_id = %s, number = 9 WHERE id = %s",
            [chart["signed"], chart["draft_point_1"]],
        ),
    ]
    for statement, params in statements:
        with pytest.raises(Refused, match="session is signed: amend it instead"):
            app.execute(statement, params)
    assert _snapshot(app) == before
    # The draft's points stay editable.
    with app.transaction():
        app.execute("UPDATE trigger_points SET pain = 3 WHERE id = %s", [chart["draft_point_1"]])
        raise psycopg.Rollback


def test_not_even_the_owner_rewrites_history_without_dropping_a_guard(chart, owner):
    before = _snapshot(owner)
    for statement, message in (
        ("UPDATE audit_log SET reason = 'x'", "append-only"),
        ("DELETE FROM audit_log", "append-only"),
        ("TRUNCATE audit_log", "append-only"),
        ("UPDATE session_versions SET snapshot = '{}'", "permanent"),
        ("TRUNCATE session_versions CASCADE", "permanent"),
        ("DELETE FROM version_signatures", "permanent"),
    ):
        with pytest.raises(Refused, match=message):
            owner.execute(statement)
    assert _snapshot(owner) == before


def test_the_audit_trail_stays_one_chain(chart, app):
    before = _snapshot(app)
    head_id, head_hash = app.execute(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    forks = [
        (head_id + 1, GENESIS),  # starts a second chain
        (head_id + 1, _digest("not the head")),  # follows nothing
        (head_id, head_hash),  # goes back to an id already used... or before it
        (head_id - 1, head_hash),
    ]
    for new_id, previous in forks:
        with pytest.raises((Refused, psycopg.errors.UniqueViolation)):
            app.execute(
                "INSERT INTO audit_log (id, at, action, table_name, prev_hash, hash)"
                " VALUES (%s, now(), 'insert', 'patients', %s, %s)",
                [new_id, previous, _digest("x")],
            )
    assert _snapshot(app) == before
    with app.transaction():
        assert _audit(app, "update", "patients", chart["patient"]) == head_id + 1
        raise psycopg.Rollback


def test_keys_and_signatures_are_permanent(chart, app):
    before = _snapshot(app)
    with pytest.raises(Refused, match="signing keys are permanent"):
        app.execute(
            "UPDATE practitioner_keys SET public_key = %s WHERE id = %s",
            [_digest("another key"), chart["key"]],
        )
    # Re-wrapping the same key (a new passphrase) and retiring it are allowed.
    with app.transaction():
        app.execute(
            "UPDATE practitioner_keys SET wrapped_key = 'ef01' WHERE id = %s", [chart["key"]]
        )
        raise psycopg.Rollback
    assert _snapshot(app) == before


def test_a_version_is_signed_with_its_signers_current_key(chart, app):
    with app.transaction():
        other = app.execute(
            "INSERT INTO practitioners (name, created_at) VALUES ('Dr B', now()) RETURNING id"
        ).fetchone()[0]
        key = app.execute(
            "INSERT INTO practitioner_keys (practitioner_id, public_key, wrapped_key,"
            " created_at) VALUES (%s, %s, '', now()) RETURNING id",
            [other, _digest("b's key")],
        ).fetchone()[0]
        app.execute(
            "INSERT INTO session_versions (session_id, version, signed_by, signed_at, snapshot)"
            " VALUES (%s, 2, %s, now(), '{}')",
            [chart["signed"], chart["practitioner"]],
        )
        with pytest.raises(Refused, match="current key of its signer"):
            app.execute(
                "INSERT INTO version_signatures (session_id, version, key_id, snapshot_sha256,"
                " signature) VALUES (%s, 2, %s, %s, %s)",
                [chart["signed"], key, _digest("s"), _digest("a") + _digest("b")],
            )
        raise psycopg.Rollback
