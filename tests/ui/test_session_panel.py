"""The Session side panel: every edit is saved at once, refusals revert, sign and amend."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QWidget

from tpchart.core.patient import Patient
from tpchart.core.regions import Side, View
from tpchart.core.screening import REFERRAL_ADVICE, Precaution, RedFlag
from tpchart.core.session import (
    DEFAULT_AFTERCARE,
    AdverseEvent,
    LikelyCause,
    Session,
    SessionStatus,
    Severity,
)
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store
from tpchart.ui.amend_dialog import AmendDialog
from tpchart.ui.session_panel import SessionPanel


@pytest.fixture
def patient(store):
    return store.patients.add(
        Patient(record_number="P-00002", full_name="王小明", date_of_birth=date(1990, 2, 3))
    )


@pytest.fixture
def draft(store, patient):
    """A session started without screening or consent, as an interrupted session might be."""
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime.now().astimezone(),
            chief_complaint="Low back pain",
        )
    )


@pytest.fixture
def panel(qtbot, store, patient, draft):
    panel = SessionPanel(store)
    qtbot.addWidget(panel)
    panel.resize(380, 700)
    panel.set_session(draft, patient)
    panel.show()
    panel.activateWindow()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def changes(panel):
    emitted: list[Session] = []
    panel.session_changed.connect(emitted.append)
    return emitted


def stored(store, session_id) -> Session:
    """The session as another connection reads it from the file."""
    with Store.open(store.path, read_only=True) as reopened:
        return reopened.sessions.get(session_id)


def tick(qtbot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def type_and_enter(qtbot, edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def type_and_leave(qtbot, box, text: str, next_widget: QWidget) -> None:
    box.setFocus()
    qtbot.keyClicks(box, text)
    next_widget.setFocus()  # leaving a multi-line box saves it


def on_next_modal(qtbot, handle) -> list[BaseException]:
    """Run ``handle(dialog)`` on the modal dialog the next click opens; never leave it hanging."""
    failures: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            handle(dialog)
        except BaseException as exc:  # reported by the test after exec() returns
            failures.append(exc)
            dialog.reject()

    QTimer.singleShot(0, run)
    return failures


def test_every_field_is_saved_as_it_is_edited(qtbot, store, panel, draft, changes):
    f = panel.form
    type_and_enter(qtbot, f.chief_complaint, "Low back pain radiating to the buttock")
    f.likely_cause.setCurrentIndex(f.likely_cause.findData(LikelyCause.MUSCLE_IMBALANCE))
    qtbot.mouseClick(f.pain_before.buttons[7], Qt.MouseButton.LeftButton)
    tick(qtbot, f.screening.precaution_boxes[Precaution.EPILEPSY])
    tick(qtbot, f.screening_done)
    tick(qtbot, f.consent_given)
    type_and_enter(qtbot, f.consent_by, "Mother (guardian)")
    tick(qtbot, f.skin_prepared)
    f.pain_after.setFocus()
    qtbot.keyClick(f.pain_after, Qt.Key.Key_3)
    f.adverse.kind.setCurrentText("Bruising")
    f.adverse.severity.setCurrentIndex(f.adverse.severity.findData(Severity.SIGNIFICANT))
    qtbot.keyClicks(f.adverse.note, "left gluteus medius")
    qtbot.mouseClick(f.adverse.add_button, Qt.MouseButton.LeftButton)
    tick(qtbot, f.aftercare_given)
    assert f.aftercare_text.toPlainText() == DEFAULT_AFTERCARE  # the default fills in
    f.aftercare_text.moveCursor(f.aftercare_text.textCursor().MoveOperation.End)
    type_and_leave(qtbot, f.aftercare_text, " Heat pack tonight.", f.follow_up)
    type_and_leave(qtbot, f.follow_up, "Review in one week", f.notes)
    type_and_leave(qtbot, f.notes, "Strong twitch in QL", f.outcome_edits["ndi"])
    type_and_enter(qtbot, f.outcome_edits["ndi"], "24")
    type_and_enter(qtbot, f.outcome_edits["odi"], "30,5")
    type_and_enter(qtbot, f.outcome_edits["psfs"], "6.5")

    s = stored(store, draft.id)
    assert s.chief_complaint == "Low back pain radiating to the buttock"
    assert s.likely_cause is LikelyCause.MUSCLE_IMBALANCE
    assert s.pain_before == 7 and s.pain_after == 3
    assert s.contraindications == {Precaution.EPILEPSY}
    assert s.screening_done and s.skin_prepared
    assert s.consent_given and s.consent_by == "Mother (guardian)" and s.consent_at is not None
    assert s.adverse_events == (
        AdverseEvent("Bruising", Severity.SIGNIFICANT, "left gluteus medius"),
    )
    assert s.aftercare_given and s.aftercare_text == DEFAULT_AFTERCARE + " Heat pack tonight."
    assert s.follow_up == "Review in one week" and s.notes == "Strong twitch in QL"
    assert (s.ndi, s.odi, s.psfs) == (24.0, 30.5, 6.5)
    assert f.outcome_edits["odi"].text() == "30.5"  # shown as stored
    assert changes[-1] == s
    assert len(changes) == 17  # one save per user action, none echoed by refilling

    # Emptying a measure means "not measured"; removing the event empties the list.
    type_and_enter(qtbot, f.outcome_edits["psfs"], "")
    f.adverse.list.setCurrentRow(0)
    qtbot.mouseClick(f.adverse.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(f.pain_before.buttons[7], Qt.MouseButton.LeftButton)  # click again: clear
    s = stored(store, draft.id)
    assert s.psfs is None and s.adverse_events == () and s.pain_before is None
    assert f.adverse.none_label.isVisible()


def test_red_flag_shows_referral_and_is_saved(qtbot, store, panel, draft):
    screening = panel.form.screening
    assert not panel.referral.isVisible()
    tick(qtbot, screening.red_flag_boxes[RedFlag.SEVERE_HEADACHE])
    assert stored(store, draft.id).red_flags == {RedFlag.SEVERE_HEADACHE}
    # Above the scrolling form, where it cannot scroll out of sight.
    assert panel.referral.isVisible()
    expected = "⚠ Red flag with neck pain (Severe headache): refer for medical assessment"
    assert panel.referral.text().startswith(expected)
    assert REFERRAL_ADVICE.endswith(panel.referral.text().split("): ")[1])
    tick(qtbot, screening.red_flag_boxes[RedFlag.SEVERE_HEADACHE])
    assert not panel.referral.isVisible()


def test_invalid_value_is_refused_and_the_widget_reverts(qtbot, store, panel, draft, changes):
    f = panel.form
    type_and_enter(qtbot, f.outcome_edits["ndi"], "40")
    type_and_enter(qtbot, f.outcome_edits["ndi"], "150")
    assert panel.error.isVisible()
    assert "Neck Disability Index must be 0-100 %, got 150" in panel.error.text()
    assert f.outcome_edits["ndi"].text() == "40"
    type_and_enter(qtbot, f.outcome_edits["odi"], "about ten")
    assert "must be a number" in panel.error.text()
    assert f.outcome_edits["odi"].text() == ""

    tick(qtbot, f.consent_given)
    assert f.consent_by.text() == "Patient"  # the usual case needs no typing
    type_and_enter(qtbot, f.consent_by, "   ")
    assert "Consent needs the name of who gave it" in panel.error.text()
    assert f.consent_by.text() == "Patient"

    s = stored(store, draft.id)
    assert (s.ndi, s.odi, s.consent_by) == (40.0, None, "Patient")
    assert len(changes) == 2
    type_and_enter(qtbot, f.outcome_edits["odi"], "12")
    assert not panel.error.isVisible()  # a good save clears the message


def test_sign_says_what_is_missing_then_signs(qtbot, store, panel, draft, changes):
    store.points.add(
        TriggerPoint(session_id=draft.id, number=1, view=View.BACK,
                     region_id="back.lower.left", side=Side.LEFT, x=227.0, y=424.0)
    )  # fmt: skip
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert "Cannot sign yet" in panel.error.text()
    assert "screening" in panel.error.text() and "consent" in panel.error.text()
    assert "1 trigger point(s) are charted" in panel.error.text()
    assert stored(store, draft.id).status is SessionStatus.DRAFT

    tick(qtbot, panel.form.screening_done)
    tick(qtbot, panel.form.consent_given)
    failures = on_next_modal(qtbot, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert not failures

    signed = stored(store, draft.id)
    assert signed.status is SessionStatus.SIGNED and signed.signed_by == store.practitioner_id
    assert panel.status.text().startswith("Signed by Dr Test on ")
    assert f"{signed.signed_at.astimezone():%d %b %Y %H:%M}" in panel.status.text()
    assert changes[-1].status is SessionStatus.SIGNED


def test_signed_session_is_read_only_and_amend_reopens_version_2(qtbot, store, panel, draft):
    f = panel.form
    tick(qtbot, f.screening_done)
    signed = store.sessions.sign(draft.id)
    panel.set_session(signed, None)

    assert f.chief_complaint.isReadOnly() and f.notes.isReadOnly()
    assert all(e.isReadOnly() for e in f.outcome_edits.values())
    for widget in (f.likely_cause, f.pain_before, f.pain_after, f.consent_given,
                   f.aftercare_given, f.adverse.add_button,
                   f.screening.precaution_boxes[Precaution.PREGNANCY]):  # fmt: skip
        assert not widget.isEnabled()
    assert not panel.sign_button.isVisible() and panel.amend_button.isVisible()

    def give_reason(dialog: AmendDialog) -> None:
        assert isinstance(dialog, AmendDialog)
        dialog.ok_button.click()  # no reason: refused, the dialog stays
        assert dialog.isVisible() and "Give a reason" in dialog.error.text()
        qtbot.keyClicks(dialog.reason_edit, "Pain after belonged to this session")
        dialog.ok_button.click()

    failures = on_next_modal(qtbot, give_reason)
    qtbot.mouseClick(panel.amend_button, Qt.MouseButton.LeftButton)
    assert not failures

    reopened = stored(store, draft.id)
    assert reopened.status is SessionStatus.AMENDING and reopened.version == 2
    assert panel.status.text() == "Amending version 2 — reason: Pain after belonged to this session"
    assert not f.chief_complaint.isReadOnly() and f.pain_after.isEnabled()
    assert panel.sign_button.text() == "Sign version 2…"
    f.pain_after.setFocus()
    qtbot.keyClick(f.pain_after, Qt.Key.Key_2)
    assert stored(store, draft.id).pain_after == 2


def test_switching_sessions_saves_text_still_being_typed(qtbot, store, panel, draft, patient):
    panel.form.notes.setFocus()
    qtbot.keyClicks(panel.form.notes, "typed, not yet left")
    panel.set_session(None, None)
    assert stored(store, draft.id).notes == "typed, not yet left"
    assert panel.empty.isVisible() and not panel.scroll.isVisible()


def test_refreshing_with_an_older_copy_keeps_what_was_typed(qtbot, store, panel, draft):
    panel.form.follow_up.setFocus()
    qtbot.keyClicks(panel.form.follow_up, "Three sessions over six weeks")
    panel.set_session(draft, None)  # the window refreshes with the copy it had
    assert panel.form.follow_up.toPlainText() == "Three sessions over six weeks"
    assert stored(store, draft.id).follow_up == "Three sessions over six weeks"


def test_scrolling_past_a_combo_does_not_change_it(qtbot, store, panel, draft):
    combo = panel.form.likely_cause
    panel.form.chief_complaint.setFocus()
    centre = QPointF(combo.width() / 2, combo.height() / 2)
    wheel = QWheelEvent(centre, combo.mapToGlobal(centre), QPoint(), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == 0
    assert stored(store, draft.id).likely_cause is None
