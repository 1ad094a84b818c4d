"""The "New session" start panel, driven as a doctor would: keys, clicks, Enter."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import DEFAULT_AFTERCARE, LikelyCause
from tpchart.core.validation import check_score
from tpchart.store import Store
from tpchart.ui.red_flag_decision import RedFlagDecisionDialog
from tpchart.ui.session_start import NO_COMPLAINT, StartSessionDialog

from .dialogs import on_next_modal

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


def test_a_red_flag_asks_for_a_decision_kept_with_the_session(qtbot, store, dialog):
    bar = dialog.red_flag_bar
    assert not bar.isVisible()
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.FEVER])
    assert bar.isVisible() and "decision needed" in bar.text()
    assert "(Fever)" in bar.text()
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.FEVER])
    assert not bar.isVisible()  # no flag, nothing to decide

    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.WEIGHT_LOSS])

    def decide(decision: RedFlagDecisionDialog) -> None:
        assert isinstance(decision, RedFlagDecisionDialog)
        tick(qtbot, decision.safe)
        decision.ok_button.click()  # safe, and no reason: refused, the dialog stays
        assert decision.isVisible()
        assert decision.error.text() == "Say why it is safe to proceed despite the red flag"
        qtbot.keyClicks(decision.reason_edit, "Weight loss intended: diet since January")
        qtbot.keyClick(decision.reason_edit, Qt.Key.Key_Return)

    failures = on_next_modal(qtbot, decide)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert not failures
    assert bar.text() == (
        "Red flag (Unexplained weight loss): assessed, safe to proceed: "
        "Weight loss intended: diet since January"
    )
    assert store.sessions.for_patient(dialog._patient.id) == []  # kept until Start

    qtbot.keyClicks(dialog.chief_complaint, "Low back pain")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    stored = store.sessions.get(dialog.saved.id)
    assert stored.red_flags == {RedFlag.WEIGHT_LOSS}
    assert stored.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED
    assert stored.red_flag_reason == "Weight loss intended: diet since January"


def test_a_flag_added_after_the_decision_needs_a_new_one(qtbot, store, dialog):
    boxes = dialog.screening.red_flag_boxes
    tick(qtbot, boxes[RedFlag.TRAUMA])
    failures = on_next_modal(qtbot, lambda d: (d.referred.click(), d.ok_button.click()))
    qtbot.mouseClick(dialog.red_flag_bar.button, Qt.MouseButton.LeftButton)
    assert not failures
    assert "referred for medical assessment" in dialog.red_flag_bar.text()
    assert "no needling this session" in dialog.red_flag_bar.text()
    tick(qtbot, boxes[RedFlag.NIGHT_PAIN])  # a new flag: decided on the other only
    assert "decision needed" in dialog.red_flag_bar.text()
    qtbot.keyClicks(dialog.chief_complaint, "Back pain after a fall")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    stored = store.sessions.get(dialog.saved.id)
    assert stored.red_flags == {RedFlag.TRAUMA, RedFlag.NIGHT_PAIN}
    assert stored.red_flag_undecided


def test_red_flags_follow_the_complaint_areas(qtbot, store, dialog):
    screening = dialog.screening
    general = [f for f in RedFlag if f.area is None]
    neck = [f for f in RedFlag if f.area is ComplaintArea.NECK and not f.legacy]
    low_back = [f for f in RedFlag if f.area is ComplaintArea.LOW_BACK]

    def asked() -> list[RedFlag]:
        return [f for f, box in screening.red_flag_boxes.items() if box.isVisible()]

    assert asked() == general  # no area: another complaint, the general ones only
    tick(qtbot, screening.area_boxes[ComplaintArea.NECK])
    assert asked() == general + neck
    tick(qtbot, screening.area_boxes[ComplaintArea.LOW_BACK])
    assert asked() == general + neck + low_back
    tick(qtbot, screening.area_boxes[ComplaintArea.NECK])
    assert asked() == general + low_back
    tick(qtbot, screening.red_flag_boxes[RedFlag.SADDLE_NUMBNESS])
    tick(qtbot, screening.area_boxes[ComplaintArea.LOW_BACK])
    # A ticked flag is never hidden, though its area is no longer ticked.
    assert asked() == [*general, RedFlag.SADDLE_NUMBNESS]
    assert not any("neck pain" in box.text() for box in screening.red_flag_boxes.values())

    qtbot.keyClicks(dialog.chief_complaint, "Low back pain")
    tick(qtbot, screening.area_boxes[ComplaintArea.LOW_BACK])
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    stored = store.sessions.get(dialog.saved.id)
    assert stored.complaint_areas == {ComplaintArea.LOW_BACK}
    assert stored.red_flags == {RedFlag.SADDLE_NUMBNESS}


def test_a_sited_precaution_asks_where_and_starts_from_the_patients_site(qtbot, store):
    arm = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)
    patient = store.patients.add(
        Patient(record_number="P-00020", full_name="Ana Lima", date_of_birth=date(1960, 4, 2),
                sex=Sex.FEMALE, precautions=frozenset({Precaution.LYMPHOEDEMA}),
                precaution_sites=(arm,))
    )  # fmt: skip
    dialog = open_dialog(qtbot, store, patient)
    screening = dialog.screening
    lymph, implant = (screening.site_choosers[p] for p in (Precaution.LYMPHOEDEMA,
                                                            Precaution.IMPLANTS))  # fmt: skip
    assert lymph.isVisible() and lymph.sites() == [arm]  # from the standing list
    assert not implant.isVisible()  # shown only while its precaution is ticked
    tick(qtbot, screening.precaution_boxes[Precaution.IMPLANTS])
    assert implant.isVisible() and implant.sites() == []
    implant.side.setCurrentIndex(implant.side.findData(SiteSide.RIGHT))
    implant.area.setCurrentIndex(implant.area.findData(BodyArea.KNEE))

    qtbot.keyClicks(dialog.chief_complaint, "Knee pain")
    qtbot.keyClick(dialog.chief_complaint, Qt.Key.Key_Return)
    stored = store.sessions.get(dialog.saved.id)
    assert stored.contraindications == {Precaution.LYMPHOEDEMA, Precaution.IMPLANTS}
    assert set(stored.precaution_sites) == {
        arm,
        PrecautionSite(Precaution.IMPLANTS, BodyArea.KNEE, SiteSide.RIGHT),
    }


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
    # Long answers wrap, whole: the list scrolls where the screen is short instead.
    for area in ComplaintArea:
        tick(qtbot, dialog.screening.area_boxes[area])
    dialog.screening_scroll.widget().layout().activate()
    for box in [*dialog.screening.checkboxes(), dialog.screening_done]:
        if box.isVisible():
            assert box.height() >= box.heightForWidth(box.width()), box.text()
            assert box.width() >= box.minimumSizeHint().width(), box.text()
    right = dialog.screening_scroll.viewport().width()
    for box in dialog.screening.checkboxes():
        if box.isVisible():
            assert box.mapTo(dialog.screening, QPoint(box.width(), 0)).x() <= right, box.text()


def test_the_dialog_fits_a_laptop_screen_and_keeps_its_buttons(qtbot, dialog):
    available = dialog.screen().availableGeometry()
    assert dialog.width() <= available.width()
    assert dialog.height() <= available.height()
    for area in ComplaintArea:
        tick(qtbot, dialog.screening.area_boxes[area])
    tick(qtbot, dialog.screening.red_flag_boxes[RedFlag.FEVER])
    dialog.layout().activate()
    bottom = dialog.save_button.mapTo(dialog, QPoint(0, dialog.save_button.height())).y()
    assert bottom <= dialog.height()
    assert dialog.red_flag_bar.button.mapTo(dialog, QPoint(0, 0)).y() >= 0


def test_every_mnemonic_label_has_a_buddy_so_no_ampersand_shows(dialog):
    for label in dialog.findChildren(QLabel):
        text = label.text().replace("&&", "")
        if "&" in text and label.textFormat() != Qt.TextFormat.RichText:
            assert label.buddy() is not None, f"{label.text()!r} would show its '&'"
