"""Trigger-point markers on the body-map scene, drawn from the shared marker style."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from tpchart.bodymap.markers import MARKER_DIAMETER, SELECTED, MarkerShape, diamond, marker_style
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.muscle_field import muscle_label

RADIUS = MARKER_DIAMETER / 2
_PAD = RADIUS * 1.2 + 4
_BOX = QRectF(-_PAD, -_PAD, 2 * _PAD, 2 * _PAD)  # every marker's bounding rectangle
_SELECTED_PEN = QPen(QColor(SELECTED), 3)
_FONTS: dict[int, QFont] = {}


def _number_font(pixel_size: int) -> QFont:
    """The bold face of a marker's number. The application's font is set once at start
    (nothing changes it later), so one font per size serves every marker."""
    font = _FONTS.get(pixel_size)
    if font is None:
        font = _FONTS[pixel_size] = QFont()
        font.setPixelSize(pixel_size)
        font.setBold(True)
    return font


def marker_path(shape: MarkerShape, radius: float = RADIUS) -> QPainterPath:
    """The outline of a marker centred on the origin."""
    path = QPainterPath()
    if shape is MarkerShape.CIRCLE:
        path.addEllipse(QPointF(0, 0), radius, radius)
    else:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in diamond(0, 0, radius * 1.2)]))
        path.closeSubpath()
    return path


class PointMarker(QGraphicsRectItem):
    """One numbered marker. It keeps its on-screen size at any zoom (it ignores the
    view's scale), while its position is the point's place in diagram coordinates.

    A ``ghost`` marker shows a previous session's point: faint, dashed, never moved.

    Its bounding rectangle is a `QGraphicsRectItem`'s rectangle (with no pen or brush
    of its own), which Qt reads without calling into Python: Qt asks every marker for
    it at each repaint of the map, some 290 times a click with 200 points, and a
    Python `boundingRect` cost 1.25 µs a call against 0.08.
    """

    def __init__(self, point: TriggerPoint, ghost: bool = False) -> None:
        super().__init__(_BOX)
        self.setPen(Qt.PenStyle.NoPen)  # a pen would widen the rectangle by half its width
        self.ghost = ghost
        self.point = point
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(5 if ghost else 10)
        if ghost:
            self.setOpacity(0.55)
        self.set_point(point)

    def set_point(self, point: TriggerPoint) -> None:
        """Show ``point``'s current state and place."""
        self.prepareGeometryChange()
        self.point = point
        self._style = marker_style(point)
        self._path = marker_path(self._style.shape)
        # What paint() draws with, made once per change of the point rather than at
        # every paint: a click repaints a dozen or more markers under the new one, and
        # building pens, colours and a font from names was most of their cost.
        style = self._style
        self._ring = marker_path(style.shape, RADIUS + 3.5)
        self._pen = QPen(QColor(style.stroke), 1.5)
        if self.ghost:
            self._pen.setStyle(Qt.PenStyle.DashLine)
        self._brush = QBrush(QColor("#ffffff" if self.ghost else style.fill))
        self._text_pen = QPen(QColor("#444444" if self.ghost else style.text))
        self._font = _number_font(11 if point.number < 100 else 8)
        self._number = str(point.number)
        self.setPos(point.x, point.y)
        self.setToolTip(
            f"{'Previous session, point' if self.ghost else 'Point'} {point.number}: "
            f"{muscle_label(point) or 'muscle not set'}, {point.side.value}, {point.kind.value}, "
            f"twitch {point.twitch_text.lower()}"
        )
        self.update()

    def set_movable(self, movable: bool) -> None:
        """Only points of an editable session can be dragged."""
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, movable and not self.ghost)

    def shape(self) -> QPainterPath:
        return self._path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            painter.setPen(_SELECTED_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self._ring)
        painter.setPen(self._pen)
        painter.setBrush(self._brush)
        painter.drawPath(self._path)
        painter.setFont(self._font)
        painter.setPen(self._text_pen)
        painter.drawText(_BOX, Qt.AlignmentFlag.AlignCenter, self._number)
