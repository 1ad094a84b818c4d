"""The "Connect to clinic server" dialog: where this workstation's clinic server is,
how it is reached, and its password.

Nothing is saved before the server has answered and shown it holds a tpchart clinic of
this version (``workstation.check``). The check runs on a worker thread: a server that
does not answer takes up to ``CONNECT_TIMEOUT`` seconds to give up, and the dialog says
so meanwhile instead of freezing. The settings go to the user's config file; the
password to the OS keyring when this computer has one, else nowhere (it is asked at
each start, and the dialog says why).
"""

from __future__ import annotations

import threading
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tpchart.store.server.connection import CONNECT_TIMEOUT, ServerRefused
from tpchart.store.server.workstation import (
    DEFAULT_DATABASE,
    DEFAULT_PORT,
    DEFAULT_USER,
    ServerCheck,
    ServerSettings,
    SettingsRefused,
    check,
    forget_password,
    keyring_missing_reason,
    remember_password,
    save,
    stored_password,
)
from tpchart.ui.style import CAUTION, INFO, banner, error_colour


class _Relay(QObject):
    """Carries a check's outcome from the worker thread to the dialog's thread (a
    queued signal: widgets are touched on the GUI thread only)."""

    finished = Signal(int, object)


class ConnectServerDialog(QDialog):
    """Asks for the clinic server's address, user and password; Test connection checks
    them; Connect checks, then saves the settings (and the password in the keyring)."""

    # Emitted after a successful check; the dialog's ``result_settings`` holds the rest.
    connected = Signal(object)

    def __init__(
        self,
        settings: ServerSettings | None = None,
        parent: QWidget | None = None,
        *,
        settings_file: Path | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectServer")
        self.setWindowTitle("Connect to clinic server")
        self._settings_file = settings_file
        self._attempt = 0  # a later check makes an earlier one's answer stale
        self._connect_after_check = False
        self._relay = _Relay()
        self._relay.finished.connect(self._check_finished)
        # What the app opens the store with once the dialog is accepted.
        self.result_settings: ServerSettings | None = None
        self.result_password: str = ""
        self.result_check: ServerCheck | None = None
        # Why the password is not kept on this computer ("" when it is, or need not be):
        # for the app to say once more after connecting, e.g. in the status bar.
        self.result_notice: str = ""

        self.reason = banner(INFO, "connectReason")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.name = QLineEdit(objectName="serverName", placeholderText="optional, e.g. Main street")
        self.host = QLineEdit(objectName="serverHost")
        self.host.setPlaceholderText("e.g. tpchart-server.clinic.lan or 192.168.10.5")
        self.port = QSpinBox(objectName="serverPort", minimum=1, maximum=65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setGroupSeparatorShown(False)
        self.port.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.database = QLineEdit(DEFAULT_DATABASE, objectName="serverDatabase")
        self.user = QLineEdit(DEFAULT_USER, objectName="serverUser")
        self.password = QLineEdit(objectName="serverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.encrypted = QCheckBox(
            "&Encrypted connection: verify the server's certificate", objectName="verifyServer"
        )
        self.encrypted.setChecked(True)
        self.ca_file = QLineEdit(objectName="caFile")
        self.ca_file.setPlaceholderText("the clinic's CA certificate (.crt or .pem)")
        self.choose_ca = QPushButton("&Browse…", objectName="chooseCaFile")
        self.choose_ca.setAutoDefault(False)
        self.keep_password = QCheckBox(
            "&Keep the password in this computer's keyring", objectName="keepPassword"
        )
        self.keyring_note = QLabel(objectName="keyringNote", wordWrap=True)
        self.caution = banner(CAUTION, "connectionCaution")
        self.status = QLabel(objectName="connectStatus", wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # A fixed room for the answer: a long refusal scrolls inside it instead of
        # growing the dialog past a small screen or moving the buttons under the mouse.
        self.status_area = QScrollArea(objectName="connectStatusArea")
        self.status_area.setWidget(self.status)
        self.status_area.setWidgetResizable(True)
        self.status_area.setFrameShape(QFrame.Shape.NoFrame)
        self.status_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.status_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status_area.viewport().setAutoFillBackground(False)
        self.status.setAutoFillBackground(False)
        self.status_area.setFixedHeight(5 * self.fontMetrics().lineSpacing() + 6)
        self.test_button = QPushButton("&Test connection", objectName="testConnection")
        self.test_button.setAutoDefault(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            "&Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setObjectName("connectServerButton")
        self.connect_button.setDefault(True)  # Enter connects, whichever field has focus
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(QLabel("&Name", buddy=self.name), self.name)
        form.addRow(QLabel("&Server", buddy=self.host), self.host)
        form.addRow(QLabel("P&ort", buddy=self.port), self.port)
        form.addRow(QLabel("&Database", buddy=self.database), self.database)
        form.addRow(QLabel("&User name", buddy=self.user), self.user)
        form.addRow(QLabel("&Password", buddy=self.password), self.password)
        form.addRow(self.encrypted)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, stretch=1)
        ca_row.addWidget(self.choose_ca)
        self.ca_label = QLabel("CA certi&ficate", buddy=self.ca_file)
        form.addRow(self.ca_label, ca_row)
        form.addRow(self.keep_password)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch()

        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.caution)
        layout.addLayout(test_row)
        layout.addWidget(self.status_area)
        layout.addWidget(self.buttons)

        # Tab goes down the form as read, then the buttons.
        order = [
            self.name, self.host, self.port, self.database, self.user, self.password,
            self.encrypted, self.ca_file, self.choose_ca, self.keep_password,
            self.test_button, self.connect_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]  # fmt: skip
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        self.test_button.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.connect_to_server)
        self.buttons.rejected.connect(self.reject)
        self.choose_ca.clicked.connect(self.choose_ca_file)
        self.encrypted.toggled.connect(self._update_encryption)
        self.host.textChanged.connect(self._update_encryption)

        self._show_keyring()
        if settings is not None:
            self.show_settings(settings)
        self._update_encryption()
        self.setMinimumWidth(560)
        # A returning doctor only lacks the password; a new set-up starts at the server.
        (self.password if settings is not None else self.host).setFocus()

    # ------------------------------------------------------------- the fields

    def show_settings(self, settings: ServerSettings) -> None:
        """Fill the fields from ``settings`` and the password kept for them, if any."""
        self.name.setText(settings.name)
        self.host.setText(settings.host)
        self.port.setValue(settings.port)
        self.database.setText(settings.database)
        self.user.setText(settings.user)
        self.encrypted.setChecked(settings.sslmode == "verify-full")
        self.ca_file.setText(settings.sslrootcert)
        self.password.setText(stored_password(settings) or "")

    def settings(self) -> ServerSettings:
        """The settings the fields describe; SettingsRefused in plain words if they
        cannot be used. Without certificate checking, another computer is reached
        encrypted (``require``, with a caution), this computer as it offers."""
        host = self.host.text().strip()
        if self.encrypted.isChecked():
            mode = "verify-full"
        else:
            mode = "require"
            try:
                if ServerSettings(host=host, sslmode="prefer").on_this_computer:
                    mode = "prefer"
            except SettingsRefused:
                pass  # an empty or impossible host: refused below, in its own words
        return ServerSettings(
            host=host,
            port=self.port.value(),
            database=self.database.text(),
            user=self.user.text(),
            sslmode=mode,
            sslrootcert=self.ca_file.text() if mode == "verify-full" else "",
            name=self.name.text(),
        )

    def _show_keyring(self) -> None:
        missing = keyring_missing_reason()
        self.keep_password.setChecked(missing is None)
        self.keep_password.setEnabled(missing is None)
        self.keyring_note.setText(missing or "")
        # Said once: not again under a banner that already says it.
        self.keyring_note.setVisible(missing is not None and missing != self.reason.text())

    @Slot()
    def _update_encryption(self) -> None:
        verify = self.encrypted.isChecked()
        self.ca_file.setEnabled(verify)
        self.choose_ca.setEnabled(verify)
        self.ca_label.setEnabled(verify)
        try:
            cautions = self.settings().warnings()
        except SettingsRefused:
            cautions = []
        self.caution.setText("⚠ " + " ".join(cautions))
        self.caution.setVisible(bool(cautions))
        if self.isVisible():
            self._fit()

    def _fit(self) -> None:
        """Grow to the height the wrapped texts need at the present width. Qt's own
        sizing ignores height-for-width and caps a new window at two thirds of the
        screen: on a 768-pixel laptop at 125 % that squeezed the fields until their
        text was cut."""
        layout = self.layout()
        if layout is None:
            return
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        self._fit()

    @Slot()
    def choose_ca_file(self) -> None:
        """Pick the clinic's CA certificate file."""
        start = self.ca_file.text() or str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "The clinic's CA certificate",
            start,
            "Certificates (*.crt *.pem *.cer);;All files (*)",
        )
        if chosen:
            self.ca_file.setText(chosen)

    # ------------------------------------------------------------- checking

    @Slot()
    def test_connection(self) -> None:
        """Check the settings against the server and say what was found; saves nothing."""
        self._start_check(then_connect=False)

    @Slot()
    def connect_to_server(self) -> None:
        """Check, then save the settings (and the password in the keyring) and close."""
        self._start_check(then_connect=True)

    def checking(self) -> bool:
        """True while a check is waiting for the server."""
        return not self.test_button.isEnabled()

    def _start_check(self, then_connect: bool) -> None:
        if self.checking():
            return  # Enter pressed again while waiting: one check at a time
        try:
            settings = self.settings()
            settings.ready_to_connect()
        except SettingsRefused as refused:
            self._say(str(refused), failed=True)
            return
        password = self.password.text()
        self._attempt += 1
        attempt, relay = self._attempt, self._relay
        self._connect_after_check = then_connect
        self._busy(True)
        self._say(
            f"Connecting to {settings.host}:{settings.port}… (a server that does not answer "
            f"is given up after {CONNECT_TIMEOUT} seconds)",
            failed=False,
        )

        def run() -> None:
            try:
                outcome: object = check(settings, password)
            except (ServerRefused, SettingsRefused) as refused:
                outcome = refused
            except Exception as error:  # the dialog must answer whatever happens
                outcome = ServerRefused(f"The check failed unexpectedly ({type(error).__name__}).")
            relay.finished.emit(attempt, outcome)

        threading.Thread(target=run, name="tpchart-server-check", daemon=True).start()

    @Slot(int, object)
    def _check_finished(self, attempt: int, outcome: object) -> None:
        if attempt != self._attempt or not self.isVisible():
            return  # cancelled, or a newer check is under way
        self._busy(False)
        if not isinstance(outcome, ServerCheck):
            self._say(str(outcome), failed=True)
            return
        self._say(outcome.summary(), failed=False)
        if self._connect_after_check:
            self._finish(outcome)

    def _finish(self, found: ServerCheck) -> None:
        settings, password = found.settings, self.password.text()
        try:
            save(settings, self._settings_file)
        except SettingsRefused as refused:
            self._say(str(refused), failed=True)
            return
        notice = keyring_missing_reason()
        if self.keep_password.isChecked() and password:
            notice = remember_password(settings, password)
        elif notice is None:
            forget_password(settings)  # "do not keep it" undoes an earlier "keep it"
        self.result_settings, self.result_password, self.result_check = settings, password, found
        self.result_notice = notice or ""
        self.connected.emit(found)
        self.accept()

    def _busy(self, busy: bool) -> None:
        for widget in (self.test_button, self.connect_button):
            widget.setEnabled(not busy)
        if busy:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    def _say(self, text: str, *, failed: bool) -> None:
        self.status.setText(text)
        colour = (
            error_colour(self.palette()).name() if failed else self.palette().text().color().name()
        )
        self.status.setStyleSheet(f"color: {colour};{' font-weight: bold;' if failed else ''}")
        self.status.setProperty("failed", failed)

    def done(self, result: int) -> None:  # Qt's name: every way out of the dialog
        if self.checking():
            self._attempt += 1  # the answer still to come is for nobody
            self._busy(False)
        super().done(result)


def ask_server_settings(
    parent: QWidget | None = None,
    settings: ServerSettings | None = None,
    *,
    reason: str = "",
    settings_file: Path | None = None,
) -> tuple[ServerSettings, str] | None:
    """Show the dialog; the saved settings and the password to connect with, or None
    when the doctor cancelled. ``reason`` says why it is shown (e.g. "This computer has
    no password keyring…" when it asks for the password at start)."""
    dialog = ConnectServerDialog(settings, parent, settings_file=settings_file, reason=reason)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_settings is None:
        return None
    return dialog.result_settings, dialog.result_password
