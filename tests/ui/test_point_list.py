"""The list of the session's points beside the map: order, choosing, deleting, keeping
in step with the map."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTreeWidget

from tpchart.bodymap import load_body_map
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS, View
from tpchart.core.trigger_point import TwitchStrength
from tpchart.report.session_summary import point_row
from tpchart.ui.point_list import PointList

from .charting import click_region, make_active, start

NECK = "back.neck.posterior.right"
CHEST = "front.chest.left"
TEMPLE = next(r for r in REGIONS if REGIONS[r].view is View.HEAD)


def rows(point_list: PointList) -> list[list[str]]:
    return [
        [point_list.topLevelItem(r).text(c) for c in range(point_list.columnCount())]
        for r in range(point_list.topLevelItemCount())
    ]


def click_row(qtbot, point_list: PointList, row: int) -> None:
    rect = point_list.visualItemRect(point_list.topLevelItem(row))
    qtbot.mouseClick(point_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_lists_every_view_in_point_number_order_as_the_pdf_does(qtbot, window, store):
    for region in (CHEST, NECK, TEMPLE):  # three views, numbered 1-3 as clicked
        click_region(qtbot, window, region)
    point_list = window.chart.point_list
    points = store.points.for_session(window.session.id)
    # The PDF's points table: sorted by number; its number, muscle and side columns.
    pdf = [point_row(p) for p in sorted(points, key=lambda p: p.number)]
    listed = rows(point_list)
    assert [r[0] for r in listed] == [r[0] for r in pdf] == ["1", "2", "3"]
    assert [(r[1], r[2]) for r in listed] == [(r[2], r[3]) for r in pdf]  # muscle, side
    assert [r[3] for r in listed] == ["Front", "Back", "Head"]
    assert listed[1] == ["2", MUSCLES[REGIONS[NECK].muscles[0]].name, "Right", "Back", "None", "–"]


def test_a_row_click_selects_the_point_and_shows_its_view(qtbot, window, store):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, CHEST)
    chart, point_list = window.chart, window.chart.point_list
    assert chart.current_scene().view is View.FRONT
    neck = next(p for p in store.points.for_session(window.session.id) if p.region_id == NECK)
    click_row(qtbot, point_list, 0)
    assert chart.current_scene().view is View.BACK
    assert chart.selected_point() == neck
    assert chart.scenes[View.BACK].markers[neck.id].isSelected()
    assert window.inspector.point == neck
    assert window.side_tabs.currentWidget() is window.inspector


def test_map_selection_shows_in_the_list_without_echo(qtbot, window):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, CHEST)
    point_list = window.chart.point_list
    assert point_list.selected_ids() == [window.chart.selected_point().id]  # the new point
    chosen = []
    point_list.point_chosen.connect(chosen.append)
    window.chart.show_view(View.BACK)
    neck_id = point_list.point_ids()[0]
    marker = window.chart.scenes[View.BACK].markers[neck_id]
    canvas = window.chart.canvas
    qtbot.mouseClick(
        canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(marker.pos())
    )
    assert point_list.selected_ids() == [neck_id]
    assert chosen == []  # the list followed the map and said nothing back


def test_delete_on_the_list_removes_the_point_and_undo_brings_it_back(qtbot, window, store):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, CHEST)
    point_list = window.chart.point_list
    click_row(qtbot, point_list, 0)
    assert point_list.hasFocus()
    qtbot.keyClick(point_list, Qt.Key.Key_Delete)
    remaining = store.points.for_session(window.session.id)
    assert [p.region_id for p in remaining] == [CHEST]
    assert [r[0] for r in rows(point_list)] == ["2"]
    window.undo()
    assert len(store.points.for_session(window.session.id)) == 2
    assert [r[0] for r in rows(point_list)] == ["1", "2"]


def test_the_list_follows_edits_made_on_the_map(qtbot, window, store):
    click_region(qtbot, window, NECK)
    canvas = window.chart.canvas
    canvas.setFocus()
    for key in (Qt.Key.Key_S, Qt.Key.Key_7):
        qtbot.keyClick(canvas, key)
    (point,) = store.points.for_session(window.session.id)
    assert point.twitch_strength is TwitchStrength.STRONG
    row = rows(window.chart.point_list)[0]
    assert (row[4], row[5]) == (point.twitch_text, "7")


def test_a_signed_session_lists_but_delete_does_nothing(qtbot, window, store):
    click_region(qtbot, window, NECK)
    window.session_saved(store.sessions.sign(window.session.id))
    point_list = window.chart.point_list
    click_row(qtbot, point_list, 0)
    qtbot.keyClick(point_list, Qt.Key.Key_Delete)
    assert len(store.points.for_session(window.session.id)) == 1
    assert len(rows(point_list)) == 1


def test_the_list_can_be_hidden_and_fits_beside_the_map(qtbot, window):
    chart = window.chart
    assert chart.point_list.isVisible()
    # The centre column at 1366x768 is about 650-700 px: the map keeps most of it.
    assert chart.point_list.width() <= 320 and chart.canvas.width() >= 330
    qtbot.mouseClick(chart.list_button, Qt.MouseButton.LeftButton)
    assert not chart.point_list.isVisible()
    qtbot.mouseClick(chart.list_button, Qt.MouseButton.LeftButton)
    assert chart.point_list.isVisible()


def test_muscles_read_by_their_preferred_name_and_other_words_are_marked(qtbot, window, store):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, CHEST)
    inspector = window.inspector
    for row, words in ((0, "lev scap"), (1, "sternalis")):  # a synonym; words it lacks
        click_row(qtbot, window.chart.point_list, row)
        line = inspector.muscle.lineEdit()
        line.setFocus()
        qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(line, words)
        qtbot.keyClick(line, Qt.Key.Key_Return)
    neck, chest = store.points.for_session(window.session.id)
    assert (neck.muscle, neck.muscle_id) == ("lev scap", "levator_scapulae")
    assert (chest.muscle, chest.muscle_id) == ("sternalis", "other")
    listed = rows(window.chart.point_list)
    assert [r[1] for r in listed] == ["levator scapulae (lev scap)", "(other) sternalis"]
    markers = window.chart.scenes
    assert "levator scapulae (lev scap), right," in markers[View.BACK].markers[neck.id].toolTip()
    assert "(other) sternalis, left," in markers[View.FRONT].markers[chest.id].toolTip()


def listed(point_list: PointList) -> list[tuple]:
    """Everything a row shows: its point, cells, tooltip, alignment and selection."""
    out = []
    for row in range(point_list.topLevelItemCount()):
        item = point_list.topLevelItem(row)
        out.append(
            (
                item.data(0, Qt.ItemDataRole.UserRole),
                tuple(item.text(c) for c in range(point_list.columnCount())),
                item.toolTip(1),
                tuple(int(item.textAlignment(c)) for c in range(point_list.columnCount())),
                item.isSelected(),
            )
        )
    return out


def rebuilt(window) -> list[tuple]:
    """The list a fresh PointList shows for the chart's points and selection."""
    fresh = PointList()
    fresh.show_points(window.chart.points.values(), window.chart._selected())
    return listed(fresh)


