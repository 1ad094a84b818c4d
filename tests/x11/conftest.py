"""Tests on a real X server (xcb): started by tests/test_on_x11.py under Xvfb. The
fixtures are the offscreen UI tests' own (private QSettings, a fresh database)."""

from __future__ import annotations

import os

from tests.ui.conftest import empty_store, private_settings, store  # noqa: F401

assert os.environ.get("QT_QPA_PLATFORM") == "xcb", "run through tests/test_on_x11.py"
