"""``python main.py bench [--quick] [--json FILE]``: generate clinics, measure, print.

Order matters: the cold starts run in child processes before this process opens the
database (one writer at a time), then the in-process measurements share one window.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import psycopg

from bench.cluster import (
    Cluster,
    ClusterFailed,
    existing_cluster,
    server_binaries,
    throwaway_cluster,
)
from bench.measure import Sample, at_usual_pace, load_average
from bench.synthetic import ClinicSize, generate_clinic
from bench.table import MB, ROWS, render, scaled
from tpchart.core.errors import TpchartError

if TYPE_CHECKING:
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    from bench.server_half import Statement

# ``run_bench(server=...)``: the benchmark's own throwaway cluster (the command's way);
# a superuser connection string instead uses that server (the tests give theirs); None
# skips the clinic-server half.
OWN_CLUSTER = "own cluster"


@dataclass(frozen=True)
class Plan:
    """Clinic sizes and how many times each thing is repeated."""

    name: str
    clinics: tuple[ClinicSize, ...]
    starts: int
    clicks: int
    search: int
    opens: int
    pdfs: int


# The full run keeps the small clinic at the size (10 sessions x 20 points) and
# scales sessions and points of the larger ones down so the whole run takes 5 to 8
# minutes on 2 cores (docs/performance.md); patient count, what search and start-up
# feel, stays as asked.
FULL = Plan(
    "full",
    (ClinicSize(1_000, 10, 20), ClinicSize(20_000, 3, 10), ClinicSize(100_000, 3, 8)),
    starts=5,
    clicks=40,
    search=3,
    opens=10,
    pdfs=8,
)
QUICK = Plan(
    "quick",
    (ClinicSize(1_000, 3, 10), ClinicSize(5_000, 2, 5)),
    starts=3,
    clicks=15,
    search=1,
    opens=5,
    pdfs=3,
)
TINY = Plan(
    "tiny",
    (ClinicSize(20, 2, 3), ClinicSize(40, 1, 2)),
    starts=1,
    clicks=2,
    search=1,
    opens=1,
    pdfs=1,
)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import PySide6
    import reportlab
    from PySide6.QtCore import qVersion

    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        memory = f"{ram:.0f} GB"
    except (ValueError, OSError, AttributeError):
        memory = "unknown"
    return {
        "os": platform.platform(),
        "cpu": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "ram": memory,
        "python": platform.python_version(),
        "qt": f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
        "sqlite": sqlite3.sqlite_version,
        "reportlab": reportlab.Version,
    }


def command(quick: bool = False, json_path: Path | None = None) -> int:
    """``python main.py bench``: the run, with the one-line errors and exit codes of
    tpchart's other commands (``tpchart.cli.main``): 2 for an expected problem such as
    an unwritable --json file, 130 for Ctrl+C."""
    try:
        return run_bench(quick=quick, json_path=json_path)
    except (TpchartError, OSError, sqlite3.Error, psycopg.Error) as exc:
        print(f"tpchart: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run_bench(
    quick: bool = False,
    json_path: Path | None = None,
    out: TextIO = sys.stdout,
    plan: Plan | None = None,
    server: str | None = OWN_CLUSTER,
) -> int:
    """Run the plan, print the table to ``out``; returns 0 (misses are findings, not
    failures of the command). ``server``: where the clinic-server half runs (issue 21):
    OWN_CLUSTER, a superuser connection string, or None to skip it."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt loads: never a window on screen
    from bench import encrypted, scenarios

    plan = plan or (QUICK if quick else FULL)
    began = time.perf_counter()
    info = machine()
    say = _printer(out)
    say(
        f"tpchart bench ({plan.name}) · {info['cpu']} · {info['ram']} RAM · Python "
        f"{info['python']} · {info['qt']} · SQLite {info['sqlite']} · reportlab "
        f"{info['reportlab']}"
    )
    say(f"start: {load_average()}")
    results: list[dict[str, Sample]] = []
    statements: list[Statement] = []
    # A kill (SIGTERM) unwinds like Ctrl+C, so the temporary databases (gigabytes in a
    # full run) are deleted, and the clinic server's cluster stopped and removed,
    # rather than left behind.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with scenarios.database_folder() as folder, contextlib.ExitStack() as stack:
            _qt_settings(Path(folder))
            cluster = _cluster(server, stack, say)
            for index, size in enumerate(plan.clinics):
                # The server half on the smallest and the largest clinic, the table's
                # two columns: writing a clinic into the server is the slow part of it.
                on_server = cluster if index in (0, len(plan.clinics) - 1) else None
                r, statements = _measure_clinic(Path(folder), size, plan, say, on_server)
                results.append(r)
            # What SQLCipher costs (issue 18), on the smallest clinic, against the same
            # clinic plain measured here and now.
            say(f"{plan.clinics[0].label}, plain and encrypted: generating …")
            encrypted_folder = Path(folder) / "encrypted"
            encrypted_folder.mkdir()
            encryption = encrypted.compare(encrypted_folder, plan.clinics[0], plan.starts)
    finally:
        signal.signal(signal.SIGTERM, previous)
    labels = [f"{s.patients:,}" for s in plan.clinics]
    table, rows = render(results, labels)
    say("")
    say(table)
    say("")
    say(_growth(results, plan.clinics))
    say(_scale_note(plan, results))
    say("")
    for line in _server_lines(cluster, results[-1], statements):
        say(line)
    for line in encrypted.lines(encryption, plan.clinics[0]):
        say(line)
    say(f"end: {load_average()} · whole run {time.perf_counter() - began:.0f} s")
    if json_path is not None:
        data = {
            "plan": plan.name,
            "machine": info,
            "rows": rows,
            "load": load_average(),
            "encrypted": encryption,
            "server": _server_json(cluster, statements),
            "clinics": [
                # The clinic's shape as "clinic": "size" is the row of that name (the
                # database's size per 1,000 points), which once overwrote the shape.
                {"clinic": vars(s), **{k: list(v.values) for k, v in r.items()}}
                for s, r in zip(plan.clinics, results, strict=True)
            ],
        }
        json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        say(f"wrote {json_path}")
    return 0


