"""The two documents by record id: build, name, write and audit. Shared by CLI and app."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from pathlib import Path

from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.report.files import write_bytes_atomic
from tpchart.report.progress_report import progress_report_pdf
from tpchart.report.records import load_progress_record, load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store
from tpchart.store.exports import Disclosure, record_export

SESSION_DOCUMENT = "session summary"
PROGRESS_DOCUMENT = "progress report"

# Characters Windows, macOS or Linux refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def session_pdf(store: Store, session_id: int, tz: tzinfo | None = None) -> bytes:
    """The session summary of ``session_id`` (NotFoundError if there is none)."""
    record = load_session_record(store, session_id)
    return session_summary_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def progress_pdf(store: Store, patient_id: int, tz: tzinfo | None = None) -> bytes:
    """The progress report of ``patient_id`` (NotFoundError if there is none)."""
    record = load_progress_record(store, patient_id)
    return progress_report_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def export_session(store: Store, session_id: int, path: Path | str) -> Path:
    """Write the session summary to ``path`` atomically and audit the export."""
    target = write_bytes_atomic(path, session_pdf(store, session_id))
    record_export(store, "sessions", session_id, SESSION_DOCUMENT, file_name=target.name)
    return target


def export_progress(store: Store, patient_id: int, path: Path | str) -> Path:
    """Write the progress report to ``path`` atomically and audit the export."""
    target = write_bytes_atomic(path, progress_pdf(store, patient_id))
    record_export(store, "patients", patient_id, PROGRESS_DOCUMENT, file_name=target.name)
    return target


def audit_print(store: Store, table: str, row_id: int, document: str) -> None:
    """Record that a document went to a printer."""
    record_export(store, table, row_id, document, how=Disclosure.PRINT)


def safe_file_name(text: str) -> str:
    """``text`` usable as a file name on every desktop OS: unsafe characters become
    spaces, runs of spaces collapse, no trailing dot or space (Windows drops them)."""
    cleaned = re.sub(r"\s+", " ", _UNSAFE.sub(" ", text)).strip().rstrip(". ")
    return cleaned or "document"


def session_file_name(patient: Patient, session: Session, tz: tzinfo | None = None) -> str:
    """ "2026-11-24 Maria Fernández session.pdf": date first, so files sort by visit."""
    day = session.started_at.astimezone(tz).date()
    return safe_file_name(f"{day.isoformat()} {patient.full_name} session") + ".pdf"


def progress_file_name(patient: Patient, today: date | None = None) -> str:
    """ "2026-11-24 Maria Fernández progress.pdf"."""
    day = today or date.today()
    return safe_file_name(f"{day.isoformat()} {patient.full_name} progress") + ".pdf"
