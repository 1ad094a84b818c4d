"""What the click's speed-ups (issue 19, part 3) keep: each one remembers something
drawn or measured, so each test checks that a change still shows."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QGraphicsView, QWidget

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
    view = BodyMapView()
    qtbot.addWidget(view)
    scene = BodyMapScene(View.FRONT)
    view.set_body_scene(scene)
    view.resize(300, 500)
    view.show()
    qtbot.waitExposed(view)
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
