"""Shared test set-up: Qt runs offscreen, before any QApplication exists."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# tests/x11 runs only on a real X server (platform key bindings and window sizes differ
# there); tests/test_on_x11.py starts Xvfb and runs that folder in a process of its own.
if os.environ["QT_QPA_PLATFORM"] != "xcb":
    collect_ignore = ["x11"]
