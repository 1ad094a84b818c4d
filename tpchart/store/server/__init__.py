"""Clinic mode's engine: one PostgreSQL server shared by every workstation (issue 21,
docs/clinic-server.md).

- ``connection``: connecting (pinned schema, UTC, autocommit), naming a server without
  its password;
- ``schema`` and ``migrations/*.sql``: the clinic schema, its numbered migrations and
  PL/pgSQL guards; ``roles``: least privilege (an owner role owns everything, the app role
  the workstations use may only chart);
- ``database``: the repositories' database face on the server (SQLite's dialect and row
  shapes, so the same repositories and the same audit hashes serve both engines),
  reconnecting after a lost connection and telling a lost commit from a saved one;
- ``check``: what ``tpchart check`` verifies on a server;
- ``leases`` and ``changes``: working side by side (a session open on one workstation is
  read-only elsewhere; LISTEN/NOTIFY refreshes every screen);
- ``backup``: a verified logical backup, restorable into an empty database;
- ``workstation``: this computer's server settings, its password in the OS keyring.

The records wing knows nothing of this engine; ``tpchart.store.clinic_server`` puts the
two together behind the same ``RecordStore`` contract as a file.
"""

from __future__ import annotations

from tpchart.store.server.connection import (
    SCHEMA,
    ServerRefused,
    connect,
    redacted,
    server_name,
)
from tpchart.store.server.roles import APP_PRIVILEGES, ClinicRoles, create_roles
from tpchart.store.server.schema import SCHEMA_VERSION, migrate, schema_version

__all__ = [
    "APP_PRIVILEGES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "ClinicRoles",
    "ServerRefused",
    "connect",
    "create_roles",
    "migrate",
    "redacted",
    "schema_version",
    "server_name",
]
