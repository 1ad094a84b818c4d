"""Tests on a real X server (xcb): started by tests/test_on_x11.py under Xvfb."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings

from tpchart.core.practitioner import Practitioner
from tpchart.store import Store

assert os.environ.get("QT_QPA_PLATFORM") == "xcb", "run through tests/test_on_x11.py"


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "x11.db")
    doctor = store.practitioners.add(Practitioner(name="Dr Test"))
    store.practitioner_id = doctor.id
    yield store
    store.close()


@pytest.fixture(autouse=True)
def quit_without_asking(monkeypatch):
    """Closing a window with unsigned sessions asks (``take_back.confirm_quit``); tests
    that do not test that question answer "Quit anyway", so teardown never waits."""

    def answer(box):
        chosen = [b for b in box.buttons() if b.text() == "Quit anyway"]
        return chosen[0] if chosen else box.escapeButton()

    monkeypatch.setattr("tpchart.ui.take_back.ask", answer)
