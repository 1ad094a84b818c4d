"""Least privilege on the clinic server: an owner role and an app role.

- The OWNER owns the database, the ``tpchart`` schema, every table, function and
  trigger, and runs the migrations. Its password belongs to whoever runs the server
  (not to the workstations).
- The APP role is what every workstation connects as. It may read and write the
  clinical tables (the triggers still guard signed sessions), only read and append to
  the audit trail and the other append-only tables, and nothing else: it owns
  nothing, so it cannot ALTER, DROP or DISABLE TRIGGER on anything, it may not
  TRUNCATE, create objects, or make temporary tables (which could shadow ours), and
  ``session_replication_role`` (which skips triggers) needs a superuser.

Tampering with the record therefore needs the owner's (or a superuser's) credentials.
Passwords go to the server only as SCRAM-SHA-256 verifiers computed here, so neither
the server's log nor its view of running statements ever holds one in plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tpchart.store.server.connection import SCHEMA, ServerRefused, connect

# What the app role may do, table by table. A table not listed here makes its
# migration fail (grant_app), so each new table is decided on, never granted by default.
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "practitioners": ("SELECT", "INSERT", "UPDATE"),
    "patients": ("SELECT", "INSERT", "UPDATE"),
    # The search index is rebuilt word by word when a name changes.
    "patient_name_words": ("SELECT", "INSERT", "DELETE"),
    # Deleting is for unsigned drafts only (the sessions trigger refuses the rest).
    "sessions": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "trigger_points": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "settings": ("SELECT", "INSERT", "UPDATE"),
    # Accounts are made inactive, never deleted; keys are re-wrapped or retired.
    "accounts": ("SELECT", "INSERT", "UPDATE"),
    "practitioner_keys": ("SELECT", "INSERT", "UPDATE"),
    # Append-only: read and add, nothing more.
    "session_versions": ("SELECT", "INSERT"),
    "amendments": ("SELECT", "INSERT"),
    "audit_log": ("SELECT", "INSERT"),
    "adverse_events_later": ("SELECT", "INSERT"),
    "version_signatures": ("SELECT", "INSERT"),
    # Who has which session open: read by all, written only through the lease_* functions
    # (SECURITY DEFINER, migration 003), which check the holder's token.
    "session_leases": ("SELECT",),
    # Written by the migrations only.
    "database_identity": ("SELECT",),
    "schema_migrations": ("SELECT",),
}

# Role and database names: plain lower-case identifiers (no quoting surprises in
# pg_hba.conf or a connection string).
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# A password the workstations keep in the OS keyring can be long; a short one is
# refused, since the server may be reachable from the whole clinic network.
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class ClinicRoles:
    """The names create_roles gave: the database and its two roles."""

    database: str
    owner: str
    app: str


def grant_app(conn: psycopg.Connection[Any], app_role: str) -> None:
    """Give ``app_role`` exactly APP_PRIVILEGES on the tables that exist now (inside
    the caller's transaction, as the owner); PUBLIC gets nothing."""
    ident = sql.Identifier(app_role)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), ident))
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [SCHEMA],
        )
    ]
    for table in tables:
        if table not in APP_PRIVILEGES:
            raise ServerRefused(
                f"the table {table} has no decided privileges for the app role "
                "(tpchart.store.server.roles.APP_PRIVILEGES)"
            )
        target = sql.Identifier(SCHEMA, table)
        conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(target, ident))
        conn.execute(
            sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(p) for p in APP_PRIVILEGES[table]), target, ident
            )
        )


def scram_verifier(conn: psycopg.Connection[Any], role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for ``role``, computed by libpq on
    this side (as psql's \\password does): what the server stores, never the password."""
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    return verifier.decode("ascii")


def _check_names(*names: str) -> None:
    for name in names:
        if not _NAME.fullmatch(name):
            raise ServerRefused(
                f"{name!r} cannot be a role or database name: use lower-case letters, "
                "digits and _ (at most 63), starting with a letter or _."
            )
    if len(set(names)) != len(names):
        raise ServerRefused("the database, the owner role and the app role need three names")


def create_roles(
    dsn: str,
    *,
    owner_password: str,
    app_password: str,
    database: str = "tpchart",
    owner: str = "tpchart_owner",
    app: str = "tpchart_app",
) -> ClinicRoles:
    """Set up a fresh server for tpchart, connected as a superuser (``dsn``, e.g.
    ``host=/var/run/postgresql user=postgres``): the owner and app roles with their
    passwords, the database owned by the owner (no one else may connect but the app
    role), and the ``tpchart`` schema owned by the owner. Then run ``migrate`` as the
    owner to build the tables.

    Refuses, changing nothing, when a role or the database already exists (an
    existing role's password is never silently replaced) or a password is short."""
    _check_names(database, owner, app)
    for who, password in (("owner", owner_password), ("app", app_password)):
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ServerRefused(
                f"The {who} role's password is too short: use at least "
                f"{MIN_PASSWORD_LENGTH} characters (a generated one is best)."
            )
    with connect(dsn) as conn:
        taken = [
            name
            for (name,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)"
                " UNION ALL SELECT datname FROM pg_database WHERE datname = %s",
                [[owner, app], database],
            )
        ]
        if taken:
            raise ServerRefused(
                f"The server already has {', '.join(sorted(taken))}: nothing was changed. "
                "Choose other names, or remove the old ones deliberately first."
            )
        attributes = sql.SQL(
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
        )
        with conn.transaction():
            for role, password in ((owner, owner_password), (app, app_password)):
                conn.execute(
                    sql.SQL("CREATE ROLE {} ").format(sql.Identifier(role))
                    + attributes.format(sql.Literal(scram_verifier(conn, role, password)))
                )
        try:
            _create_database(conn, dsn, ClinicRoles(database, owner, app))
        except BaseException:
            _drop_roles(conn, owner, app)
            raise
    return ClinicRoles(database, owner, app)


def _create_database(conn: psycopg.Connection[Any], dsn: str, names: ClinicRoles) -> None:
    db, owner, app = (sql.Identifier(n) for n in (names.database, names.owner, names.app))
    conn.execute(
        sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(db, owner)
    )
    try:
        # PUBLIC may connect to and make temporary tables in a new database by default.
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, app))
        with connect(dsn, dbname=names.database) as inside, inside.transaction():
            # Servers before PostgreSQL 15 let anyone create objects in `public`.
            inside.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            inside.execute(
                sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(SCHEMA), owner)
            )
            for role in (owner, app):
                inside.execute(
                    sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = {}, pg_catalog").format(
                        role, db, sql.Identifier(SCHEMA)
                    )
                )
    except BaseException:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(db))
        raise


def _drop_roles(conn: psycopg.Connection[Any], *roles: str) -> None:
    for role in roles:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