def test_the_list_kept_up_to_date_matches_a_list_built_afresh(qtbot, window, store):
    """Each change updates only its rows; the result must be what a full rebuild shows,
    and what the store holds, after every kind of change."""
    chart, point_list = window.chart, window.chart.point_list
    canvas = chart.canvas

    def check() -> None:
        assert listed(point_list) == rebuilt(window)
        stored = sorted(store.points.for_session(window.session.id), key=lambda p: p.number)
        assert point_list.point_ids() == [p.id for p in stored]

    for region in (NECK, CHEST, TEMPLE, "back.neck.posterior.left"):
        click_region(qtbot, window, region)
        check()
    assert len(point_list.point_ids()) == 4
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_7)  # the selected point's pain: a cell rewritten
    qtbot.keyClick(canvas, Qt.Key.Key_S)
    check()
    assert rows(point_list)[3][4].startswith("Strong") and rows(point_list)[3][5] == "7"
    click_row(qtbot, point_list, 1)  # the chest point, on the front view
    point_list.setFocus()
    qtbot.keyClick(point_list, Qt.Key.Key_Delete)  # a row out of the middle
    check()
    assert [r[0] for r in rows(point_list)] == ["1", "3", "4"]
    window.undo()  # back in its place, between 1 and 3
    check()
    assert [r[0] for r in rows(point_list)] == ["1", "2", "3", "4"]
    window.redo()
    check()
    window.undo()
    # A drag: the neck point moves to the other side (its row's side cell changes).
    neck = next(p for p in chart.points.values() if p.region_id == NECK)
    chart.show_view(View.BACK)
    target = load_body_map(View.BACK).interior_point("back.neck.posterior.left")
    start_pos = canvas.mapFromScene(QPointF(neck.x, neck.y))
    end_pos = canvas.mapFromScene(QPointF(target[0] + 3, target[1] + 3))
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start_pos)
    for step in range(1, 6):
        qtbot.mouseMove(canvas.viewport(), start_pos + (end_pos - start_pos) * step / 5)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end_pos)
    assert store.points.get(neck.id).side.value == "left"
    check()
    assert rows(point_list)[0][2] == "Left"
    stack = chart.undo_stack
    while stack.canUndo():  # undo everything: the list empties row by row
        window.undo()
        check()
    assert point_list.topLevelItemCount() == 0
    while stack.canRedo():
        window.redo()
        check()
    assert len(point_list.point_ids()) == 4


