"""No sqlite-utils plugin touches the clinic's connection: an installed plugin could
register functions or change settings on it, and looking plugins up cost every start
~15 ms of reading package entry points."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.plugins import pm

from tpchart.store import Store


class _Plugin:
    def __init__(self) -> None:
        self.connections: list[object] = []

    @sqlite_utils.hookimpl
    def prepare_connection(self, conn) -> None:
        # The file behind the connection ("" in memory, as the tamper check's schema copy).
        self.connections.append(conn.execute("PRAGMA database_list").fetchone()[2])


def test_an_installed_plugin_is_never_given_the_clinics_connection(tmp_path):
    plugin = _Plugin()
    pm.register(plugin, name="tpchart-test-plugin")
    try:
        sqlite_utils.Database(tmp_path / "other.db")
        assert plugin.connections == [str(tmp_path / "other.db")]  # plugins run elsewhere
        store = Store.open(tmp_path / "clinic.db")
        store.close()
        Store.open(tmp_path / "clinic.db", read_only=True).close()
        assert not [f for f in plugin.connections if f.endswith("clinic.db")]
    finally:
        pm.unregister(name="tpchart-test-plugin")
