"""The main window as a doctor meets it: welcome, new patient, search, sessions."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QListView

from tpchart.core.patient import Patient
from tpchart.demo import write_demo
from tpchart.store import DEMO_KEY, Store
from tpchart.ui.main_window import MainWindow
from tpchart.ui.patient_dialog import PatientDialog


def make_window(qtbot, store):
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    return window


def test_first_run_asks_who_and_the_demo_writes_nothing_here(qtbot, empty_store, monkeypatch):
    monkeypatch.setattr(PatientDialog, "exec", lambda self: 0)  # the next step; not tested here
    window = make_window(qtbot, empty_store)
    assert window.pages.currentWidget() is window.welcome
    welcome = window.welcome
    qtbot.mouseClick(welcome.new_patient, Qt.MouseButton.LeftButton)
    assert "Practitioner name is required" in welcome.error.text()
    # The demo is another database (the app switches to it): nothing is written here.
    with qtbot.waitSignal(window.open_demo_requested):
        qtbot.mouseClick(welcome.demo, Qt.MouseButton.LeftButton)
    assert empty_store.patients.count() == 0 and empty_store.practitioners.all() == []
    welcome.name.setText("Dr Ana Souza")
    qtbot.mouseClick(welcome.new_patient, Qt.MouseButton.LeftButton)
    # The clinic's name is asked once, here: no document prints a "not set" heading.
    assert "Clinic name is required" in welcome.error.text()
    assert empty_store.practitioners.all() == []  # nothing half-saved
    welcome.clinic_name.setText("Riverside Pain Clinic")
    welcome.clinic_address.setText("1 River Road, Singapore 049315")
    qtbot.mouseClick(welcome.new_patient, Qt.MouseButton.LeftButton)
    assert empty_store.practitioners.all()[0].name == "Dr Ana Souza"
    assert empty_store.clinic.load().name == "Riverside Pain Clinic"
    assert not welcome.who.isVisible() and not welcome.clinic.isVisible()
    assert "DEMO" not in window.windowTitle() and window.demo_banner is None


def test_new_patient_dialog_shows_errors_and_keeps_input(qtbot, store):
    dialog = PatientDialog(store)
    qtbot.addWidget(dialog)
    dialog.full_name.setText("Ирина Петрова")
    dialog.date_of_birth.setText("06.05.1985")
    dialog.email.setText("not-an-email")
    dialog.accept()
    assert dialog.error.isVisible() or dialog.error.text()
    assert "E-mail address looks wrong" in dialog.error.text()
    assert dialog.full_name.text() == "Ирина Петрова"
    assert store.patients.count() == 0
    dialog.email.setText("irina@example.org")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert store.patients.find("ирина")[0].email == "irina@example.org"


def test_new_patient_from_the_window_is_selected(qtbot, store):
    window = make_window(qtbot, store)

    def fill_and_save():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PatientDialog)
        dialog.full_name.setText("王小明")
        dialog.date_of_birth.setDate(date(1980, 3, 12))
        dialog.accept()

    QTimer.singleShot(0, fill_and_save)
    window.new_patient()
    assert window.patient is not None and window.patient.full_name == "王小明"
    assert "王小明" in window.findChild(QLabel, "patientTitle").text()


def test_search_box_filters_the_list(qtbot, store):
    store.settings.set_many({DEMO_KEY: "yes"})  # a demo database, as `tpchart demo` makes
    write_demo(store, patients=6)
    window = make_window(qtbot, store)
    search = window.findChild(QLineEdit, "patientSearch")
    patient_list = window.findChild(QListView, "patientList")
    assert patient_list.model().rowCount() == 6
    # QTest can only type ASCII keys; insert() is what an input method does for Cyrillic.
    for letter in "ири":
        search.insert(letter)
    qtbot.waitUntil(lambda: patient_list.model().rowCount() == 1)
    assert "Ирина" in patient_list.model().index(0).data()


def test_selecting_a_patient_lists_sessions_and_precautions(qtbot, store):
    from tpchart.core.screening import Precaution

    store.patients.add(
        Patient(
            record_number="R1",
            full_name="Ana",
            date_of_birth=date(1990, 1, 1),
            precautions=frozenset({Precaution.PREGNANCY}),
        )
    )
    window = make_window(qtbot, store)
    patient_list = window.findChild(QListView, "patientList")
    patient_list.setCurrentIndex(patient_list.model().index(0))
    banner = window.findChild(QLabel, "headerPrecautions")
    assert banner.isVisible() and "Pregnancy" in banner.text()
    assert "Pregnancy" in window.findChild(QLabel, "patientPrecautions").text()


def test_data_survives_closing_the_window(qtbot, tmp_path):
    path = tmp_path / "keep.db"
    store = Store.open(path)
    window = make_window(qtbot, store)
    window.welcome.name.setText("Dr Keep")
    window.welcome.clinic_name.setText("Keep Clinic")
    assert window.welcome._ensure_practitioner()
    window.operations.save_patient(
        lambda: Patient(record_number="K-1", full_name="Kept Patient",
                        date_of_birth=date(1970, 5, 6)),
        pytest.fail,
    )  # fmt: skip
    window.close()
    store.close()
    with Store.open(path) as reopened:
        assert [p.full_name for p in reopened.patients.find()] == ["Kept Patient"]
