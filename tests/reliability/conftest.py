"""Reliability tests: private user folders, a practitioner, and helpers to write records."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tpchart.core.practitioner import Practitioner
from tpchart.store import Store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path, monkeypatch):
    """Default backups and logs go under tmp_path, never into the real home folder."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home" / name.lower()))


@pytest.fixture(autouse=True)
def charting_without_accounts(monkeypatch):
    """These tests start the app in-process on clinics that have not set up accounts
    (issue 18): the set-up dialog would wait for a doctor. The doctor is taken to have
    gone on without accounts, as every file did before them; sign-in and set-up at
    start are tested in tests/ui/accounts/test_wiring.py."""
    import tpchart.app

    monkeypatch.setattr(tpchart.app.App, "_who_is_charting", lambda self, store: True)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "clinic.db"


@pytest.fixture
def store(db_path):
    s = Store.open(db_path)
    s.practitioner_id = s.practitioners.add(Practitioner(name="Dr Ana Souza")).id
    yield s
    s.close()


def python(*args: str, **kw) -> subprocess.Popen:
    """A child Python process of this virtualenv, with the same private folders."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, **kw)


def run_tpchart(*args: str, **kw) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` in a child process; output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kw.pop("env", {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        env=env, cwd=kw.pop("cwd", ROOT), capture_output=True, text=True, timeout=120, **kw,
    )  # fmt: skip


@pytest.fixture
def clinic(db_path):
    """A database with one practitioner, two patients, a session with two points; closed."""
    from .records import add_patient, make_point, start_session

    with Store.open(db_path) as s:
        s.practitioner_id = s.practitioners.add(Practitioner(name="Dr Ana Souza")).id
        first = add_patient(s, 1)
        add_patient(s, 2)
        session = start_session(s, first.id)
        s.points.add(make_point(session.id, 1))
        s.points.add(make_point(session.id, 2, x=280.0))
    return db_path


@pytest.fixture
def read_only_folder(clinic, tmp_path):
    """The clinic moved into a folder of mode 0555: a child run without root's override
    (``without_override``) cannot write it; this process, as root, still can."""
    records = tmp_path / "records"
    records.mkdir()
    db = clinic.rename(records / clinic.name)
    clinic.with_name(clinic.name + ".lock").rename(records / (clinic.name + ".lock"))
    records.chmod(0o555)
    yield db
    records.chmod(0o700)


# Tests of permissions need a process without root's override of file modes. As root
# (CI), the child keeps its user but loses the capabilities that bypass permissions
# (setpriv from util-linux), so a 0555 folder really is read-only to it.
_NO_OVERRIDE = "-dac_override,-dac_read_search,-fowner"


def without_override(argv: list[str]) -> list[str]:
    """``argv`` run so that file permissions bind it, even as root."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv cannot drop its override of file permissions")
    return ["setpriv", f"--inh-caps={_NO_OVERRIDE}", f"--bounding-set={_NO_OVERRIDE}", *argv]


def run_bound(*args: str, **kw) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` (or ``python -c CODE ARGS`` with ``code=``) in a child
    process that file permissions bind, even as root."""
    code = kw.pop("code", None)
    script = ["-c", code] if code else [str(ROOT / "main.py")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        without_override([sys.executable, *script, *args]),
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@contextmanager
def held_open(path: Path) -> Iterator[subprocess.Popen]:
    """Another process with the database at ``path`` open for writing (``holder.py``)."""
    process = python(str(HERE / "holder.py"), str(path), stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout.readline() == "open\n"
    try:
        yield process
    finally:
        if process.poll() is None:
            process.stdin.close()
            process.wait(timeout=10)
