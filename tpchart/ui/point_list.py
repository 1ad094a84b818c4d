"""The session's points as a list beside the map, across all three views.

One row per point in point-number order, the order of the session summary's points
table (``report.session_summary`` sorts by number), so the list, the map and the
printout agree. A click on a row asks the chart to select that point (and switch to
its view); Delete asks it to remove the selected point, through the chart's undoable
commands. The chart tells the list what is selected on the map; while it does, the
list stays quiet, so a selection never echoes back and forth.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from tpchart.core.regions import REGIONS, View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.muscle_field import muscle_label

DASH = "–"
VIEW_NAMES = {View.FRONT: "Front", View.BACK: "Back", View.HEAD: "Head"}
COLUMNS = ["#", "Muscle", "Side", "View", "Twitch", "Pain"]
MUSCLE = COLUMNS.index("Muscle")
POINT_ID = Qt.ItemDataRole.UserRole
# Rows kept drawn (`PointList.drawRow`): a few screenfuls, ~16 kB each at 300 px.
DRAWN_ROWS = 120


def point_cells(point: TriggerPoint) -> list[str]:
    """One row of the list, as text: number, muscle, side, view, twitch, pain."""
    return [
        str(point.number),
        muscle_label(point) or DASH,
        point.side.value.capitalize(),
        VIEW_NAMES[point.view],
        point.twitch_text,
        DASH if point.pain is None else str(point.pain),
    ]


def point_tooltip(point: TriggerPoint) -> str:
    """The whole row in words, for a muscle name cut short by a narrow list."""
    region = REGIONS[point.region_id].label if point.region_id in REGIONS else point.region_id
    pain = "not scored" if point.pain is None else f"{point.pain}/10"
    return (
        f"Point {point.number}: {muscle_label(point) or 'muscle not set'}, {region}, "
        f"{point.kind.value}, twitch {point.twitch_text.lower()}, pain {pain}"
    )


class PointList(QTreeWidget):
    """The points of the session on the chart, numbered as on the map and in print."""

    point_chosen = Signal(int)  # the doctor picked the row of this point id
    delete_requested = Signal()  # the doctor pressed Delete on the list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pointList")
        self.setAccessibleName("Points of this session")
        self.setAccessibleDescription(
            "Every point charted in this session, in point-number order across the front, "
            "back and head views. Choose a point to select it on the map; Delete removes it."
        )
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(12)
        for column in range(len(COLUMNS)):
            mode = QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        header.setSectionResizeMode(MUSCLE, QHeaderView.ResizeMode.Stretch)
        self._quiet = False
        self._chosen_by_press: int | None = None
        # The row of each listed point, and the point as its row shows it.
        self._items: dict[int, QTreeWidgetItem] = {}
        self._shown: dict[int, TriggerPoint] = {}
        self._cells: dict[int, list[str]] = {}
        self._widths: dict[tuple[int, str], int] = {}  # (column, text): Qt's width hint
        self._hints: dict[int, int] = {}  # column: its width for the rows listed now
        # Each row as last drawn, by what decides its pixels (`drawRow`), and what all
        # rows of the paint in progress share (None: draw as Qt does, uncached).
        self._drawn: dict[tuple, QPixmap] = {}
        self._paint_key: tuple | None = None
        self._current_row = -1
        self.itemSelectionChanged.connect(self._chosen)
        self.itemClicked.connect(self._clicked)

    # -- what the chart tells the list -------------------------------------------------
    def show_points(self, points: Iterable[TriggerPoint], selected: Iterable[int] = ()) -> None:
        """List ``points`` by number, with the points ``selected`` on the map selected.

        Only what changed is touched: rows of points gone are taken out, rows of
        changed points rewritten, new rows inserted in place. A click adds one point
        to a session of up to a few hundred; clearing and refilling the list on every
        click (and re-laying out every row) cost more than the rest of the click."""
        ordered = sorted(points, key=lambda p: p.number)
        wanted = {p.id for p in ordered}
        self._quiet = True
        try:
            if not wanted & self._items.keys():
                self._fill(ordered)  # another session, or the first points: build anew
            else:
                self._update(ordered, wanted)
        finally:
            self._quiet = False
        self.show_selection(selected)

    def _fill(self, ordered: list[TriggerPoint]) -> None:
        self.clear()
        self._items, self._shown, self._cells = {}, {}, {}
        self._hints.clear()
        items = [self._new_item(point) for point in ordered]
        self.addTopLevelItems(items)

    def _update(self, ordered: list[TriggerPoint], wanted: set[int | None]) -> None:
        for point_id in [i for i in self._items if i not in wanted]:
            item = self._items.pop(point_id)
            del self._shown[point_id], self._cells[point_id]
            self._hints.clear()
            self.takeTopLevelItem(self.indexOfTopLevelItem(item))
        for row, point in enumerate(ordered):
            item = self._items.get(point.id)  # type: ignore[arg-type]
            if item is None:
                self.insertTopLevelItem(row, self._new_item(point))
                continue
            shown = self._shown[point.id]  # type: ignore[index]
            if shown is not point and shown != point:  # unchanged points come back as is
                self._write(item, point)
            if self.topLevelItem(row) is not item:  # renumbered: move the row
                self.takeTopLevelItem(self.indexOfTopLevelItem(item))
                self.insertTopLevelItem(row, item)

    def _new_item(self, point: TriggerPoint) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(0, POINT_ID, point.id)
        for column in (0, len(COLUMNS) - 1):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        self._items[point.id] = item  # type: ignore[index]
        self._write(item, point)
        return item

    def _write(self, item: QTreeWidgetItem, point: TriggerPoint) -> None:
        """Show ``point`` in its row; cells that did not change are left alone."""
        cells = point_cells(point)
        for column, text in enumerate(cells):
            if item.text(column) != text:
                item.setText(column, text)
        if self._cells.get(point.id) is None:  # type: ignore[arg-type]
            # A new row only widens a column: a width it has been measured at is
            # taken at once, instead of every row's width being looked up again.
            for column, hint in list(self._hints.items()):
                width = self._widths.get((column, cells[column]))
                if width is None:
                    del self._hints[column]
                else:
                    self._hints[column] = max(hint, width)
        else:
            self._hints.clear()  # the widest text may be the one just replaced
        self._cells[point.id] = cells  # type: ignore[index]
        tooltip = point_tooltip(point)
        if item.toolTip(MUSCLE) != tooltip:
            item.setToolTip(MUSCLE, tooltip)
        self._shown[point.id] = point  # type: ignore[index]

    def show_selection(self, point_ids: Iterable[int]) -> None:
        """Select the rows of ``point_ids`` (what the map has selected), without
        telling anyone: the map already knows."""
        wanted = [self._items[i] for i in dict.fromkeys(point_ids) if i in self._items]
        self._quiet = True
        try:
            # Selecting a row makes Qt lay out the list again: only rows whose state
            # changes are touched (a click selects one point and unselects another).
            chosen = set(map(id, wanted))
            for item in self.selectedItems():
                if id(item) not in chosen:
                    item.setSelected(False)
            for item in wanted:
                if not item.isSelected():
                    item.setSelected(True)
            if wanted:
                first = min(wanted, key=self.indexOfTopLevelItem)
                self.scrollToItem(first)
        finally:
            self._quiet = False

    def sizeHintForColumn(self, column: int) -> int:
        # Qt sizes a ResizeToContents column by measuring every row after each change:
        # ~10 ms a click with 200 points. A row's width depends only on its text (one
        # font, no icons), so each text is measured once, by Qt's own delegate.
        if not self._items:
            return -1
        if column in self._hints:
            return self._hints[column]
        texts = {cells[column]: point_id for point_id, cells in self._cells.items()}
        missing = [text for text in texts if (column, text) not in self._widths]
        if missing:
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            delegate = self.itemDelegateForColumn(column) or self.itemDelegate()
            for text in missing:
                index = self.indexFromItem(self._items[texts[text]], column)
                self._widths[column, text] = delegate.sizeHint(option, index).width()
        self._hints[column] = max(self._widths[column, text] for text in texts)
        return self._hints[column]

    def paintEvent(self, event: QPaintEvent) -> None:
        # A point added to a long list scrolls it: Qt draws every visible row again,
        # each cell laid out and shaped as text (~3 ms for 30 rows, the costliest part
        # of a click). A row's pixels depend only on its texts, the columns, its
        # parity, selection and focus, and the view's state, so a row drawn once is
        # copied after that. Not while the mouse is over the list (the hovered row is
        # Qt's to know) nor at a fractional scale (a copied row would sit between
        # device pixels).
        ratio = self.viewport().devicePixelRatioF()
        if self.viewport().underMouse() or ratio != int(ratio):
            self._paint_key = None
        else:
            header = self.header()
            columns = tuple(
                (header.sectionViewportPosition(c), header.sectionSize(c))
                for c in range(self.columnCount())
            )
            self._paint_key = (
                columns,
                self.viewport().width(),
                ratio,
                self.palette().cacheKey(),
                self.font().key(),
                self.style().name(),
                self.isActiveWindow(),
            )
            self._current_row = self.currentIndex().row()
        super().paintEvent(event)
        self._paint_key = None

    def drawRow(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        cells = self._cells.get(index.data(POINT_ID))
        if self._paint_key is None or cells is None:  # not one of the rows listed
            super().drawRow(painter, option, index)
            return
        row = index.row()
        key = (
            self._paint_key,
            option.rect.height(),
            int(option.state.value),
            row & 1,
            row == self._current_row,  # the focus frame
            self.selectionModel().isSelected(index),
            tuple(cells),
        )
        # Kept in the order last drawn: when full, the row drawn longest ago goes, and
        # the rows on screen, drawn at every paint, stay (emptying it all made one
        # click in about 45 draw every visible row afresh, 3-4 ms).
        pixmap = self._drawn.pop(key, None)
        if pixmap is None:
            pixmap = self._draw_row(option, index)
            if len(self._drawn) >= DRAWN_ROWS:
                del self._drawn[next(iter(self._drawn))]
        self._drawn[key] = pixmap
        painter.drawPixmap(0, option.rect.y(), pixmap)

    def _draw_row(self, option: QStyleOptionViewItem, index: QModelIndex) -> QPixmap:
        """The row drawn by Qt on the view's background, off screen."""
        ratio = self.viewport().devicePixelRatioF()
        width, height = self.viewport().width(), option.rect.height()
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.viewport().palette().color(self.viewport().backgroundRole()))
        painter = QPainter(pixmap)
        try:
            painter.translate(0, -option.rect.y())
            super().drawRow(painter, option, index)
        finally:
            painter.end()
        return pixmap

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._widths.clear()  # measured in the old font or style
            self._hints.clear()
        super().changeEvent(event)

    def point_ids(self) -> list[int]:
        """The point ids in the order listed."""
        return [self.topLevelItem(r).data(0, POINT_ID) for r in range(self.topLevelItemCount())]

    def selected_ids(self) -> list[int]:
        """The ids of the selected rows."""
        return [item.data(0, POINT_ID) for item in self.selectedItems()]

    # -- what the doctor does ------------------------------------------------------------
    @Slot()
    def _chosen(self) -> None:
        items = self.selectedItems()
        if not self._quiet and len(items) == 1:
            self._chosen_by_press = items[0].data(0, POINT_ID)
            self.point_chosen.emit(self._chosen_by_press)

    @Slot(QTreeWidgetItem, int)
    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        # A click on the row already selected still means "show me this point" (the map
        # may show another view since); a click that just selected it has said so.
        point_id = item.data(0, POINT_ID)
        if point_id != self._chosen_by_press:
            self.point_chosen.emit(point_id)

    def mousePressEvent(self, event) -> None:
        self._chosen_by_press = None
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A key press, not a shortcut: the map owns the Delete shortcut, and one key
        # sequence may belong to one owner in the window.
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        # Narrow: beside the map in a centre column of about 650-700 px at 1366x768.
        return QSize(260, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, super().minimumSizeHint().height())


class MapAndList(QSplitter):
    """The map with the point list at its right. The list takes 45 % of the width
    (within bounds): a body diagram is twice as tall as wide, so the map needs less
    width than height, and muscle names stay whole. Centre column: 650-700 px at
    100 %, about 550 px at 125 %; the doctor may drag the handle."""

    def __init__(self, body_map: QWidget, point_list: PointList) -> None:
        super().__init__(Qt.Orientation.Horizontal, objectName="chartSplitter")
        self.addWidget(body_map)
        self.addWidget(point_list)
        self.setStretchFactor(0, 1)
        self.setCollapsible(0, False)
        self.placed_by_hand = False
        self.splitterMoved.connect(self._moved)

    @Slot(int, int)
    def _moved(self, _pos: int, _index: int) -> None:
        self.placed_by_hand = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.placed_by_hand:
            width = event.size().width() - self.handleWidth()
            listed = max(180, min(360, int(width * 0.45)))
            self.setSizes([width - listed, listed])
