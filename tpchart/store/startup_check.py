"""The start-up check of a large database, run beside the open window.

``quick_check`` reads the whole file: about a second per gigabyte. For a large
database, after a clean exit, it runs in a background thread while the doctor
reads records; every write waits at a gate until the check has passed, so a
damaged file is still never written to. (After a crash the full check stays
before the window, where it always was.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from tpchart.store.errors import StorageError
from tpchart.store.health import HealthReport, check_file

log = logging.getLogger("tpchart.store")

# Files up to this size are checked before the window opens (a fraction of a second).
CHECK_BEFORE_OPENING_BYTES = 64 * 1024 * 1024
# How long a write waits for the check before it is refused (the window freezes
# meanwhile, so briefly; a check stalled on a slow drive must not hang the app).
WRITE_WAIT_SECONDS = 3.0


class WriteGate:
    """Holds writes back until the start-up check has answered."""

    def __init__(self) -> None:
        self._answered = threading.Event()
        self.report: HealthReport | None = None

    @property
    def pending(self) -> bool:
        """True while the check is still running."""
        return not self._answered.is_set()

    def answer(self, report: HealthReport) -> None:
        """Let writes through (sound file) or refuse them for good (damaged file)."""
        self.report = report
        self._answered.set()

    def wait(self, timeout: float = WRITE_WAIT_SECONDS) -> None:
        """Wait (a few seconds at most) for the check's answer; refuse the write while
        it is still running or when it found damage. The refusal rolls nothing back
        that was saved, and the screen reloads from the file."""
        if not self._answered.wait(timeout):
            raise StorageError(
                "The database is still being checked after opening; your last change was "
                "not saved. Try again in a moment.",
                "busy",
            )
        if self.report is not None and self.report.damaged:
            raise StorageError(
                "The start-up check found this database damaged, so nothing more is saved "
                "to it. Close tpchart: the next start offers the newest good backup.",
                "damaged",
            )


def check_beside(path: Path, gate: WriteGate, done: Callable[[HealthReport], None]) -> None:
    """Run ``quick_check`` and ``foreign_key_check`` on a read-only connection in a
    daemon thread; answer the gate, then call ``done`` (from that thread)."""

    def run() -> None:
        try:
            report = check_file(path, full=False)
        except Exception as exc:  # unreadable counts as damaged, and is logged
            log.exception("Start-up check of %s failed", path)
            report = HealthReport(path, [f"the check could not run: {exc}"], [], None, False)
        log.info(
            "Start-up check of %s (beside the window): %s", path, " | ".join(report.lines()[1:])
        )
        gate.answer(report)
        done(report)

    threading.Thread(target=run, name="tpchart-startup-check", daemon=True).start()
