"""The body-map canvas: the SVG diagram, region hover, and trigger-point markers.

Scene coordinates are the diagram's own SVG coordinates, so a stored point's x/y
is its scene position and swapping the picture never moves old points. The
scene emits what the doctor meant (``point_requested``, ``points_moved``); the
chart panel turns that into undoable store changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeySequence,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QGraphicsObject,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from tpchart.bodymap import BodyMap, load_body_map, svg_path
from tpchart.core.regions import View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.markers import PointMarker

HOVER_FILL = QColor(21, 101, 192, 45)
HOVER_STROKE = QColor(21, 101, 192, 160)


class DiagramItem(QGraphicsObject):
    """The SVG drawn into exactly its viewBox rectangle, as vectors at every zoom."""

    def __init__(self, view: View) -> None:
        super().__init__()
        self._renderer = QSvgRenderer(str(svg_path(view)))
        self._rect = self._renderer.viewBoxF()
        self.setZValue(0)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.draw(painter)

    def draw(self, painter: QPainter) -> None:
        """Render the SVG into its viewBox rectangle in ``painter``'s coordinates."""
        self._renderer.render(painter, self._rect)


def region_path(body: BodyMap, region_id: str) -> QPainterPath:
    """A region's outline as a painter path in diagram coordinates."""
    path = QPainterPath()
    for polygon in body.outline(region_id):
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in polygon]))
        path.closeSubpath()
    return path


