"""Adverse events as small records in the Session tab (issue 15): type, severity, onset,
action and resolution; "asked, none" as an answer of its own; and events reported at a
later session, recorded against the earlier one without amending it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.ui.adverse_event_dialog import NO_DESCRIPTION, AdverseEventDialog
from tpchart.ui.session_panel import SessionPanel

from .dialogs import on_next_modal, stored


@pytest.fixture
def patient(store):
    return store.patients.add(
        Patient(record_number="P-00031", full_name="Lim Wei Ling", date_of_birth=date(1979, 8, 9))
    )


def begin(store, patient, days_ago: int = 0) -> Session:
    return store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=datetime.now().astimezone() - timedelta(days=days_ago),
            chief_complaint="Neck pain",
            screening_done=True,
        )
    )


@pytest.fixture
def earlier(store, patient) -> Session:
    """Last week's session, signed."""
    return store.sessions.sign(begin(store, patient, days_ago=7).id)


@pytest.fixture
def today(store, patient, earlier) -> Session:
    return begin(store, patient)


@pytest.fixture
def panel(qtbot, store, patient, today):
    panel = SessionPanel(store)
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.set_session(today, patient)
    panel.show()
    panel.activateWindow()
    qtbot.waitExposed(panel)
    return panel


def click(qtbot, panel, button) -> None:
    panel.scroll.ensureWidgetVisible(button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_an_event_with_onset_action_and_resolution_round_trips(qtbot, store, panel, today):
    editor = panel.form.adverse
    entries = len(store.audit_trail("sessions", today.id))

    def record(dialog: AdverseEventDialog) -> None:
        assert isinstance(dialog, AdverseEventDialog)
        choose(dialog.kind, AdverseEventType.OTHER)
        assert dialog.description.isVisible()  # "Other" asks what it was
        dialog.ok_button.click()
        assert dialog.isVisible() and dialog.error.text() == NO_DESCRIPTION
        assert len(store.audit_trail("sessions", today.id)) == entries  # nothing written
        qtbot.keyClicks(dialog.description, "Headache after needling the suboccipitals")
        choose(dialog.severity, Severity.SIGNIFICANT)
        choose(dialog.onset, Onset.AFTER)
        qtbot.keyClicks(dialog.action, "Lay down 20 minutes, paracetamol")
        choose(dialog.resolved, False)
        qtbot.keyClicks(dialog.note, "Call tomorrow")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
        assert not dialog.isVisible()

    failures = on_next_modal(qtbot, record)
    click(qtbot, panel, editor.add_button)
    assert not failures

    expected = AdverseEvent(
        kind=AdverseEventType.OTHER,
        severity=Severity.SIGNIFICANT,
        note="Call tomorrow",
        description="Headache after needling the suboccipitals",
        onset=Onset.AFTER,
        action="Lay down 20 minutes, paracetamol",
        resolved=False,
    )
    assert stored(store, today.id).adverse_events == (expected,)
    assert len(store.audit_trail("sessions", today.id)) == entries + 1  # one store call
    assert editor.list.count() == 1 and editor.list.item(0).text() == expected.text
    assert expected.text == (
        "Headache after needling the suboccipitals (significant, after needling, in the "
        "clinic; Lay down 20 minutes, paracetamol; not resolved). Call tomorrow"
    )
    assert editor.list.item(0).font().bold()  # not mild: it stands out
    assert not editor.asked_none.isVisible()  # the events answer the question


def test_asked_none_is_stored_and_differs_from_not_asked(qtbot, store, panel, today):
    box = panel.form.adverse.asked_none
    assert not box.isChecked()
    assert stored(store, today.id).adverse_events_answer == "Not asked"
    panel.scroll.ensureWidgetVisible(box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    answered = stored(store, today.id)
    assert answered.adverse_events_asked and answered.adverse_events == ()
    assert answered.adverse_events_answer == "Asked, none"
    panel.set_session(None, None)
    panel.set_session(answered, None)  # shown again from the store
    assert panel.form.adverse.asked_none.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert stored(store, today.id).adverse_events_answer == "Not asked"


def test_an_event_reported_since_last_session_lands_on_it_unamended(
    qtbot, store, patient, panel, earlier, today
):
    later = panel.form.adverse.later
    assert later.report_button.isVisible()
    assert later.since_caption.text().endswith("(signed): none reported.")

    def report(dialog: AdverseEventDialog) -> None:
        assert (
            "recorded against the session of"
            in dialog.findChild(object, "adverseEventWhere").text()
        )
        assert dialog.onset.currentData() == Onset.DELAYED  # reported later: started later
        choose(dialog.kind, AdverseEventType.BRUISING)
        qtbot.keyClicks(dialog.action, "None needed")
        choose(dialog.resolved, True)
        dialog.ok_button.click()

    failures = on_next_modal(qtbot, report)
    click(qtbot, panel, later.report_button)
    assert not failures

    (reported,) = store.later_events.for_session(earlier.id)
    bruise = AdverseEvent(
        AdverseEventType.BRUISING, onset=Onset.DELAYED, action="None needed", resolved=True
    )
    assert reported.event == bruise and reported.recorded_by == store.practitioner_id
    # The earlier session is still signed, as it was: not amended, not a new version.
    assert stored(store, earlier.id) == earlier
    assert earlier.status is SessionStatus.SIGNED and earlier.version == 1
    assert store.sessions.amendments(earlier.id) == []
    # Today's session is untouched too: the event belongs to the one it followed.
    assert stored(store, today.id).adverse_events == ()
    assert store.later_events.for_session(today.id) == []
    assert bruise.text in later.since_list.text()

    # Shown read-only where the earlier session is shown.
    panel.set_session(earlier, patient)
    view = panel.form.adverse.later
    assert view.later_caption.isVisible() and bruise.text in view.later_list.text()
    assert not view.report_button.isVisible()
    assert not panel.form.adverse.add_button.isEnabled()


def test_no_earlier_session_offers_nothing_to_report(qtbot, store, patient):
    first = begin(store, patient, days_ago=30)
    panel = SessionPanel(store)
    qtbot.addWidget(panel)
    panel.set_session(first, patient)
    panel.show()
    assert not panel.form.adverse.later.report_button.isVisible()
    assert not panel.form.adverse.later.since_caption.isVisible()


def test_the_editor_fits_the_300_px_side_panel(qtbot, store, panel, today, earlier):
    events = tuple(
        AdverseEvent(kind, Severity.SERIOUS if kind is AdverseEventType.PNEUMOTHORAX else
                     Severity.MILD, onset=Onset.DELAYED, action="Sent to A&E", resolved=None)
        for kind in (AdverseEventType.VASOVAGAL, AdverseEventType.PNEUMOTHORAX)
    )  # fmt: skip
    store.later_events.report(earlier.id, events[0])
    panel.set_session(store.sessions.update(replace(today, adverse_events=events)), None)
    panel.layout().activate()
    editor, viewport = panel.form.adverse, panel.scroll.viewport()
    for widget in (editor.add_button, editor.list, editor.remove_button,
                   editor.later.report_button, editor.later.since_list):  # fmt: skip
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        assert right <= viewport.width(), widget.objectName()
    assert editor.later.since_list.height() >= editor.later.since_list.heightForWidth(
        editor.later.since_list.width()
    )