def test_another_session_replaces_every_row(qtbot, window, store, patient):
    click_region(qtbot, window, NECK)
    click_region(qtbot, window, CHEST)
    first = window.session
    later = start(store, patient)
    window.show_session(later)
    assert window.chart.point_list.topLevelItemCount() == 0
    window.show_session(store.sessions.get(first.id))
    assert listed(window.chart.point_list) == rebuilt(window)
    assert [r[0] for r in rows(window.chart.point_list)] == ["1", "2"]


def test_columns_are_as_wide_as_qt_would_make_them(qtbot, window):
    """The list measures each distinct text once (``sizeHintForColumn``); the widths
    must be those of Qt's own measure of every row."""
    for region in (NECK, CHEST, TEMPLE):
        click_region(qtbot, window, region)
    canvas = window.chart.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_1)
    qtbot.keyClick(canvas, Qt.Key.Key_0)  # pain 10: a wider Pain cell on one row
    point_list = window.chart.point_list
    for column in range(point_list.columnCount()):
        assert point_list.sizeHintForColumn(column) == QTreeWidget.sizeHintForColumn(
            point_list, column
        )


def test_a_renumbered_point_moves_to_its_row(qtbot, window, store):
    for region in (NECK, CHEST, TEMPLE):
        click_region(qtbot, window, region)
    one, two, three = sorted(window.chart.points.values(), key=lambda p: p.number)
    point_list = PointList()
    qtbot.addWidget(point_list)
    point_list.show_points([one, two, three], [two.id])
    renumbered = [replace(one, number=4), two, three]
    point_list.show_points(renumbered, [two.id])
    fresh = PointList()
    qtbot.addWidget(fresh)
    fresh.show_points(renumbered, [two.id])
    assert listed(point_list) == listed(fresh)
    assert [r[0] for r in rows(point_list)] == ["2", "3", "4"]


def test_many_changes_in_turn_leave_the_list_a_fresh_list_would_show(qtbot):
    """Points added, taken out and renumbered at random, 300 changes in turn: after each,
    the list kept up to date (only the rows that changed touched) matches one built
    afresh, ties of number included."""
    import random

    from tpchart.core.trigger_point import TriggerPoint

    region = REGIONS[NECK]
    place = dict(session_id=1, view=region.view, region_id=NECK, side=region.side, x=270.0,
                 y=160.0)  # fmt: skip
    chance = random.Random(19)
    point_list = PointList()
    qtbot.addWidget(point_list)
    points: dict[int, TriggerPoint] = {}
    next_id = 1
    for _ in range(300):
        step = chance.random()
        if step < 0.5 or len(points) < 2:
            number = chance.randint(1, 60)
            points[next_id] = TriggerPoint(number=number, id=next_id, **place)
            next_id += 1
        elif step < 0.75:
            del points[chance.choice(list(points))]
        else:
            chosen = chance.choice(list(points))
            points[chosen] = replace(points[chosen], number=chance.randint(1, 60))
        selected = [chance.choice(list(points))] if points else []
        point_list.show_points(points.values(), selected)
        fresh = PointList()
        fresh.show_points(points.values(), selected)
        assert listed(point_list) == listed(fresh)
        assert point_list.point_ids() == fresh.point_ids()


