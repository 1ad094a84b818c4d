"""The app on a clinic server (tpchart.clinic_app): started with ``--db postgresql://``,
a server that cannot be reached, and moving between this computer's database and the
server from the File menu (issue 21). Real windows on the test server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import tpchart.app as app_module
import tpchart.clinic_app as clinic_app
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.store.server import workstation as ws


@pytest.fixture
def clinic(server_clinics, tmp_path, monkeypatch):
    """A clinic database with one practitioner; its app role's password in a pgpass
    file of this test (libpq's own way, as a script would), and the address to it."""
    from psycopg.conninfo import conninfo_to_dict

    name = server_clinics.new()
    login = server_clinics.app_login(name)
    server = conninfo_to_dict(server_clinics.dsn)
    passfile = tmp_path / "pgpass"
    ours = os.environ.get("PGPASSFILE")  # the test server's superuser, kept usable
    kept = Path(ours).read_text() if ours and Path(ours).is_file() else ""
    passfile.write_text(f"{server['host']}:{server['port']}:{name}:{login['user']}:"
                        f"{login['password']}\n{kept}")  # fmt: skip
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    address = f"postgresql://{login['user']}@{server['host']}:{server['port']}/{name}"
    yield address, login["password"]
    server_clinics.drop(name)


@pytest.fixture(autouse=True)
def nobody_signs_in(monkeypatch):
    """The sign-in and set-up dialogs have tests of their own: here the clinic charts."""
    monkeypatch.setattr(app_module.App, "_who_is_charting", lambda self, store: True)


def _titles_then(steps):
    """Run ``steps`` one by one, each when a window is shown; collect the titles."""
    seen: list[str] = []

    def tick():
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()
                   and w.objectName() == "mainWindow"]  # fmt: skip
        if windows and (not seen or seen[-1] != windows[0].windowTitle() or not steps):
            window = windows[0]
            seen.append(window.windowTitle())
            if steps:
                steps.pop(0)(window)
            else:
                QApplication.instance().exit(0)
                return
        QTimer.singleShot(100, tick)

    QTimer.singleShot(100, tick)
    return seen


def test_the_window_opens_on_the_server_named_in_db(qtbot, clinic):
    address, _ = clinic
    seen = _titles_then([])
    assert app_module.run_app(address + "?sslmode=disable") == 0
    assert seen and "clinic server" in seen[0] and address.rsplit("/", 1)[1] in seen[0]


def test_a_server_that_cannot_be_reached_is_said_plainly_and_retried(qtbot, monkeypatch):
    asked: list[str] = []

    def answer(parent, text, server=""):
        asked.append(text)
        return "retry" if len(asked) == 1 else "quit"

    monkeypatch.setattr(clinic_app, "ask_after_failure", answer)
    # Nothing listens on port 1: refused at once, never a traceback.
    code = app_module.run_app("postgresql://tpchart_app@127.0.0.1:1/tpchart?sslmode=disable")
    assert code == 0
    assert len(asked) == 2  # Retry tried again; Quit ended it
    assert "Could not connect to the clinic server" in asked[0]
    assert "Traceback" not in asked[0]


def test_connecting_from_the_file_and_back_switches_the_records(qtbot, clinic, tmp_path):
    address, password = clinic
    path = tmp_path / "own.db"
    with Store.open(path) as store:
        store.practitioners.add(Practitioner(name="Dr Ana Souza"))
    settings = ws.ServerSettings.from_url(address + "?sslmode=disable")
    ws.save(settings)  # what the Connect dialog saves when it connects

    seen = _titles_then([
        lambda w: w.connect_server_requested.emit((settings, password)),
        lambda w: w.local_database_requested.emit(),
    ])  # fmt: skip
    assert app_module.run_app(path) == 0

    assert seen[0].endswith("own.db")
    assert "clinic server" in seen[1]
    assert seen[2].endswith("own.db")  # back on this computer's database
    assert ws.load() is None  # the server is forgotten: the next start opens the file
