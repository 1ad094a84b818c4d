"""The documents by record id (session summary, aftercare sheet, progress report): build,
name, write and audit. Shared by CLI and app."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import partial
from pathlib import Path

from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.report.aftercare import aftercare_pdf
from tpchart.report.consent_form import consent_form_pdf
from tpchart.report.progress_report import progress_report_pdf
from tpchart.report.records import load_progress_record, load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store
from tpchart.store.file import (
    ExportRefused,
    refuse_unsafe_target,
    require_recordable,
    write_bytes_atomic,
)
from tpchart.store.records import Disclosure

# The audit trail's names of the documents: which paper left the clinic. Older files
# hold them, so they are never reworded.
SESSION_DOCUMENT = "clinical record"
PATIENT_COPY_DOCUMENT = "patient's copy of the clinical record"
PROGRESS_DOCUMENT = "progress report"
HANDOUT_DOCUMENT = "aftercare sheet"
CONSENT_DOCUMENT = "consent form"


# The name the PDF exports have always raised.
DisclosureRefused = ExportRefused


# Characters Windows, macOS or Linux refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass(frozen=True)
class SessionDocument:
    """A document printed from one session: its name in the audit trail, the word its
    file name ends with, and how it is drawn from the session's record."""

    name: str
    file_word: str
    draw: Callable[..., bytes]

    def pdf(self, store: Store, session_id: int, tz: tzinfo | None = None) -> bytes:
        """The document for ``session_id`` (NotFoundError if there is no such session;
        the aftercare sheet raises NothingNeedled when nothing was needled)."""
        record = load_session_record(store, session_id)
        return self.draw(record, printed_at=datetime.now().astimezone(), tz=tz)

    def export(self, store: Store, session_id: int, path: Path | str) -> Path:
        """Write the document to ``path`` (see ``export_document``), audited against
        the session."""
        return export_document(
            store, "sessions", session_id, self.name, lambda: self.pdf(store, session_id), path
        )

    def file_name(self, patient: Patient, session: Session, tz: tzinfo | None = None) -> str:
        """ "2026-11-24 A-001 session.pdf": date first, so files sort by session. The
        record number, not the name (issue 18): a file list, a recent-files menu or a
        synced folder then shows no patient's name to whoever glances at it."""
        day = session.started_at.astimezone(tz).date()
        return (
            safe_file_name(f"{day.isoformat()} {patient.record_number} {self.file_word}") + ".pdf"
        )


RECORD = SessionDocument(SESSION_DOCUMENT, "session", session_summary_pdf)
PATIENT_COPY = SessionDocument(
    PATIENT_COPY_DOCUMENT, "session patient copy", partial(session_summary_pdf, patient_copy=True)
)
HANDOUT = SessionDocument(HANDOUT_DOCUMENT, "aftercare", aftercare_pdf)
CONSENT = SessionDocument(CONSENT_DOCUMENT, "consent", consent_form_pdf)

# The names the CLI, the app and the tests have always used.
session_pdf = RECORD.pdf
handout_pdf = HANDOUT.pdf
export_session = RECORD.export
export_handout = HANDOUT.export
session_file_name = RECORD.file_name
handout_file_name = HANDOUT.file_name


def progress_pdf(store: Store, patient_id: int, tz: tzinfo | None = None) -> bytes:
    """The progress report of ``patient_id`` (NotFoundError if there is none)."""
    record = load_progress_record(store, patient_id)
    return progress_report_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def export_progress(store: Store, patient_id: int, path: Path | str) -> Path:
    """Write the progress report to ``path`` (see ``export_document``)."""
    return export_document(
        store,
        "patients",
        patient_id,
        PROGRESS_DOCUMENT,
        lambda: progress_pdf(store, patient_id),
        path,
    )


def export_document(
    store: Store,
    table: str,
    row_id: int,
    document: str,
    build: Callable[[], bytes],
    path: Path | str,
) -> Path:
    """Build a document, record its disclosure in the audit trail, then write the file
    atomically. An export is a disclosure: when it cannot be recorded (a read-only
    database) nothing is written, and a path that would overwrite records (the database,
    its working files, a backup, any other file that is not a PDF) is refused."""
    target = Path(path)
    refuse_unsafe_target(target, store.file, "PDF", b"%PDF-")
    require_recordable(store)
    pdf = build()
    store.disclosures.record(table, row_id, document, file_name=target.name)
    try:
        return write_bytes_atomic(target, pdf)
    except BaseException as exc:
        # The trail must not claim a copy left the app when none did.
        store.disclosures.record(
            table, row_id, document, file_name=target.name, failed=str(exc) or "stopped"
        )
        raise


def audit_print(store: Store, table: str, row_id: int, document: str) -> None:
    """Record that a document went to a printer."""
    store.disclosures.record(table, row_id, document, how=Disclosure.PRINT)


def safe_file_name(text: str) -> str:
    """``text`` usable as a file name on every desktop OS: unsafe characters become
    spaces, runs of spaces collapse, no trailing dot or space (Windows drops them)."""
    cleaned = re.sub(r"\s+", " ", _UNSAFE.sub(" ", text)).strip().rstrip(". ")
    return cleaned or "document"


def progress_file_name(patient: Patient, today: date | None = None) -> str:
    """ "2026-11-24 A-001 progress.pdf": the record number, not the name (as above)."""
    day = today or date.today()
    return safe_file_name(f"{day.isoformat()} {patient.record_number} progress") + ".pdf"