class BodyMapScene(QGraphicsScene):
    """One diagram (front, back or head) with its markers."""

    point_requested = Signal(str, float, float)  # region id, x, y
    points_moved = Signal(list)  # [(point id, new x, new y)], one drag of the selection
    region_hovered = Signal(object)  # region id or None

    def __init__(self, view: View, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.diagram = DiagramItem(view)
        self.addItem(self.diagram)
        self.setSceneRect(self.diagram.boundingRect())
        # The diagram is the scene's background (`drawBackground`), which the view keeps
        # drawn in a pixmap until it scrolls or zooms: as an item, every repaint of a
        # marker rendered the whole SVG again under it, clipped (~1 ms of a click).
        self.diagram.hide()
        self.highlight = QGraphicsPathItem()
        self.highlight.setBrush(QBrush(HOVER_FILL))
        self.highlight.setPen(QPen(HOVER_STROKE, 0))
        self.highlight.setZValue(1)
        self.highlight.hide()
        self.addItem(self.highlight)
        self._paths: dict[str, QPainterPath] = {}
        self._hovered: str | None = None
        self.markers: dict[int, PointMarker] = {}
        self.ghosts: dict[int, PointMarker] = {}
        self.editable = False
        self._press_pos: dict[int, QPointF] = {}

    @property
    def body(self) -> BodyMap:
        """The region geometry, parsed on first hover or click rather than at start-up
        (a few hundred ms for the three views); Qt draws the picture itself."""
        return load_body_map(self.view)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        # What a view without a background brush of its own (and ``render``) draws;
        # `BodyMapView` draws the diagram over its own brush.
        super().drawBackground(painter, rect)
        self.diagram.draw(painter)

    # -- markers -------------------------------------------------------------------
    def show_points(self, points: list[TriggerPoint], ghosts: list[TriggerPoint]) -> None:
        """Replace every marker with these points (and faint earlier ones).

        The markers on the diagram are given the new points before any is made or
        taken away: opening another patient shows dozens of markers, and making one
        costs twice what re-drawing one for another point does."""
        self.clearSelection()  # a kept marker shows another point: nothing stays chosen
        self.markers = self._reuse(self.markers, points, ghost=False)
        self.ghosts = self._reuse(self.ghosts, ghosts, ghost=True)

    def _reuse(
        self, shown: dict[int, PointMarker], points: list[TriggerPoint], ghost: bool
    ) -> dict[int, PointMarker]:
        spare = list(shown.values())
        for marker in spare[len(points) :]:
            self.removeItem(marker)
        markers: dict[int, PointMarker] = {}
        for point, marker in zip(points, spare, strict=False):
            marker.set_point(point)
            marker.set_movable(self.editable)
            markers[point.id] = marker  # type: ignore[index]
        for point in points[len(spare) :]:
            markers[point.id] = self._new_marker(point, ghost)  # type: ignore[index]
        return markers

    def put_point(self, point: TriggerPoint) -> PointMarker:
        """Add or update the marker of ``point``."""
        marker = self.markers.get(point.id)  # type: ignore[arg-type]
        if marker is None:
            marker = self.markers[point.id] = self._new_marker(point, ghost=False)  # type: ignore[index]
        else:
            marker.set_point(point)
        return marker

    def remove_point(self, point_id: int) -> None:
        """Take a point's marker off the diagram."""
        marker = self.markers.pop(point_id, None)
        if marker is not None:
            self.removeItem(marker)

    def set_editable(self, editable: bool) -> None:
        """Drafts accept clicks and drags; signed sessions only show."""
        self.editable = editable
        for marker in self.markers.values():
            marker.set_movable(editable)

    def _new_marker(self, point: TriggerPoint, ghost: bool) -> PointMarker:
        marker = PointMarker(point, ghost=ghost)
        marker.set_movable(self.editable)
        self.addItem(marker)
        return marker

    # -- hover and clicks ------------------------------------------------------------
    def hover(self, region_id: str | None) -> None:
        """Highlight a region (or none) and tell who listens."""
        if region_id == self._hovered:
            return
        self._hovered = region_id
        if region_id is None:
            self.highlight.hide()
        else:
            if region_id not in self._paths:
                self._paths[region_id] = region_path(self.body, region_id)
            self.highlight.setPath(self._paths[region_id])
            self.highlight.show()
        self.region_hovered.emit(region_id)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        self.hover(self.body.region_at(pos.x(), pos.y()))
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        item = self.itemAt(event.scenePos(), self.views()[0].transform() if self.views() else None)
        if isinstance(item, PointMarker) or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            # Qt drags every selected movable marker together: remember where each was.
            self._press_pos = {
                pid: marker.pos() for pid, marker in self.markers.items() if marker.isSelected()
            }
            return
        self.clearSelection()
        pos = event.scenePos()
        region_id = self.body.region_at(pos.x(), pos.y())
        if region_id is not None and self.editable:
            self.point_requested.emit(region_id, pos.x(), pos.y())
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        moves = []
        for point_id, start in self._press_pos.items():
            marker = self.markers.get(point_id)
            if marker is not None and marker.pos() != start:
                moves.append((point_id, marker.pos().x(), marker.pos().y()))
        self._press_pos = {}
        if moves:
            self.points_moved.emit(moves)

    def leave(self) -> None:
        """The pointer left the canvas."""
        self.hover(None)


def is_focus_click(window_active: bool, activated_this_turn: bool) -> bool:
    """Whether a press on the map only brings the window to the front: the doctor's eyes
    were elsewhere, and a point placed by that click would land wherever the pointer
    happened to be.

    It does when the window is not active (with no window manager, Qt asks for the
    focus as it delivers the press), or when the window became active in this same
    turn of the event loop (a window manager activates the window, then hands the
    very click that did it to the application: both arrive together; checked under
    Xvfb with openbox)."""
    return not window_active or activated_this_turn


class BodyMapView(QGraphicsView):
    """Shows one scene, fitted to the window until the doctor zooms (wheel, pinch,
    Ctrl+plus/minus); Ctrl+0 fits again. Drag with the right or middle button to pan.
    A click on an inactive window only activates it (`is_focus_click`)."""

    ZOOM_STEP = 1.2
    MAX_ZOOM = 8.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyMapView")
        self.setAccessibleName("Body map")
        self.setAccessibleDescription(
            "The patient's body diagram. Click a region to add a trigger point, drag a "
            "point to move it; with a point selected, A or L sets active or latent, "
            "N, W, M or S the twitch response, 0 to 9 the pain, Delete removes it."
        )
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setMouseTracking(True)
        self.setBackgroundBrush(QColor("#fbfbfa"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._fitted = True
        self._pan_from: QPointF | None = None
        self._focus_click = False  # swallowing a press that only activated the window
        self._activated_this_turn = False  # until the events in hand are done

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)  # the brush (Qt skips the scene's then)
        scene = self.scene()
        if isinstance(scene, BodyMapScene):
            scene.diagram.draw(painter)

    def set_body_scene(self, scene: BodyMapScene) -> None:
        """Show another diagram, fitted."""
        self.setScene(scene)
        self.fit()

    def fit(self) -> None:
        """Fit the whole diagram in the window."""
        if self.scene() is not None:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True

    def zoom(self, factor: float) -> None:
        """Zoom by ``factor`` around the pointer, between fitted and MAX_ZOOM x fitted."""
        if self.scene() is None:
            return
        rect = self.scene().sceneRect()
        fitted = min(
            self.viewport().width() / rect.width(), self.viewport().height() / rect.height()
        )
        current = self.transform().m11()
        target = max(fitted, min(current * factor, fitted * self.MAX_ZOOM))
        self.scale(target / current, target / current)
        self._fitted = abs(target - fitted) < 1e-6

    def _cache_background(self) -> None:
        # The background is the body diagram (`drawBackground`). Kept in a pixmap, it is
        # drawn once per zoom or scroll and copied, where every repaint of a marker
        # rendered the whole SVG again under it (~1 ms of a click). Only at a whole
        # device pixel ratio: at 125 % Qt puts the pixmap on whole device pixels, a
        # fraction of a pixel off the markers, so there the SVG is drawn each time.
        exact = self.devicePixelRatioF().is_integer()
        mode = (
            QGraphicsView.CacheModeFlag.CacheBackground
            if exact
            else QGraphicsView.CacheModeFlag.CacheNone
        )
        if self.cacheMode() != mode:
            self.setCacheMode(mode)
            self.resetCachedContent()

    def showEvent(self, event) -> None:
        self._cache_background()
        super().showEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange:  # moved to another screen
            self._cache_background()
        # Qt passes WindowActivate down to every widget of the window (ActivationChange
        # only reaches the window itself).
        if event.type() == QEvent.Type.WindowActivate:
            self._activated_this_turn = True
            QTimer.singleShot(0, self._settled)
        return super().event(event)

    def _settled(self) -> None:
        self._activated_this_turn = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(self.ZOOM_STEP**steps)
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if (
            isinstance(event, QNativeGestureEvent)
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture
        ):
            self.zoom(1 + event.value())
            return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)  # type: ignore[attr-defined]
            if pinch is not None:
                self.zoom(pinch.scaleFactor())
                return True
        if event.type() == QEvent.Type.Leave and isinstance(self.scene(), BodyMapScene):
            self.scene().leave()
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if is_focus_click(self.window().isActiveWindow(), self._activated_this_turn):
            # Neither the scene nor the panning sees this press, nor its move or release.
            self._focus_click = True
            self.window().activateWindow()
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            event.accept()
            return
        if event.button() in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._focus_click:  # hover still shows the region under the pointer
            if event.buttons() == Qt.MouseButton.NoButton:
                self._focus_click = False
                super().mouseMoveEvent(event)
            return
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._focus_click:
            self._focus_click = event.buttons() != Qt.MouseButton.NoButton
            event.accept()
            return
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.ZoomIn):
            self.zoom(self.ZOOM_STEP)
        elif event.matches(QKeySequence.StandardKey.ZoomOut):
            self.zoom(1 / self.ZOOM_STEP)
        elif (
            event.key() == Qt.Key.Key_0 and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.fit()
        else:
            super().keyPressEvent(event)
