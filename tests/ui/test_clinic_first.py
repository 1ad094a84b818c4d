"""No document is printed under a "not set" clinic heading (issue 14, "what to add")."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.ui.clinic_dialog import ClinicDialog
from tpchart.ui.main_window import MainWindow


def test_export_asks_for_the_clinic_first_and_cancel_writes_nothing(
    qtbot, store, tmp_path, monkeypatch
):
    store.clinic.save(ClinicProfile())  # a database from before the welcome page asked
    patient = store.patients.add(
        Patient(record_number="C-1", full_name="Clare Clinic", date_of_birth=date(1975, 4, 5))
    )
    store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime.now(UTC), chief_complaint="Neck")
    )  # fmt: skip
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.patients.select_patient(patient.id)
    target = tmp_path / "summary.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    answers = []

    def answer(name: str) -> None:
        dialog = QApplication.activeModalWidget()
        answers.append(type(dialog))
        if name:
            dialog.name.setText(name)
            dialog.accept()
        else:
            dialog.reject()

    QTimer.singleShot(0, lambda: answer(""))
    window.menus.export_pdf_action.trigger()
    assert answers == [ClinicDialog] and not target.exists()

    QTimer.singleShot(0, lambda: answer("Riverside Pain Clinic"))
    window.menus.export_pdf_action.trigger()
    assert store.clinic.load().name == "Riverside Pain Clinic"
    assert target.exists()
    window.menus.export_pdf_action.trigger()  # asked once: the profile is there now
    assert answers == [ClinicDialog, ClinicDialog]
