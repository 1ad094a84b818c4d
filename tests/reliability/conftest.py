"""Reliability tests: private user folders, a practitioner, and helpers to write records."""

from __future__ import annotations

import os
import subprocess
import sys
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
