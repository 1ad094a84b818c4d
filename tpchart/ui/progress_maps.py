"""Small read-only body-map diagrams for the progress view, and the heat panel.

The SVG is drawn into its own viewBox rectangle (``DiagramItem``, shared with the
charting canvas), so the scene's coordinates are diagram coordinates and stored
points land where they were charted.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QSizePolicy,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.progress import HeatSpot, PointsBySession, SessionSummary, heat_spots
from tpchart.core.regions import View
from tpchart.ui.body_map_view import DiagramItem

VIEW_NAMES = {View.FRONT: "Front", View.BACK: "Back", View.HEAD: "Head"}
# Sequential yellow-orange-brown ramp (ColorBrewer YlOrBr): darker means treated more
# often, which reads in greyscale and with colour-vision deficiencies; size and the
# printed count say it again.
HEAT_RAMP = ((1, "#fec44f"), (2, "#fe9929"), (3, "#d95f0e"), (5, "#993404"))
HEAT_TEXT = {"#fec44f": "#1a1a1a", "#fe9929": "#1a1a1a", "#d95f0e": "#ffffff", "#993404": "#ffffff"}


def heat_colour(count: int) -> str:
    """The ramp colour for a spot treated ``count`` times."""
    colour = HEAT_RAMP[0][1]
    for threshold, fill in HEAT_RAMP:
        if count >= threshold:
            colour = fill
    return colour


def heat_radius(count: int) -> float:
    """Spot radius in diagram units: grows with the square root, so area ~ count."""
    return 10.0 + 6.0 * math.sqrt(count)


class DiagramScene(QGraphicsScene):
    """One body-map view with removable overlay items."""

    def __init__(self, view: View, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        diagram = DiagramItem(view)
        self.addItem(diagram)
        self.setSceneRect(diagram.boundingRect())
        self.overlay: list = []

    def clear_overlay(self) -> None:
        """Remove every heat spot or marker."""
        for item in self.overlay:
            self.removeItem(item)
        self.overlay = []

    def add_spot(self, x: float, y: float, radius: float, fill: str, text: str = "",
                 text_colour: str = "#1a1a1a", pen: QPen | None = None,
                 tip: str = "", fixed_size: bool = False) -> QGraphicsEllipseItem:  # fmt: skip
        """A circle centred on (x, y) with an optional label; ``radius`` is in diagram
        units, or in screen pixels with ``fixed_size`` (markers that must stay legible
        on a small diagram)."""
        item = QGraphicsEllipseItem(QRectF(-radius, -radius, 2 * radius, 2 * radius))
        item.setPos(x, y)
        colour = QColor(fill)
        if fill != "none":
            colour.setAlpha(215)
            item.setBrush(QBrush(colour))
        item.setPen(pen or QPen(QColor("#3b2a1a"), 1.2))
        item.setToolTip(tip)
        item.setZValue(10)
        if fixed_size:
            item.setFlag(QGraphicsEllipseItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.addItem(item)
        self.overlay.append(item)
        if text:
            label = QGraphicsSimpleTextItem(text, item)
            font = QFont()
            font.setPixelSize(int(radius * 1.1))
            font.setBold(True)
            label.setFont(font)
            label.setBrush(QColor(text_colour))
            box = label.boundingRect()
            label.setPos(-box.width() / 2, -box.height() / 2)
        return item


class DiagramView(QGraphicsView):
    """A diagram fitted to the widget, not interactive (hover shows tool tips)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)

    def set_diagram(self, scene: DiagramScene) -> None:
        """Show ``scene``, fitted."""
        self.setScene(scene)
        self.fit()

    def fit(self) -> None:
        """Fit the whole diagram, keeping its proportions."""
        if self.scene() is not None:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()


def view_tabs(object_name: str) -> QTabBar:
    """Front / Back / Head tabs; each tab's data is its View."""
    tabs = QTabBar(objectName=object_name)
    for view, name in VIEW_NAMES.items():
        tabs.setTabData(tabs.addTab(name), view)
    return tabs


def session_label(s: SessionSummary) -> str:
    """How a session is named in the pickers: "3 · 17 Mar 2025"."""
    return f"{s.number} · {s.started_at.astimezone():%-d %b %Y}" + ("" if s.signed else " (draft)")


