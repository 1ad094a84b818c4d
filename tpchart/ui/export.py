"""Export PDF… and Print… for the main window: file dialog, print dialog, preview.

The document is built once by ``tpchart.report`` (no Qt there) and printed from
that same PDF, so paper and file are identical. pyside6-essentials has no QtPdf,
so pages are rendered with pypdfium2 at the printer's resolution (300 dpi at
most: sharper gains nothing on paper and costs memory) and painted onto the
QPrinter. Every export and print is written to the audit trail.

After an export the doctor is told where the file went and offered Open and Show in
folder; the preview opens large and fitted to the page width, so it can be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QDir, QRect, QRectF, QSettings, QSize, QStandardPaths, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

from tpchart.core.errors import TpchartError
from tpchart.report.documents import (
    PROGRESS_DOCUMENT,
    RECORD,
    SessionDocument,
    audit_print,
    export_document,
    progress_file_name,
    progress_pdf,
    require_recordable,
)
from tpchart.store import Store

FOLDER_KEY = "export/folder"
MAX_PRINT_DPI = 300
# The print preview: this share of the screen, at least this size where the screen has it.
PREVIEW_SHARE = 0.8
PREVIEW_MINIMUM = QSize(900, 700)
# Room left for the window frame and title bar, which resize() does not count.
FRAME_ALLOWANCE = QSize(16, 40)

# "Saved" messages without a parent window, kept alive until the doctor closes them.
_open_messages: list[QMessageBox] = []


def export_session_document(
    parent: QWidget | None, store: Store, session_id: int, document: SessionDocument = RECORD
) -> Path | None:
    """Ask where to save one of the session's documents (the clinical record unless
    another is named) and save it; the path, or None if the doctor cancelled or saving
    failed (the reason was shown)."""
    session = store.sessions.get(session_id)
    name = document.file_name(store.patients.get(session.patient_id), session)
    return _export(parent, store, name, lambda: document.pdf(store, session_id), "sessions",
                   session_id, document.name)  # fmt: skip


def export_progress_pdf(parent: QWidget | None, store: Store, patient_id: int) -> Path | None:
    """Ask where to save the patient's progress report and save it (see
    export_session_document)."""
    patient = store.patients.get(patient_id)
    return _export(parent, store, progress_file_name(patient),
                   lambda: progress_pdf(store, patient_id), "patients", patient_id,
                   PROGRESS_DOCUMENT)  # fmt: skip


def print_session_document(
    parent: QWidget | None,
    store: Store,
    session_id: int,
    document: SessionDocument = RECORD,
    preview: bool = True,
) -> bool:
    """Print one of the session's documents (the clinical record unless another is
    named) through a preview, or straight to the print dialog; True when it was sent
    to a printer."""
    session = store.sessions.get(session_id)
    title = document.file_name(store.patients.get(session.patient_id), session)
    return _print(parent, store, lambda: document.pdf(store, session_id),
                  title.removesuffix(".pdf"), preview, "sessions", session_id,
                  document.name)  # fmt: skip


# The names the tests have always used for the clinical record.
export_session_pdf = export_session_document


def print_session(
    parent: QWidget | None, store: Store, session_id: int, preview: bool = True
) -> bool:
    """Print the clinical record (see print_session_document)."""
    return print_session_document(parent, store, session_id, RECORD, preview)


def _export(
    parent: QWidget | None, store: Store, name: str, build: Callable[[], bytes],
    table: str, row_id: int, document: str,
) -> Path | None:  # fmt: skip
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Export PDF", str(start_folder() / name), "PDF documents (*.pdf)"
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
    QSettings().setValue(FOLDER_KEY, str(target.parent))
    tell_saved(parent, target, document)
    return target


def start_folder() -> Path:
    """Where the save dialog opens: the folder of the last export while it still exists,
    else the user's Documents, else the home folder. (Given a folder that does not
    exist, Qt's dialog opens in the working directory: the program's folder.)"""
    remembered = QSettings().value(FOLDER_KEY, "")
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    for folder in (remembered, documents):
        if isinstance(folder, str) and folder and Path(folder).is_dir():
            return Path(folder)
    return Path(QDir.homePath())


def tell_saved(parent: QWidget | None, target: Path, document: str) -> QMessageBox:
    """Say where the PDF was saved and offer to open it or its folder. The message does
    not block: the doctor may go on charting and close it later."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Export PDF")
    box.setText(f"The {document} was saved.")
    box.setInformativeText(f"{target.name}\nin the folder {target.parent}")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    details = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if details is not None:
        # Wide enough that a usual file name stays on one line (Qt wraps at ~280 px).
        details.setMinimumWidth(box.fontMetrics().averageCharWidth() * 52)
    open_file = box.addButton("Open", QMessageBox.ButtonRole.ActionRole)
    show_folder = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
    close = box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(close)  # Enter just acknowledges: no viewer pops up unasked
    box.setEscapeButton(close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def clicked(button: QAbstractButton) -> None:
        if button is open_file:
            _open_in_desktop(parent, QUrl.fromLocalFile(str(target)), "the PDF", target)
        elif button is show_folder:
            _open_in_desktop(parent, QUrl.fromLocalFile(str(target.parent)), "its folder", target)

    box.buttonClicked.connect(clicked)
    if parent is None:
        _open_messages.append(box)
        box.finished.connect(lambda _result: _open_messages.remove(box))
    box.open()
    return box


def _open_in_desktop(parent: QWidget | None, url: QUrl, what: str, target: Path) -> None:
    # The desktop's own viewer or file manager; openUrl says False when there is none.
    if not QDesktopServices.openUrl(url):
        QMessageBox.warning(
            parent,
            "Export PDF",
            f"No program was found to open {what}. The PDF is saved at\n{target}",
        )


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
        fit_preview(dialog, parent)
    else:
        dialog = QPrintDialog(printer, parent)
        dialog.setMinMax(1, pages)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if not preview:
        paint_pdf(printer, pdf)
    audit_print(store, table, row_id, document)
    return True


def preview_size(available: QRect) -> QSize:
    """The preview's size on a screen whose free area is ``available``: a large share
    of it (Qt's default, 692x512 at 38 %, is too small to read), at least
    PREVIEW_MINIMUM, never more than fits with its frame."""
    room = available.size() - FRAME_ALLOWANCE
    width = max(round(available.width() * PREVIEW_SHARE), PREVIEW_MINIMUM.width())
    height = max(round(available.height() * PREVIEW_SHARE), PREVIEW_MINIMUM.height())
    return QSize(min(width, room.width()), min(height, room.height()))


def fit_preview(dialog: QPrintPreviewDialog, parent: QWidget | None) -> None:
    """Size ``dialog`` for the screen it opens on, centred there, zoomed to fit the
    page width (text at a readable size; the doctor scrolls down the page)."""
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    size = preview_size(area)
    dialog.resize(size)
    spare = area.size() - size - FRAME_ALLOWANCE
    dialog.move(area.x() + max(spare.width(), 0) // 2, area.y() + max(spare.height(), 0) // 2)
    # Through the dialog's own toolbar action, so its Fit width button shows as chosen.
    fit_width = dialog.findChild(QAction, "fitWidthAction")
    if fit_width is not None:
        fit_width.trigger()


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
