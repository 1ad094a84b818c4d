"""The Session side panel: every edit is saved at once, refusals revert, sign and amend."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAccessible, QColor, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QWidget

from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Severity
from tpchart.core.patient import Patient, Sex
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.regions import Side, View
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag
from tpchart.core.session import (
    DEFAULT_AFTERCARE,
    LikelyCause,
    Session,
    SessionStatus,
)
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.amend_dialog import AmendDialog
from tpchart.ui.session_panel import SessionPanel

from .dialogs import on_next_modal, stored
from .readability import contrast


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

    def record_bruise(dialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findData(AdverseEventType.BRUISING))
        dialog.severity.setCurrentIndex(dialog.severity.findData(Severity.SIGNIFICANT))
        qtbot.keyClicks(dialog.note, "left gluteus medius")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    failures = on_next_modal(qtbot, record_bruise)
    qtbot.mouseClick(f.adverse.add_button, Qt.MouseButton.LeftButton)
    assert not failures
    panel.activateWindow()  # back from the dialog, as the doctor's next click would
    qtbot.waitUntil(panel.isActiveWindow)
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
        AdverseEvent(AdverseEventType.BRUISING, Severity.SIGNIFICANT, "left gluteus medius"),
    )
    assert f.adverse.list.item(0).text() == "Bruising (significant). left gluteus medius"
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
    assert f.adverse.asked_none.isVisible() and not f.adverse.asked_none.isChecked()


def test_red_flag_asks_for_a_decision_above_the_form_and_is_saved(qtbot, store, panel, draft):
    screening = panel.form.screening
    bar = panel.red_flag_bar
    assert not bar.isVisible()
    tick(qtbot, screening.area_boxes[ComplaintArea.NECK])
    tick(qtbot, screening.red_flag_boxes[RedFlag.WORST_HEADACHE])
    s = stored(store, draft.id)
    assert s.red_flags == {RedFlag.WORST_HEADACHE} and s.complaint_areas == {ComplaintArea.NECK}
    # Above the scrolling form, where it cannot scroll out of sight.
    assert bar.isVisible() and bar.parent() is panel
    assert bar.text() == (
        "⚠ Red flag (Worst-ever headache): decision needed before needling: refer, or record "
        "why it is safe to proceed."
    )
    assert "neck pain" not in bar.text()
    tick(qtbot, screening.red_flag_boxes[RedFlag.WORST_HEADACHE])
    assert not bar.isVisible()


def test_an_edit_keeps_what_another_view_saved_meanwhile(qtbot, store, panel, draft):
    # The chart records the both-sides acknowledgement on the same session; the panel's
    # next save is built on the stored session, not on its older copy.
    store.sessions.update(replace(store.sessions.get(draft.id), both_sides_acknowledged=True))
    type_and_enter(qtbot, panel.form.chief_complaint, "Low back and left hip pain")
    s = stored(store, draft.id)
    assert s.chief_complaint == "Low back and left hip pain" and s.both_sides_acknowledged


def test_invalid_value_is_refused_and_the_widget_reverts(qtbot, store, panel, draft, changes):
    f = panel.form
    type_and_enter(qtbot, f.outcome_edits["ndi"], "40")
    type_and_enter(qtbot, f.outcome_edits["ndi"], "150")
    assert panel.error.text() == "Neck Disability Index must be 0-100 %, got 150"
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
    assert panel.error.text() == ""  # a good save clears the message


def test_sign_says_what_is_missing_then_signs(qtbot, store, panel, draft, changes):
    store.points.add(
        TriggerPoint(session_id=draft.id, number=1, view=View.BACK,
                     region_id="back.lower.left", side=Side.LEFT, x=227.0, y=424.0)
    )  # fmt: skip
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert "Cannot sign yet" in panel.error.text()
    assert '"Screening done"' in panel.error.text() and '"Consent given"' in panel.error.text()
    assert "1 point is charted" in panel.error.text()
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


def top_of(widget: QWidget, panel: SessionPanel) -> QPoint:
    """Where ``widget`` is in the panel: where the mouse would find it."""
    return widget.mapTo(panel, QPoint(0, 0))


def test_a_message_moves_nothing_under_the_mouse(qtbot, store, panel, draft):
    f = panel.form
    watched = [panel.sign_button, f.outcome_edits["odi"], f.chief_complaint]
    panel.scroll.ensureWidgetVisible(f.outcome_edits["ndi"])
    before = [top_of(w, panel) for w in watched]
    type_and_enter(qtbot, f.outcome_edits["ndi"], "150")
    assert panel.error.text() == "Neck Disability Index must be 0-100 %, got 150"
    assert [top_of(w, panel) for w in watched] == before
    type_and_enter(qtbot, f.outcome_edits["ndi"], "20")
    assert panel.error.text() == ""
    assert [top_of(w, panel) for w in watched] == before


def test_long_refusal_fits_the_room_kept_for_it(qtbot, store, panel, draft):
    store.points.add(
        TriggerPoint(session_id=draft.id, number=1, view=View.BACK,
                     region_id="back.lower.left", side=Side.LEFT, x=227.0, y=424.0)
    )  # fmt: skip
    panel.resize(300, 700)
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    label = panel.error.label
    assert label.text().startswith("Cannot sign yet")
    assert label.heightForWidth(panel.error.viewport().width()) <= panel.error.viewport().height()


def test_ticking_a_red_flag_keeps_the_checklist_under_the_mouse(qtbot, store, panel, draft):
    boxes = panel.form.screening.red_flag_boxes
    tick(qtbot, panel.form.screening.area_boxes[ComplaintArea.NECK])
    panel.scroll.ensureWidgetVisible(boxes[RedFlag.ARTERIAL_SIGNS], 50, 50)
    fever, arterial = boxes[RedFlag.FEVER], boxes[RedFlag.ARTERIAL_SIGNS]
    at = top_of(arterial, panel)
    tick(qtbot, fever)
    assert panel.red_flag_bar.isVisible()  # the banner above the form took its place...
    assert top_of(arterial, panel) == at  # ...and the next box is where it was
    tick(qtbot, arterial)
    assert stored(store, draft.id).red_flags == {RedFlag.FEVER, RedFlag.ARTERIAL_SIGNS}
    tick(qtbot, fever)
    tick(qtbot, arterial)
    assert not panel.red_flag_bar.isVisible()
    assert top_of(arterial, panel) == at
    assert stored(store, draft.id).red_flags == frozenset()


def test_a_typed_pain_above_ten_is_refused_and_nothing_is_written(qtbot, store, panel, draft):
    scale = panel.form.pain_after
    scale.setFocus()
    qtbot.keyClick(scale, Qt.Key.Key_4)
    assert stored(store, draft.id).pain_after == 4
    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    qtbot.keyClicks(scale, "15")
    assert panel.error.text() == "Pain after must be 0-10, got 15"
    assert scale.value() == 4 and stored(store, draft.id).pain_after == 4


def male_patient(store) -> Patient:
    return store.patients.add(
        Patient(record_number="P-00003", full_name="Jan Novák", date_of_birth=date(1970, 1, 5),
                sex=Sex.MALE)
    )  # fmt: skip


def test_pregnancy_is_offered_only_where_it_can_apply(qtbot, store, panel, draft, patient):
    box = panel.form.screening.precaution_boxes[Precaution.PREGNANCY]
    assert box.isVisible()  # sex not recorded: everything is asked
    man = male_patient(store)
    his = store.sessions.start(replace(draft, id=None, patient_id=man.id))
    panel.set_session(his, man)
    assert not box.isVisible()

    # Recorded on his session (by mistake, or by an older version): shown, so it can
    # be seen and unticked; unticking it does not make it vanish under the mouse.
    recorded = store.sessions.update(
        replace(his, contraindications=frozenset({Precaution.PREGNANCY}))
    )
    panel.set_session(recorded, man)
    assert box.isVisible() and box.isChecked()
    tick(qtbot, box)
    assert stored(store, his.id).contraindications == frozenset()
    assert box.isVisible() and not box.isChecked()


def test_the_panel_fits_300_px_in_every_state(qtbot, store, panel, draft, patient):
    """The main window gives the side panel 300 px at least (1366x768 laptop)."""
    to_sign = store.sessions.start(replace(draft, id=None, screening_done=True))
    signed = store.sessions.sign(to_sign.id)
    to_amend = store.sessions.start(replace(draft, id=None, screening_done=True))
    store.sessions.sign(to_amend.id)
    amending = store.sessions.amend(to_amend.id, "Pain after was recorded on the wrong session")
    # Every red flag asked and one ticked, a sited precaution with its site.
    flagged = store.sessions.update(
        replace(
            draft,
            complaint_areas=frozenset(ComplaintArea),
            red_flags=frozenset({RedFlag.ARTERIAL_SIGNS}),
            contraindications=frozenset({Precaution.LYMPHOEDEMA}),
            precaution_sites=(PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.BOTH),),
        )
    )
    panel.resize(300, 700)
    for session in (signed, amending, flagged):
        panel.set_session(session, patient)
        QApplication.processEvents()  # the scroll area fits the form to its new height
        panel.layout().activate()
        f, viewport = panel.form, panel.scroll.viewport()
        assert f.minimumSizeHint().width() <= viewport.width(), session.status
        assert f.width() <= viewport.width()
        for scale in (f.pain_before, f.pain_after):
            for button in scale.buttons:  # all eleven, none cut
                right = button.mapTo(viewport, QPoint(button.width(), 0)).x()
                assert right <= viewport.width(), (session.status, button.text())
        wrapping = [b for b in f.screening.checkboxes() if b.isVisible()] + [f.screening_done]
        for box in wrapping:
            # The whole label is drawn: wrapped where needed, never cut.
            assert box.height() >= box.heightForWidth(box.width()), box.text()
            assert box.mapTo(viewport, QPoint(box.width(), 0)).x() <= viewport.width()
        for box in (f.consent_given, f.skin_prepared, f.aftercare_given):
            assert box.width() >= box.sizeHint().width(), box.text()
    asked = [b for b in f.screening.red_flag_boxes.values() if b.isVisible()]
    assert len(asked) == len([flag for flag in RedFlag if not flag.legacy])
    chooser = f.screening.site_choosers[Precaution.LYMPHOEDEMA]
    assert chooser.isVisible() and chooser.sites()[0].side is SiteSide.BOTH
    for combo in (chooser.side, chooser.area):
        assert combo.mapTo(viewport, QPoint(combo.width(), 0)).x() <= viewport.width()
    bar = panel.red_flag_bar
    assert bar.isVisible() and bar.width() <= panel.width()
    assert bar.label.height() >= bar.label.heightForWidth(bar.label.width())  # said whole
    assert bar.button.mapTo(panel, QPoint(bar.button.width(), 0)).x() <= panel.width()


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.Button, "#3a3a3a"), (QPalette.ColorRole.ButtonText, "#e8e8e8"),
    ):  # fmt: skip
        palette.setColor(role, QColor(colour))
    return palette


def darkest_or_lightest(image, background: QColor) -> QColor:
    """The pixel of ``image`` that differs most from ``background``: the text."""
    best, found = 0.0, background
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = image.pixelColor(x, y)
            ratio = contrast(colour, background)
            if ratio > best:
                best, found = ratio, colour
    return found


@pytest.fixture
def dark(qapp):
    light = qapp.palette()
    qapp.setPalette(dark_palette())
    yield
    qapp.setPalette(light)


def test_text_is_readable_on_a_dark_palette(qtbot, store, patient, draft, dark):
    panel = SessionPanel(store)
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.set_session(draft, patient)
    panel.show()
    qtbot.waitExposed(panel)
    window = panel.palette().color(QPalette.ColorRole.Window)

    status = panel.status.grab().toImage()
    assert contrast(darkest_or_lightest(status, window), window) >= 4.5

    type_and_enter(qtbot, panel.form.outcome_edits["ndi"], "150")  # a message in red
    message = panel.error.label.grab().toImage()
    assert contrast(darkest_or_lightest(message, window), window) >= 4.5

    signed = store.sessions.sign(store.sessions.update(replace(draft, screening_done=True)).id)
    panel.set_session(signed, patient)
    box = panel.form.skin_prepared  # disabled, and must still read
    assert not box.isEnabled()
    text = box.grab().toImage()
    assert contrast(darkest_or_lightest(text, window), window) >= 4.5
    ticked = panel.form.screening.precaution_boxes[Precaution.EPILEPSY]
    disabled = ticked.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    assert contrast(disabled, window) >= 4.5


def test_scales_and_checklist_have_accessible_names(qtbot, panel):
    def name(widget) -> str:
        return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)

    assert name(panel.form.pain_before) == "Pain before (0-10)"
    assert name(panel.form.pain_after) == "Pain after (0-10)"
    assert name(panel.form.screening).startswith("Screening")
    assert name(panel.form.screening.red_flag_boxes[RedFlag.FEVER]) == RedFlag.FEVER.label
    assert name(panel.form.screening.area_boxes[ComplaintArea.NECK]) == "Complaint area: Head/neck"
    chooser = panel.form.screening.site_choosers[Precaution.IMPLANTS]
    assert chooser.area.accessibleName() == "Implants in the area: where"


# -- the consent wording and notes kept off the patient's copy (issue 16) --------------------


def test_consent_records_the_wording_explained_and_unticking_clears_it(
    qtbot, store, panel, draft, changes
):
    from tpchart.core.consent import CURRENT_VERSION

    f = panel.form
    tick(qtbot, f.consent_given)
    s = stored(store, draft.id)
    assert s.consent_given and s.consent_text_version == CURRENT_VERSION
    assert len(changes) == 1  # the version is part of the same save as the tick
    assert f.consent_wording.isVisible() and f.consent_wording.text() == (
        f"·\N{NO-BREAK SPACE}wording {CURRENT_VERSION}"
    )
    assert f"version {CURRENT_VERSION} was explained" in f.consent_wording.toolTip()
    tick(qtbot, f.consent_given)
    s = stored(store, draft.id)
    assert not s.consent_given and s.consent_text_version == "" and s.consent_at is None
    assert f.consent_wording.text() == ""


def test_an_older_consent_without_a_wording_says_so_and_still_signs(
    qtbot, store, panel, draft, patient
):
    # Consent recorded before schema 5 kept the wording: nothing to guess, nothing blocked.
    older = store.sessions.update(replace(
        draft, screening_done=True, consent_given=True, consent_by="Patient",
        consent_at=datetime.now().astimezone(),
    ))  # fmt: skip
    store.points.add(
        TriggerPoint(session_id=draft.id, number=1, view=View.BACK,
                     region_id="back.lower.left", side=Side.LEFT, x=227.0, y=424.0)
    )  # fmt: skip
    panel.set_session(older, patient)
    f = panel.form
    assert f.consent_wording.text() == ""
    assert "wording was explained was not recorded" in f.consent_time.toolTip()
    failures = on_next_modal(qtbot, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert not failures and panel.error.text() == ""
    signed = stored(store, draft.id)
    assert signed.status is SessionStatus.SIGNED and signed.consent_text_version == ""


def test_session_notes_are_kept_off_the_patients_copy_by_a_click(
    qtbot, store, panel, draft, changes
):
    f = panel.form
    box = f.notes_internal
    assert box.text() == "Keep notes off patient's copy" and not box.isChecked()
    assert "filed record still prints them" in box.toolTip()
    # Typed, then the box clicked at once: the notes are saved first, then the choice.
    f.notes.setFocus()
    qtbot.keyClicks(f.notes, "Worried about work; discuss with GP")
    tick(qtbot, box)
    s = stored(store, draft.id)
    assert s.notes == "Worried about work; discuss with GP" and s.notes_internal
    assert len(changes) == 2
    # Keyboard: Tab from the notes reaches the box; Space unticks it.
    f.notes.setFocus()
    qtbot.keyClick(f.notes, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is box
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert not stored(store, draft.id).notes_internal


def test_a_signed_sessions_notes_choice_is_read_only(qtbot, store, panel, draft, patient):
    signed = store.sessions.sign(
        store.sessions.update(replace(draft, screening_done=True, notes_internal=True)).id
    )
    panel.set_session(signed, patient)
    assert panel.form.notes_internal.isChecked() and not panel.form.notes_internal.isEnabled()


def test_the_consent_wording_and_the_notes_choice_fit_300_px(qtbot, store, panel, draft, patient):
    from tpchart.core.consent import CURRENT_VERSION

    consented = store.sessions.update(replace(
        draft, consent_given=True, consent_by="Patient", consent_at=datetime.now().astimezone(),
        consent_text_version=CURRENT_VERSION, notes_internal=True,
    ))  # fmt: skip
    panel.resize(300, 700)
    panel.set_session(consented, patient)
    QApplication.processEvents()
    panel.layout().activate()
    f, viewport = panel.form, panel.scroll.viewport()
    assert f.minimumSizeHint().width() <= viewport.width()
    for widget in (f.consent_given, f.consent_time, f.consent_wording, f.notes_internal):
        assert widget.isVisible(), widget.objectName()
        assert widget.mapTo(viewport, QPoint(widget.width(), 0)).x() <= viewport.width()
        assert widget.width() >= widget.minimumSizeHint().width(), widget.objectName()
    assert f.consent_wording.width() >= f.consent_wording.sizeHint().width()  # never cut
