"""Connecting to the clinic's PostgreSQL server, and naming it without its password.

Every connection works in the ``tpchart`` schema (and nowhere else: ``search_path``
is pinned, so an object of the same name elsewhere never stands in for ours), in UTC,
and in autocommit mode, so that each ``with conn.transaction():`` is one real
transaction: a user action or a migration commits whole or not at all.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tpchart.store.errors import DatabaseRefused

# The schema that holds the clinic's tables; the owner role owns it (roles.py).
SCHEMA = "tpchart"

# Seconds to wait for the server before saying it cannot be reached: long enough for
# a busy clinic network, short enough that a doctor is not left staring at nothing.
CONNECT_TIMEOUT = 10


class ServerRefused(DatabaseRefused):
    """The server, or what is on it, cannot be used; the message is in plain words
    (nothing was changed)."""


def redacted(dsn: str) -> str:
    """``dsn`` without its password, for logs and messages: a password never leaves
    the process in plain text."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(an unreadable server address)"
    if "password" in params:
        params["password"] = "***"
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def server_name(conn: psycopg.Connection[Any]) -> str:
    """Who is connected where, in a few words for messages and the title bar:
    ``user@host:port/database`` (never a password)."""
    info = conn.info
    return f"{info.user}@{info.host}:{info.port}/{info.dbname}"


def connect(dsn: str, **overrides: Any) -> psycopg.Connection[Any]:
    """A connection for tpchart: autocommit (each ``conn.transaction()`` is one
    transaction), UTC, ``search_path`` pinned to the clinic's schema.

    ``dsn`` is a libpq connection string or URI; ``overrides`` are libpq parameters
    (``user=``, ``password=``, ``dbname=``...). Unreachable or refused: ServerRefused
    naming the server without its password."""
    params = {
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": "tpchart",
        # Set by the server at connection, before any statement of ours can run.
        "options": f"-c search_path={SCHEMA},pg_catalog -c TimeZone=UTC",
        **overrides,
    }
    try:
        return psycopg.connect(dsn, autocommit=True, **params)
    except psycopg.OperationalError as error:
        # libpq's lines: what failed, then DETAIL/HINT; all of it names no password.
        reason = "; ".join(
            " ".join(line.split()) for line in str(error).splitlines() if line.strip()
        )
        server = redacted(make_conninfo(dsn, **overrides))
        raise ServerRefused(
            f"Could not connect to the clinic server ({server}): {reason or 'no answer'}"
        ) from error
