"""The "Connect to clinic server" dialog and the "server not reachable" answer, typed
into with real key events and checked against the real test server."""

from __future__ import annotations

import contextlib
import json
import stat

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from tests.clinic_server import server_dsn
from tests.server.conftest import _drop_clinic, _new_clinic
from tests.server.test_workstation import MemoryKeyring, free_port, settings_for
from tpchart.store.server import migrate
from tpchart.store.server import workstation as ws
from tpchart.store.server.workstation import ServerSettings
from tpchart.ui.connect_server import ConnectServerDialog, ask_server_settings
from tpchart.ui.server_unreachable import ServerUnreachableDialog, ask_after_failure, scrubbed


@pytest.fixture(scope="module")
def clinic():
    """A migrated clinic on the test server (tests/server/conftest.py's, for this folder)."""
    made = _new_clinic(server_dsn())
    try:
        with made.as_owner() as owner:
            migrate(owner, app_role=made.roles.app)
        yield made
    finally:
        _drop_clinic(made)


@pytest.fixture
def bare_clinic():
    """A clinic database with its roles but no tables yet."""
    made = _new_clinic(server_dsn())
    try:
        yield made
    finally:
        _drop_clinic(made)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """The user's config folder is a fresh one: the dialog saves where the app reads."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "tpchart" / "clinic-server.json"


def shown(qtbot, settings=None, **options) -> ConnectServerDialog:
    dialog = ConnectServerDialog(settings, **options)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # mnemonics and Enter reach an active window only
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def retype(qtbot, field, text: str) -> None:
    """Select what a field holds and type over it, as a person does."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def type_clinic(qtbot, dialog: ConnectServerDialog, clinic, password: str) -> None:
    """Type ``clinic``'s address and app role as the doctor would; the test server is on
    this computer and has no TLS, so certificate checking is turned off with Space."""
    wanted = settings_for(clinic)
    retype(qtbot, dialog.name, "Test clinic")
    retype(qtbot, dialog.host, wanted.host)
    retype(qtbot, dialog.port.lineEdit(), str(wanted.port))
    retype(qtbot, dialog.database, wanted.database)
    retype(qtbot, dialog.user, wanted.user)
    retype(qtbot, dialog.password, password)
    dialog.encrypted.setFocus()
    qtbot.keyClick(dialog.encrypted, Qt.Key.Key_Space)
    assert not dialog.encrypted.isChecked()


def wait_for_answer(qtbot, dialog: ConnectServerDialog) -> str:
    qtbot.waitUntil(lambda: not dialog.checking(), timeout=15_000)
    return dialog.status.text()


def test_typing_the_server_and_pressing_enter_connects_and_saves_no_password(
    qtbot, clinic, memory_keyring, settings_file
):
    dialog = shown(qtbot)
    type_clinic(qtbot, dialog, clinic, clinic.app_password)
    dialog.password.setFocus()
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    saved = settings_for(clinic, name="Test clinic")
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_settings == saved
    assert dialog.result_password == clinic.app_password
    raw = settings_file.read_bytes()
    assert clinic.app_password.encode() not in raw and b"password" not in raw
    assert json.loads(raw)["host"] == saved.host
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings_file.parent.stat().st_mode) == 0o700
    assert ws.load() == saved
    assert memory_keyring.secrets == {("tpchart", saved.keyring_user): clinic.app_password}


def test_test_connection_says_what_is_wrong_and_saves_nothing(
    qtbot, clinic, memory_keyring, settings_file
):
    dialog = shown(qtbot)
    type_clinic(qtbot, dialog, clinic, "Not-The-Password-42")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    answer = wait_for_answer(qtbot, dialog)
    assert answer.startswith("The server refused this user name or password.")
    assert "Not-The-Password-42" not in answer
    assert dialog.status.property("failed") is True

    retype(qtbot, dialog.password, clinic.app_password)
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # &Test connection
    # The mnemonic's click lands a moment later; the answer replaces the refusal.
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Connected"), timeout=15_000)
    answer = wait_for_answer(qtbot, dialog)
    assert answer.startswith("Connected to the tpchart clinic"), answer
    assert dialog.status.property("failed") is False
    assert dialog.isVisible()  # testing is not connecting
    assert not settings_file.exists()
    assert memory_keyring.secrets == {}


