"""A positive red flag needs a recorded decision before needling or signing (issue 15):
ticked in the Session tab as a doctor would, decided in its small dialog, and checked
in the store, the header and the chart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox

from tpchart.core.errors import ValidationError
from tpchart.core.regions import Side, View
from tpchart.core.screening import ComplaintArea, RedFlag, RedFlagDecision
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.red_flag_decision import RedFlagDecisionDialog

from .charting import click_region, make_active
from .dialogs import on_next_modal, stored

NECK = "back.neck.posterior.right"
SAFE_REASON = "Fever was a cold two weeks ago, now well; no other sign"


def tick(qtbot, panel, box: QCheckBox) -> None:
    panel.scroll.ensureWidgetVisible(box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


@pytest.fixture
def panel(qtbot, window):
    window.side_tabs.setCurrentWidget(window.session_panel)
    return window.session_panel


def decide(qtbot, panel, handle) -> None:
    failures = on_next_modal(qtbot, handle)
    qtbot.mouseClick(panel.red_flag_bar.button, Qt.MouseButton.LeftButton)
    assert not failures, failures


def test_a_red_flag_blocks_signing_until_decided(qtbot, window, store, panel):
    session_id = window.session.id
    tick(qtbot, panel, panel.form.screening.red_flag_boxes[RedFlag.FEVER])
    assert stored(store, session_id).red_flag_undecided
    header = window.header.red_flags.text()
    assert header.startswith("⚠ Red flag (Fever): decision needed")

    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)  # no question asked
    assert panel.error.text() == (
        'Cannot sign yet: decide on the red flag ("Record decision…" above).'
    )
    assert stored(store, session_id).status.value == "draft"
    assert QApplication.focusWidget() is panel.red_flag_bar.button

    entries = len(store.audit_trail("sessions", session_id))

    def safe_without_reason(dialog: RedFlagDecisionDialog) -> None:
        assert isinstance(dialog, RedFlagDecisionDialog)
        dialog.safe.click()
        dialog.ok_button.click()
        # One plain message, in the dialog, which stays with the choice made.
        assert dialog.isVisible() and dialog.safe.isChecked()
        assert dialog.error.text() == "Say why it is safe to proceed despite the red flag"
        assert "Say why" not in panel.error.text()  # said once, where the doctor looks

    decide(qtbot, panel, safe_without_reason)
    after = stored(store, session_id)
    assert after.red_flag_decision is None and after.red_flag_reason == ""
    assert len(store.audit_trail("sessions", session_id)) == entries  # nothing written

    def safe_with_reason(dialog: RedFlagDecisionDialog) -> None:
        dialog.safe.click()
        qtbot.keyClicks(dialog.reason_edit, SAFE_REASON)
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        assert not dialog.isVisible()

    decide(qtbot, panel, safe_with_reason)
    decided = stored(store, session_id)
    assert decided.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED
    assert decided.red_flag_reason == SAFE_REASON
    line = f"Red flag (Fever): assessed, safe to proceed: {SAFE_REASON}"
    assert panel.red_flag_bar.text() == line
    assert panel.red_flag_bar.button.text() == "Change decision…"
    # The header shows the flag and the decision, no longer "decide before needling".
    assert window.header.red_flags.text() == ""
    assert window.header.red_flag_decided.text() == line

    failures = on_next_modal(qtbot, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert not failures
    signed = stored(store, session_id)
    assert signed.status.value == "signed"
    assert signed.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED
    assert not panel.red_flag_bar.button.isVisible()  # signed: the decision is on record


def test_referred_blocks_needling_and_says_so(qtbot, window, store, panel):
    session_id = window.session.id
    tick(qtbot, panel, panel.form.screening.area_boxes[ComplaintArea.NECK])
    tick(qtbot, panel, panel.form.screening.red_flag_boxes[RedFlag.ARTERIAL_SIGNS])

    def referred(dialog: RedFlagDecisionDialog) -> None:
        dialog.referred.click()
        qtbot.keyClicks(dialog.reason_edit, "To the emergency department now")
        dialog.ok_button.click()

    decide(qtbot, panel, referred)
    session = stored(store, session_id)
    assert session.referred and session.red_flag_reason == "To the emergency department now"
    assert "no needling this session" in panel.red_flag_bar.text()
    assert "referred for medical assessment" in window.header.red_flags.text()

    # The store refuses a point, whoever asks, in the session's own words...
    with pytest.raises(ValidationError) as refused:
        store.points.add(
            TriggerPoint(session_id=session_id, number=1, view=View.BACK,
                         region_id=NECK, side=Side.RIGHT, x=180.0, y=120.0)
        )  # fmt: skip
    assert str(refused.value) == session.needling_refused()

    # ...and a click on the map writes nothing and tells the doctor why.
    shown: list[str] = []

    def note_and_close(box) -> None:
        if isinstance(box, QMessageBox):
            shown.append(box.text() + box.informativeText())
            box.accept()

    make_active(qtbot, window)
    failures = on_next_modal(qtbot, note_and_close)
    click_region(qtbot, window, NECK)
    QApplication.processEvents()
    assert not failures
    assert store.points.for_session(session_id) == []
    seen = [*shown, *(b.text() for b in window.chart.notices.banners)]
    assert any("referred" in text for text in seen), seen


def test_unticking_every_flag_clears_the_decision(qtbot, window, store, panel):
    session_id = window.session.id
    boxes = panel.form.screening.red_flag_boxes
    tick(qtbot, panel, boxes[RedFlag.TRAUMA])
    tick(qtbot, panel, boxes[RedFlag.NIGHT_PAIN])
    decide(qtbot, panel, lambda d: (d.referred.click(), d.ok_button.click()))
    assert stored(store, session_id).referred
    tick(qtbot, panel, boxes[RedFlag.NIGHT_PAIN])  # one left: the decision stands
    assert stored(store, session_id).referred
    tick(qtbot, panel, boxes[RedFlag.TRAUMA])
    cleared = stored(store, session_id)
    assert cleared.red_flags == frozenset()
    assert cleared.red_flag_decision is None and cleared.red_flag_reason == ""
    assert not panel.red_flag_bar.isVisible() and window.header.red_flags.text() == ""


def test_the_red_flags_asked_follow_the_complaint_areas(qtbot, window, store, panel):
    screening = panel.form.screening
    neck = [f for f in RedFlag if f.area is ComplaintArea.NECK and not f.legacy]
    low_back = [f for f in RedFlag if f.area is ComplaintArea.LOW_BACK]

    def asked() -> set[RedFlag]:
        return {f for f, box in screening.red_flag_boxes.items() if box.isVisible()}

    assert asked() == {f for f in RedFlag if f.area is None}
    tick(qtbot, panel, screening.area_boxes[ComplaintArea.NECK])
    assert set(neck) <= asked() and not set(low_back) & asked()
    assert stored(store, window.session.id).complaint_areas == {ComplaintArea.NECK}
    tick(qtbot, panel, screening.area_boxes[ComplaintArea.NECK])
    assert not set(neck) & asked()
    tick(qtbot, panel, screening.area_boxes[ComplaintArea.LOW_BACK])
    assert set(low_back) <= asked() and not set(neck) & asked()
    assert stored(store, window.session.id).complaint_areas == {ComplaintArea.LOW_BACK}
