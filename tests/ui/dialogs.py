"""Helpers for UI tests that answer a modal dialog and read back what was stored."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from tpchart.core.session import Session
from tpchart.store import Store


def on_next_modal(qtbot, handle) -> list[BaseException]:
    """Run ``handle(dialog)`` on the modal dialog the next click opens; never leave it hanging."""
    failures: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            handle(dialog)
        except BaseException as exc:  # reported by the test after exec() returns
            failures.append(exc)
        if dialog is not None and dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, run)
    return failures


def stored(store, session_id) -> Session:
    """The session as another connection reads it from the file."""
    with Store.open(store.path, read_only=True) as reopened:
        return reopened.sessions.get(session_id)
