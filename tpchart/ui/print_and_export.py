"""File > Export and Print of the clinical record (the filed one and the patient's copy),
the aftercare sheet, the consent form and the progress report, for the patient and
session on screen. What is still being typed is saved
first, so the paper shows it; the dialogs and the audit rows are ``tpchart.ui.export``'s
(reportlab loads on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tpchart.ui.main_window import MainWindow


def _clinic_named(window: MainWindow) -> bool:
    """Every document is headed by the clinic: a database that has no clinic profile
    yet (one made before the welcome page asked) asks for it first; False when the
    doctor cancels, and nothing is printed with a "not set" heading."""
    if not window.store.clinic.load().is_empty:
        return True
    from tpchart.ui.clinic_dialog import edit_clinic_profile

    saved = edit_clinic_profile(window, window.store, window.operations)
    return saved is not None and not saved.is_empty


def _ready_session(window: MainWindow) -> int | None:
    """The id of the session on screen once the clinic is named and what is being typed
    is saved; None when there is no session or the doctor cancelled naming the clinic."""
    if window.session is not None and window.session.id is not None and _clinic_named(window):
        window.operations.flush_pending()
        return window.session.id
    return None


def _for_session(window: MainWindow, document: str, *, printing: bool) -> None:
    """Export or print ``document`` (a ``tpchart.report.documents`` SessionDocument's
    constant name) for the session on screen, once the clinic is named and what is
    being typed is saved (reportlab loads on first use)."""
    session_id = _ready_session(window)
    if session_id is None:
        return
    from tpchart.report import documents
    from tpchart.ui import export

    chosen = getattr(documents, document)
    if printing:
        export.print_session_document(window, window.store, session_id, chosen)
    else:
        export.export_session_document(window, window.store, session_id, chosen)


def export_summary(window: MainWindow) -> None:
    """Save the session's clinical record as a PDF."""
    _for_session(window, "RECORD", printing=False)


def print_summary(window: MainWindow) -> None:
    """Print the session's clinical record (with a preview)."""
    _for_session(window, "RECORD", printing=True)


def export_patient_copy(window: MainWindow) -> None:
    """Save the patient's copy of the clinical record (without the notes the doctor
    kept off it) as a PDF."""
    _for_session(window, "PATIENT_COPY", printing=False)


def print_patient_copy(window: MainWindow) -> None:
    """Print the patient's copy of the clinical record (with a preview)."""
    _for_session(window, "PATIENT_COPY", printing=True)


def print_aftercare(window: MainWindow) -> None:
    """Print the aftercare sheet the patient takes home (with a preview)."""
    _for_session(window, "HANDOUT", printing=True)


def export_aftercare(window: MainWindow) -> None:
    """Save the patient's aftercare sheet as a PDF (to e-mail it, or print it later)."""
    _for_session(window, "HANDOUT", printing=False)


def print_consent(window: MainWindow) -> None:
    """Print the consent form to explain and sign before needling (with a preview)."""
    _for_session(window, "CONSENT", printing=True)


def export_consent(window: MainWindow) -> None:
    """Save the consent form as a PDF (to send it ahead, or print it later)."""
    _for_session(window, "CONSENT", printing=False)


def export_progress_report(window: MainWindow) -> None:
    """Save the patient's progress report as a PDF."""
    if window.patient is not None and window.patient.id is not None and _clinic_named(window):
        window.operations.flush_pending()
        from tpchart.ui.export import export_progress_pdf

        export_progress_pdf(window, window.store, window.patient.id)