def drawn_by_qt(point_list: PointList, monkeypatch) -> QImage:
    """The list as Qt draws it itself, every row laid out afresh (no rows copied)."""
    with monkeypatch.context() as patch:
        patch.setattr(point_list, "paintEvent", lambda e: QTreeWidget.paintEvent(point_list, e))
        patch.setattr(
            point_list, "drawRow", lambda p, o, i: QTreeWidget.drawRow(point_list, p, o, i)
        )
        return point_list.grab().toImage()


def test_rows_copied_from_earlier_paints_look_as_qt_draws_them(qtbot, window, monkeypatch):
    """The list draws each row once and copies it after that (``drawRow``). What it
    shows must be Qt's own drawing after every change a row can see: new rows, a
    changed cell, the selection moving, the keyboard focus, a scroll, a narrower list."""
    chart, point_list = window.chart, window.chart.point_list
    canvas = chart.canvas
    for region in (NECK, CHEST, TEMPLE, "back.neck.posterior.left", "back.upper.left"):
        click_region(qtbot, window, region)

    def check() -> None:
        shown = point_list.grab().toImage()
        assert point_list._drawn, "the rows were not taken from the copies"
        assert shown == drawn_by_qt(point_list, monkeypatch)

    check()
    first = point_list.grab().toImage()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_S)  # the selected point's twitch: a cell rewritten
    check()
    assert point_list.grab().toImage() != first  # the copied row was not shown stale
    click_row(qtbot, point_list, 1)  # selection and focus move to another row
    make_active(qtbot, window)
    point_list.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(point_list, Qt.Key.Key_Down)  # the keyboard's focus frame
    check()
    for _ in range(40):  # a list that scrolls
        click_region(qtbot, window, CHEST)
    check()
    point_list.scrollToTop()
    check()
    window.chart.splitter.setSizes([500, 150])  # the muscle names cut short
    qtbot.wait(1)
    check()


def test_a_full_store_of_drawn_rows_keeps_the_rows_on_screen(qtbot, monkeypatch):
    """When the rows kept drawn reach their number, the row drawn longest ago goes. It
    once emptied them all, so one click in about 45 drew every visible row afresh."""
    from tpchart.core.trigger_point import TriggerPoint
    from tpchart.ui import point_list as module

    region = REGIONS[NECK]
    place = dict(session_id=1, view=region.view, region_id=NECK, side=region.side, x=270.0,
                 y=160.0)  # fmt: skip
    points = [TriggerPoint(number=n, id=n, **place) for n in range(1, 41)]
    point_list = PointList()
    qtbot.addWidget(point_list)
    point_list.setGeometry(400, 400, 300, 200)  # about eight rows; not under the mouse
    point_list.show_points(points, [points[0].id])
    point_list.show()
    qtbot.waitExposed(point_list)
    point_list.grab()  # drawn as on screen, now (a repaint offscreen may come later)
    monkeypatch.setattr(module, "DRAWN_ROWS", len(point_list._drawn) + 3)
    drawn: list[int] = []
    draw_row = point_list._draw_row

    def counted(option, index):
        drawn.append(index.row())
        return draw_row(option, index)

    monkeypatch.setattr(point_list, "_draw_row", counted)
    for point in points[1:7]:  # the selection moves down the rows on screen
        drawn.clear()
        point_list.show_selection([point.id])
        point_list.grab()  # every row on screen painted
        # Only the rows whose look changed: the one selected, the one no longer so.
        assert len(drawn) <= 2, drawn
