"""First run: the clinic's administrator, their passphrase twice, the recovery code
shown once and kept before anything else."""

from __future__ import annotations

import re

import pypdf
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QLineEdit

from tpchart.core.practitioner import Practitioner
from tpchart.ui.clinic_set_up import ClinicSetUpDialog, recovery_sheet

from .conftest import ADMIN_PASSPHRASE

# Groups of letters and digits, e.g. ABCD-EFGH-...; the store chooses the alphabet.
CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3,}$")


def _dialog(qtbot, store) -> ClinicSetUpDialog:
    dialog = ClinicSetUpDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _type_passphrases(qtbot, dialog, first: str, second: str) -> None:
    qtbot.keyClicks(dialog.passphrase, first)
    qtbot.keyClicks(dialog.repeat, second)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)


def test_set_up_refuses_then_sets_up_and_shows_the_code_once(qtbot, empty_store):
    store = empty_store
    dialog = _dialog(qtbot, store)
    assert dialog.name.hasFocus()
    assert dialog.passphrase.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.name, "Dr Ana Souza")
    qtbot.keyClicks(dialog.registration, "MCR 12345")

    _type_passphrases(qtbot, dialog, ADMIN_PASSPHRASE, ADMIN_PASSPHRASE + "!")
    assert dialog.error.text() == "The two passphrases differ: type them again."
    assert dialog.passphrase.text() == dialog.repeat.text() == ""
    assert dialog.passphrase.hasFocus()

    _type_passphrases(qtbot, dialog, "short one", "short one")
    assert "at least 10 characters" in dialog.error.text()

    _type_passphrases(qtbot, dialog, "Dr Ana Souza", "Dr Ana Souza")
    assert dialog.error.text() == "A passphrase cannot be your name"
    # Nothing was written by any refusal.
    assert not store.accounts.any() and store.practitioners.all() == []

    _type_passphrases(qtbot, dialog, ADMIN_PASSPHRASE, ADMIN_PASSPHRASE)
    assert dialog.error.text() == ""
    page = dialog.code_page
    assert dialog.pages.currentWidget() is page
    code = page.code.text()
    assert CODE.match(code), code
    [ana] = store.practitioners.all()
    assert (ana.name, ana.registration) == ("Dr Ana Souza", "MCR 12345")
    assert store.accounts.any() and store.practitioner_id == ana.id
    assert store.signed_in.is_admin

    # Not left before the code is kept: Escape and Continue are refused.
    assert not page.continue_button.isEnabled()
    qtbot.keyClick(page.kept, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "cannot be shown again" in page.message.text()
    qtbot.keyClick(page.kept, Qt.Key.Key_Space)
    assert page.continue_button.isEnabled()
    qtbot.keyClick(page.kept, Qt.Key.Key_Return)  # Enter continues once ticked
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.practitioner == ana
    assert page.code.text() == ""  # the code is not left in a widget
    # The code is the clinic's: it rescues the administrator.
    store.sign_out()
    new_code = store.accounts.recover(code, ana.id, "a brand new passphrase")
    assert new_code != code


def test_escape_before_setting_up_changes_nothing(qtbot, empty_store):
    dialog = _dialog(qtbot, empty_store)
    qtbot.keyClicks(dialog.name, "Dr Ana Souza")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not empty_store.accounts.any() and empty_store.practitioners.all() == []


def test_a_practitioner_already_on_file_becomes_the_administrator(qtbot, empty_store):
    store = empty_store
    existing = store.practitioners.add(Practitioner(name="Dr Old Records"))
    dialog = _dialog(qtbot, store)
    assert dialog.who.isVisible() and dialog.who.currentData() == existing.id
    assert not dialog.name.isVisible()  # only asked for "Someone new…"
    assert dialog.passphrase.hasFocus()
    _type_passphrases(qtbot, dialog, ADMIN_PASSPHRASE, ADMIN_PASSPHRASE)
    assert dialog.pages.currentWidget() is dialog.code_page
    assert [p.id for p in store.practitioners.all()] == [existing.id]
    assert store.accounts.get(existing.id).is_admin


def test_the_printed_sheet_holds_the_code(qtbot, tmp_path, empty_store):
    sheet = recovery_sheet("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ", "Dr Ana", "Harbour Clinic", "/x.db")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "code.pdf"))
    sheet.print_(printer)
    text = " ".join(pypdf.PdfReader(tmp_path / "code.pdf").pages[0].extract_text().split())
    assert "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ" in text
    assert "Harbour Clinic" in text and "Dr Ana" in text
