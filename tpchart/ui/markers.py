"""Trigger-point markers on the body-map scene, drawn from the shared marker style."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from tpchart.bodymap.markers import MARKER_DIAMETER, SELECTED, MarkerShape, diamond, marker_style
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.muscle_field import muscle_label

RADIUS = MARKER_DIAMETER / 2


def marker_path(shape: MarkerShape, radius: float = RADIUS) -> QPainterPath:
    """The outline of a marker centred on the origin."""
    path = QPainterPath()
    if shape is MarkerShape.CIRCLE:
        path.addEllipse(QPointF(0, 0), radius, radius)
    else:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in diamond(0, 0, radius * 1.2)]))
        path.closeSubpath()
    return path


class PointMarker(QGraphicsObject):
    """One numbered marker. It keeps its on-screen size at any zoom (it ignores the
    view's scale), while its position is the point's place in diagram coordinates.

    A ``ghost`` marker shows a previous session's point: faint, dashed, never moved.
    """

    def __init__(self, point: TriggerPoint, ghost: bool = False) -> None:
        super().__init__()
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

    def boundingRect(self) -> QRectF:
        pad = RADIUS * 1.2 + 4
        return QRectF(-pad, -pad, 2 * pad, 2 * pad)

    def shape(self) -> QPainterPath:
        return self._path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            painter.setPen(QPen(QColor(SELECTED), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(marker_path(self._style.shape, RADIUS + 3.5))
        pen = QPen(QColor(self._style.stroke), 1.5)
        if self.ghost:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor("#ffffff" if self.ghost else self._style.fill)))
        painter.drawPath(self._path)
        font = QFont()
        font.setPixelSize(11 if self.point.number < 100 else 8)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#444444" if self.ghost else self._style.text))
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, str(self.point.number))
