"""The list of the session's points beside the map: order, choosing, deleting, keeping
in step with the map."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS, View
from tpchart.core.trigger_point import TwitchStrength
from tpchart.report.session_summary import point_row
from tpchart.ui.point_list import PointList

from .charting import click_region

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
