"""mypy keeps the layers that hold the record (core and store) type-clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_and_store_are_type_clean():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "tpchart/core", "tpchart/store"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
