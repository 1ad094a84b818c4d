"""Runs tests/x11 on a real X server (Xvfb), at scale 1 and 1.25.

Key bindings are the platform's: on X11 ``StandardKey.Redo`` is Ctrl+Shift+Z, on the
offscreen platform Ctrl+Y, so a shortcut clash only shows on a real X server. The
platform and scale must be set before a QApplication exists, hence a process of its
own. Xvfb is installed by the README's test command (scripts/setup.sh --test); on CI a
missing Xvfb is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def x_display():
    """A private Xvfb screen of 1366x768 (the smallest laptop we support)."""
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: run scripts/setup.sh --test")
        pytest.skip("Xvfb is not installed (scripts/setup.sh --test installs it)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=[write],
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()  # Xvfb writes it once it accepts clients
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("scale", ["1", "1.25"])
def test_x11_suite(x_display, scale, tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "DISPLAY": x_display,
        "QT_SCALE_FACTOR": scale,
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "faulthandler_timeout=120",
            "tests/x11",
        ],  # a hang prints where it is
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(run.stdout[-6000:], run.stderr[-3000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
