"""The benchmark code runs on a tiny clinic, so it cannot rot. No test asserts a time."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bench.run
from bench import rows, scenarios
from bench.cluster import (
    ClusterFailed,
    existing_cluster,
    new_clinic,
    server_binaries,
    throwaway_cluster,
)
from bench.measure import Sample, at_usual_pace, repeat, run_child
from bench.names import SCRIPTS, random_name
from bench.run import OWN_CLUSTER, TINY, run_bench
from bench.server_clinic import generate_on_server
from bench.server_half import measure_on_server, statement_lines
from bench.startup import child_env
from bench.store_internals import to_json
from bench.synthetic import (
    DRAFT_POINTS,
    LONG_HISTORY_SESSIONS,
    SUMMARY_POINTS,
    ClinicSize,
    generate_clinic,
    plain_json,
)
from bench.table import ROWS
from tpchart import cli
from tpchart.core.session import SessionStatus
from tpchart.store import Store
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.file.health import check_database
from tpchart.store.server import ServerRefused, connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "clinic.db"
    return generate_clinic(path, ClinicSize(12, 3, 4), now=datetime(2026, 11, 24, tzinfo=UTC))


def test_synthetic_clinic_passes_every_check_the_app_makes(clinic):
    report = check_database(clinic.path)  # what ``tpchart check`` runs
    assert report.ok, report.lines()


def test_synthetic_clinic_reads_back_through_the_store(clinic):
    with Store.open(clinic.path) as store:
        assert store.patients.count(include_archived=True) == clinic.patients == 12 + 2
        long_sessions = store.sessions.for_patient(clinic.long_history_patient)
        assert len(long_sessions) == LONG_HISTORY_SESSIONS
        assert all(s.status is SessionStatus.SIGNED for s in long_sessions)
        assert len(store.points.for_session(clinic.summary_session)) == SUMMARY_POINTS
        draft = store.sessions.get(clinic.draft_session)
        assert draft.editable
        assert len(store.points.for_session(draft.id)) == DRAFT_POINTS  # type: ignore[arg-type]
        signed = store.sessions.signed_versions(clinic.summary_session)
        assert len(signed) == 1 and len(signed[0].snapshot["points"]) == SUMMARY_POINTS
        # The benchmark patients sort first, so the window's list shows them.
        first = store.patients.find("")[:2]
        assert [p.id for p in first] == [clinic.long_history_patient, clinic.busy_patient]


def test_synthetic_audit_trail_covers_every_row(clinic):
    with Store.open(clinic.path) as store:
        trail = store.audit_trail()
    # Rows the store writes itself when it creates a file are not the generator's.
    own = ("settings", "database_identity")
    inserts = sum(1 for e in trail if e.action == "insert" and e.table not in own)
    signs = sum(1 for e in trail if e.action == "sign")
    practitioners = 3
    assert inserts == practitioners + clinic.patients + clinic.sessions + clinic.points
    assert 0 < signs <= clinic.sessions
    assert len(trail) == clinic.audit_rows


def test_generated_json_is_the_stores_json():
    row = rows.patient_row(random.Random(3), 1, datetime(2026, 1, 1, tzinfo=UTC))
    assert plain_json(row) == to_json(row)


def test_names_come_in_every_script():
    rng = random.Random(1)
    names = {random_name(rng)[0] for _ in range(500)}
    assert len(SCRIPTS) == 5
    assert any("é" in n or "á" in n for n in names)  # Latin with accents
    assert any("\u0400" <= n[0] <= "\u04ff" for n in names)  # Cyrillic
    assert any("\u0370" <= n[0] <= "\u03ff" for n in names)  # Greek
    assert any("\u4e00" <= n[0] <= "\u9fff" for n in names)  # Chinese
    assert any("\u0600" <= n[0] <= "\u06ff" for n in names)  # Arabic


def test_generation_refuses_an_existing_file(tmp_path):
    path = tmp_path / "there.db"
    path.write_bytes(b"")
    with pytest.raises(FileExistsError):
        generate_clinic(path, ClinicSize(1, 1, 1))


def test_sample_median_and_p95():
    sample = Sample(tuple(float(v) for v in range(1, 21)))
    assert sample.median == 10.5
    assert sample.p95 == 19.0
    assert Sample((3.0,)).p95 == 3.0


def test_repeat_runs_warmup_then_timed_runs():
    calls = []
    sample = repeat(lambda: calls.append(1), 3, warmup=2, after=lambda: calls.append(0))
    assert len(sample) == 3
    assert calls.count(1) == 5


def test_repeat_notes_the_machines_pace_around_each_timed_run():
    pace: list[float] = []
    sample = repeat(lambda: None, 4, warmup=1, pace=pace)
    assert len(pace) == len(sample) == 4 and all(p > 0 for p in pace)


def test_at_usual_pace_keeps_the_runs_the_machine_ran_at_its_median_pace():
    sample = Sample((5.0, 6.0, 30.0, 7.0, 8.0))
    pace = Sample((1.0, 1.1, 3.0, 1.2, 1.3))  # the third run met a slow moment
    assert at_usual_pace(sample, pace).values == (5.0, 6.0, 7.0, 8.0)
    assert at_usual_pace(sample, pace, slack=1.05).values == (5.0, 6.0, 7.0)  # 1.26 at most


def test_child_reports_ready_and_its_own_peak_memory():
    run = run_child("print('ready', flush=True)")
    assert run.ready_seconds > 0
    assert run.peak_rss_bytes > 1_000_000


def test_child_failure_is_an_error():
    with pytest.raises(RuntimeError, match="benchmark child failed"):
        run_child("raise SystemExit(3)")


def test_tiny_run_prints_every_row_and_writes_json(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = io.StringIO()
    # The clinic-server half on the test suite's cluster when there is one (the
    # benchmark's own cluster has tests of its own below).
    server = os.environ.get("TPCHART_TEST_PG")
    assert run_bench(json_path=tmp_path / "bench.json", out=out, plan=TINY, server=server) == 0
    text = out.getvalue()
    for row in ROWS:
        assert row.what.strip() in text
    assert "load average" in text
    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    keys = {r["key"] for r in data["rows"]}
    assert {"start", "click", "search", "open", "summary_pdf", "progress_pdf"} <= keys
    # Each click's CPU time beside its wall time: a slow click that worked, or waited.
    assert [c["clinic"] for c in data["clinics"]] == [vars(s) for s in TINY.clinics]
    for clinic in data["clinics"]:
        assert len(clinic["click_cpu"]) == len(clinic["click"]) == TINY.clicks
        assert all(cpu > 0 for cpu in clinic["click_cpu"])
        assert len(clinic["click_sequence_cpu"]) == len(clinic["click_sequence"]) == TINY.clicks
        # The machine's pace around each click, and the clicks made at its usual pace.
        for row in ("click", "click_sequence"):
            assert len(clinic[f"{row}_pace"]) == TINY.clicks
            assert 0 < len(clinic[f"{row}_usual"]) <= TINY.clicks
            assert set(clinic[f"{row}_usual"]) <= set(clinic[row])
    assert all(r["result"] in ("PASS", "MISS", "—") for r in data["rows"])
    # Issue 18: click, search, start and backup encrypted beside plain, in the same run.
    assert "Encrypted beside plain" in text
    assert set(data["encrypted"]) == {"click", "search", "start", "backup"}
    assert all(m["encrypted"] > 0 and m["plain"] > 0 for m in data["encrypted"].values())
    # Issue 21: start, click, search and open on the clinic server beside the file's.
    server_keys = {"server_start", "server_click", "server_search", "server_open"}
    if server:
        assert "Clinic server: PostgreSQL" in text and "the floor on this server" in text
        assert server_keys <= keys
        assert all(len(c["server_click"]) == TINY.clicks for c in data["clinics"])
        assert data["server"]["version"]
    else:
        assert "the server half is skipped" in text and data["server"] is None
        assert not server_keys & keys
    assert not list(scratch.iterdir())  # temporary databases and settings are gone


def test_clicks_in_a_row_each_meet_the_point_before_selected_and_leave_the_draft(clinic, qapp):
    with scenarios.open_window(clinic) as window:
        chart = window.chart
        stored = window.store.points.for_session(clinic.draft_session)
        selected = []
        add_point = chart.add_point

        def noting_the_selection(region_id, x, y):
            point = chart.selected_point()
            selected.append(point.number if point is not None else None)
            add_point(region_id, x, y)

        chart.add_point = noting_the_selection
        cpu = []
        sample = scenarios.clicks_in_a_row(window, clinic, 25, cpu)
        assert len(sample.values) == len(cpu) == 25 and all(v > 0 for v in sample.values)
        # 27 clicks with the two warm-up ones: a round of 20, then 7; each round starts
        # at the draft's last point, and each click after the first at the one before.
        per_round = scenarios.SEQUENCE_REGIONS
        draft = list(range(DRAFT_POINTS, DRAFT_POINTS + per_round))
        assert selected == draft + draft[:7]
        assert window.store.points.for_session(clinic.draft_session) == stored
        assert len(chart.points) == DRAFT_POINTS


def test_clicks_in_a_row_that_fail_leave_the_draft_and_raise_the_first_error(clinic, qapp):
    with scenarios.open_window(clinic) as window:
        chart = window.chart
        stored = window.store.points.for_session(clinic.draft_session)
        add_point = chart.add_point
        calls = []

        def saved_then_broken(region_id, x, y):
            add_point(region_id, x, y)  # the point is saved, then the click fails
            calls.append(1)
            if len(calls) == 5:
                raise OSError("the fifth click broke after saving its point")

        chart.add_point = saved_then_broken
        with pytest.raises(OSError, match="fifth click"):
            scenarios.clicks_in_a_row(window, clinic, 25)
        assert window.store.points.for_session(clinic.draft_session) == stored
        assert len(chart.points) == DRAFT_POINTS


def _main_py():
    """``main.py`` as a module (it is a script beside the packages, not one of them)."""
    spec = importlib.util.spec_from_file_location("tpchart_main_py", ROOT / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_main_py_sends_bench_to_the_benchmark(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(bench.run, "command", lambda **kwargs: calls.append(kwargs) or 0)
    run = _main_py().run
    assert run(["bench", "--quick", "--json", str(tmp_path / "b.json")]) == 0
    assert run(["bench"]) == 0
    assert calls == [
        {"quick": True, "json_path": tmp_path / "b.json"},
        {"quick": False, "json_path": None},
    ]
    assert run(["check", "--db", str(tmp_path / "none.db")]) == 2  # the rest: tpchart.cli
    assert not calls[2:]


def test_main_py_help_lists_bench(capsys):
    with pytest.raises(SystemExit) as exit_:
        _main_py().run(["--help"])
    assert exit_.value.code == 0
    assert "bench" in capsys.readouterr().out


def test_installed_script_says_in_one_line_where_bench_runs(capsys):
    assert cli.main(["bench", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "python main.py bench" in err and err.count("\n") == 1


def test_bench_errors_are_one_line_like_the_other_commands(monkeypatch, capsys):
    def full_disk(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bench.run, "run_bench", full_disk)
    assert bench.run.command(quick=True) == 2
    err = capsys.readouterr().err
    assert err.startswith("tpchart: ") and "No space left" in err and err.count("\n") == 1


# -- the clinic-server half (issue 21) -------------------------------------------------


@pytest.fixture(scope="module")
def server_cluster():
    """The benchmark's own throwaway cluster where the server binaries are (what
    ``python main.py bench`` starts), else the test suite's cluster (TPCHART_TEST_PG)."""
    binaries = server_binaries()
    if binaries is not None:
        with throwaway_cluster(binaries) as cluster:
            yield cluster
    elif os.environ.get("TPCHART_TEST_PG"):
        with existing_cluster(os.environ["TPCHART_TEST_PG"]) as cluster:
            yield cluster
    else:
        pytest.skip("no PostgreSQL server binaries and no TPCHART_TEST_PG")


