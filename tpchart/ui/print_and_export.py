"""File > Export and Print of the clinical record, the aftercare sheet and the progress
report, for the patient and session on screen. What is still being typed is saved
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


def _for_session(window: MainWindow, document: str) -> None:
    """Run ``tpchart.ui.export``'s ``document`` for the session on screen, once the
    clinic is named and what is being typed is saved (reportlab loads on first use)."""
    if window.session is not None and window.session.id is not None and _clinic_named(window):
        window.operations.flush_pending()
        from tpchart.ui import export

        getattr(export, document)(window, window.store, window.session.id)


def export_summary(window: MainWindow) -> None:
    """Save the session's clinical record as a PDF."""
    _for_session(window, "export_session_pdf")


def print_summary(window: MainWindow) -> None:
    """Print the session's clinical record (with a preview)."""
    _for_session(window, "print_session")


def print_aftercare(window: MainWindow) -> None:
    """Print the aftercare sheet the patient takes home (with a preview)."""
    _for_session(window, "print_handout")


def export_aftercare(window: MainWindow) -> None:
    """Save the patient's aftercare sheet as a PDF (to e-mail it, or print it later)."""
    _for_session(window, "export_handout_pdf")


def export_progress_report(window: MainWindow) -> None:
    """Save the patient's progress report as a PDF."""
    if window.patient is not None and window.patient.id is not None and _clinic_named(window):
        window.operations.flush_pending()
        from tpchart.ui.export import export_progress_pdf

        export_progress_pdf(window, window.store, window.patient.id)
