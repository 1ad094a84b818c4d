"""An environment for running an installed tpchart (a wheel's venv, the bundle) away
from this checkout: its own home and XDG folders, no venv of ours on PATH."""

from __future__ import annotations

from pathlib import Path


def outside_env(home: Path, path: str = "/usr/bin:/bin") -> dict[str, str]:
    """Environment variables with ``home`` as HOME and every XDG folder inside it."""
    return {
        "PATH": path,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
