"""File › Lock now (Ctrl+L) on a real X server: the key is the window's, not the
platform's, and locks a clinic with sign-ins at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tpchart.core.practitioner import Practitioner
from tpchart.ui.main_window import MainWindow

PASSPHRASE = "kettle whistles at seven"


def test_ctrl_l_locks_the_window(qtbot, empty_store):
    empty_store.accounts.set_up_clinic(Practitioner(name="Dr Ada Admin"), PASSPHRASE)
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # no window manager under Xvfb: the app asks for focus itself
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.lock_screen.is_locked
    qtbot.waitUntil(window.lock_screen.form.passphrase.hasFocus)
    window.idle_watch.stop()