def _cluster(
    server: str | None, stack: contextlib.ExitStack, say: Callable[[str], None]
) -> Cluster | None:
    """The PostgreSQL cluster the clinic-server half runs on (stopped and removed by
    ``stack`` when the benchmark started it), or None, said in one line, without one."""
    if server is None:
        say("clinic server: not asked for, the server half is skipped")
        return None
    if server != OWN_CLUSTER:
        cluster = stack.enter_context(existing_cluster(server))
        say(f"clinic server: PostgreSQL {cluster.version} given to the benchmark")
        return cluster
    binaries = server_binaries()
    if binaries is None:
        say(
            "clinic server: no PostgreSQL server binaries (initdb) on this computer, so the"
            " server half is skipped (Debian: apt-get install postgresql)"
        )
        return None
    began = time.perf_counter()
    try:
        cluster = stack.enter_context(throwaway_cluster(binaries))
    except ClusterFailed as problem:
        say(f"clinic server: {problem}; the server half is skipped")
        return None
    say(
        f"clinic server: a throwaway PostgreSQL {cluster.version} cluster on 127.0.0.1"
        f" (fsync on), ready in {time.perf_counter() - began:.1f} s"
    )
    return cluster


def _measure_clinic(
    folder: Path, size: ClinicSize, plan: Plan, say: Callable[[str], None], cluster: Cluster | None
) -> tuple[dict[str, Sample], list[Statement]]:
    from bench import scenarios
    from bench.startup import child_env, measure_startup

    path = folder / f"clinic-{size.patients}.db"
    say(f"\n{size.label}: generating …")
    clinic = generate_clinic(path, size)
    say(
        f"  {clinic.patients:,} patients, {clinic.sessions:,} sessions, {clinic.points:,} points,"
        f" {clinic.audit_rows:,} audit rows, {clinic.bytes / MB:,.0f} MB in "
        f"{clinic.seconds:.1f} s · {load_average()}"
    )
    r: dict[str, Sample] = {
        "generate": Sample((clinic.points / clinic.seconds,)),
        "size": Sample((clinic.bytes / clinic.points * 1000,)),
    }
    try:
        say("  cold starts …")
        start = measure_startup(path, plan.starts, clinic.long_history_patient)
        r |= {
            "start": start.app_seconds,
            "start_bare": start.bare_seconds,
            "memory": start.app_rss,
            "memory_bare": start.bare_rss,
        }
        say("  in the window: clicks, search, opening, PDFs …")
        with scenarios.open_window(clinic) as window:
            store = window.store
            # Each click's CPU time and the machine's pace around it, beside its wall
            # time (the JSON's "..._cpu" and "..._pace" samples).
            click_cpu: list[float] = []
            click_pace: list[float] = []
            sequence_cpu: list[float] = []
            sequence_pace: list[float] = []
            r["click"] = scenarios.click_on_map(window, clinic, plan.clicks, click_cpu, click_pace)
            r["click_sequence"] = scenarios.clicks_in_a_row(
                window, clinic, plan.clicks, sequence_cpu, sequence_pace
            )
            r["click_cpu"] = Sample(tuple(click_cpu))
            r["click_sequence_cpu"] = Sample(tuple(sequence_cpu))
            r["click_pace"] = Sample(tuple(click_pace))
            r["click_sequence_pace"] = Sample(tuple(sequence_pace))
            r["click_usual"] = at_usual_pace(r["click"], r["click_pace"])
            r["click_sequence_usual"] = at_usual_pace(r["click_sequence"], r["click_sequence_pace"])
            r["click_raw"] = scenarios.raw_insert_commit(folder, plan.clicks)
            r["search"] = scenarios.patient_search(store, plan.search)
            r["search_shown"] = scenarios.patient_search_shown(window, 1)
            r["open"] = scenarios.open_patient(window, clinic, plan.opens)
            r["progress_shown"] = scenarios.progress_tab(window, clinic, plan.opens)
            r["summary_pdf"] = scenarios.session_summary_pdf(store, clinic, plan.pdfs)
            r["pdf_minimal"] = scenarios.minimal_reportlab(plan.pdfs)
            r["progress_pdf"] = scenarios.progress_report_pdf(store, clinic, plan.pdfs)
    finally:
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    statements: list[Statement] = []
    if cluster is not None:
        from bench.server_half import measure_on_server

        runs = {"starts": plan.starts, "clicks": plan.clicks, "search": plan.search,
                "opens": plan.opens}  # fmt: skip
        settings = folder / f"settings-{size.patients}"
        settings.mkdir()
        found, statements = measure_on_server(
            cluster, size, clinic, runs, child_env(str(settings)), say
        )
        r |= found
    say(
        "  "
        + " · ".join(f"{row.key} {_median(r, row.key, row.unit)}" for row in ROWS if row.key in r)
    )
    return r, statements


