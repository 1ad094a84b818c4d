"""The clinic-server tests run against a real PostgreSQL: the throwaway cluster that
the README's test command (scripts/test.sh) starts, whose superuser DSN it exports
as TPCHART_TEST_PG (password in PGPASSFILE). Without it they skip, saying how to run
them; under CI (CI=true) a missing server is a failure, never a skip.

Each clinic made here is a database of its own with its own owner and app roles
(random names: roles are cluster-wide), dropped after use.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests import clinic_server
from tpchart.store.server import ClinicRoles, connect, create_roles, migrate


@pytest.fixture(scope="session")
def server_dsn() -> str:
    """The test cluster's superuser DSN."""
    return clinic_server.server_dsn()


@dataclass
class Clinic:
    """A clinic database on the test server, its roles and how to connect as each."""

    server_dsn: str
    roles: ClinicRoles
    owner_password: str
    app_password: str

    def as_owner(self) -> psycopg.Connection[Any]:
        return connect(
            self.server_dsn,
            dbname=self.roles.database,
            user=self.roles.owner,
            password=self.owner_password,
        )

    def as_app(self) -> psycopg.Connection[Any]:
        return connect(
            self.server_dsn,
            dbname=self.roles.database,
            user=self.roles.app,
            password=self.app_password,
        )

    def as_superuser(self) -> psycopg.Connection[Any]:
        return connect(self.server_dsn, dbname=self.roles.database)


def _new_clinic(server_dsn: str) -> Clinic:
    token = secrets.token_hex(4)
    owner_password, app_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    roles = create_roles(
        server_dsn,
        database=f"tpchart_test_{token}",
        owner=f"tpchart_owner_{token}",
        app=f"tpchart_app_{token}",
        owner_password=owner_password,
        app_password=app_password,
    )
    return Clinic(server_dsn, roles, owner_password, app_password)


def _drop_clinic(clinic: Clinic) -> None:
    with connect(clinic.server_dsn) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(clinic.roles.database)
            )
        )
        for role in (clinic.roles.owner, clinic.roles.app):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def empty_clinic(server_dsn: str) -> Iterator[Clinic]:
    """A fresh clinic database: roles and schema, no migration yet."""
    clinic = _new_clinic(server_dsn)
    try:
        yield clinic
    finally:
        _drop_clinic(clinic)


@pytest.fixture(scope="module")
def migrated_clinic(server_dsn: str) -> Iterator[Clinic]:
    """One fully migrated clinic shared by a module's tests (they change nothing that
    outlives them: refused writes, or writes rolled back)."""
    clinic = _new_clinic(server_dsn)
    try:
        with clinic.as_owner() as owner:
            migrate(owner, app_role=clinic.roles.app)
        yield clinic
    finally:
        _drop_clinic(clinic)


@pytest.fixture
def app(migrated_clinic: Clinic) -> Iterator[psycopg.Connection[Any]]:
    """A connection as the app role, what every workstation uses."""
    with migrated_clinic.as_app() as conn:
        yield conn


@pytest.fixture
def owner(migrated_clinic: Clinic) -> Iterator[psycopg.Connection[Any]]:
    """A connection as the owner role."""
    with migrated_clinic.as_owner() as conn:
        yield conn
