"""A throwaway PostgreSQL cluster for the benchmark's clinic-server half (issue 21), and
a clinic on it set up as its administrator would (roles, database, migrations).

The cluster is made exactly as ``scripts/test.sh`` makes the test suite's: initdb in a
temporary folder (as the ``postgres`` OS user when run as root: initdb and the server
refuse root), a free port on 127.0.0.1 only plus a Unix socket in that folder, SCRAM
passwords, and fsync and synchronous commit on, so a click's commit waits for the disk
as it would on a clinic's server. It is stopped and its folder removed on the way out
(also on Ctrl+C and ``kill``: the benchmark turns SIGTERM into an unwinding exit).
pg_ctl starts the server in a session of its own, so Ctrl+C in the terminal reaches
only the benchmark, which then stops it.

Passwords are random, never printed, and never on a command line: libpq reads them from
a private password file (``passfile=`` in each connection string).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from psycopg import sql
from psycopg.conninfo import make_conninfo

from tpchart.core.errors import TpchartError
from tpchart.store.server import ClinicRoles, connect, create_roles, migrate


def server_binaries() -> Path | None:
    """The newest PostgreSQL server binaries: on PATH first, else Debian's layout (the
    ``postgresql`` package does not put initdb on PATH); None when there are none."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent

    def version(folder: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", folder))

    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(f"{folder}/initdb", os.X_OK) and os.access(f"{folder}/pg_ctl", os.X_OK):
            return Path(folder)
    return None


def _server_user() -> str | None:
    """Who runs initdb and the server: None for whoever runs the benchmark; as root,
    the ``postgres`` system user the Debian package creates (else ``nobody``)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return "nobody"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its superuser's connection string (password in ``passfile``)."""

    dsn: str
    passfile: Path
    version: str

    def remember(self, role: str, password: str) -> None:
        """Let libpq find ``role``'s password in the private password file."""
        port = re.search(r"port=(\d+)", self.dsn)
        with self.passfile.open("a", encoding="utf-8") as out:
            out.write(f"*:{port[1] if port else '*'}:*:{role}:{password}\n")


_PREFIX = "tpchart-bench-pg-"


class ClusterFailed(TpchartError):
    """The throwaway cluster could not be made or started (the message says why)."""


def _stop(binaries: Path, data: Path, as_server: Callable[..., list[str]]) -> None:
    # Immediate: the cluster is thrown away, no checkpoint is worth waiting for.
    subprocess.run(
        as_server(str(binaries / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate",
                  "-w", "-t", "30"),
        cwd=data.parent, capture_output=True,
    )  # fmt: skip


def _remove_abandoned(binaries: Path, as_server: Callable[..., list[str]]) -> None:
    """Stop and remove the clusters of benchmarks that died without cleaning up (killed
    with SIGKILL, or the process aborted): each folder names the process that made it."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            pid = int((folder / "benchmark.pid").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not one of ours, or still being made
        try:
            os.kill(pid, 0)
            continue  # its benchmark still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's process: alive
        if (folder / "data" / "postmaster.pid").exists():
            _stop(binaries, folder / "data", as_server)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def throwaway_cluster(binaries: Path) -> Iterator[Cluster]:
    """Start a new cluster with ``binaries``; stop it and remove its folder afterwards."""
    user = _server_user()

    def as_server(*command: str) -> list[str]:
        return ["runuser", "-u", user, "--", *command] if user else list(command)

    _remove_abandoned(binaries, as_server)
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
    data, sockets = folder / "data", folder / "socket"
    started = False
    try:
        (folder / "benchmark.pid").write_text(str(os.getpid()), encoding="utf-8")
        folder.chmod(0o711)  # the server's user must reach data/ and socket/ inside
        for inner in (data, sockets):
            inner.mkdir(mode=0o700)
            if user:
                shutil.chown(inner, user)
        password = secrets.token_urlsafe(24)
        pwfile = folder / "pwfile"
        pwfile.write_text(password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if user:
            shutil.chown(pwfile, user)
        # --no-sync skips only initdb's flush of the fresh files (a throwaway cluster);
        # the server itself runs with fsync on.
        made = subprocess.run(
            as_server(
                str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale",
                "--no-sync",
            ),
            cwd=folder, capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode != 0:
            last = (made.stderr.strip().splitlines() or ["no message"])[-1]
            raise ClusterFailed(f"initdb failed for the benchmark's cluster: {last}")
        pwfile.unlink()
        passfile = folder / "pgpass"
        passfile.touch(mode=0o600)
        log = data / "server.log"
        for attempt in (1, 2, 3):
            port = _free_port()
            with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write(
                    f"\n# tpchart bench's throwaway cluster (bench/cluster.py), attempt {attempt}\n"
                    f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                    f"unix_socket_directories = '{sockets}'\n"
                    "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
                    # Counts the statements a click sends (bench.server_half), where the
                    # server has the module (Debian's postgresql package does).
                    + (
                        "shared_preload_libraries = 'pg_stat_statements'\n"
                        if (binaries.parent / "lib" / "pg_stat_statements.so").exists()
                        else ""
                    )
                )
            start = subprocess.run(
                as_server(str(binaries / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
                          "-l", str(log)),
                cwd=folder, capture_output=True, text=True,
            )  # fmt: skip
            if start.returncode == 0:
                started = True
                break
            # Most likely another process took the port between the probe and the start.
        if not started:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else start.stderr
            last = " ".join(tail.strip().splitlines()[-2:])
            raise ClusterFailed(f"the benchmark's PostgreSQL cluster did not start: {last}")
        cluster = Cluster(
            make_conninfo(
                host="127.0.0.1", port=port, dbname="postgres", user="postgres",
                passfile=str(passfile),
            ),
            passfile,
            binaries.parent.name,
        )  # fmt: skip
        cluster.remember("postgres", password)
        yield cluster
    finally:
        # Also when interrupted while starting: a postmaster.pid says a server may run.
        if started or (data / "postmaster.pid").exists():
            _stop(binaries, data, as_server)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class ServerClinic:
    """A clinic database on a cluster: its roles and how to connect as each."""

    cluster: Cluster
    roles: ClinicRoles

    def dsn(self, role: str) -> str:
        """A connection string to the clinic as ``role`` (its password in the passfile)."""
        return make_conninfo(self.cluster.dsn, dbname=self.roles.database, user=role)

    @property
    def app_dsn(self) -> str:
        """What a workstation connects with: the app role."""
        return self.dsn(self.roles.app)

    @property
    def owner_dsn(self) -> str:
        """The owner role: what the administrator (and the bulk writer) uses."""
        return self.dsn(self.roles.owner)


@contextmanager
def new_clinic(cluster: Cluster, name: str) -> Iterator[ServerClinic]:
    """A migrated clinic named after ``name`` (with a random part: roles are cluster-wide,
    and a shared cluster may hold other clinics), dropped with its roles afterwards."""
    token = secrets.token_hex(3)
    roles = ClinicRoles(f"{name}_{token}", f"{name}_owner_{token}", f"{name}_app_{token}")
    passwords = {roles.owner: secrets.token_urlsafe(18), roles.app: secrets.token_urlsafe(18)}
    for role, password in passwords.items():
        cluster.remember(role, password)
    create_roles(
        cluster.dsn,
        database=roles.database,
        owner=roles.owner,
        app=roles.app,
        owner_password=passwords[roles.owner],
        app_password=passwords[roles.app],
    )
    clinic = ServerClinic(cluster, roles)
    try:
        with connect(clinic.owner_dsn) as owner:
            migrate(owner, app_role=roles.app)
        yield clinic
    finally:
        with connect(cluster.dsn) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(roles.database)
                )
            )
            for role in (roles.owner, roles.app):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@contextmanager
def existing_cluster(dsn: str) -> Iterator[Cluster]:
    """A cluster already running (the test suite's: ``TPCHART_TEST_PG``, its password in
    ``PGPASSFILE``): the clinic roles' passwords go to a private password file of ours,
    and the superuser's is looked up where libpq would find it."""
    with tempfile.TemporaryDirectory(prefix="tpchart-bench-pgpass-") as folder:
        passfile = Path(folder) / "pgpass"
        passfile.touch(mode=0o600)
        given = os.environ.get("PGPASSFILE")
        if given and Path(given).exists():
            passfile.write_text(Path(given).read_text(encoding="utf-8"), encoding="utf-8")
        with connect(dsn) as conn:
            version = str(conn.info.server_version // 10000)
        yield Cluster(make_conninfo(dsn, passfile=str(passfile)), passfile, version)
