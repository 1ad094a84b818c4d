"""Shared test set-up: Qt runs offscreen, before any QApplication exists, and the
user's config folder (audit-chain anchors, Qt settings) is a throwaway one, so tests
never write into the home folder of whoever runs them."""

import atexit
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# One config folder per test process, which the processes a test starts inherit. Under
# pytest-xdist each worker makes its own: sharing the controller's, one worker's saved
# clinic server or Qt settings would reach another worker's tests.
if os.environ.get("TPCHART_TEST_CONFIG_WORKER") != os.environ.get("PYTEST_XDIST_WORKER", ""):
    os.environ["TPCHART_TEST_CONFIG_WORKER"] = os.environ.get("PYTEST_XDIST_WORKER", "")
    _config = tempfile.mkdtemp(prefix="tpchart-test-config-")
    os.environ["TPCHART_TEST_CONFIG"] = os.environ["XDG_CONFIG_HOME"] = _config
    atexit.register(shutil.rmtree, _config, ignore_errors=True)

# tests/x11 runs only on a real X server (platform key bindings and window sizes differ
# there); tests/test_on_x11.py starts Xvfb and runs that folder in a process of its own.
if os.environ["QT_QPA_PLATFORM"] != "xcb":
    collect_ignore = ["x11"]

# scrypt at its real cost (n=2**15, ~0.12 s) for every passphrase the suite sets and
# checks would add minutes to it; each stored hash and key slot records the cost it was
# made with, so a cheaper one is read back the same way. The real cost is asserted in
# a fresh process (tests/store/test_accounts.py), and every subprocess test (the CLI,
# the window, the kill tests) runs at it.
from tpchart.store.records import signatures as _signatures

_signatures.SCRYPT_N = 2**11


@pytest.fixture(scope="session")
def server_clinics():
    """The test server's migrated template clinic, and fresh copies of it for the tests
    that chart on a clinic server (made on first use in each test process, removed at
    its end; skips, or fails under CI, without a test server)."""
    from tests.clinic_server import ServerClinics, server_dsn

    clinics = ServerClinics(server_dsn())
    yield clinics
    clinics.close()
