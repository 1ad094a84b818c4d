"""UI tests: a fresh database and private QSettings for every test."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSettings

from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow

from .charting import make_active, start


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture
def empty_store(tmp_path):
    store = Store.open(tmp_path / "ui.db")
    yield store
    store.close()


@pytest.fixture
def store(empty_store):
    doctor = empty_store.practitioners.add(Practitioner(name="Dr Test"))
    empty_store.practitioner_id = doctor.id
    # As after the welcome page: documents are headed by a clinic, never asked for mid-test.
    empty_store.clinic.save(ClinicProfile(name="Test Clinic"))
    return empty_store


@pytest.fixture
def patient(store):
    """A patient to chart (test modules may define their own)."""
    return store.patients.add(
        Patient(record_number="C-1", full_name="Ana Chart", date_of_birth=date(1985, 6, 1))
    )


@pytest.fixture
def window(qtbot, store, patient):
    """The main window at 1366x740, active, charting a draft session of ``patient``."""
    start(store, patient)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    win.patients.select_patient(patient.id)
    make_active(qtbot, win)
    return win