def _server_lines(
    cluster: Cluster | None, large: dict[str, Sample], statements: list[Statement]
) -> list[str]:
    """Under the table: what the server rows were measured on, its floor, and where a
    click's time went there (the largest clinic's)."""
    if cluster is None:
        return []
    from bench.server_half import floor_line, statement_lines

    return [
        f"Clinic server: PostgreSQL {cluster.version} on 127.0.0.1 (TCP over loopback,"
        " fsync on), the app role through ClinicServerStore; the same synthetic clinics;"
        " baselines as the file's.",
        *([floor_line(large)] if "server_round_trip" in large else []),
        *statement_lines(statements),
        "",
    ]


def _server_json(cluster: Cluster | None, statements: list[Statement]) -> dict | None:
    if cluster is None:
        return None
    return {
        "version": cluster.version,
        "click_statements": [vars(s) for s in statements],
        "round_trips_per_click": sum(s.calls_per_click for s in statements) or None,
    }


def _median(results: dict[str, Sample], key: str, unit: str) -> str:
    value = scaled(results[key], unit)[0]
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _growth(results: list[dict[str, Sample]], sizes: tuple[ClinicSize, ...]) -> str:
    """Medians of every measurement for each clinic, smallest first: how they grow."""
    head = "growth (medians) by clinic: " + " | ".join(f"{s.patients:,} pt" for s in sizes)
    lines = [head]
    for row in ROWS:
        if all(row.key in r for r in results):
            values = " -> ".join(_median(r, row.key, row.unit) for r in results)
            lines.append(f"  {row.what.strip():<48} {values} {row.unit}")
    return "\n".join(lines)


def _scale_note(plan: Plan, results: list[dict[str, Sample]]) -> str:
    """Say plainly which clinics were scaled down, and what full size would mean."""
    asked = ClinicSize(plan.clinics[-1].patients)
    if plan.clinics[-1] == asked or plan is TINY:
        return ""
    per_point = results[0]["size"].median / 1000
    rate = results[0]["generate"].median
    points = asked.patients * asked.sessions * asked.points
    return (
        f"NOTE: the largest clinic has {plan.clinics[-1].label}, scaled down from "
        f"{asked.label}: that would be {points / 1e6:.0f} M points, about "
        f"{points * per_point / 1024**3:,.0f} GB at the {per_point / 1024:.1f} KB per point "
        f"measured on the small clinic, and {points / rate / 60:,.0f} min to generate."
    )


def _qt_settings(folder: Path) -> None:
    """The window's QSettings go to the temporary folder, never the doctor's layout."""
    from PySide6.QtCore import QSettings, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    global _app
    _app = QApplication.instance() or QApplication([sys.argv[0]])
    qInstallMessageHandler(_quiet_offscreen)


def _quiet_offscreen(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages as usual, less the offscreen platform's note on every window
    shown ("does not support propagateSizeHints"), which would bury the table."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


_app = None  # the QApplication, kept referenced for the whole run


def _printer(out: TextIO) -> Callable[[str], None]:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    return say
