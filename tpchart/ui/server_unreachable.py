"""What the doctor sees when the clinic server cannot be reached at start: the plain
reason, and Retry, Connect to another server… or Quit. Never a traceback, never a
password (the reason is scrubbed again here, whoever wrote it)."""

from __future__ import annotations

import re
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

Choice = Literal["retry", "settings", "quit"]

# A password in a libpq string or URL, in case a caller's text still holds one.
_PASSWORD_WORDS = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)


def scrubbed(text: str) -> str:
    """``text`` with any password replaced by ***, and no traceback lines."""
    text = _PASSWORD_WORDS.sub(r"\1***", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    if "Traceback (most recent call last)" in text:
        # The last line of a traceback is the error itself; the rest is for the log.
        text = text.strip().splitlines()[-1]
    return text.strip()


class ServerUnreachableDialog(QDialog):
    """Says the server cannot be reached and why; ``choice`` holds the answer."""

    def __init__(self, error_text: str, parent: QWidget | None = None, server: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("serverUnreachable")
        self.setWindowTitle("Clinic server not reachable")
        self.choice: Choice = "quit"  # closing the window is quitting: nothing else is open

        where = f" ({server})" if server else ""
        # Plain text: a server's name is shown as typed, never read as markup.
        headline = QLabel(
            f"tpchart cannot open the clinic server{where}.",
            objectName="unreachableHeadline",
            wordWrap=True,
        )
        headline.setTextFormat(Qt.TextFormat.PlainText)
        font = headline.font()
        font.setBold(True)
        headline.setFont(font)
        self.reason = QLabel(scrubbed(error_text), objectName="unreachableReason", wordWrap=True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        advice = QLabel(
            "The records are kept on the server, so nothing on it is lost. Check that this "
            "computer is on the clinic's network and that the server is switched on, then "
            "try again; if it keeps failing, tell whoever runs the server the reason above.",
            objectName="unreachableAdvice",
            wordWrap=True,
        )
        buttons = QDialogButtonBox()
        self.retry = QPushButton("&Retry", objectName="retryServer")
        self.other = QPushButton("Connect to &another server…", objectName="otherServer")
        self.quit = QPushButton("&Quit", objectName="quitTpchart")
        buttons.addButton(self.retry, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.other, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit, QDialogButtonBox.ButtonRole.RejectRole)
        self.retry.setDefault(True)  # Enter retries: the likeliest fix is a moment's wait
        for button in (self.other, self.quit):
            button.setAutoDefault(False)
        self.retry.clicked.connect(lambda: self._answer("retry"))
        self.other.clicked.connect(lambda: self._answer("settings"))
        self.quit.clicked.connect(lambda: self._answer("quit"))

        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(self.reason)
        layout.addWidget(advice)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.setMaximumWidth(640)
        self.retry.setFocus()

    def _answer(self, choice: Choice) -> None:
        self.choice = choice
        if choice == "quit":
            self.reject()
        else:
            self.accept()

    def reject(self) -> None:  # Esc and the window's close button: quit
        self.choice = "quit"
        super().reject()


def ask_after_failure(parent: QWidget | None, error_text: str, server: str = "") -> Choice:
    """Show why the clinic server cannot be reached; "retry", "settings" (open the
    Connect to clinic server dialog) or "quit". ``error_text`` is a ServerRefused's
    message; ``server`` what to call the server (``ServerSettings.label()``)."""
    dialog = ServerUnreachableDialog(error_text, parent, server)
    dialog.exec()
    return dialog.choice
