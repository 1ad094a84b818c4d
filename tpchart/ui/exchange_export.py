"""File > Export for another system…: the patient on screen as a coded FHIR R4 bundle.

A save dialog, then the export with a progress dialog (a patient with years of
sessions takes a moment); Cancel stops it and leaves no file, only the audit rows
saying the export was announced and not written. The bundle is built and audited
by ``tpchart.exchange.fhir`` (no Qt there); this module only asks and tells.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from tpchart.core.errors import TpchartError
from tpchart.exchange.disclosure import ExportCancelled
from tpchart.exchange.fhir import export_fhir
from tpchart.store import Store

if TYPE_CHECKING:
    from tpchart.ui.main_window import MainWindow

TITLE = "Export for another system"
# The folder the PDF exports remember too (``tpchart.ui.export.FOLDER_KEY``), so every
# export opens where the doctor saved the last one.
FOLDER_KEY = "export/folder"
# Characters Windows, macOS or Linux refuse in a file name, and control characters.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')

# "Saved" messages without a parent window, kept alive until the doctor closes them.
_open_messages: list[QMessageBox] = []


def export_for_another_system(window: MainWindow) -> Path | None:
    """File > Export for another system…: the patient on screen, once what is being
    typed is saved (so the bundle holds it)."""
    if window.patient is None or window.patient.id is None:
        return None
    window.operations.flush_pending()
    return export_patient_fhir(window, window.store, window.patient.id)


def bundle_file_name(full_name: str, today: date | None = None) -> str:
    """ "2026-11-24 Maria Fernández FHIR.json": date first, so exports sort by day."""
    day = (today or date.today()).isoformat()
    words = re.sub(r"\s+", " ", _UNSAFE.sub(" ", f"{day} {full_name} FHIR")).strip()
    return words.rstrip(". ") + ".json"


def export_patient_fhir(parent: QWidget | None, store: Store, patient_id: int) -> Path | None:
    """Ask where to save the patient's FHIR bundle and save it; the path, or None when
    the doctor cancelled or it failed (the reason was shown)."""
    patient = store.patients.get(patient_id)
    chosen, _ = QFileDialog.getSaveFileName(
        parent,
        TITLE,
        str(_start_folder() / bundle_file_name(patient.full_name)),
        "FHIR bundle (*.json)",
    )
    if not chosen:
        return None
    target = Path(chosen)
    if target.suffix.lower() != ".json":
        target = target.with_name(target.name + ".json")
    progress = QProgressDialog("Preparing the record…", "Cancel", 0, 0, parent)
    progress.setWindowTitle(TITLE)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)  # a small record never flashes a dialog

    def report(done: int, total: int) -> None:
        progress.setMaximum(total)
        progress.setValue(done)  # a modal dialog processes events here: Cancel is heard
        if progress.wasCanceled():
            raise ExportCancelled("The export was cancelled; nothing was written.")

    try:
        export_fhir(store, patient_id, target, progress=report)
    except ExportCancelled:
        return None
    except (TpchartError, OSError) as exc:
        QMessageBox.warning(parent, TITLE, f"The record could not be exported.\n\n{exc}")
        return None
    finally:
        progress.reset()
    QSettings().setValue(FOLDER_KEY, str(target.parent))
    _tell_saved(parent, target)
    return target


def _start_folder() -> Path:
    remembered = QSettings().value(FOLDER_KEY, "")
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    for folder in (remembered, documents):
        if isinstance(folder, str) and folder and Path(folder).is_dir():
            return Path(folder)
    return Path(QDir.homePath())


def _tell_saved(parent: QWidget | None, target: Path) -> QMessageBox:
    """Say where the bundle went, without blocking: the doctor may go on charting."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(TITLE)
    box.setText("The record was saved as a FHIR bundle for another system.")
    box.setInformativeText(
        f"{target.name}\nin the folder {target.parent}\n\nIt holds the patient's name and "
        "details: send it only through a channel the clinic trusts."
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:
        _open_messages.append(box)
        box.finished.connect(lambda _result: _open_messages.remove(box))
    box.open()
    return box