def test_server_clinic_holds_the_files_rows_and_checks_clean(server_cluster, clinic):
    with new_clinic(server_cluster, "bench_test") as server:
        on_server = generate_on_server(server, clinic.size, now=clinic.now)
        store = ClinicServerStore.connect(server.app_dsn)
        try:
            report = store.check()  # chain, rows against after-images, every guard on
            assert not report.findings, report.findings
            with Store.open(clinic.path) as file:
                # The same seed and day: the same records, read back through the store.
                for patient in (clinic.long_history_patient, clinic.busy_patient):
                    assert store.patients.get(patient) == file.patients.get(patient)
                    assert store.sessions.for_patient(patient) == file.sessions.for_patient(patient)
                for session in (clinic.summary_session, clinic.draft_session):
                    assert store.points.for_session(session) == file.points.for_session(session)
                assert store.patients.find("") == file.patients.find("")
            assert store.patients.count(include_archived=True) == clinic.patients
            # A workstation's next row follows the generated ones (sequences moved on).
            assert store.patients.get(on_server.patients) is not None
        finally:
            store.close()
    assert (on_server.patients, on_server.sessions, on_server.points) == (
        clinic.patients, clinic.sessions, clinic.points,
    )  # fmt: skip


def test_server_half_measures_click_search_open_and_start(server_cluster, clinic, tmp_path, qapp):
    said = []
    runs = {"starts": 1, "clicks": 2, "search": 1, "opens": 1}
    results, statements = measure_on_server(
        server_cluster, clinic.size, clinic, runs, child_env(str(tmp_path)), said.append
    )
    for key in ("server_start", "server_click", "server_search", "server_open",
                "server_round_trip", "server_insert_commit"):  # fmt: skip
        assert len(results[key]) >= 1 and results[key].median > 0, key
    assert any("on the clinic server: clicks" in line for line in said)
    if server_binaries() is not None:  # the benchmark's own cluster counts statements
        queries = {s.query.split(" (")[0]: s.calls_per_click for s in statements}
        assert queries['INSERT INTO "trigger_points"'] == 1
        assert queries["INSERT INTO audit_log"] == 1
        assert queries["COMMIT"] == 1
        lines = statement_lines(statements)
        assert "round trip" in lines[0] and len(lines) == 1 + min(12, len(statements))
    # Every clinic database made for the benchmark is dropped afterwards.
    with connect(server_cluster.dsn) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench_%'")
        assert left.fetchall() == []


