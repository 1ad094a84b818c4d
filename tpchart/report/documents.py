"""The documents by record id (session summary, aftercare sheet, progress report): build,
name, write and audit. Shared by CLI and app."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path

from tpchart.core.errors import TpchartError
from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.report.aftercare import aftercare_pdf
from tpchart.report.files import write_bytes_atomic
from tpchart.report.progress_report import progress_report_pdf
from tpchart.report.records import load_progress_record, load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store
from tpchart.store.file import SIDECARS, lock_path, restoring_path
from tpchart.store.records import Disclosure

SESSION_DOCUMENT = "clinical record"
PROGRESS_DOCUMENT = "progress report"
HANDOUT_DOCUMENT = "aftercare sheet"


class DisclosureRefused(TpchartError):
    """A document was not written: it would overwrite records, or could not be audited."""


# Characters Windows, macOS or Linux refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def session_pdf(store: Store, session_id: int, tz: tzinfo | None = None) -> bytes:
    """The session summary of ``session_id`` (NotFoundError if there is none)."""
    record = load_session_record(store, session_id)
    return session_summary_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def handout_pdf(store: Store, session_id: int, tz: tzinfo | None = None) -> bytes:
    """The patient's aftercare sheet for ``session_id`` (NotFoundError if there is no
    such session, NothingNeedled if nothing was needled in it)."""
    record = load_session_record(store, session_id)
    return aftercare_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def progress_pdf(store: Store, patient_id: int, tz: tzinfo | None = None) -> bytes:
    """The progress report of ``patient_id`` (NotFoundError if there is none)."""
    record = load_progress_record(store, patient_id)
    return progress_report_pdf(record, printed_at=datetime.now().astimezone(), tz=tz)


def export_session(store: Store, session_id: int, path: Path | str) -> Path:
    """Write the session summary to ``path`` (see ``export_document``)."""
    return export_document(
        store,
        "sessions",
        session_id,
        SESSION_DOCUMENT,
        lambda: session_pdf(store, session_id),
        path,
    )


def export_handout(store: Store, session_id: int, path: Path | str) -> Path:
    """Write the aftercare sheet to ``path`` (see ``export_document``): a disclosure
    like the others, audited against the session."""
    return export_document(
        store,
        "sessions",
        session_id,
        HANDOUT_DOCUMENT,
        lambda: handout_pdf(store, session_id),
        path,
    )


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
    refuse_unsafe_target(target, store.path)
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


def require_recordable(store: Store) -> None:
    """Refuse a disclosure (export or print) that the audit trail could not record."""
    if store.read_only:
        raise DisclosureRefused(
            "This database is open read-only, so an export or print-out could not be "
            "recorded in its audit trail; nothing was written. Open it where it can be "
            "written to export."
        )


def refuse_unsafe_target(target: Path, database: Path) -> None:
    """Raise DisclosureRefused when writing a PDF at ``target`` could destroy records."""
    database = Path(database).resolve()  # a link's target keeps its working files
    sidecars = [database.with_name(database.name + s) for s in SIDECARS]
    protected = [database, *sidecars, lock_path(database), restoring_path(database)]
    resolved = target.resolve()
    same = resolved in {p.resolve() for p in protected} or any(
        target.exists() and p.exists() and os.path.samefile(target, p) for p in protected
    )
    if same:
        raise DisclosureRefused(
            f"{target} is the database or one of its working files; choose another name for "
            "the PDF. Nothing was written."
        )
    if not target.parent.is_dir():  # refused before the audit row, not after it
        raise DisclosureRefused(
            f"There is no folder {target.parent} to save {target.name} in; nothing was written."
        )
    if target.is_dir():
        raise DisclosureRefused(
            f"{target} is a folder; give the PDF a file name. Nothing was written."
        )
    if not target.exists():
        return
    if not target.is_file():  # a pipe, a device: reading its header could wait forever
        raise DisclosureRefused(
            f"{target} is not an ordinary file; give the PDF a file name. Nothing was written."
        )
    try:
        with open(target, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise DisclosureRefused(
            f"{target} cannot be read ({exc.strerror}); nothing was written."
        ) from exc
    if head.startswith(b"SQLite format 3"):
        raise DisclosureRefused(
            f"{target} is a database (a backup or another set of records): a PDF never "
            "replaces one. Choose another name; nothing was written."
        )
    if not head.startswith(b"%PDF-"):
        raise DisclosureRefused(
            f"{target} exists and is not a PDF; tpchart replaces only PDF files. Choose "
            "another name; nothing was written."
        )


def audit_print(store: Store, table: str, row_id: int, document: str) -> None:
    """Record that a document went to a printer."""
    store.disclosures.record(table, row_id, document, how=Disclosure.PRINT)


def safe_file_name(text: str) -> str:
    """``text`` usable as a file name on every desktop OS: unsafe characters become
    spaces, runs of spaces collapse, no trailing dot or space (Windows drops them)."""
    cleaned = re.sub(r"\s+", " ", _UNSAFE.sub(" ", text)).strip().rstrip(". ")
    return cleaned or "document"


def session_file_name(patient: Patient, session: Session, tz: tzinfo | None = None) -> str:
    """ "2026-11-24 Maria Fernández session.pdf": date first, so files sort by session."""
    day = session.started_at.astimezone(tz).date()
    return safe_file_name(f"{day.isoformat()} {patient.full_name} session") + ".pdf"


def handout_file_name(patient: Patient, session: Session, tz: tzinfo | None = None) -> str:
    """ "2026-11-24 Maria Fernández aftercare.pdf"."""
    day = session.started_at.astimezone(tz).date()
    return safe_file_name(f"{day.isoformat()} {patient.full_name} aftercare") + ".pdf"


def progress_file_name(patient: Patient, today: date | None = None) -> str:
    """ "2026-11-24 Maria Fernández progress.pdf"."""
    day = today or date.today()
    return safe_file_name(f"{day.isoformat()} {patient.full_name} progress") + ".pdf"