def test_a_refused_connect_keeps_the_dialog_open_and_writes_nothing(
    qtbot, clinic, memory_keyring, settings_file
):
    dialog = shown(qtbot)
    type_clinic(qtbot, dialog, clinic, clinic.app_password)
    retype(qtbot, dialog.port.lineEdit(), str(free_port()))
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "Nothing answers at that server and port" in wait_for_answer(qtbot, dialog)
    assert dialog.isVisible() and dialog.result_settings is None
    assert not settings_file.exists() and memory_keyring.secrets == {}


def test_a_database_without_the_clinic_is_explained(qtbot, bare_clinic, settings_file):
    dialog = shown(qtbot)
    type_clinic(qtbot, dialog, bare_clinic, bare_clinic.app_password)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "no tpchart clinic yet" in wait_for_answer(qtbot, dialog)


def test_escape_cancels_and_writes_nothing(qtbot, memory_keyring, settings_file):
    dialog = shown(qtbot)
    retype(qtbot, dialog.host, "tpchart-server.clinic.lan")
    retype(qtbot, dialog.password, "Correct-Horse-Battery")
    with qtbot.waitSignal(dialog.rejected, timeout=2_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not settings_file.exists() and memory_keyring.secrets == {}


def test_checking_certificates_without_the_clinic_s_ca_is_refused_in_words(
    qtbot, tmp_path, monkeypatch, settings_file
):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt
    dialog = shown(qtbot)
    retype(qtbot, dialog.host, "tpchart-server.clinic.lan")
    assert dialog.encrypted.isChecked() and dialog.ca_file.isEnabled()
    qtbot.keyClick(dialog.host, Qt.Key.Key_Return)
    assert "needs the clinic's CA certificate" in dialog.status.text()
    assert not dialog.checking() and dialog.isVisible() and not settings_file.exists()


def test_no_certificate_check_to_another_computer_shows_the_caution(qtbot):
    dialog = shown(qtbot)
    retype(qtbot, dialog.host, "192.168.10.5")
    assert dialog.caution.isHidden()
    dialog.encrypted.setFocus()
    qtbot.keyClick(dialog.encrypted, Qt.Key.Key_Space)
    assert dialog.settings().sslmode == "require"
    assert dialog.caution.isVisible() and ws.REQUIRE_WARNING in dialog.caution.text()
    assert not dialog.ca_file.isEnabled()
    retype(qtbot, dialog.host, "localhost")  # this computer: nothing crosses a network
    assert dialog.settings().sslmode == "prefer" and dialog.caution.isHidden()


def test_without_a_keyring_the_dialog_says_why_and_the_password_is_kept_nowhere(
    qtbot, clinic, no_keyring, settings_file
):
    dialog = shown(qtbot)
    assert dialog.keyring_note.isVisible() and dialog.keyring_note.text() == ws.NO_KEYRING
    assert not dialog.keep_password.isEnabled() and not dialog.keep_password.isChecked()
    type_clinic(qtbot, dialog, clinic, clinic.app_password)
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Enter)  # the keypad's Enter too
    assert dialog.result_password == clinic.app_password  # for this start only
    assert dialog.result_notice == ws.NO_KEYRING
    assert clinic.app_password.encode() not in settings_file.read_bytes()


def test_unticking_keep_forgets_the_kept_password(qtbot, clinic, memory_keyring, settings_file):
    ws.remember_password(settings_for(clinic, name="Test clinic"), "an old password")
    dialog = shown(qtbot)
    type_clinic(qtbot, dialog, clinic, clinic.app_password)
    dialog.keep_password.setFocus()
    qtbot.keyClick(dialog.keep_password, Qt.Key.Key_Space)
    assert not dialog.keep_password.isChecked()
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.keep_password, Qt.Key.Key_Return)
    assert memory_keyring.secrets == {} and dialog.result_notice == ""


