"""The fields the clinical record and its patient's copy print, charted in the real
window: electrical stimulation settings, notes kept off the patient's copy, and the
consent wording, from the doctor's keys and clicks to the store and back with undo."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.report.pdf_reading import page_texts
from tpchart.core.consent import CURRENT_VERSION
from tpchart.core.trigger_point import Technique
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import session_summary_pdf
from tpchart.store import Store

from .charting import click_region

NECK = "back.neck.posterior.right"


def only_point(store, win):
    (point,) = store.points.for_session(win.session.id)
    return point


def choose_technique(qtbot, inspector, technique: Technique) -> None:
    """Pick a technique with the arrow keys on the focused combo."""
    combo = inspector.technique
    combo.setFocus()
    target = combo.findData(technique)
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def click(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def settings(point) -> tuple:
    return (point.stim_frequency_hz, point.stim_pulse_width_us, point.stim_intensity_ma)


def test_leaving_electrical_stimulation_is_one_undo_step(qtbot, window, store):
    click_region(qtbot, window, NECK)
    inspector = window.inspector
    choose_technique(qtbot, inspector, Technique.ELECTRICAL)
    type_into(qtbot, inspector.minutes, "15")
    type_into(qtbot, inspector.frequency, "2")
    type_into(qtbot, inspector.pulse_width, "250")
    type_into(qtbot, inspector.intensity, "12,5")
    charted = only_point(store, window)
    assert charted.technique is Technique.ELECTRICAL and settings(charted) == (2.0, 250, 12.5)

    stack = window.chart.undo_stack
    steps = stack.count()
    choose_technique(qtbot, inspector, Technique.STATIC)
    changed = only_point(store, window)
    assert changed.technique is Technique.STATIC and changed.minutes == 15
    assert settings(changed) == (None, None, None)
    assert stack.count() == steps + 1 and inspector.error.text() == ""
    assert not inspector.frequency.isVisible()

    stack.undo()  # one step brings back the technique and its settings together
    assert only_point(store, window) == charted
    assert inspector.frequency.isVisible() and inspector.intensity.text() == "12.5 mA"
    stack.redo()
    assert only_point(store, window) == changed
    path = store.path
    store.close()
    with Store.open(path, read_only=True) as reopened:
        assert reopened.points.get(charted.id) == changed


def test_the_choices_reach_the_record_and_its_patients_copy(qtbot, window, store):
    click_region(qtbot, window, NECK)
    inspector = window.inspector
    choose_technique(qtbot, inspector, Technique.ELECTRICAL)
    type_into(qtbot, inspector.frequency, "80")
    type_into(qtbot, inspector.pulse_width, "200")
    type_into(qtbot, inspector.intensity, "9")
    inspector.notes.setFocus()
    qtbot.keyClicks(inspector.notes, "Guarded, asked about the accident")
    click(qtbot, inspector.notes_internal)  # leaving the notes box saves them first

    panel = window.session_panel
    window.side_tabs.setCurrentWidget(panel)
    form = panel.form
    click(qtbot, form.consent_given)  # unticked, then ticked again: today's wording
    click(qtbot, form.consent_given)
    form.notes.setFocus()
    qtbot.keyClicks(form.notes, "Low mood; discuss with GP")
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.notes_internal
    qtbot.keyClick(form.notes_internal, Qt.Key.Key_Space)

    session = store.sessions.get(window.session.id)
    assert session.consent_given and session.consent_text_version == CURRENT_VERSION
    assert session.notes == "Low mood; discuss with GP" and session.notes_internal
    point = only_point(store, window)
    assert settings(point) == (80.0, 200, 9.0) and point.notes_internal

    record = load_session_record(store, session.id)
    filed = " ".join(page_texts(session_summary_pdf(record, tz=UTC)))
    copy = " ".join(page_texts(session_summary_pdf(record, tz=UTC, patient_copy=True)))
    assert "Stimulation: 80 Hz, pulse width 200 µs, 9 mA" in filed
    assert f"Consent wording: {CURRENT_VERSION}." in filed
    for note in ("Guarded, asked about the accident", "Low mood; discuss with GP"):
        assert note in filed and note not in copy
    assert "2 internal notes are not included in this copy" in copy
