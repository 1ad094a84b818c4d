"""Clinic databases on the test PostgreSQL server, for tests that run on both engines.

The README's test command (scripts/test.sh) starts a throwaway cluster and exports its
superuser DSN as TPCHART_TEST_PG. Outside it the server half of the contract suite skips,
saying how to run it; under CI (CI=true) a missing server is a failure, never a skip.

Making a clinic the way the server's administrator does (roles, database, migrations)
takes about half a second; the contract suite needs hundreds. So one clinic is set up
and migrated once per test run as a template, and each test gets a copy of it
(``CREATE DATABASE ... TEMPLATE``), dropped after the test. A copy takes about 0.18 s to
make and 0.07 s to drop (fsync on), a quarter of a second per test: ``ready()`` hands out
a copy made ahead while the previous test ran, and ``discard()`` drops one after the
test without waiting, both on a helper thread with a connection of its own (the server
does that work, not the test's process).
"""

from __future__ import annotations

import itertools
import os
import queue
import secrets
import threading
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from tpchart.store.server import ClinicRoles, connect, create_roles, migrate

if TYPE_CHECKING:
    from tpchart.store.clinic_server import ClinicServerStore


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
        # Copies made ahead, and the helper thread's work: ("make", None) or ("drop", name).
        self._ahead: queue.Queue[str | BaseException] = queue.Queue()
        self._work: queue.Queue[tuple[str, str | None] | None] = queue.Queue()
        self._helper: threading.Thread | None = None

    def ready(self) -> str:
        """A fresh copy of the template, made ahead; the next is started now."""
        if self._helper is None:
            self._helper = threading.Thread(target=self._help, daemon=True)
            self._helper.start()
            self._work.put(("make", None))
        self._work.put(("make", None))  # for the next test, while this one runs
        got = self._ahead.get(timeout=120)
        if isinstance(got, BaseException):
            raise got
        return got

    def discard(self, database: str) -> None:
        """Drop a copy after its test, without waiting for it."""
        if self._helper is None:
            self.drop(database)
        else:
            self._work.put(("drop", database))

    def _help(self) -> None:
        while (job := self._work.get()) is not None:
            what, name = job
            try:
                if what == "make":
                    self._ahead.put(self.new())
                else:
                    assert name is not None
                    self.drop(name)
            except BaseException as error:  # given to the test that waits for a copy
                self._ahead.put(error)

    def new(self) -> str:
        """A new clinic database, a copy of the migrated template; returns its name."""
        name = next(self._names)
        with connect(self.dsn) as conn:
            # FILE_COPY (PostgreSQL 15+): copying the small template's files beats writing
            # them all to the WAL (about 0.1 s against 0.15 to make, 0.03 against 0.06 to
            # drop, on the 2-core machine).
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}" + strategy).format(
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

    def app_address(self, database: str) -> str:
        """``database``'s ``postgresql://`` address for the app role, password included:
        what a doctor passes to ``--db`` (keep it out of assertions: pytest prints the
        arguments of a call that fails one)."""
        params = conninfo_to_dict(self.dsn)
        login = self.app_login(database)
        host, port = str(params.get("host") or "127.0.0.1"), params.get("port") or 5432
        where = f"?host={quote(host, safe='')}" if host.startswith("/") else ""  # a socket
        if ":" in host:
            host = f"[{host}]"  # IPv6
        return (
            f"postgresql://{login['user']}:{quote(login['password'], safe='')}"
            f"@{'' if where else host}:{port}/{database}{where}"
        )

    def app_store(self, database: str) -> ClinicServerStore:
        """A workstation's store on ``database``, as the app role."""
        from tpchart.store.clinic_server import ClinicServerStore

        return ClinicServerStore.connect(self.dsn, **self.app_login(database))

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
        if self._helper is not None:
            self._work.put(None)
            self._helper.join(timeout=120)
        for name in [*self._made, self.roles.database]:
            self.drop(name)
        with connect(self.dsn) as conn:
            for role in (self.roles.owner, self.roles.app):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
