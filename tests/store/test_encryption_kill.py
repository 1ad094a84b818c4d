"""A kill -9 at any moment of ``tpchart encrypt`` loses nothing: the path always holds
the plain database or the verified encrypted one, and the encrypted one always opens
with the passphrase (its key file is written before the swap). Real subprocesses,
real SIGKILL: at each step of the conversion, and at timed moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.store.file import check_database
from tpchart.store.file import database as database_module
from tpchart.store.file.encryption import is_plain, unlock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

ANA = "the tide comes in at noon"
PATIENTS = 40

# Runs the conversion in a child; with a step name, SIGKILLs itself right after it.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from tpchart.store.file import encryption

    path, step = sys.argv[1], sys.argv[2]

    def killing_after(name):
        real = getattr(encryption, name)

        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return result

        setattr(encryption, name, wrapper)

    if step == "swap":
        # The first fsync of the folder after the rename: the swap has happened.
        real_replace = encryption.os.replace

        def replace(src, dst):
            real_replace(src, dst)
            if str(src).endswith(".encrypting"):
                os.kill(os.getpid(), signal.SIGKILL)

        encryption.os.replace = replace
    elif step != "none":
        killing_after(step)
    encryption.encrypt_in_place(path, sys.argv[3], practitioner_id=int(sys.argv[4]))
    """
)


@pytest.fixture(autouse=True)
def private_places(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database_module._KEYS.clear()
    yield
    database_module._KEYS.clear()


def _clinic(path: Path) -> int:
    with Store.open(path) as store:
        ana, _code = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        with store.transaction():
            for n in range(PATIENTS):
                store.patients.add(
                    Patient(
                        record_number=f"A-{n:03}",
                        full_name=f"Patient Number{n}",
                        date_of_birth=date(1980, 1, 2),
                        sex=Sex.FEMALE,
                    )
                )
    return ana.id


def _run(path: Path, step: str, practitioner: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), step, ANA, str(practitioner)],
        env=env,
        stderr=subprocess.PIPE,
    )


def _nothing_lost(path: Path) -> str:
    """The path holds all the records, plain or encrypted-and-openable; returns which."""
    database_module._KEYS.clear()
    state = "plain" if is_plain(path) else "encrypted"
    if state == "encrypted":
        unlock(path, ANA)
    assert check_database(path).ok, check_database(path).lines()
    with Store.open(path, read_only=True) as store:
        assert store.patients.count() == PATIENTS
    database_module._KEYS.clear()
    return state


@pytest.mark.parametrize(
    "step, expected",
    [
        ("_export", "plain"),
        ("verify_same", "plain"),
        ("write_slots", "plain"),
        ("swap", "encrypted"),
        ("none", "encrypted"),
    ],
)
def test_a_kill_at_each_step_of_the_conversion_loses_nothing(tmp_path, step, expected):
    path = tmp_path / "clinic.db"
    ana = _clinic(path)
    child = _run(path, step, ana)
    child.wait(timeout=120)
    if step == "none":
        assert child.returncode == 0, child.stderr.read()
    else:
        assert child.returncode == -signal.SIGKILL, child.stderr.read()
    assert _nothing_lost(path) == expected
    # Converting again after the kill finishes the job.
    if expected == "plain":
        finished = _run(path, "none", ana)
        assert finished.wait(timeout=120) == 0, finished.stderr.read()
        assert _nothing_lost(path) == "encrypted"
    assert not path.with_name(path.name + ".encrypting").exists() or step != "none"


def test_kills_at_timed_moments_lose_nothing(tmp_path):
    path = tmp_path / "clinic.db"
    ana = _clinic(path)
    seen = set()
    for delay in (0.15, 0.3, 0.45, 0.6, 0.8, 1.0):
        if not is_plain(path):
            break
        child = _run(path, "none", ana)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        seen.add(_nothing_lost(path))
    assert seen  # every look found the whole clinic, plain or encrypted
