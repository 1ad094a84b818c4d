"""Least privilege on a real server: create_roles makes an owner that owns everything
and an app role with exactly the privileges listed, passwords only as SCRAM verifiers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tpchart.store.server import (
    APP_PRIVILEGES,
    SCHEMA,
    ServerRefused,
    connect,
    create_roles,
    redacted,
)
from tpchart.store.server.roles import scram_verifier

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def test_create_roles_makes_a_plain_owner_and_app(empty_clinic):
    names = empty_clinic.roles
    with empty_clinic.as_superuser() as su:
        attributes = su.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication,"
            " rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = ANY(%s)",
            [[names.owner, names.app]],
        ).fetchall()
        assert sorted(attributes) == sorted(
            (role, False, False, False, False, False, True) for role in (names.owner, names.app)
        )
        # Neither role is a member of the other (nor of anything): no inherited power.
        memberships = su.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
            " WHERE r.rolname = ANY(%s)",
            [[names.owner, names.app]],
        ).fetchone()[0]
        assert memberships == 0
        db_owner, schema_owner = su.execute(
            "SELECT pg_get_userbyid(d.datdba), pg_get_userbyid(n.nspowner)"
            " FROM pg_database d, pg_namespace n WHERE d.datname = %s AND n.nspname = %s",
            [names.database, SCHEMA],
        ).fetchone()
        assert (db_owner, schema_owner) == (names.owner, names.owner)
        can = su.execute(
            "SELECT has_database_privilege(%s, %s, 'CONNECT'),"
            " has_database_privilege(%s, %s, 'TEMP'), has_database_privilege(%s, %s, 'CREATE'),"
            " has_schema_privilege(%s, 'public', 'CREATE')",
            [names.app, names.database] * 3 + [names.app],
        ).fetchone()
        assert can == (True, False, False, False)


def test_no_one_else_may_connect_to_the_clinic_database(empty_clinic, server_dsn):
    stranger, password = f"stranger_{empty_clinic.roles.app[-8:]}", secrets.token_urlsafe(18)
    with connect(server_dsn) as su:
        su.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(stranger), sql.Literal(scram_verifier(su, stranger, password))
            )
        )
    try:
        with pytest.raises(ServerRefused, match="permission denied for database"):
            connect(server_dsn, dbname=empty_clinic.roles.database, user=stranger,
                    password=password)  # fmt: skip
        with pytest.raises(ServerRefused, match="password authentication failed"):
            connect(server_dsn, dbname=empty_clinic.roles.database,
                    user=empty_clinic.roles.app, password="not the app password")  # fmt: skip
    finally:
        with connect(server_dsn) as su:
            su.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(stranger)))


def test_passwords_reach_the_server_only_as_scram_verifiers(empty_clinic):
    with empty_clinic.as_superuser() as su:
        stored = dict(
            su.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)",
                [[empty_clinic.roles.owner, empty_clinic.roles.app]],
            ).fetchall()
        )
    assert stored[empty_clinic.roles.owner].startswith("SCRAM-SHA-256$4096:")
    assert stored[empty_clinic.roles.app].startswith("SCRAM-SHA-256$4096:")
    for password in (empty_clinic.owner_password, empty_clinic.app_password):
        assert password not in "".join(stored.values())
    # Neither does the server's log hold one (it logs failed statements in full).
    data = os.environ.get("TPCHART_TEST_PG_DATA")
    if data and (Path(data) / "server.log").exists():
        log = (Path(data) / "server.log").read_text(errors="replace")
        assert empty_clinic.owner_password not in log
        assert empty_clinic.app_password not in log
    # Both roles sign in with their passwords.
    with empty_clinic.as_owner() as owner, empty_clinic.as_app() as app:
        assert owner.execute("SELECT current_user").fetchone()[0] == empty_clinic.roles.owner
        assert app.execute("SELECT current_user").fetchone()[0] == empty_clinic.roles.app


def test_a_password_never_shows_in_a_message():
    dsn = "host=127.0.0.1 port=1 dbname=tpchart user=tpchart_app password=s3cret-Pa55word"
    assert "s3cret" not in redacted(dsn)
    assert "s3cret" not in redacted("postgresql://tpchart_app:s3cret-Pa55word@127.0.0.1:1/x")
    with pytest.raises(ServerRefused) as refused:
        connect(dsn, connect_timeout=2)
    assert "s3cret" not in str(refused.value)
    assert str(refused.value).startswith("Could not connect to the clinic server")


def test_create_roles_refuses_taken_names_and_short_passwords_changing_nothing(
    empty_clinic, server_dsn
):
    names = empty_clinic.roles
    # Only the roles these calls name: other tests (other pytest-xdist workers) make and
    # drop roles of their own on the same cluster meanwhile.
    named = [names.owner, names.app, "other_owner", "other_app"]
    roles = "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s) ORDER BY 1"
    with empty_clinic.as_superuser() as su:
        before = su.execute(roles, [named]).fetchall()
    with pytest.raises(ServerRefused, match="already has"):
        create_roles(server_dsn, database="tpchart_other", owner=names.owner, app="other_app",
                     owner_password="x" * 20, app_password="y" * 20)  # fmt: skip
    with pytest.raises(ServerRefused, match="already has"):
        create_roles(server_dsn, database=names.database, owner="other_owner",
                     app="other_app", owner_password="x" * 20, app_password="y" * 20)  # fmt: skip
    with pytest.raises(ServerRefused, match="too short"):
        create_roles(server_dsn, database="tpchart_other", owner="other_owner",
                     app="other_app", owner_password="short", app_password="y" * 20)  # fmt: skip
    with pytest.raises(ServerRefused, match="cannot be a role or database name"):
        create_roles(server_dsn, database="x; DROP", owner="other_owner", app="other_app",
                     owner_password="x" * 20, app_password="y" * 20)  # fmt: skip
    with empty_clinic.as_superuser() as su:
        assert su.execute(roles, [named]).fetchall() == before
        other = su.execute("SELECT count(*) FROM pg_database WHERE datname = 'tpchart_other'")
        assert other.fetchone()[0] == 0


def test_the_app_role_has_exactly_the_listed_privileges(migrated_clinic, owner):
    tables = [
        r[0]
        for r in owner.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SCHEMA]
        )
    ]
    assert set(tables) == set(APP_PRIVILEGES)
    for table in tables:
        for privilege in PRIVILEGES:
            has = owner.execute(
                "SELECT has_table_privilege(%s, %s, %s)",
                [migrated_clinic.roles.app, f"{SCHEMA}.{table}", privilege],
            ).fetchone()[0]
            assert has == (privilege in APP_PRIVILEGES[table]), (table, privilege)
            # PUBLIC (any other role) has nothing on the clinic's tables.
            public = owner.execute(
                "SELECT count(*) FROM information_schema.role_table_grants"
                " WHERE grantee = 'PUBLIC' AND table_schema = %s AND table_name = %s",
                [SCHEMA, table],
            ).fetchone()[0]
            assert public == 0
    assert not owner.execute(
        "SELECT has_schema_privilege(%s, %s, 'CREATE')", [migrated_clinic.roles.app, SCHEMA]
    ).fetchone()[0]


def test_the_app_role_charts_through_its_privileges(app):
    """What a workstation does in one user action works as the app role."""
    with app.transaction():
        practitioner = app.execute(
            "INSERT INTO practitioners (name, created_at) VALUES ('Dr Ana Souza', now())"
            " RETURNING id"
        ).fetchone()[0]
        patient = app.execute(
            "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
            " updated_at) VALUES ('MRN-1', 'Chen Mei', '1980-02-29', 'female', now(), now())"
            " RETURNING id"
        ).fetchone()[0]
        session = app.execute(
            "INSERT INTO sessions (patient_id, practitioner_id, started_at, created_at,"
            " updated_at) VALUES (%s, %s, now(), now(), now()) RETURNING id",
            [patient, practitioner],
        ).fetchone()[0]
        app.execute(
            "INSERT INTO trigger_points (session_id, number, view, region_id, side, x, y, kind)"
            " VALUES (%s, 1, 'back', 'upper_trapezius', 'left', 250, 180, 'active')",
            [session],
        )
        app.execute("UPDATE trigger_points SET pain = 7 WHERE session_id = %s", [session])
        app.execute("DELETE FROM trigger_points WHERE session_id = %s", [session])
        app.execute("DELETE FROM sessions WHERE id = %s", [session])  # an unsigned draft
        assert app.execute("SELECT count(*) FROM patients").fetchone()[0] == 1
        raise psycopg.Rollback
    assert app.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
