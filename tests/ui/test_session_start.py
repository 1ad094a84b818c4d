"""The "New session" start panel, driven as a doctor would: keys, clicks, Enter."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox

from tpchart.core.patient import Patient
from tpchart.core.screening import REFERRAL_ADVICE, Precaution, RedFlag
from tpchart.core.session import DEFAULT_AFTERCARE, LikelyCause
from tpchart.store import Store
from tpchart.ui.session_start import StartSessionDialog

STANDING = frozenset({Precaution.ANTICOAGULANTS, Precaution.PREGNANCY})


@pytest.fixture
def patient(store):
    return store.patients.add(
        Patient(
            record_number="P-00001",
            full_name="Ирина Петрова",
            date_of_birth=date(1984, 5, 17),
            precautions=STANDING,
        )
    )


@pytest.fixture
def dialog(qtbot, store, patient):
    dialog = StartSessionDialog(store, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    return dialog


def tick(qtbot, box: QCheckBox) -> None:
    """Click on the check indicator, where a mouse would."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def test_standing_precautions_are_preticked_and_the_draft_is_saved(qtbot, store, patient, dialog):
    boxes = dialog.screening.precaution_boxes
    assert {p for p, box in boxes.items() if box.isChecked()} == STANDING
    tick(qtbot, boxes[Precaution.PREGNANCY])  # not today
    tick(qtbot, boxes[Precaution.NEEDLE_PHOBIA])

    dialog.chief_complaint.setFocus()
    qtbot.keyClicks(dialog.chief_complaint, "Neck pain after desk work")
    dialog.likely_cause.setCurrentIndex(dialog.likely_cause.findData(LikelyCause.POSTURAL_STRAIN))
    dialog.pain_before.setFocus()
    qtbot.keyClick(dialog.pain_before, Qt.Key.Key_7)
    tick(qtbot, dialog.consent_given)
    assert dialog.consent_by.isEnabled() and dialog.consent_by.text() == "Patient"
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)  # Enter saves

    assert dialog.result() == dialog.DialogCode.Accepted
    saved = dialog.saved
    assert saved is not None and saved.id is not None
    with Store.open(store.path, read_only=True) as reopened:
        stored = reopened.sessions.get(saved.id)
    assert stored.patient_id == patient.id
    assert stored.practitioner_id == store.practitioner_id
    assert stored.chief_complaint == "Neck pain after desk work"
    assert stored.likely_cause is LikelyCause.POSTURAL_STRAIN
    assert stored.pain_before == 7
    assert stored.screening_done
    assert stored.contraindications == {Precaution.ANTICOAGULANTS, Precaution.NEEDLE_PHOBIA}
    assert stored.consent_given and stored.consent_by == "Patient"
    assert stored.consent_at is not None and stored.consent_at.tzinfo is not None
    assert stored.started_at.tzinfo is not None
    assert stored.aftercare_text == DEFAULT_AFTERCARE
    assert not stored.red_flags


def test_pain_scale_keys_set_ten_and_clear(qtbot, dialog):
    scale = dialog.pain_before
    scale.setFocus()
    qtbot.keyClicks(scale, "10")
    assert scale.value() == 10
    assert scale.buttons[10].isChecked()
    qtbot.keyClick(scale, Qt.Key.Key_Left)
    assert scale.value() == 9
    qtbot.keyClick(scale, Qt.Key.Key_Delete)
    assert scale.value() is None
    qtbot.mouseClick(scale.buttons[4], Qt.MouseButton.LeftButton)
    assert scale.value() == 4
    qtbot.mouseClick(scale.buttons[4], Qt.MouseButton.LeftButton)  # again: not recorded
    assert scale.value() is None


def test_red_flag_shows_the_referral_banner(qtbot, store, dialog):
    banner = dialog.screening.referral
    assert not banner.isVisible()
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.FEVER])
    assert banner.isVisible()
    assert REFERRAL_ADVICE in banner.text()
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.FEVER])
    assert not banner.isVisible()
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.NUMBNESS])
    dialog.accept()
    assert store.sessions.get(dialog.saved.id).red_flags == {RedFlag.NUMBNESS}


def test_bad_input_is_explained_and_nothing_typed_is_lost(qtbot, store, patient, dialog):
    qtbot.keyClicks(dialog.chief_complaint, "Headache at the temples")
    dialog.pain_before.set_value(5)
    tick(qtbot, dialog.consent_given)
    dialog.consent_by.clear()
    dialog.accept()

    assert dialog.error.isVisible()
    assert "Consent needs the name of who gave it" in dialog.error.text()
    assert dialog.isVisible() and dialog.saved is None
    assert dialog.chief_complaint.text() == "Headache at the temples"
    assert dialog.pain_before.value() == 5
    assert dialog.consent_given.isChecked()
    assert store.sessions.for_patient(patient.id) == []

    qtbot.keyClicks(dialog.consent_by, "Mother (guardian)")
    dialog.accept()
    assert dialog.saved.consent_by == "Mother (guardian)"


def test_tab_follows_the_consultation(qtbot, dialog):
    dialog.chief_complaint.setFocus()
    order = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget().objectName())
    assert order == [
        "likelyCause",
        "painBefore",
        f"precaution_{next(iter(Precaution)).value}",
        f"precaution_{list(Precaution)[1].value}",
    ]
