"""The "New session" start panel, driven as a doctor would: keys, clicks, Enter."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QCheckBox

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.screening import REFERRAL_ADVICE, Precaution, RedFlag
from tpchart.core.session import DEFAULT_AFTERCARE, LikelyCause
from tpchart.core.validation import check_score
from tpchart.store import Store
from tpchart.ui.session_start import NO_COMPLAINT, StartSessionDialog

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
    tick(qtbot, dialog.screening_done)
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
    qtbot.keyClicks(dialog.chief_complaint, "Neck pain and fever")
    dialog.accept()
    assert store.sessions.get(dialog.saved.id).red_flags == {RedFlag.NUMBNESS}


def test_bad_input_is_explained_and_nothing_typed_is_lost(qtbot, store, patient, dialog):
    qtbot.keyClicks(dialog.chief_complaint, "Headache at the temples")
    dialog.pain_before.set_value(5)
    tick(qtbot, dialog.consent_given)
    dialog.consent_by.clear()
    dialog.accept()

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


def patient_of(store, sex: Sex, precautions=frozenset(), number: str = "P-00009") -> Patient:
    return store.patients.add(
        Patient(record_number=number, full_name="Jan Novák", date_of_birth=date(1975, 3, 15),
                sex=sex, precautions=precautions)
    )  # fmt: skip


def open_dialog(qtbot, store, patient) -> StartSessionDialog:
    dialog = StartSessionDialog(store, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_screening_done_is_unticked_until_the_doctor_ticks_it(qtbot, store, patient, dialog):
    assert not dialog.screening_done.isChecked()
    qtbot.keyClicks(dialog.chief_complaint, "Jaw pain")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    assert store.sessions.get(dialog.saved.id).screening_done is False

    second = open_dialog(qtbot, store, patient)
    box = second.screening_done
    # The label's text is part of the click target, as on any check box.
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(box.width() // 2, 6))
    assert box.isChecked()
    qtbot.keyClicks(second.chief_complaint, "Jaw pain, better")
    qtbot.keyClick(second.chief_complaint, Qt.Key.Key_Return)
    assert store.sessions.get(second.saved.id).screening_done is True


def test_an_empty_dialog_starts_no_session_and_says_what_to_fill(qtbot, store, patient, dialog):
    buttons_at = dialog.save_button.mapTo(dialog, QPoint(0, 0))
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)

    assert dialog.isVisible() and dialog.saved is None
    assert dialog.error.text() == NO_COMPLAINT
    assert "chief complaint" in dialog.error.text()
    assert store.sessions.for_patient(patient.id) == []
    assert QApplication.focusWidget() is dialog.chief_complaint
    # The message had its room already: Start session did not move.
    assert dialog.save_button.mapTo(dialog, QPoint(0, 0)) == buttons_at

    qtbot.keyClicks(dialog.chief_complaint, "   ")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)  # blanks are not a complaint
    assert store.sessions.for_patient(patient.id) == []
    qtbot.keyClicks(dialog.chief_complaint, "Shoulder pain")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    (started,) = store.sessions.for_patient(patient.id)
    assert started.chief_complaint == "Shoulder pain"


def test_a_typed_pain_above_ten_is_refused_in_the_records_words(qtbot, store, patient, dialog):
    scale = dialog.pain_before
    scale.setFocus()
    qtbot.keyClick(scale, Qt.Key.Key_5)
    qtbot.wait(QApplication.keyboardInputInterval() + 50)  # a new number starts
    qtbot.keyClicks(scale, "12")
    assert scale.value() == 5  # back to what was there, not 1, 2 or 10
    assert scale.buttons[5].isChecked()
    with pytest.raises(ValidationError) as refused:
        check_score("Pain before", 12)
    assert dialog.error.text() == str(refused.value) == "Pain before must be 0-10, got 12"
    with pytest.raises(ValidationError, match="Pain before must be 0-10, got 11"):
        scale.set_value(11)  # no silent clamping from code either

    qtbot.keyClicks(dialog.chief_complaint, "Neck pain")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    assert store.sessions.get(dialog.saved.id).pain_before == 5


def test_arrows_stop_at_the_ends_of_the_scale(qtbot, dialog):
    scale = dialog.pain_before
    scale.setFocus()
    qtbot.keyClicks(scale, "10")
    qtbot.keyClick(scale, Qt.Key.Key_Right)
    assert scale.value() == 10 and dialog.error.text() == ""
    qtbot.keyClick(scale, Qt.Key.Key_0)
    qtbot.keyClick(scale, Qt.Key.Key_Left)
    assert scale.value() == 0


def test_pregnancy_is_not_offered_for_a_male_patient(qtbot, store):
    male = open_dialog(qtbot, store, patient_of(store, Sex.MALE))
    assert not male.screening.precaution_boxes[Precaution.PREGNANCY].isVisible()
    assert Precaution.PREGNANCY not in male.screening.offered()
    assert male.screening.precaution_boxes[Precaution.EPILEPSY].isVisible()

    female = open_dialog(qtbot, store, patient_of(store, Sex.FEMALE, number="P-00010"))
    assert female.screening.precaution_boxes[Precaution.PREGNANCY].isVisible()

    # Already on the record (a standing precaution): shown and ticked, never hidden.
    recorded = patient_of(store, Sex.MALE, frozenset({Precaution.PREGNANCY}), "P-00011")
    odd = open_dialog(qtbot, store, recorded)
    box = odd.screening.precaution_boxes[Precaution.PREGNANCY]
    assert box.isVisible() and box.isChecked()


def test_scales_and_checklist_have_accessible_names(qtbot, dialog):
    def name(widget) -> str:
        return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)

    assert name(dialog.pain_before) == "Pain before (0-10)"
    assert name(dialog.pain_before.buttons[7]) == "Pain before 7"
    assert "Screening" in name(dialog.screening)
    box = dialog.screening.precaution_boxes[Precaution.CARDIAC]
    assert name(box) == Precaution.CARDIAC.label
    assert "Screening done" in name(dialog.screening_done).replace("&", "")


def test_every_screening_answer_is_shown_whole(qtbot, dialog):
    # A dialog's height does not follow wrapped text: no answer may need a second line.
    for box in [*dialog.screening.checkboxes(), dialog.screening_done]:
        if box.isVisible():
            assert box.height() >= box.heightForWidth(box.width()), box.text()
            assert box.width() >= box.sizeHint().width(), box.text()
