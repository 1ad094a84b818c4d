"""Help > About and Help > Keyboard shortcuts, opened as a doctor would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tpchart import __version__
from tpchart.store.file import configured_backup_folder
from tpchart.ui.about import icon_path
from tpchart.ui.shortcuts_help import shortcut_rows


def _menu_action(window, menu_title: str, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    return next(a for a in menu.actions() if a.text() == text)


def test_about_names_the_version_files_and_licences(qtbot, window):
    _menu_action(window, "&Help", "&About tpchart").trigger()
    dialog = window.menus.about_dialog
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.text.toPlainText()
    assert f"tpchart {__version__}" in text
    assert str(window.store.path) in text
    assert str(configured_backup_folder(window.store.path)) in text
    assert "tpchart.log" in text
    for part in ("PySide6", "LGPL-3.0", "svglib", "Source Sans 3", "SIL OFL 1.1",
                 "Noto Sans Tamil", "WenQuanYi Micro Hei", "Apache-2.0"):  # fmt: skip
        assert part in text, part
    assert dialog.width() <= 1090 and dialog.height() <= 610  # 1366x768 at 125 %
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_f1_lists_the_real_shortcuts_read_from_the_actions(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.menus.shortcuts_dialog is not None)
    dialog = window.menus.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    table = dialog.table
    listed = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    native = QKeySequence.SequenceFormat.NativeText
    assert listed["New patient"] == window.menus.new_patient_action.shortcut().toString(native)
    assert listed["Export clinical record"] == QKeySequence("Ctrl+E").toString(native)
    assert QKeySequence("Ctrl+Y").toString(native) in listed["Redo"]
    assert listed["Keyboard shortcuts"] == QKeySequence("F1").toString(native)
    # A binding changed on the action shows up: the list is read, not written down.
    window.menus.export_pdf_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
    assert ("Export clinical record", QKeySequence("Ctrl+Shift+E").toString(native)) in (
        shortcut_rows(window)
    )


def test_the_icon_ships_in_the_package_and_draws():
    from PySide6.QtGui import QIcon

    assert icon_path().is_file()
    assert not QIcon(str(icon_path())).pixmap(32, 32).isNull()


def test_in_the_bundle_about_points_to_the_notices_of_every_part(monkeypatch, tmp_path):
    import sys

    from tpchart.ui.about import about_html

    assert "THIRD-PARTY-NOTICES" not in about_html(tmp_path / "clinic.db")  # not frozen
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "tpchart" / "tpchart"))
    html = about_html(tmp_path / "clinic.db")
    assert str(tmp_path / "tpchart" / "THIRD-PARTY-NOTICES.txt") in html
