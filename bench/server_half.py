"""The benchmark against a clinic server (issue 21): click, search, open a patient and
cold start on PostgreSQL over the loopback interface, beside the file's figures.

Each clinic the SQLite half measured is written again, the very same rows, into a
clinic database on the benchmark's own throwaway cluster (``bench.cluster``,
``bench.server_clinic``), and the same scenario functions (``bench.scenarios``) run on
the real ``MainWindow`` over ``ClinicServerStore``, connected as the app role as a
workstation is. The cold start is a new process connecting to the server. Results go
into the clinic's results under their own keys (``server_click``, ``server_search``,
``server_open``, ``server_start``), so the table prints each beside the file's figure,
as a ratio to the same baseline.

Where a click's time goes: every statement is one round trip over the loopback; with
the benchmark's own cluster ``pg_stat_statements`` counts the statements a click sends
and the server's time in them (``click_statements``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from PySide6.QtWidgets import QApplication

from bench import scenarios
from bench.cluster import Cluster, ServerClinic, new_clinic
from bench.measure import Sample, load_average, repeat, run_child
from bench.server_clinic import generate_on_server
from bench.synthetic import Clinic, ClinicSize
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.server import connect
from tpchart.ui.main_window import MainWindow

# argv: the app role's connection string (its password in the passfile it names).
# As the app starts on a clinic server (tpchart.clinic_app): connect, then the window.
SERVER_APP_WINDOW = """
import sys
import psycopg
from PySide6.QtWidgets import QApplication
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.ui.main_window import MainWindow
app = QApplication(sys.argv[:1])
app.setOrganizationName("tpchart")
app.setApplicationName("tpchart")
store = ClinicServerStore.connect(sys.argv[1])
window = MainWindow(store)
window.show()
app.processEvents()
print("ready", flush=True)
window.close()
store.close()
"""


@dataclass(frozen=True)
class Statement:
    """One kind of statement a click sent: how many per click, the server's time in it."""

    calls_per_click: float
    server_ms: float  # mean execution time on the server, per call
    query: str


@contextmanager
def open_server_window(dsn: str) -> Iterator[MainWindow]:
    """The main window on the clinic server at ``dsn``, shown, charting as its first
    practitioner (the file's ``scenarios.open_window``, on the server)."""
    store = ClinicServerStore.connect(dsn)
    window = None
    try:
        store.practitioner_id = store.practitioners.all()[0].id
        window = MainWindow(store)
        window.show()
        QApplication.processEvents()
        yield window
    finally:
        if window is not None:
            window.confirm_on_close = False
            window.close()
            window.deleteLater()
            QApplication.processEvents()
        store.close()


def measure_start(dsn: str, runs: int, env: dict[str, str]) -> Sample:
    """Seconds from launch to an interactive window connected to the server, ``runs``
    timed starts after one untimed (bytecode and settings as ``bench.startup``)."""
    values = []
    for index in range(runs + 1):
        child = run_child(SERVER_APP_WINDOW, [dsn], env=env)
        if index:
            values.append(child.ready_seconds)
    return Sample(tuple(values))


def server_floor(cluster: Cluster, server: ServerClinic, runs: int) -> dict[str, Sample]:
    """The floor under any click on this server, as ``scenarios.raw_insert_commit`` is
    the file's: one round trip (``SELECT 1``), and BEGIN, one INSERT and COMMIT (three
    round trips and the commit's flush to disk) into a scratch table of the clinic's
    database, outside its schema, dropped afterwards."""
    with connect(cluster.dsn, dbname=server.roles.database) as conn:
        conn.execute(
            "CREATE TABLE public.bench_raw_insert (id bigint GENERATED ALWAYS AS IDENTITY"
            " PRIMARY KEY, session_id bigint, region_id text, x float8, y float8)"
        )
        try:

            def insert() -> None:
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO public.bench_raw_insert (session_id, region_id, x, y)"
                        " VALUES (1, %s, %s, %s)",
                        ["front.chest.left", 120.5, 230.25],
                    )

            return {
                "server_round_trip": repeat(lambda: conn.execute("SELECT 1"), runs, warmup=2),
                "server_insert_commit": repeat(insert, runs, warmup=2),
            }
        finally:
            conn.execute("DROP TABLE public.bench_raw_insert")


def _statements_counted(cluster: Cluster, server: ServerClinic) -> bool:
    """Whether the cluster counts statements (``pg_stat_statements`` loaded: the
    benchmark's own cluster); its view is made in the clinic's database if so."""
    with connect(cluster.dsn, dbname=server.roles.database) as conn:
        loaded = conn.execute(
            "SELECT 'pg_stat_statements' = ANY(string_to_array("
            "current_setting('shared_preload_libraries'), ', '))"
        ).fetchone()
        if not loaded or not loaded[0]:
            return False
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public")
        return True


