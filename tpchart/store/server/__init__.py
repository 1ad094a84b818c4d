"""Clinic mode's engine: one PostgreSQL server shared by every workstation (issue 21).

What exists so far is the server side: connecting (``connection``), the clinic schema
with its numbered migrations and PL/pgSQL guards (``schema``, ``migrations/*.sql``)
and least privilege (``roles``: an owner role that owns everything, an app role the
workstations use). The store's repositories on this engine come later; nothing here
imports the SQLite wings, and they import nothing from here.
docs/clinic-server.md tells how to set a server up.
"""

from __future__ import annotations

from tpchart.store.server.connection import SCHEMA, ServerRefused, connect, redacted
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
]
