"""Export PDF…, Print… and the clinic profile dialog, as the doctor uses them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from tests.report.conftest import add_points, start_session
from tpchart.core.patient import Patient
from tpchart.ui.clinic_dialog import ClinicDialog
from tpchart.ui.export import (
    FOLDER_KEY,
    export_progress_pdf,
    export_session_pdf,
    new_printer,
    paint_pdf,
    print_session,
)


@pytest.fixture
def session(store):
    patient = store.patients.add(Patient(record_number="P-1", full_name="Maria Fernández",
                                         date_of_birth=date(1980, 1, 2)))  # fmt: skip
    session = start_session(store, patient, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    add_points(store, session.id, 30)
    return session


def answer_save_dialog(monkeypatch, path, seen: list):
    def fake(parent, caption, start, filters):
        seen.append(start)
        return (str(path) if path else "", filters)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


def test_export_suggests_date_and_name_and_writes_the_pdf(qtbot, store, session, tmp_path,
                                                          monkeypatch):  # fmt: skip
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "for the file", seen)
    saved = export_session_pdf(None, store, session.id)
    assert seen[0].endswith("2026-11-24 Maria Fernández session.pdf")
    assert saved == tmp_path / "for the file.pdf"
    text = pypdf.PdfReader(saved).pages[0].extract_text()
    assert "Maria Fernández" in text
    entry = store.audit_trail("sessions", session.id)[-1]
    assert entry.action == "export"
    assert entry.after == {"document": "session summary", "file": "for the file.pdf"}
    # The next export starts in the same folder.
    assert QSettings().value(FOLDER_KEY) == str(tmp_path)


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
    monkeypatch.setattr("tpchart.ui.export.session_pdf", _broken_builder)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    assert export_session_pdf(None, store, session.id) is None
    assert "could not be saved" in warnings[0] and "disk full" in warnings[0]
    assert target.read_bytes() == b"%PDF-old"
    assert store.audit_trail()[-1].action != "export"


def _broken_builder(store, session_id):
    raise OSError("disk full")


def test_progress_export(qtbot, store, session, tmp_path, monkeypatch):
    seen: list[str] = []
    answer_save_dialog(monkeypatch, tmp_path / "progress.pdf", seen)
    saved = export_progress_pdf(None, store, session.patient_id)
    assert seen[0].endswith(" Maria Fernández progress.pdf")
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

    def fake_exec(dialog):
        printer = new_printer("test")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        dialog.paintRequested.emit(printer)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintPreviewDialog, "exec", fake_exec)
    assert print_session(None, store, session.id)
    assert len(pypdf.PdfReader(out).pages) >= 2
    assert store.audit_trail("sessions", session.id)[-1].action == "print"


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
    assert store.clinic.load().is_empty
    dialog.email.setText("hola@example.org")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = store.clinic.load()
    assert saved.name == "Clínica Ñandú · 无痛诊所"
    assert saved.address == "Calle Mayor 1\n28013 Madrid"
    again = ClinicDialog(store)
    qtbot.addWidget(again)
    assert again.email.text() == "hola@example.org"
