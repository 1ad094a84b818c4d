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
from dataclasses import replace
from pathlib import Path

from tpchart.store.errors import StorageError
from tpchart.store.file.health import HealthReport, Verdict, check_file, tamper_findings
from tpchart.store.records.context import WriteGate

log = logging.getLogger("tpchart.store")

# Files up to this size are checked before the window opens (a fraction of a second).
CHECK_BEFORE_OPENING_BYTES = 64 * 1024 * 1024


def check_beside(path: Path, gate: WriteGate, done: Callable[[HealthReport], None]) -> None:
    """Run ``quick_check``, ``foreign_key_check`` and the fast tamper checks (schema,
    its record, the anchors) on a read-only connection in a daemon thread; answer the
    gate, then call ``done`` (from that thread). Tampering does not close the gate:
    the doctor is warned (``report.audit``), the records stay usable."""

    def run() -> None:
        try:
            report = check_file(path, full=False)
        except StorageError as exc:
            # A read-only file whose folder's owner saved during every try: not damage,
            # and a read-only window has no writes for the gate to hold back.
            log.warning("Start-up check of %s not done: %s", path, exc)
            report = HealthReport(path, refused=str(exc), refused_as=Verdict.UNREADABLE)
        except Exception as exc:  # unreadable counts as damaged, and is logged
            log.exception("Start-up check of %s failed", path)
            report = HealthReport(path, [f"the check could not run: {exc}"], [], None, False)
        if not report.damaged and not report.refused:
            try:
                report = replace(report, audit=tamper_findings(path))
            except Exception:  # the file is sound; only the tamper check failed: logged
                log.exception("Tamper check of %s failed", path)
        log.info(
            "Start-up check of %s (beside the window): %s", path, " | ".join(report.lines()[1:])
        )
        gate.answer(damaged=report.damaged)
        done(report)

    threading.Thread(target=run, name="tpchart-startup-check", daemon=True).start()