def test_browse_puts_the_chosen_ca_certificate_in_its_field(qtbot, tmp_path, monkeypatch):
    certificate = tmp_path / "clinic-ca.crt"
    certificate.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(certificate), "")
    )
    dialog = shown(qtbot)
    retype(qtbot, dialog.host, "tpchart-server.clinic.lan")
    qtbot.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # &Browse…
    qtbot.waitUntil(lambda: dialog.ca_file.text() == str(certificate), timeout=1_000)
    assert dialog.settings().sslrootcert == str(certificate)
    dialog.settings().ready_to_connect()  # the file is there: no refusal


def test_a_returning_doctor_finds_the_fields_filled_and_the_cursor_in_the_password(
    qtbot, memory_keyring
):
    settings = ServerSettings(host="tpchart-server.clinic.lan", sslrootcert="/etc/ca.crt")
    ws.remember_password(settings, "Correct-Horse-Battery")
    dialog = shown(qtbot, settings)
    assert dialog.host.text() == "tpchart-server.clinic.lan"
    assert dialog.ca_file.text() == "/etc/ca.crt" and dialog.encrypted.isChecked()
    assert dialog.password.text() == "Correct-Horse-Battery"
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    assert QApplication.focusWidget() is dialog.password


def test_tab_goes_down_the_form_and_mnemonics_reach_the_fields(qtbot):
    dialog = shown(qtbot)
    dialog.name.setFocus()
    visited = []
    for _ in range(6):
        visited.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    port_editor = dialog.port.lineEdit()
    assert visited[:2] == [dialog.name, dialog.host]
    assert visited[2] in (dialog.port, port_editor)
    assert visited[3:] == [dialog.database, dialog.user, dialog.password]
    qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.user
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.password


def test_ask_server_settings_returns_what_to_open_the_clinic_with(
    qtbot, clinic, memory_keyring, settings_file
):
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        type_clinic(qtbot, dialog, clinic, clinic.app_password)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    settings, password = ask_server_settings(reason="Connect this computer to the clinic.")
    assert settings == settings_for(clinic, name="Test clinic")
    assert password == clinic.app_password

    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert ask_server_settings(settings=settings) is None


# ---------------------------------------------------------------- server not reachable


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        ((Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier), "retry"),
        ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier), "quit"),
        ((Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier), "settings"),
        ((Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier), "quit"),
        ((Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier), "retry"),
    ],
)
def test_the_unreachable_answer_is_one_key_away(qtbot, key, choice):
    pressed = []

    def press() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClick(dialog, *key)
        pressed.append(type(dialog))
        # A mnemonic "animates" its button's click: it lands a moment later.
        with contextlib.suppress(qtbot.TimeoutError):
            qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=1_000)
        if dialog.isVisible():  # the key did nothing: fail, never hang
            dialog.choice = "nothing"
            dialog.done(0)

    QTimer.singleShot(0, press)
    assert ask_after_failure(None, "Nothing answers at that server and port.") == choice
    assert pressed == [ServerUnreachableDialog]


def test_the_unreachable_reason_is_plain_with_no_password_nor_traceback(qtbot):
    refusal = (
        'Traceback (most recent call last):\n  File "x.py", line 1\n'
        "ServerRefused: Could not connect to the clinic server (host=srv password=hunter2 "
        "dbname=tpchart) via postgresql://tpchart_app:hunter3@srv/tpchart: Connection refused"
    )
    dialog = ServerUnreachableDialog(refusal, server="Main street")
    qtbot.addWidget(dialog)
    text = dialog.reason.text()
    assert "hunter2" not in text and "hunter3" not in text and "Traceback" not in text
    assert "Connection refused" in text and "password=***" in text
    assert scrubbed("password = 'a b c' port=1") == "password = *** port=1"
