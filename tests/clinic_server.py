"""Clinic databases on the test PostgreSQL server, for tests that run on both engines.

The README's test command (scripts/test.sh) starts a throwaway cluster and exports its
superuser DSN as TPCHART_TEST_PG. Outside it the server half of the contract suite skips,
saying how to run it; under CI (CI=true) a missing server is a failure, never a skip.

Making a clinic the way the server's administrator does (roles, database, migrations)
takes about half a second; the contract suite needs hundreds. So one clinic is set up
and migrated once per test run as a template, and each test gets a copy of it
(``CREATE DATABASE ... TEMPLATE``), dropped after the test.
"""

from __future__ import annotations

import itertools
import os
import secrets

import pytest
from psycopg import sql

from tpchart.store.server import ClinicRoles, connect, create_roles, migrate


def server_dsn() -> str:
    """The test cluster's superuser DSN, or skip (fail under CI) saying how to get one."""
    dsn = os.environ.get("TPCHART_TEST_PG")
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail(
                "TPCHART_TEST_PG is not set: under CI, scripts/test.sh must start the "
                "PostgreSQL test cluster (did setup.sh install the postgresql package?)"
            )
        pytest.skip(
            "no PostgreSQL test server: run the tests with `bash scripts/test.sh` (it starts "
            "a throwaway cluster), or set TPCHART_TEST_PG to a superuser DSN"
        )
    return dsn


class ServerClinics:
    """A migrated template clinic on the test server, and fresh copies of it."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        token = secrets.token_hex(4)
        self.owner_password = secrets.token_urlsafe(18)
        self.app_password = secrets.token_urlsafe(18)
        self.roles: ClinicRoles = create_roles(
            dsn,
            database=f"tpchart_template_{token}",
            owner=f"tpchart_owner_{token}",
            app=f"tpchart_app_{token}",
            owner_password=self.owner_password,
            app_password=self.app_password,
        )
        with connect(dsn, dbname=self.roles.database, user=self.roles.owner,
                     password=self.owner_password) as owner:  # fmt: skip
            migrate(owner, app_role=self.roles.app)
        self._names = (f"tpchart_{token}_{n}" for n in itertools.count(1))
        self._made: list[str] = []

    def new(self) -> str:
        """A new clinic database, a copy of the migrated template; returns its name."""
        name = next(self._names)
        with connect(self.dsn) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                    sql.Identifier(name),
                    sql.Identifier(self.roles.database),
                    sql.Identifier(self.roles.owner),
                )
            )
        self._made.append(name)
        return name

    def app_login(self, database: str) -> dict[str, str]:
        """libpq parameters to add to ``dsn`` to connect to ``database`` as the app role."""
        return {"dbname": database, "user": self.roles.app, "password": self.app_password}

    def drop(self, database: str) -> None:
        """Remove one clinic database (its connections are ended)."""
        with connect(self.dsn) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        if database in self._made:
            self._made.remove(database)

    def close(self) -> None:
        """Drop every copy, the template and the roles."""
        for name in [*self._made, self.roles.database]:
            self.drop(name)
        with connect(self.dsn) as conn:
            for role in (self.roles.owner, self.roles.app):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
