"""The kill test (issue 21): the clinic server stopped with ``pg_ctl stop -m immediate``
(as a power cut would) at random moments while two workstation processes chart, 20
rounds; nothing any workstation was told was saved is lost, nothing is saved twice,
and ``check`` finds the records whole.

The cluster is the test's own (initdb in a temporary folder, as the ``postgres`` user
when run as root, on a free port; removed afterwards): the shared test cluster is never
stopped. Each writer logs what the store acknowledged to a file it fsyncs before going
on, so the log outlives the writer and says exactly what the doctor was shown as saved.
A change that failed is logged as not saved (kind "server": the store is certain it did
not commit, so it must be absent) or unknown (kind "unknown": present at most once).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

ROUNDS = 20
WRITERS = 2
PG_BIN = Path(os.environ.get("TPCHART_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = os.environ.get("TPCHART_TEST_PG_OS_USER", "postgres")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster that this test may stop and start."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres"

    def pg_ctl(self, *args: str) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]
        subprocess.run(_as_pg(command), check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        self.pg_ctl("start", "-w", "-t", "60", "-l", str(self.data / "server.log"))

    def stop_immediately(self) -> None:
        self.pg_ctl("stop", "-m", "immediate")


def _as_pg(command: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL server binaries in {PG_BIN}")
        pytest.skip(f"no PostgreSQL server binaries in {PG_BIN} (TPCHART_TEST_PG_BIN)")
    folder = Path(tempfile.mkdtemp(prefix="tpchart-kill-"))
    folder.chmod(0o711)  # the server's user must reach data/ inside
    (folder / "data").mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(folder / "data", PG_USER)
    made = Cluster(folder, _free_port())
    try:
        # Trust on 127.0.0.1 only, for the few seconds this cluster lives; --no-sync
        # skips only initdb's flush of the fresh files, the server runs with fsync on.
        subprocess.run(
            _as_pg([str(PG_BIN / "initdb"), "-D", str(made.data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
            check=True, capture_output=True, cwd=folder,
        )  # fmt: skip
        with (made.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {made.port}\n"
                f"unix_socket_directories = ''\nfsync = on\nsynchronous_commit = on\n"
                "full_page_writes = on\n"
            )
        made.start()
        yield made
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            made.stop_immediately()
        shutil.rmtree(folder, ignore_errors=True)


# -- a workstation, in a process of its own ---------------------------------------------
def writer(dsn: str, login: str, number: int, log_path: str, stop_path: str) -> None:
    """Chart until ``stop_path`` exists, alternating a new point and a change of the
    session's chief complaint, each labelled uniquely; log each outcome (fsync'd)."""
    from tpchart.core.regions import Side, View
    from tpchart.core.trigger_point import TriggerPoint
    from tpchart.store import StorageError
    from tpchart.store.clinic_server import ClinicServerStore

    store = ClinicServerStore.connect(dsn, **json.loads(login))
    (session,) = [
        s
        for p in store.patients.find("")
        if p.record_number == f"K-{number}"
        for s in store.sessions.for_patient(p.id)
    ]
    with open(log_path, "a", encoding="utf-8") as log:

        def note(outcome: str, kind: str, label: str) -> None:
            log.write(f"{outcome} {kind} {label}\n")
            log.flush()
            os.fsync(log.fileno())  # on disk before the next change starts

        note("ready", "-", "-")
        count = 0
        while not os.path.exists(stop_path):
            count += 1
            label = f"w{number}-{count}"
            kind = "point" if count % 2 else "session"
            try:
                if kind == "point":
                    store.points.add(
                        TriggerPoint(
                            session_id=session.id, number=count, view=View.BACK,
                            region_id="back.neck.posterior.right", side=Side.RIGHT,
                            x=270.0, y=160.0, muscle="Upper trapezius", notes=label,
                        )
                    )  # fmt: skip
                else:
                    current = store.sessions.get(session.id)
                    store.sessions.update(replace(current, chief_complaint=label))
            except StorageError as error:
                note("unknown" if error.kind == "unknown" else "not-saved", kind, label)
                time.sleep(0.05)  # the server is down: do not spin
                continue
            note("saved", kind, label)
    store.close()


# -- the test ----------------------------------------------------------------------
def _set_up_clinic(cluster: Cluster) -> dict[str, str]:
    from tpchart.core.patient import Patient
    from tpchart.core.practitioner import Practitioner
    from tpchart.core.session import Session
    from tpchart.store.clinic_server import ClinicServerStore
    from tpchart.store.server import connect, create_roles, migrate

    roles = create_roles(
        cluster.dsn, database="kill", owner="kill_owner", app="kill_app",
        owner_password="owner-password-kill", app_password="app-password-kill",
    )  # fmt: skip
    with connect(cluster.dsn, dbname=roles.database, user=roles.owner) as owner:
        migrate(owner, app_role=roles.app)
    login = {"dbname": roles.database, "user": roles.app, "password": "app-password-kill"}
    with ClinicServerStore.connect(cluster.dsn, **login) as store:
        doctor = store.practitioners.add(Practitioner(name="Dr Ana Souza"))
        store.practitioner_id = doctor.id
        for number in range(1, WRITERS + 1):
            patient = store.patients.add(
                Patient(record_number=f"K-{number}", full_name=f"Kill Test {number}",
                        date_of_birth=date(1980, 1, number))
            )  # fmt: skip
            store.sessions.start(
                Session(patient_id=patient.id, practitioner_id=doctor.id,
                        started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                        chief_complaint="start")
            )  # fmt: skip
    return login


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_nothing_acknowledged_is_lost_when_the_server_is_killed(cluster, tmp_path):
    started = time.monotonic()
    login = _set_up_clinic(cluster)
    stop = tmp_path / "stop"
    logs = [tmp_path / f"writer{n}.log" for n in range(1, WRITERS + 1)]
    code = "import sys; from tests.server.test_server_kill import writer; writer(*sys.argv[1:])"

    def launch(number: int, log: Path) -> subprocess.Popen[str]:
        arguments = [cluster.dsn, json.dumps(login), str(number), str(log), str(stop)]
        return subprocess.Popen(
            [sys.executable, "-c", code, *arguments], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )

    writers = [launch(n, log) for n, log in enumerate(logs, start=1)]
    try:
        _wait_for(lambda: all(p.exists() and p.read_text() for p in logs), 30, "the writers")
        chance = random.Random()
        for _ in range(ROUNDS):
            time.sleep(chance.uniform(0.05, 0.5))  # writes under way, at a random moment
            cluster.stop_immediately()
            time.sleep(chance.uniform(0.0, 0.3))
            cluster.start()
        time.sleep(1.0)  # the writers reconnect and go on
        stop.touch()
        for process in writers:
            _, errors = process.communicate(timeout=60)
            assert process.returncode == 0, errors
    finally:
        stop.touch()
        for process in writers:
            if process.poll() is None:
                process.kill()

    outcomes: dict[str, dict[str, set[str]]] = {"point": {}, "session": {}}
    for log in logs:
        for line in log.read_text().splitlines():
            outcome, kind, label = line.split()
            if outcome != "ready":
                outcomes[kind].setdefault(outcome, set()).add(label)

    from tpchart.store.clinic_server import ClinicServerStore
    from tpchart.store.server import connect

    with connect(cluster.dsn, dbname=login["dbname"]) as su:
        notes = Counter(r[0] for r in su.execute("SELECT notes FROM trigger_points"))
        complaints = Counter(
            r[0]
            for r in su.execute(
                "SELECT after->>'chief_complaint' FROM audit_log"
                " WHERE table_name = 'sessions' AND action = 'update'"
            )
        )
        final = {
            r[0]: r[1]
            for r in su.execute(
                "SELECT p.record_number, s.chief_complaint FROM sessions s"
                " JOIN patients p ON p.id = s.patient_id"
            )
        }
    for kind, stored in (("point", notes), ("session", complaints)):
        saved = outcomes[kind].get("saved", set())
        assert saved, f"no {kind} change was ever acknowledged"
        lost = sorted(label for label in saved if stored[label] == 0)
        assert lost == [], f"acknowledged {kind} changes lost: {lost}"
        twice = sorted(label for label, times in stored.items() if times > 1)
        assert twice == [], f"{kind} changes saved twice: {twice}"
        claimed = sorted(label for label in outcomes[kind].get("not-saved", set()) if stored[label])
        assert claimed == [], f"{kind} changes reported not saved yet stored: {claimed}"

    def count(label: str) -> int:
        return int(label.split("-")[1])

    for number in range(1, WRITERS + 1):
        # The session ends as the writer's last acknowledged change left it, or as a
        # later change whose outcome the writer was told was unknown.
        mine = f"w{number}-"
        saved = [x for x in outcomes["session"].get("saved", set()) if x.startswith(mine)]
        last = max(saved, key=count)
        later_unknown = {
            x
            for x in outcomes["session"].get("unknown", set())
            if x.startswith(mine) and count(x) > count(last)
        }
        assert final[f"K-{number}"] in {last} | later_unknown

    with ClinicServerStore.connect(cluster.dsn, **login) as store:
        assert store.check().findings == []
    elapsed = time.monotonic() - started
    print(
        f"\nkill test: {ROUNDS} rounds in {elapsed:.1f} s;",
        {k: {o: len(v) for o, v in d.items()} for k, d in outcomes.items()},
    )