class HeatPanel(QWidget):
    """All points of a range of sessions on one diagram, denser where treated more often."""

    range_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heatPanel")
        self.first_session = QComboBox(objectName="heatFrom")
        self.last_session = QComboBox(objectName="heatTo")
        self.tabs = view_tabs("heatViews")
        self.diagram = DiagramView()
        self.diagram.setObjectName("heatDiagram")
        self.diagram.setMinimumSize(200, 380)
        self.caption = QLabel(objectName="heatCaption", wordWrap=True)
        self.scenes = {view: DiagramScene(view, self) for view in VIEW_NAMES}
        self.spots: list[HeatSpot] = []
        self._summaries: list[SessionSummary] = []
        self._points: PointsBySession = {}

        # One picker per row: side by side they elide the dates in a narrow tab.
        pickers = QFormLayout()
        pickers.addRow("From session", self.first_session)
        pickers.addRow("to session", self.last_session)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addWidget(self.tabs)
        layout.addWidget(self.diagram, stretch=1)
        layout.addWidget(HeatLegend())
        layout.addWidget(self.caption)

        self.first_session.currentIndexChanged.connect(lambda _index: self._redraw())
        self.last_session.currentIndexChanged.connect(lambda _index: self._redraw())
        self.tabs.currentChanged.connect(lambda _index: self._redraw())

    def show_sessions(self, summaries: list[SessionSummary], points: PointsBySession) -> None:
        """Offer these sessions (all selected) and open the view with the most points."""
        self._summaries, self._points = summaries, points
        # Filled and set quietly, then drawn once below (each picker's change would
        # compute and draw the heat map again).
        for combo, index in (
            (self.first_session, 0 if summaries else -1),
            (self.last_session, len(summaries) - 1),
        ):
            combo.blockSignals(True)
            combo.clear()
            for s in summaries:
                combo.addItem(session_label(s), s.session_id)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        counts = self._counts(self._selected_ids())
        busiest = max(VIEW_NAMES, key=lambda v: counts[v]) if summaries else View.FRONT
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(list(VIEW_NAMES).index(busiest))
        self.tabs.blockSignals(False)
        self._redraw()

    def current_view(self) -> View:
        """The diagram shown."""
        # Qt hands the StrEnum back as a plain str: make it a View again.
        return View(self.tabs.tabData(self.tabs.currentIndex()))

    def _selected_ids(self) -> list[int]:
        i, j = sorted((self.first_session.currentIndex(), self.last_session.currentIndex()))
        if i < 0:
            return []
        return [s.session_id for s in self._summaries[i : j + 1]]

    def _counts(self, ids: list[int]) -> dict[View, int]:
        counts = dict.fromkeys(VIEW_NAMES, 0)
        for sid in ids:
            for p in self._points.get(sid, ()):
                counts[p.view] += 1
        return counts

    def _redraw(self) -> None:
        ids = self._selected_ids()
        counts = self._counts(ids)
        for index, view in enumerate(VIEW_NAMES):
            self.tabs.setTabText(index, f"{VIEW_NAMES[view]} ({counts[view]})")
        view = self.current_view()
        scene = self.scenes[view]
        scene.clear_overlay()
        self.spots = heat_spots(self._points, ids, view)
        # Most-treated spots last so they sit on top of the faint ones.
        for spot in sorted(self.spots, key=lambda s: s.count):
            fill = heat_colour(spot.count)
            scene.add_spot(
                spot.x, spot.y, heat_radius(spot.count), fill,
                text=str(spot.count) if spot.count > 1 else "", text_colour=HEAT_TEXT[fill],
                tip=f"Treated {spot.count}× at {spot.sessions} session(s): "
                + ", ".join(spot.names),
            )  # fmt: skip
        self.diagram.set_diagram(scene)
        sessions = len(ids)
        self.caption.setText(
            f"{counts[view]} points over {sessions} session{'s' if sessions != 1 else ''} on the "
            f"{VIEW_NAMES[view].lower()} view; the number is how many times a spot was needled."
            if ids
            else "No sessions yet."
        )
        self.range_changed.emit()


class HeatLegend(QWidget):
    """The ramp: spot size and darkness for 1, 2, 3-4 and 5 or more treatments, on
    one line, or on two when the panel is too narrow (never cut off)."""

    ENTRIES = ((1, "once"), (2, "2×"), (3, "3-4×"), (5, "5× or more"))
    MARGIN = 4
    GAP = 14  # between entries

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heatLegend")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._row_height())

    @staticmethod
    def _radius(count: int) -> float:
        return heat_radius(count) / 2.6

    def _row_height(self) -> int:
        spot = 2 * self._radius(self.ENTRIES[-1][0])
        return int(max(spot, self.fontMetrics().height())) + 8

    def _entry_width(self, count: int, text: str) -> float:
        return 2 * self._radius(count) + 4 + self.fontMetrics().horizontalAdvance(text)

    def entry_rects(self, width: int) -> list[QRectF]:
        """Where each entry (spot and words) is drawn at ``width``: left to right,
        starting a new row when the next entry would cross the right edge."""
        rects, x, y, row_height = [], float(self.MARGIN), 0.0, self._row_height()
        for count, text in self.ENTRIES:
            entry = self._entry_width(count, text)
            if x > self.MARGIN and x + entry > width - self.MARGIN:
                x, y = float(self.MARGIN), y + row_height
            rects.append(QRectF(x, y, entry, row_height))
            x += entry + self.GAP
        return rects

    def heightForWidth(self, width: int) -> int:
        return int(max(rect.bottom() for rect in self.entry_rects(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        # As tall as its rows at this width (a second row when the panel is narrow);
        # set here because the nested box layouts do not ask heightForWidth.
        super().resizeEvent(event)
        self.setFixedHeight(self.heightForWidth(event.size().width()))

    def sizeHint(self) -> QSize:
        widths = [self._entry_width(count, text) for count, text in self.ENTRIES]
        width = sum(widths) + self.GAP * (len(widths) - 1) + 2 * self.MARGIN
        return QSize(math.ceil(width), self._row_height())

    def minimumSizeHint(self) -> QSize:
        widest = max(self._entry_width(count, text) for count, text in self.ENTRIES)
        return QSize(math.ceil(widest) + 2 * self.MARGIN, self._row_height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        for (count, text), rect in zip(self.ENTRIES, self.entry_rects(self.width()), strict=True):
            radius = self._radius(count)
            middle = rect.center().y()
            painter.setPen(QPen(QColor("#3b2a1a"), 1))
            painter.setBrush(QColor(heat_colour(count)))
            painter.drawEllipse(QPointF(rect.left() + radius, middle), radius, radius)
            painter.setPen(self.palette().windowText().color())
            text_x = rect.left() + 2 * radius + 4
            painter.drawText(QPointF(text_x, middle + metrics.ascent() / 2 - 1), text)