def test_benchs_own_cluster_is_stopped_and_removed(tmp_path):
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries")
    # A folder left by a benchmark that died (its process is gone) goes at the next start.
    abandoned = Path(tempfile.mkdtemp(prefix="tpchart-bench-pg-"))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (abandoned / "benchmark.pid").write_text(gone.stdout.strip(), encoding="utf-8")
    with throwaway_cluster(binaries) as cluster:
        assert not abandoned.exists()
        with connect(cluster.dsn) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("on",)
            data = Path(str(conn.execute("SHOW data_directory").fetchone()[0]))
            port = conn.info.port
        assert data.exists()
    assert not data.parent.exists()
    with pytest.raises(ServerRefused):
        connect(f"host=127.0.0.1 port={port} dbname=postgres user=postgres connect_timeout=2")


def test_without_server_binaries_the_server_half_is_skipped_in_one_line(monkeypatch):
    monkeypatch.setattr(bench.run, "server_binaries", lambda: None)
    said = []
    with contextlib.ExitStack() as stack:
        assert bench.run._cluster(OWN_CLUSTER, stack, said.append) is None
    assert len(said) == 1 and "no PostgreSQL server binaries" in said[0]


def test_a_cluster_that_cannot_start_skips_the_server_half_in_one_line(monkeypatch, tmp_path):
    @contextlib.contextmanager
    def refused(binaries):
        raise ClusterFailed("initdb failed for the benchmark's cluster: no space left")
        yield

    monkeypatch.setattr(bench.run, "server_binaries", lambda: tmp_path)
    monkeypatch.setattr(bench.run, "throwaway_cluster", refused)
    said = []
    with contextlib.ExitStack() as stack:
        assert bench.run._cluster(OWN_CLUSTER, stack, said.append) is None
    assert said == [
        "clinic server: initdb failed for the benchmark's cluster: no space left; the server"
        " half is skipped"
    ]
