"""Time a 30-point session summary in process, against a minimal reportlab document.

    .venv/bin/python -m tests.report.bench_summary

Not a test (no test asserts time): a printout to compare runs on one machine.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from tests.report.conftest import CLINIC, add_points, history, start_session
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.report.progress_report import progress_report_pdf
from tpchart.report.records import load_progress_record, load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store


def median_time(fn: Callable[[], object], runs: int = 7) -> float:
    """Median wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def minimal_document() -> bytes:
    """The baseline: one paragraph through reportlab's simplest template."""
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([Paragraph("Hello", getSampleStyleSheet()["Normal"])])
    return buffer.getvalue()


def main() -> None:
    store = Store.open(Path(tempfile.mkdtemp()) / "bench.db")
    store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Ana Souza")).id
    store.clinic.save(CLINIC)
    patient = store.patients.add(Patient(record_number="A-1", full_name="王小明 Maria Fernández",
                                         date_of_birth=date(1980, 1, 1)))  # fmt: skip
    session = start_session(store, patient)
    add_points(store, session.id, 30)
    history(store, patient, 8)

    def summary() -> bytes:
        return session_summary_pdf(load_session_record(store, session.id))

    start = time.perf_counter()
    pdf = summary()
    first = time.perf_counter() - start
    warm = median_time(summary)
    base = median_time(minimal_document)
    progress = median_time(lambda: progress_report_pdf(load_progress_record(store, patient.id)))
    print(f"30-point session summary: first {first:.3f} s (fonts and SVGs loaded), "
          f"then {warm:.3f} s median, {len(pdf) // 1024} KB")  # fmt: skip
    print(f"minimal reportlab document: {base:.4f} s; the summary takes {warm / base:.0f}x that")
    print(f"progress report, 9 sessions: {progress:.3f} s median")
    store.close()


if __name__ == "__main__":
    main()
