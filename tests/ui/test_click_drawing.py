"""What the click's speed-ups (issue 19, part 3) keep: each one remembers something
drawn or measured, so each test checks that a change still shows."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

from tpchart.bodymap import load_body_map
from tpchart.core.regions import REGIONS, View
from tpchart.core.trigger_point import PointKind, TriggerPoint
from tpchart.ui.body_map_view import BodyMapScene, BodyMapView
from tpchart.ui.markers import PointMarker
from tpchart.ui.notices import NoticeStrip
from tpchart.ui.style import WARNING, WrappingCheckBox


def a_point(number: int, **changes) -> TriggerPoint:
    region = REGIONS["front.forearm.right"]
    x, y = load_body_map(View.FRONT).interior_point(region.id)
    point = TriggerPoint(
        id=number,
        session_id=1,
        number=number,
        view=View.FRONT,
        region_id=region.id,
        x=x,
        y=y,
        side=region.side,
        kind=PointKind.ACTIVE,
    )
    return replace(point, **changes)


def drawn(marker: PointMarker) -> QImage:
    """The marker as paint() draws it, on white."""
    image = QImage(40, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(20, 20)
    marker.paint(painter, None, None)  # type: ignore[arg-type]
    painter.end()
    return image


def a_shown_map(qtbot) -> tuple[BodyMapView, BodyMapScene]:
    """The front diagram in a view 300 x 500, shown."""
    view = BodyMapView()
    qtbot.addWidget(view)
    scene = BodyMapScene(View.FRONT)
    view.set_body_scene(scene)
    view.resize(300, 500)
    view.show()
    qtbot.waitExposed(view)
    return view, scene


def test_a_marker_draws_its_new_number_and_kind_after_a_change(qtbot):
    marker = PointMarker(a_point(7))
    marker.set_point(a_point(123, kind=PointKind.LATENT))
    fresh = PointMarker(a_point(123, kind=PointKind.LATENT))
    assert drawn(marker) == drawn(fresh)
    assert drawn(marker) != drawn(PointMarker(a_point(7)))


def test_a_selected_marker_draws_its_ring(qtbot):
    scene = BodyMapScene(View.FRONT)
    marker = scene.put_point(a_point(3))
    plain = drawn(marker)
    marker.setSelected(True)
    assert drawn(marker) != plain


def test_the_map_draws_the_diagram_under_the_markers_and_keeps_it_while_markers_change(qtbot):
    view, scene = a_shown_map(qtbot)
    if view.devicePixelRatioF().is_integer():
        assert view.cacheMode() == QGraphicsView.CacheModeFlag.CacheBackground
    empty = view.viewport().grab().toImage()
    # Off the body, the window's background; on it, the diagram's colours.
    assert empty.pixelColor(QPoint(2, 2)) == QColor("#fbfbfa")
    assert len({empty.pixel(x, y) for x in range(0, 300, 5) for y in range(0, 500, 5)}) > 5
    marker = scene.put_point(a_point(1))
    qtbot.waitUntil(lambda: view.viewport().grab().toImage() != empty)
    scene.remove_point(1)
    assert marker.scene() is None
    qtbot.waitUntil(lambda: view.viewport().grab().toImage() == empty)


def test_a_wrapping_check_box_measures_again_for_new_text_and_font(qtbot):
    box = WrappingCheckBox("Taut band")
    qtbot.addWidget(box)
    one_line = box.heightForWidth(150)
    box.setText("Referred pain recognised by the patient as their usual pain, " * 3)
    assert box.heightForWidth(150) > one_line
    wrapped = box.heightForWidth(150)
    font = QFont(box.font())
    font.setPixelSize(box.fontMetrics().height() * 2)
    box.setFont(font)
    assert box.heightForWidth(150) > wrapped
    assert box.heightForWidth(150) == box.heightForWidth(150)


def test_posting_the_same_message_again_changes_nothing_but_new_details_do(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    strip = NoticeStrip("strip", 2, parent)
    button = QWidget()
    banner = strip.add_banner(WARNING, "warn", button)
    other = strip.add_banner(WARNING, "other")
    parent.show()
    strip.post(banner, "Over the lung", "point 1", ask=True)
    strip.post(other, "Second")
    assert strip.shown() is banner and not button.isHidden()
    assert strip.more.text() == "+1 more"
    strip.post(banner, "Over the lung", "point 1", ask=True)
    assert banner.toolTip() == "point 1" and not button.isHidden()
    strip.post(banner, "Over the lung", "points 1, 2", ask=True)
    assert banner.toolTip() == "points 1, 2"
    strip.post(banner, "Over the lung", "points 1, 2", ask=False)
    assert button.isHidden()
    strip.post(banner, "", "")
    assert strip.shown() is other and strip.more.isHidden()
    assert Qt.TextFormat.PlainText == banner.textFormat()


def test_markers_kept_for_another_session_show_its_points_only_in_its_order(qtbot):
    """Opening another session gives the markers on the diagram the new points
    (`BodyMapScene.show_points`): each shows its own point, none stays chosen or
    movable where it should not, surplus ones go, and a later point lies on top."""
    scene = BodyMapScene(View.FRONT)
    first = [a_point(n) for n in range(1, 6)]
    scene.set_editable(True)
    scene.show_points(first, [a_point(90, id=90)])
    scene.markers[3].setSelected(True)
    # Three points at one spot, numbered 11-13, and one faint earlier point.
    second = [a_point(n, id=100 + n, twitch_elicited=n == 12) for n in (11, 12, 13)]
    scene.set_editable(False)
    scene.show_points(second, [a_point(91, id=91), a_point(92, id=92)])
    markers = [i for i in scene.items() if isinstance(i, PointMarker)]
    assert len(markers) == 5  # 3 of this session, 2 earlier
    assert {i: m.point for i, m in scene.markers.items()} == {p.id: p for p in second}
    assert {i: m.point.number for i, m in scene.ghosts.items()} == {91: 91, 92: 92}
    assert all(m.ghost for m in scene.ghosts.values())
    assert not any(m.ghost for m in scene.markers.values())
    assert scene.selectedItems() == []
    assert not any(m.flags() & m.GraphicsItemFlag.ItemIsMovable for m in markers)
    assert scene.markers[112].toolTip().startswith("Point 12:")
    assert drawn(scene.markers[112]) != drawn(scene.markers[111])  # its twitch's fill
    x, y = second[0].x, second[0].y
    on_top = next(i for i in scene.items(QPointF(x, y)) if isinstance(i, PointMarker))
    assert on_top.point.number == 13
    # More points than markers: the new ones are made, on top of the kept ones.
    third = [a_point(n, id=200 + n) for n in range(1, 8)]
    scene.show_points(third, [])
    assert sorted(scene.markers) == [p.id for p in third]
    assert scene.ghosts == {}
    assert len([i for i in scene.items() if isinstance(i, PointMarker)]) == 7
    on_top = next(i for i in scene.items(QPointF(x, y)) if isinstance(i, PointMarker))
    assert on_top.point.number == 7


def test_a_marker_next_to_one_that_changes_keeps_every_pixel_on_screen(qtbot):
    """Qt repaints only the markers whose bounding rectangle meets what changed (the
    rectangle is Qt's own, `QGraphicsRectItem`, issue 19 part 10). A marker drawn
    outside its rectangle would lose those pixels when a neighbour is drawn again:
    what the window holds must match the view drawn afresh, for a neighbour at every
    distance, beside a selected and an unselected marker of either kind."""
    view, scene = a_shown_map(qtbot)
    screen = view.screen()

    def on_screen() -> QImage:
        QApplication.processEvents()
        return screen.grabWindow(view.winId()).toImage()  # the window's pixels as held

    scale = view.transform().m11()
    for kind in PointKind:
        for selected in (False, True):
            base = a_point(1, kind=kind)
            marker = scene.put_point(base)
            marker.setSelected(selected)
            for dx in range(18, 42, 2):
                for dy in (-10, 0, 10):
                    place = {"x": base.x + dx / scale, "y": base.y + dy / scale}
                    scene.put_point(a_point(2, **place))
                    on_screen()
                    scene.put_point(a_point(3, id=2, **place))  # the neighbour redrawn
                    held = on_screen()
                    view.viewport().update()
                    assert held == on_screen(), (kind, selected, dx, dy)
                    scene.remove_point(2)
            scene.remove_point(1)
