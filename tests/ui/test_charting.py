"""Charting as a doctor does it: click, drag, keys, inspector, undo, carry forward."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, QPointF, Qt

from tpchart.bodymap import load_body_map
from tpchart.core.lung import lung_risk_reason
from tpchart.core.regions import REGIONS, Side, View
from tpchart.core.trigger_point import PointKind, TwitchStrength
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow
from tpchart.ui.operations import Changed, What

from .charting import click_region, make_active, start

NECK = "back.neck.posterior.right"
CHEST_LEFT = "front.chest.left"
CHEST_RIGHT = "front.chest.right"


def only_point(store, win):
    (point,) = store.points.for_session(win.session.id)
    return point


def test_click_adds_a_point_with_region_side_and_muscle(qtbot, window, store, tmp_path):
    click_region(qtbot, window, NECK)
    point = only_point(store, window)
    assert (point.region_id, point.side, point.view) == (NECK, Side.RIGHT, View.BACK)
    # The region's likely muscle, from the catalogue: its id, and its name as the words.
    assert point.muscle_id == REGIONS[NECK].muscles[0] and point.number == 1
    assert point.muscle == point.muscle_name == "splenius capitis"
    x, y = load_body_map(View.BACK).interior_point(NECK)
    assert abs(point.x - x) < 2 and abs(point.y - y) < 2  # one screen pixel at this zoom
    marker = window.chart.scenes[View.BACK].markers[point.id]
    assert marker.isVisible() and marker.isSelected()
    assert window.inspector.point == point
    path = store.path
    store.close()
    with Store.open(path) as reopened:
        assert reopened.points.get(point.id) == point


def test_click_outside_the_body_does_nothing(qtbot, window, store):
    canvas = window.chart.canvas
    qtbot.mouseClick(
        canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(QPointF(3, 3))
    )
    assert store.points.for_session(window.session.id) == []


def test_drag_moves_the_point_and_finds_the_region_again(qtbot, window, store):
    click_region(qtbot, window, NECK)
    point = only_point(store, window)
    body = load_body_map(View.BACK)
    target = "back.neck.posterior.left"
    canvas = window.chart.canvas
    start_pos = canvas.mapFromScene(QPointF(point.x, point.y))
    end_pos = canvas.mapFromScene(QPointF(*body.interior_point(target)))
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start_pos)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start_pos + (end_pos - start_pos) * step / 5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end_pos)
    moved = store.points.get(point.id)
    assert moved.region_id == target and moved.side is Side.LEFT
    window.chart.undo_stack.undo()
    assert store.points.get(point.id) == point


def test_inspector_edits_persist(qtbot, window, store):
    click_region(qtbot, window, NECK)
    inspector = window.inspector
    inspector.kind_latent.click()
    inspector.taut_band.setChecked(True)
    inspector.twitch.setCurrentIndex(inspector.twitch.findData(TwitchStrength.STRONG))
    inspector.twitch.activated.emit(inspector.twitch.currentIndex())
    inspector.pain.setValue(6)
    inspector.pain.editingFinished.emit()
    inspector.pressure.setValue(2.5)
    inspector.pressure.editingFinished.emit()
    inspector.gauge.setCurrentIndex(inspector.gauge.findData(0.25))
    inspector.gauge.activated.emit(inspector.gauge.currentIndex())
    inspector.length.setCurrentIndex(inspector.length.findData(30.0))
    inspector.length.activated.emit(inspector.length.currentIndex())
    inspector.depth.setValue(12)
    inspector.depth.editingFinished.emit()
    inspector.technique.setCurrentIndex(2)
    inspector.technique.activated.emit(2)
    inspector.passes.setValue(8)
    inspector.passes.editingFinished.emit()
    inspector.muscle.setEditText("Semispinalis cervicis")
    inspector.muscle.lineEdit().editingFinished.emit()
    inspector.notes.setPlainText("Referred to the temple")
    inspector.notes.editing_finished.emit()
    saved = only_point(store, window)
    assert saved.kind is PointKind.LATENT and saved.taut_band
    assert saved.twitch_elicited and saved.twitch_strength is TwitchStrength.STRONG
    assert (saved.pain, saved.pressure_threshold, saved.needle_gauge_mm) == (6, 2.5, 0.25)
    assert (saved.needle_length_mm, saved.depth_mm, saved.passes) == (30.0, 12.0, 8)
    assert saved.muscle == "Semispinalis cervicis" and saved.notes == "Referred to the temple"
    assert saved.muscle_id == "semispinalis"  # a synonym: the catalogue's muscle


def test_refused_value_shows_why_and_reverts(qtbot, window, store):
    click_region(qtbot, window, NECK)
    inspector = window.inspector
    inspector.length.setCurrentIndex(inspector.length.findData(15.0))
    inspector.length.activated.emit(inspector.length.currentIndex())
    inspector.depth.setValue(40)
    inspector.depth.editingFinished.emit()
    assert "more than the needle length" in inspector.error.text()
    assert only_point(store, window).depth_mm is None
    assert inspector.depth.value() == inspector.depth.minimum()


def test_keys_on_the_map_set_findings(qtbot, window, store):
    click_region(qtbot, window, NECK)
    canvas = window.chart.canvas
    canvas.setFocus()
    for key in (Qt.Key.Key_L, Qt.Key.Key_S, Qt.Key.Key_7):
        qtbot.keyClick(canvas, key)
    point = only_point(store, window)
    assert point.kind is PointKind.LATENT and point.twitch_strength is TwitchStrength.STRONG
    assert point.pain == 7
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert store.points.for_session(window.session.id) == []


def test_undo_redo_restore_screen_and_database(qtbot, window, store):
    click_region(qtbot, window, NECK)
    point = only_point(store, window)
    window.inspector.pain.setValue(5)
    window.inspector.pain.editingFinished.emit()
    stack = window.chart.undo_stack
    stack.undo()
    assert store.points.get(point.id).pain is None
    stack.undo()
    assert store.points.for_session(window.session.id) == []
    assert window.chart.scenes[View.BACK].markers == {}
    stack.redo()
    stack.redo()
    assert store.points.get(point.id).pain == 5
    assert window.chart.scenes[View.BACK].markers[point.id].point.pain == 5
    window.chart.select_point(point.id)
    window.chart.delete_selected()
    stack.undo()
    assert store.points.get(point.id).pain == 5


def test_lung_risk_click_shows_caution_and_both_sides_a_warning(qtbot, window):
    click_region(qtbot, window, CHEST_LEFT)
    caution = window.chart.caution
    assert caution.isVisible() and caution.text().startswith("⚠ Over the lung: point 1;")
    # Each point's reason, by its muscle here (pectoralis major) and region.
    assert lung_risk_reason(CHEST_LEFT, "pectoralis_major") in caution.toolTip()
    assert not window.chart.warning.isVisible()
    click_region(qtbot, window, CHEST_RIGHT)
    assert (
        window.chart.warning.isVisible()
        and "both sides of the thorax" in window.chart.warning.text()
    )


def test_signed_session_refuses_edits(qtbot, window, store):
    click_region(qtbot, window, NECK)
    signed = store.sessions.sign(window.session.id)
    window.session_saved(signed)
    click_region(qtbot, window, "back.neck.posterior.left")
    assert len(store.points.for_session(signed.id)) == 1
    assert window.chart.readonly_note.isVisible()
    window.chart.select_point(only_point(store, window).id)
    assert not window.inspector.pain.isEnabled()
    window.chart.delete_selected()
    assert len(store.points.for_session(signed.id)) == 1


def earlier_point(store, session, region_id: str, number: int, muscle: str):
    from tpchart.core.trigger_point import TriggerPoint

    view = REGIONS[region_id].view
    x, y = load_body_map(view).interior_point(region_id)
    return store.points.add(
        TriggerPoint(
            session_id=session.id,
            number=number,
            view=view,
            region_id=region_id,
            side=REGIONS[region_id].side,
            x=x,
            y=y,
            muscle=muscle,
            pain=6,
        )
    )


def test_carry_forward_copies_the_ticked_earlier_points(qtbot, store, patient):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tpchart.ui.carry_forward import CarryForwardDialog

    earlier = start(store, patient, days_ago=7)
    old = earlier_point(store, earlier, NECK, 1, "levator scapulae")
    resolved = earlier_point(store, earlier, CHEST_LEFT, 2, "pectoralis major")
    kept = earlier_point(store, earlier, "back.neck.posterior.left", 3, "splenius capitis")
    today = start(store, patient)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    win.patients.select_patient(patient.id)
    assert win.session.id == today.id
    assert win.chart.scenes[View.BACK].ghosts[old.id].isVisible()
    seen = {}

    def untick_the_resolved_point_and_press_ok():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CarryForwardDialog)
        rows = dialog.items()
        seen["rows"] = [[row.text(c) for c in range(4)] for row in rows]
        seen["ticked"] = [row.checkState(0) is Qt.CheckState.Checked for row in rows]
        checklist = dialog.checklist
        box = checklist.visualItemRect(rows[1])  # the check box sits at the row's left
        qtbot.mouseClick(
            checklist.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(box.left() + checklist.indentation() // 2 + 4, box.center().y()),
        )
        seen["ok"] = dialog.ok.text()
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, untick_the_resolved_point_and_press_ok)
    qtbot.mouseClick(win.chart.carry_button, Qt.MouseButton.LeftButton)
    assert seen["rows"] == [
        ["1", "levator scapulae", "Right", "Back"],
        ["2", "pectoralis major", "Left", "Front"],
        ["3", "splenius capitis", "Left", "Back"],
    ]
    assert seen["ticked"] == [True, True, True]  # all ticked by default
    assert seen["ok"] == "Carry forward 2 points"
    copies = store.points.for_session(today.id)
    assert [(c.number, c.region_id, c.muscle) for c in copies] == [
        (1, NECK, "levator scapulae"),
        (2, kept.region_id, "splenius capitis"),
    ]
    assert all(c.pain is None for c in copies)  # findings start afresh
    assert resolved.region_id not in {c.region_id for c in copies}
    win.chart.undo_stack.undo()  # one step takes back the whole carry forward
    assert store.points.for_session(today.id) == []


def test_cancelling_carry_forward_copies_nothing(qtbot, store, patient):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    earlier = start(store, patient, days_ago=7)
    earlier_point(store, earlier, NECK, 1, "levator scapulae")
    today = start(store, patient)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    win.patients.select_patient(patient.id)
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    qtbot.mouseClick(win.chart.carry_button, Qt.MouseButton.LeftButton)
    assert store.points.for_session(today.id) == []
    assert win.chart.undo_stack.count() == 0


def test_remaining_inspector_fields_persist(qtbot, window, store):
    from tpchart.core.trigger_point import Technique

    click_region(qtbot, window, NECK)
    inspector = window.inspector
    inspector.side.setCurrentIndex(inspector.side.findData(Side.MIDLINE))
    inspector.side.activated.emit(inspector.side.currentIndex())
    for box in (inspector.spot_tenderness, inspector.referred_pain, inspector.recognised):
        box.setChecked(True)
    inspector.twitch.setCurrentIndex(inspector.twitch.findData(TwitchStrength.WEAK))
    inspector.twitch.activated.emit(inspector.twitch.currentIndex())
    inspector.twitch_count.setValue(3)
    inspector.twitch_count.editingFinished.emit()
    inspector.technique.setCurrentIndex(inspector.technique.findData(Technique.STATIC))
    inspector.technique.activated.emit(inspector.technique.currentIndex())
    inspector.minutes.setValue(10)
    inspector.minutes.editingFinished.emit()
    inspector.needles.setValue(2)
    inspector.needles.editingFinished.emit()
    saved = only_point(store, window)
    assert saved.side is Side.MIDLINE
    assert saved.spot_tenderness and saved.referred_pain and saved.recognised
    assert (saved.twitch_strength, saved.twitch_count) == (TwitchStrength.WEAK, 3)
    assert (saved.technique, saved.minutes, saved.needles) == (Technique.STATIC, 10, 2)


def test_practitioner_picker_sets_who_changes(qtbot, window, store, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    picker = window.practitioner_picker
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Dr Second", True))
    picker.activated.emit(picker.findData(-1))
    second = next(p for p in store.practitioners.all() if p.name == "Dr Second")
    assert store.practitioner_id == second.id and picker.currentText() == "Dr Second"
    click_region(qtbot, window, NECK)
    assert store.audit_trail("trigger_points")[-1].practitioner_id == second.id


def test_new_session_starts_a_session_and_signing_locks_the_chart(qtbot, window, store, patient):
    from PySide6.QtWidgets import QApplication

    from tpchart.ui.session_start import StartSessionDialog

    def fill_and_save():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, StartSessionDialog)
        dialog.chief_complaint.setText("Neck pain, second session")  # an empty one is refused
        dialog.screening_done.setChecked(True)  # unticked until the doctor has asked
        dialog.accept()

    from PySide6.QtCore import QTimer

    before = len(store.sessions.for_patient(patient.id))
    QTimer.singleShot(0, fill_and_save)
    window.new_session()
    assert len(store.sessions.for_patient(patient.id)) == before + 1
    new = window.session
    assert new.editable and window.session_list.currentRow() == 0
    click_region(qtbot, window, NECK)
    signed = store.sessions.update(replace(new, consent_given=True, consent_by="Patient"))
    signed = store.sessions.sign(signed.id)
    window.operations.records_changed.emit(Changed(What.SESSION, signed))
    assert "signed" in window.header.title.text()
    assert window.chart.readonly_note.isVisible()
    assert "signed" in window.session_list.currentItem().text()


def test_export_pdf_from_the_menu_writes_the_summary(qtbot, window, store, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    click_region(qtbot, window, NECK)
    target = tmp_path / "summary.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)")
    )
    assert window.menus.export_pdf_action.isEnabled()
    window.menus.export_pdf_action.trigger()
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Ana Chart" in text and "DRAFT" in text
    assert store.audit_trail()[-1].action == "export"


def test_progress_tab_follows_the_patient_and_new_points(qtbot, window, store, patient):
    assert window.progress is None  # built only when first shown
    click_region(qtbot, window, NECK)
    window.tabs.setCurrentWidget(window.progress_tab)
    progress = window.progress
    assert progress.patient_id == patient.id and progress.isVisible()
    assert progress.points[window.session.id][0].region_id == NECK


def test_read_only_database_shows_but_does_not_chart(qtbot, window, store, patient):
    reader = Store.open(store.path, read_only=True)
    try:
        win = MainWindow(reader)
        qtbot.addWidget(win)
        win.show()
        win.patients.select_patient(patient.id)
        make_active(qtbot, win)  # refused for being read-only, not for activating
        m = win.menus
        assert not m.new_patient_action.isEnabled() and not m.new_session_action.isEnabled()
        click_region(qtbot, win, NECK)
        assert reader.points.for_session(win.session.id) == []
        assert "read-only" in win.chart.readonly_note.text()
    finally:
        reader.close()


def test_reload_from_store_shows_what_the_database_holds(qtbot, window, store):
    click_region(qtbot, window, NECK)
    point = only_point(store, window)
    store.points.update(replace(point, pain=9))  # e.g. after a failed write was rolled back
    window.reload_from_store()
    assert window.chart.points[point.id].pain == 9


def test_dragging_two_selected_points_moves_and_saves_both(qtbot, window, store):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, "back.neck.posterior.left")
    first, second = store.points.for_session(window.session.id)
    scene = window.chart.scenes[View.BACK]
    for point in (first, second):
        scene.markers[point.id].setSelected(True)
    canvas, viewport = window.chart.canvas, window.chart.canvas.viewport()
    start_pos = canvas.mapFromScene(QPointF(first.x, first.y))
    end_pos = start_pos + QPoint(0, 25)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start_pos)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start_pos + (end_pos - start_pos) * step / 5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end_pos)
    moved = {p.id: p for p in store.points.for_session(window.session.id)}
    for point in (first, second):
        assert moved[point.id].y > point.y + 5  # saved, not only drawn
        marker = scene.markers[point.id]
        assert (marker.pos().x(), marker.pos().y()) == (moved[point.id].x, moved[point.id].y)
    window.undo()  # one step undoes the whole drag
    assert store.points.for_session(window.session.id) == [first, second]


def test_notes_being_typed_are_saved_before_undo(qtbot, window, store):
    click_region(qtbot, window, NECK)
    window.inspector.notes.setPlainText("Strong local twitch, referred to the temple")
    window.undo()  # the toolbar click never took the focus from the notes box
    point = only_point(store, window)
    assert point.notes == ""  # Undo reverted the typing, as a text editor would
    window.redo()
    assert only_point(store, window).notes == "Strong local twitch, referred to the temple"


def test_switching_sessions_changes_no_stored_score_and_charts_the_session_shown(
    qtbot, store, patient
):
    older = start(store, patient, days_ago=7)
    store.sessions.update(replace(older, ndi=42.2222222))
    newer = start(store, patient)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    make_active(qtbot, win)  # a click charts, not just activates the window
    win.patients.select_patient(patient.id)
    win.session_list.setCurrentRow(1)  # the older session
    assert win.session.id == older.id == win.chart.session.id
    click_region(qtbot, win, NECK)
    assert store.sessions.get(older.id).ndi == 42.2222222
    assert len(store.points.for_session(older.id)) == 1
    assert store.points.for_session(newer.id) == []
