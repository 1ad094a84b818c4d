"""Export PDF… and Print… for the main window: file dialog, print dialog, preview.

The document is built once by ``tpchart.report`` (no Qt there) and printed from
that same PDF, so paper and file are identical. pyside6-essentials has no QtPdf,
so pages are rendered with pypdfium2 at the printer's resolution (300 dpi at
most: sharper gains nothing on paper and costs memory) and painted onto the
QPrinter. Every export and print is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from tpchart.core.errors import TpchartError
from tpchart.report.documents import (
    PROGRESS_DOCUMENT,
    SESSION_DOCUMENT,
    audit_print,
    export_document,
    progress_file_name,
    progress_pdf,
    require_recordable,
    session_file_name,
    session_pdf,
)
from tpchart.store import Store

FOLDER_KEY = "export/folder"
MAX_PRINT_DPI = 300


def export_session_pdf(parent: QWidget | None, store: Store, session_id: int) -> Path | None:
    """Ask where to save the session summary and save it; the path, or None if the
    doctor cancelled or saving failed (the reason was shown)."""
    session = store.sessions.get(session_id)
    patient = store.patients.get(session.patient_id)
    return _export(parent, store, session_file_name(patient, session),
                   lambda: session_pdf(store, session_id), "sessions", session_id,
                   SESSION_DOCUMENT)  # fmt: skip


def export_progress_pdf(parent: QWidget | None, store: Store, patient_id: int) -> Path | None:
    """Ask where to save the patient's progress report and save it (see export_session_pdf)."""
    patient = store.patients.get(patient_id)
    return _export(parent, store, progress_file_name(patient),
                   lambda: progress_pdf(store, patient_id), "patients", patient_id,
                   PROGRESS_DOCUMENT)  # fmt: skip


def print_session(
    parent: QWidget | None, store: Store, session_id: int, preview: bool = True
) -> bool:
    """Print the session summary through a preview (or straight to the print dialog);
    True when it was sent to a printer."""
    session = store.sessions.get(session_id)
    patient = store.patients.get(session.patient_id)
    title = session_file_name(patient, session).removesuffix(".pdf")
    return _print(parent, store, lambda: session_pdf(store, session_id), title, preview,
                  "sessions", session_id, SESSION_DOCUMENT)  # fmt: skip


def _export(
    parent: QWidget | None, store: Store, name: str, build: Callable[[], bytes],
    table: str, row_id: int, document: str,
) -> Path | None:  # fmt: skip
    settings = QSettings()
    folder = settings.value(FOLDER_KEY, "") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Export PDF", str(Path(folder) / name), "PDF documents (*.pdf)"
    )
    if not chosen:
        return None
    target = Path(chosen)
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        with _busy():
            export_document(store, table, row_id, document, build, target)
    except (TpchartError, OSError) as exc:
        QMessageBox.warning(parent, "Export PDF", f"The PDF could not be saved.\n\n{exc}")
        return None
    settings.setValue(FOLDER_KEY, str(target.parent))
    return target


def _print(
    parent: QWidget | None, store: Store, build: Callable[[], bytes], title: str,
    preview: bool, table: str, row_id: int, document: str,
) -> bool:  # fmt: skip
    try:
        require_recordable(store)  # a print-out is a disclosure too
        with _busy():
            pdf = build()
    except TpchartError as exc:
        QMessageBox.warning(parent, "Print", f"The document could not be prepared.\n\n{exc}")
        return False
    printer = new_printer(title)
    pages = page_count(pdf)
    if preview:
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(f"Print preview – {title}")
        dialog.paintRequested.connect(lambda target: paint_pdf(target, pdf))
    else:
        dialog = QPrintDialog(printer, parent)
        dialog.setMinMax(1, pages)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if not preview:
        paint_pdf(printer, pdf)
    audit_print(store, table, row_id, document)
    return True


def new_printer(title: str) -> QPrinter:
    """A high-resolution printer on A4, portrait, painting on the whole sheet (the PDF
    carries its own margins)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    return printer


def page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has."""
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def paint_pdf(printer: QPrinter, pdf: bytes) -> None:
    """Paint the pages of ``pdf`` (within the printer's page range) onto ``printer``,
    each scaled to the sheet keeping its proportions and centred."""
    document = pdfium.PdfDocument(pdf)
    painter = QPainter()
    try:
        if not painter.begin(printer):
            raise OSError("The printer could not be started")
        first, last = printer.fromPage(), printer.toPage()
        numbers = range(first - 1 if first else 0, last if last else len(document))
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        sheet = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
        for i, index in enumerate(numbers):
            if i:
                printer.newPage()
            page = document[index]
            bitmap = page.render(scale=dpi / 72, prefer_bgrx=True)
            # BGRx bytes are QImage's RGB32 on little-endian machines; copy() detaches
            # the image from pdfium's buffer before that buffer is freed.
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB32).copy()  # fmt: skip
            painter.drawImage(_fit(sheet, image.width(), image.height()), image)
            page.close()
    finally:
        if painter.isActive():
            painter.end()
        document.close()


def _fit(sheet: QRectF, width: int, height: int) -> QRectF:
    scale = min(sheet.width() / width, sheet.height() / height)
    w, h = width * scale, height * scale
    return QRectF(sheet.x() + (sheet.width() - w) / 2, sheet.y() + (sheet.height() - h) / 2, w, h)


@contextmanager
def _busy() -> Iterator[None]:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()
