"""Export PDF…, Print… and the clinic profile dialog, as the doctor uses them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QDir, QRect, QSettings, QSize, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtPrintSupport import (
    QPrintDialog,
    QPrinter,
    QPrintPreviewDialog,
    QPrintPreviewWidget,
)
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from tests.report.conftest import add_points, start_session
from tpchart.core.patient import Patient
from tpchart.ui.clinic_dialog import ClinicDialog
from tpchart.ui.export import (
    FOLDER_KEY,
    export_progress_pdf,
    export_session_pdf,
    new_printer,
    paint_pdf,
    preview_size,
    print_session,
)


@pytest.fixture
def session(store):
    patient = store.patients.add(Patient(record_number="P-1", full_name="Maria Fernández",
                                         date_of_birth=date(1980, 1, 2)))  # fmt: skip
    session = start_session(store, patient, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    add_points(store, session.id, 30)
    return session


@pytest.fixture(autouse=True)
def no_message_left_open():
    """A "saved" message a test did not answer is closed, not carried into the next test."""
    yield
    for box in saved_messages():
        box.close()


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    """What the desktop was asked to open; no viewer or file manager is launched."""
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: urls.append(url)
                                                                  or True))  # fmt: skip
    return urls


def saved_messages() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]  # fmt: skip


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def answer_save_dialog(monkeypatch, path, seen: list):
    def fake(parent, caption, start, filters):
        seen.append(start)
        return (str(path) if path else "", filters)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


def print_preview_to(out, monkeypatch) -> None:
    """The print preview, when it opens, prints straight to the PDF file ``out``."""

    def fake_exec(dialog):
        printer = new_printer("test")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        dialog.paintRequested.emit(printer)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintPreviewDialog, "exec", fake_exec)


def test_export_suggests_date_and_name_and_writes_the_pdf(qtbot, store, session, tmp_path,
                                                          monkeypatch):  # fmt: skip
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "for the file", seen)
    saved = export_session_pdf(None, store, session.id)
    assert seen[0].endswith("2026-11-24 P-1 session.pdf")
    assert saved == tmp_path / "for the file.pdf"
    text = pypdf.PdfReader(saved).pages[0].extract_text()
    assert "Maria Fernández" in text
    entry = store.audit_trail("sessions", session.id)[-1]
    assert entry.action == "export"
    assert entry.after == {"document": "clinical record", "file": "for the file.pdf"}
    # The next export starts in the same folder.
    assert QSettings().value(FOLDER_KEY) == str(tmp_path)
    export_session_pdf(None, store, session.id)
    assert Path(seen[1]).parent == tmp_path


def documents_folder(monkeypatch, folder):
    real = QStandardPaths.writableLocation

    def fake(location):
        if location == QStandardPaths.StandardLocation.DocumentsLocation:
            return str(folder)
        return real(location)

    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(fake))


def test_the_first_export_starts_in_documents(qtbot, store, session, tmp_path, monkeypatch):
    documents = tmp_path / "Documents"
    documents.mkdir()
    documents_folder(monkeypatch, documents)
    monkeypatch.chdir(tmp_path)  # the program's folder: never offered
    seen: list[str] = []
    answer_save_dialog(monkeypatch, None, seen)
    export_session_pdf(None, store, session.id)
    assert Path(seen[0]) == documents / "2026-11-24 P-1 session.pdf"


def test_missing_folders_fall_back_to_documents_then_home(qtbot, store, session, tmp_path,
                                                         monkeypatch):  # fmt: skip
    # Issue 14: Qt's dialog, given a folder that does not exist, opened in the working
    # directory (the program's folder).
    documents = tmp_path / "Documents"
    documents.mkdir()
    documents_folder(monkeypatch, documents)
    QSettings().setValue(FOLDER_KEY, str(tmp_path / "usb stick, now removed"))
    seen: list[str] = []
    answer_save_dialog(monkeypatch, None, seen)
    export_session_pdf(None, store, session.id)
    documents_folder(monkeypatch, tmp_path / "no Documents on a fresh account")
    export_session_pdf(None, store, session.id)
    assert Path(seen[0]).parent == documents
    assert Path(seen[1]).parent == Path(QDir.homePath())


def test_after_saving_the_doctor_is_told_where_and_can_open_it(qtbot, store, session, tmp_path,
                                                               monkeypatch, opened):  # fmt: skip
    answer_save_dialog(monkeypatch, tmp_path / "summary.pdf", [])
    saved = export_session_pdf(None, store, session.id)
    (box,) = saved_messages()
    assert box.text() == "The clinical record was saved."
    assert box.informativeText() == f"summary.pdf\nin the folder {tmp_path}"
    qtbot.mouseClick(button(box, "Open"), Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(saved))]
    assert saved_messages() == []  # a click on Open also closes the message


def test_show_in_folder_opens_the_folder(qtbot, store, session, tmp_path, monkeypatch, opened):
    answer_save_dialog(monkeypatch, tmp_path / "progress.pdf", [])
    export_progress_pdf(None, store, session.patient_id)
    (box,) = saved_messages()
    assert box.text() == "The progress report was saved."
    assert box.informativeText().startswith("progress.pdf\n")
    qtbot.mouseClick(button(box, "Show in folder"), Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]


def test_enter_only_closes_the_message(qtbot, store, session, tmp_path, monkeypatch, opened):
    answer_save_dialog(monkeypatch, tmp_path / "summary.pdf", [])
    export_session_pdf(None, store, session.id)
    (box,) = saved_messages()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert saved_messages() == [] and opened == []


def test_no_program_to_open_it_is_said_plainly(qtbot, store, session, tmp_path, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    answer_save_dialog(monkeypatch, tmp_path / "summary.pdf", [])
    export_session_pdf(None, store, session.id)
    (box,) = saved_messages()
    qtbot.mouseClick(button(box, "Open"), Qt.MouseButton.LeftButton)
    assert warnings == [f"No program was found to open the PDF. The PDF is saved at\n"
                        f"{tmp_path / 'summary.pdf'}"]  # fmt: skip


def test_cancelled_export_writes_and_audits_nothing(qtbot, store, session, monkeypatch):
    answer_save_dialog(monkeypatch, None, [])
    before = len(store.audit_trail())
    assert export_session_pdf(None, store, session.id) is None
    assert len(store.audit_trail()) == before


def test_failed_export_says_why_and_keeps_the_old_file(qtbot, store, session, tmp_path,
                                                       monkeypatch):  # fmt: skip
    target = tmp_path / "summary.pdf"
    target.write_bytes(b"%PDF-old")
    answer_save_dialog(monkeypatch, target, [])
    monkeypatch.setattr("tpchart.report.documents.SessionDocument.pdf", _broken_builder)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    assert export_session_pdf(None, store, session.id) is None
    assert "could not be saved" in warnings[0] and "disk full" in warnings[0]
    assert target.read_bytes() == b"%PDF-old"
    assert store.audit_trail()[-1].action != "export"


def _broken_builder(document, store, session_id, tz=None):
    raise OSError("disk full")


def test_progress_export(qtbot, store, session, tmp_path, monkeypatch):
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "progress.pdf", seen)
    saved = export_progress_pdf(None, store, session.patient_id)
    assert seen[0].endswith(" P-1 progress.pdf")
    assert "Progress report" in pypdf.PdfReader(saved).pages[0].extract_text()
    assert store.audit_trail("patients", session.patient_id)[-1].action == "export"


def test_pdf_pages_are_painted_onto_the_printer(qtbot, tmp_path):
    # A PDF-writing QPrinter stands in for a real one: same painting code path.
    source = io.BytesIO()
    writer = pypdf.PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    writer.write(source)
    printer = new_printer("test")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    paint_pdf(printer, source.getvalue())
    assert len(pypdf.PdfReader(tmp_path / "printed.pdf").pages) == 3


def test_print_through_the_preview_paints_and_audits(qtbot, store, session, tmp_path,
                                                     monkeypatch):  # fmt: skip
    out = tmp_path / "printed.pdf"

    print_preview_to(out, monkeypatch)
    assert print_session(None, store, session.id)
    assert len(pypdf.PdfReader(out).pages) >= 2
    assert store.audit_trail("sessions", session.id)[-1].action == "print"


@pytest.mark.parametrize(("screen", "expected"), [
    (QRect(0, 0, 1366, 728), QSize(1093, 688)),  # the target laptop, less its task bar
    (QRect(0, 0, 1093, 582), QSize(900, 542)),  # 1366x768 at 125 %: the frame must fit
    (QRect(0, 0, 1920, 1040), QSize(1536, 832)),
    (QRect(1920, 0, 2560, 1400), QSize(2048, 1120)),  # a second screen
])  # fmt: skip
def test_the_preview_takes_most_of_the_screen_but_fits_it(screen, expected):
    assert preview_size(screen) == expected


def test_the_preview_opens_large_and_fitted_to_the_page_width(qtbot, store, session,
                                                               monkeypatch, tmp_path):  # fmt: skip
    # Issue 14: it opened at 692x512, zoomed to 38 %.
    seen = {}

    def fake_exec(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        widget = dialog.findChild(QPrintPreviewWidget)
        qtbot.waitUntil(lambda: widget.pageCount() > 0)
        seen.update(size=dialog.size(), mode=widget.zoomMode(), zoom=widget.zoomFactor(),
                    checked=dialog.findChild(QAction, "fitWidthAction").isChecked(),
                    viewport=widget.width())  # fmt: skip
        dialog.grab().save(str(tmp_path / "preview.png"))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QPrintPreviewDialog, "exec", fake_exec)
    assert not print_session(None, store, session.id)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert seen["size"] == preview_size(area)
    assert seen["mode"] is QPrintPreviewWidget.ZoomMode.FitToWidth and seen["checked"]
    # Fitted to the width: an A4 page (595 pt) fills most of the preview's width.
    assert seen["zoom"] * 595 * QGuiApplication.primaryScreen().logicalDotsPerInchX() / 72 > (
        0.7 * seen["viewport"]
    )


def test_print_dialog_cancelled_prints_nothing(qtbot, store, session, monkeypatch):
    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    assert not print_session(None, store, session.id, preview=False)
    assert store.audit_trail("sessions", session.id)[-1].action != "print"


def test_clinic_dialog_saves_and_shows_errors(qtbot, store):
    dialog = ClinicDialog(store)
    qtbot.addWidget(dialog)
    dialog.name.setText("Clínica Ñandú · 无痛诊所")
    dialog.address.setPlainText("Calle Mayor 1\n28013 Madrid")
    dialog.email.setText("not an address")
    dialog.accept()
    assert "E-mail address looks wrong" in dialog.error.text()
    assert store.clinic.load().name == "Test Clinic"  # nothing saved (the fixture's clinic)
    dialog.email.setText("hola@example.org")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = store.clinic.load()
    assert saved.name == "Clínica Ñandú · 无痛诊所"
    assert saved.address == "Calle Mayor 1\n28013 Madrid"
    again = ClinicDialog(store)
    qtbot.addWidget(again)
    assert again.email.text() == "hola@example.org"


def test_file_menu_prints_the_aftercare_sheet(qtbot, window, store, tmp_path, monkeypatch):
    # File › Print aftercare sheet…: the preview paints the patient's sheet, the print
    # is audited as a disclosure of the session.
    add_points(store, window.session.id, 3)
    out = tmp_path / "printed.pdf"

    print_preview_to(out, monkeypatch)
    action = window.menus.print_aftercare_action
    assert action in window.menus.file_menu.actions() and action.isEnabled()
    action.trigger()
    assert out.exists() and len(pypdf.PdfReader(out).pages) == 1
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.action == "print" and entry.after == {"document": "aftercare sheet"}


def test_file_menu_exports_the_aftercare_sheet(qtbot, window, store, tmp_path, monkeypatch):
    add_points(store, window.session.id, 3)
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "for the patient", seen)
    window.menus.export_aftercare_action.trigger()
    assert seen[0].endswith(" C-1 aftercare.pdf")
    text = pypdf.PdfReader(tmp_path / "for the patient.pdf").pages[0].extract_text()
    assert "Aftercare sheet" in text and "Ana Chart" in text and "What to do" in text
    assert "DRAFT" not in text  # advice for the patient, not the unsigned record
    (box,) = saved_messages()
    assert box.text() == "The aftercare sheet was saved."
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.after == {"document": "aftercare sheet", "file": "for the patient.pdf"}


def test_no_aftercare_sheet_when_nothing_was_needled(qtbot, window, store, tmp_path,
                                                     monkeypatch):  # fmt: skip
    answer_save_dialog(monkeypatch, tmp_path / "aftercare.pdf", [])
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    before = len(store.audit_trail())
    window.menus.export_aftercare_action.trigger()
    assert len(warnings) == 1 and "Nothing was needled in this session" in warnings[0]
    assert "Traceback" not in warnings[0]
    assert not (tmp_path / "aftercare.pdf").exists() and len(store.audit_trail()) == before


def painted_documents(monkeypatch) -> list[bytes]:
    """The PDFs the print path paints onto the printer (the printed file itself holds
    only pictures of the pages), still painted as before."""
    from tpchart.ui import export

    painted: list[bytes] = []
    paint = export.paint_pdf

    def record(printer, pdf):
        painted.append(pdf)
        paint(printer, pdf)

    monkeypatch.setattr(export, "paint_pdf", record)
    return painted


def printed_text(painted: list[bytes]) -> str:
    (pdf,) = set(painted)  # the preview may paint more than once: always the same PDF
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_file_menu_prints_the_consent_form(qtbot, window, store, tmp_path, monkeypatch):
    # File › Print consent form…, beside the aftercare sheet: the preview paints the
    # form for the session on screen, and the print is audited as a disclosure of it.
    add_points(store, window.session.id, 3)
    out = tmp_path / "printed.pdf"
    print_preview_to(out, monkeypatch)
    painted = painted_documents(monkeypatch)
    menu = window.menus.file_menu.actions()
    action = window.menus.print_consent_action
    assert action in menu and action.isEnabled()
    assert menu.index(action) == menu.index(window.menus.export_aftercare_action) + 1
    action.trigger()
    assert out.exists() and len(pypdf.PdfReader(out).pages) == 1
    text = printed_text(painted)
    assert "Consent to dry needling" in text and "Ana Chart" in text
    assert "Signature of patient or guardian" in text and "Consent wording" in text
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.action == "print" and entry.after == {"document": "consent form"}


def test_file_menu_exports_the_consent_form(qtbot, window, store, tmp_path, monkeypatch):
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "to sign", seen)
    window.menus.export_consent_action.trigger()
    assert seen[0].endswith(" C-1 consent.pdf")
    path = tmp_path / "to sign.pdf"
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    text = pypdf.PdfReader(path).pages[0].extract_text()
    # Nothing marked yet: the form says the sites will be explained.
    assert "Consent to dry needling" in text and "explained before needling" in text
    (box,) = saved_messages()
    assert box.text() == "The consent form was saved."
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.after == {"document": "consent form", "file": "to sign.pdf"}


def test_file_menu_prints_and_exports_the_patients_copy(qtbot, window, store, tmp_path,
                                                        monkeypatch):  # fmt: skip
    from dataclasses import replace

    from tpchart.report.documents import PATIENT_COPY_DOCUMENT

    internal = "Practitioner only: query fibromyalgia."
    store.sessions.update(replace(store.sessions.get(window.session.id), notes=internal,
                                  notes_internal=True))  # fmt: skip
    window.patients.select_patient(window.patient.id)  # the window shows what is stored
    out = tmp_path / "printed.pdf"
    print_preview_to(out, monkeypatch)
    painted = painted_documents(monkeypatch)
    print_copy = window.menus.print_patient_copy_action
    assert print_copy in window.menus.file_menu.actions() and print_copy.isEnabled()
    print_copy.trigger()
    assert out.exists()
    text = printed_text(painted)
    assert "patient's copy" in text and "Practitioner only" not in text
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.action == "print" and entry.after == {"document": PATIENT_COPY_DOCUMENT}

    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "for the patient.pdf", seen)
    window.menus.export_patient_copy_action.trigger()
    assert seen[0].endswith(" C-1 session patient copy.pdf")
    text = pypdf.PdfReader(tmp_path / "for the patient.pdf").pages[0].extract_text()
    assert "patient's copy" in text
    entry = store.audit_trail("sessions", window.session.id)[-1]
    assert entry.after == {"document": PATIENT_COPY_DOCUMENT, "file": "for the patient.pdf"}
    # The filed record still prints the note (the copy only leaves it out).
    painted.clear()
    window.menus.print_action.trigger()
    assert "Practitioner only" in printed_text(painted)
