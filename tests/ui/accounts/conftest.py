"""Accounts tests: a clinic set up for real (scrypt, keys, recovery code), its
administrator signed in, a colleague with an account, a patient in the chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tpchart.core.accounts import Role
from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow

from ..charting import make_active, start

ADMIN_PASSPHRASE = "kettle whistles at seven"
BEN_PASSPHRASE = "blue heron by the river"
PATIENT_NAME = "Zelda Quinlan-Hart"


@dataclass
class Clinic:
    """A set-up clinic: its store, administrator, colleague and recovery code."""

    store: Store
    admin: Practitioner
    ben: Practitioner
    recovery_code: str


@pytest.fixture
def clinic(empty_store) -> Clinic:
    store = empty_store
    admin, code = store.accounts.set_up_clinic(
        Practitioner(name="Dr Ada Admin", registration="MC 1"), ADMIN_PASSPHRASE
    )
    store.clinic.save(ClinicProfile(name="Harbour Pain Clinic"))
    account = store.accounts.create(
        Practitioner(name="Dr Ben Okafor"), BEN_PASSPHRASE, Role.PRACTITIONER
    )
    ben = store.practitioners.get(account.practitioner_id)
    return Clinic(store, admin, ben, code)


@pytest.fixture
def charted(clinic) -> tuple[Patient, Session]:
    """A patient with a draft session, charted by the administrator."""
    patient = clinic.store.patients.add(
        Patient(record_number="Z-77", full_name=PATIENT_NAME, date_of_birth=date(1979, 3, 4))
    )
    return patient, start(clinic.store, patient)


@pytest.fixture
def locked_window(qtbot, clinic, charted):
    """The main window showing the patient, with the idle lock installed (not started)."""
    patient, _session = charted
    win = MainWindow(clinic.store)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    win.patients.select_patient(patient.id)
    make_active(qtbot, win)
    watch, screen = win.idle_watch, win.lock_screen  # the window installs its own
    watch.stop()  # each test starts it with its own short idle time
    yield win, watch, screen
    watch.stop()