def click_statements(
    window: MainWindow, clinic: Clinic, cluster: Cluster, server: ServerClinic, clicks: int
) -> list[Statement]:
    """What ``clicks`` clicks on the map send to the server, statement by statement
    (counted by ``pg_stat_statements``; the undos come after the count)."""
    scenarios.click_on_map(window, clinic, 2)  # the point-adding path warmed up
    chart = window.chart
    region_id = "front.forearm.right"
    x, y = scenarios.rows.spots(region_id)[0]
    with connect(cluster.dsn, dbname=server.roles.database) as conn:
        conn.execute("SELECT public.pg_stat_statements_reset()")
        with _statements_sent() as sent:
            for _ in range(clicks):
                chart.add_point(region_id, x, y)
                QApplication.processEvents()
        rows = conn.execute(
            "SELECT s.calls, s.total_exec_time, s.query FROM public.pg_stat_statements s"
            " JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid"
            " WHERE r.rolname = %s AND d.datname = %s ORDER BY s.calls DESC, s.query",
            [server.roles.app, server.roles.database],
        ).fetchall()
    for _ in range(clicks):
        chart.undo_stack.undo()
        QApplication.processEvents()
    counted = [
        Statement(calls / clicks, total / calls, " ".join(query.split()))
        for calls, total, query in rows
        if calls
    ]
    # What the server does not count (SAVEPOINT and RELEASE are not in its view), from
    # this side: each statement psycopg sent is a round trip all the same.
    uncounted = len(sent) / clicks - sum(s.calls_per_click for s in counted)
    if uncounted > 0.05:
        counted.append(Statement(uncounted, 0.0, "(not counted by the server: SAVEPOINT, RELEASE)"))
    return counted


@contextmanager
def _statements_sent() -> Iterator[list[str]]:
    """Every statement psycopg sends from this process meanwhile (a measuring device of
    the benchmark's: ``Cursor.execute`` wrapped, and put back afterwards)."""
    sent: list[str] = []
    original = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query)[:60])
        return original(self, query, *args, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


def measure_on_server(
    cluster: Cluster,
    size: ClinicSize,
    file_clinic: Clinic,
    runs: dict[str, int],
    env: dict[str, str],
    say: Callable[[str], None],
) -> tuple[dict[str, Sample], list[Statement]]:
    """The file's clinic written again on the server, then start, click, search and
    open measured there; returns the samples (``server_*`` keys) and a click's
    statements (empty when the cluster does not count them)."""
    with new_clinic(cluster, f"bench_{size.patients}") as server:
        say("  on the clinic server: generating …")
        clinic = generate_on_server(server, size, now=file_clinic.now)
        counts = (clinic.patients, clinic.sessions, clinic.points)
        if counts != (file_clinic.patients, file_clinic.sessions, file_clinic.points):
            raise RuntimeError("the server's synthetic clinic differs from the file's")
        say(
            f"  {clinic.patients:,} patients, {clinic.points:,} points, {clinic.audit_rows:,}"
            f" audit rows in {clinic.seconds:.1f} s · {load_average()}"
        )
        r: dict[str, Sample] = {"server_generate": Sample((clinic.points / clinic.seconds,))}
        r |= server_floor(cluster, server, runs["clicks"])
        say("  on the clinic server: cold starts …")
        r["server_start"] = measure_start(server.app_dsn, runs["starts"], env)
        say("  on the clinic server: clicks, search, opening …")
        statements: list[Statement] = []
        with open_server_window(server.app_dsn) as window:
            r["server_click"] = scenarios.click_on_map(window, clinic, runs["clicks"])
            r["server_search"] = scenarios.patient_search(window.store, runs["search"])
            r["server_open"] = scenarios.open_patient(window, clinic, runs["opens"])
            if _statements_counted(cluster, server):
                statements = click_statements(window, clinic, cluster, server, runs["clicks"])
    return r, statements


def floor_line(results: dict[str, Sample]) -> str:
    """The server's floor, as printed (median ms)."""
    trip = results["server_round_trip"].median * 1000
    commit = results["server_insert_commit"].median * 1000
    return (
        f"  the floor on this server: one round trip (SELECT 1) {trip:.2f} ms; BEGIN, INSERT"
        f" and COMMIT through plain psycopg {commit:.2f} ms (the file's: click_raw)"
    )


def statement_lines(statements: list[Statement], top: int = 12) -> list[str]:
    """A click's statements as printed: round trips per click and the server's time."""
    if not statements:
        return []
    trips = sum(s.calls_per_click for s in statements)
    server_ms = sum(s.calls_per_click * s.server_ms for s in statements)
    lines = [
        f"  a click sends {trips:.1f} statements, each a round trip over the loopback; the"
        f" server works {server_ms:.2f} ms of the click (pg_stat_statements, mean per call):"
    ]
    for s in statements[:top]:
        query = s.query if len(s.query) <= 90 else s.query[:87] + "..."
        lines.append(f"    {s.calls_per_click:4.1f} x {s.server_ms:6.3f} ms  {query}")
    return lines


def server_version(cluster: Cluster) -> str:
    """The server's version, for the report."""
    with connect(cluster.dsn) as conn:
        row: Any = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0]
