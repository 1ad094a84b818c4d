"""UI tests: a fresh database and private QSettings for every test."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from tpchart.core.clinic import ClinicProfile
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store


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
