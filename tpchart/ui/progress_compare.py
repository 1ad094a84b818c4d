"""Compare two sessions: points new, gone and persisting, on two diagrams and as a table.

Markers differ by shape and line as well as colour, so the comparison reads for
colour-blind doctors and in greyscale: persisting = filled circle, new = filled
square, gone = hollow dashed circle. Each marker and each table cell carries the
point's own number in its session, the number the chart and the PDF give it, so
"point 3" means the same point on every screen and page; a persisting point may have
different numbers at the two sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QGridLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.progress import (
    Comparison,
    PointsBySession,
    SessionSummary,
    compare_sessions,
    point_name,
)
from tpchart.core.regions import View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.progress_maps import VIEW_NAMES, DiagramScene, DiagramView, session_label, view_tabs
from tpchart.ui.progress_table import fit_to_width, together

PERSISTING = "#0072B2"  # Okabe-Ito blue
NEW = "#D55E00"  # vermillion
GONE = "#595959"  # grey, hollow and dashed
MARK_RADIUS = 8.0  # screen pixels: the compare diagrams are small
by_number = attrgetter("number")


@dataclass(frozen=True)
class Row:
    """One line of the comparison table."""

    status: str  # "Persisting", "New", "Gone"
    name: str
    earlier: TriggerPoint | None
    later: TriggerPoint | None


def comparison_rows(cmp: Comparison) -> list[Row]:
    """Persisting first (the points that matter for follow-up), then new, then gone;
    each group in the order of the points' numbers."""
    rows = [Row("Persisting", point_name(m.after), m.before, m.after) for m in cmp.persisting]
    rows += [Row("New", point_name(p), None, p) for p in sorted(cmp.new, key=by_number)]
    rows += [Row("Gone", point_name(p), p, None) for p in sorted(cmp.gone, key=by_number)]
    return rows


def finding(point: TriggerPoint | None) -> str:
    """Pain and twitch at a point, e.g. "pain 7, twitch strong ×3"."""
    if point is None:
        return "—"
    pain = f"pain {point.pain}" if point.pain is not None else "pain not scored"
    return f"{pain}, twitch {point.twitch_text.lower()}"


def numbered_finding(point: TriggerPoint | None) -> str:
    """The point's number in its session and its finding on two lines, e.g.
    "#3: pain 7" over "twitch strong ×3", the same shape in every row."""
    if point is None:
        return "—"
    pain, twitch = finding(point).split(", ", 1)
    return f"{together(f'#{point.number}: {pain}')}\n{_twitch(twitch)}"


def _twitch(text: str) -> str:
    """ "twitch strong ×3", breakable only after "twitch" in the narrowest column."""
    word, rest = text.split(" ", 1)
    return f"{word} {together(rest)}"


def change_text(row: Row) -> str:
    """What changed at a persisting point, in words a doctor would write, e.g.
    "pain −2" over "twitch strong → weak" (one line each, as in the session columns)."""
    if row.earlier is None or row.later is None:
        return ""
    parts = []
    a, b = row.earlier.pain, row.later.pain
    if a is not None and b is not None:
        delta = b - a
        pain = "pain unchanged" if delta == 0 else f"pain {delta:+d}".replace("-", "−")
        parts.append(together(pain))
    before, after = row.earlier.twitch_text.lower(), row.later.twitch_text.lower()
    if before != after:
        # In a narrow column: "twitch" / "strong ×3 →" / "weak", never "×3" alone.
        parts.append(f"twitch {together(before + ' →')} {together(after)}")
    return "\n".join(parts)


class CompareTable(QTableWidget):
    """The matched points, one row each, fitted to its width: it wraps rather than
    scrolling sideways, and is as tall as its rows (up to ``MAX_ROWS``)."""

    MAX_ROWS = 15
    HEADERS = (
        ("Status", "Persisting: found at both sessions; new: only at the later one; "
         "gone: only at the earlier one"),
        ("Point", "Muscle and the patient's side (the region when no muscle was recorded)"),
        ("Earlier session", "#: the point's number on that session's chart and PDF; pain at "
         "the point (NRS 0-10) and the local twitch response"),
        ("Later session", "#: the point's number on that session's chart and PDF; pain at "
         "the point (NRS 0-10) and the local twitch response"),
        ("Change", "From the earlier to the later session, for persisting points"),
    )  # fmt: skip
    CHANGE_COLUMN = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setObjectName("compareTable")
        for column, (title, tip) in enumerate(self.HEADERS):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(column, item)
        self.verticalHeader().hide()
        self.horizontalHeader().setHighlightSections(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)

    def name_sessions(self, earlier: str, later: str) -> None:
        """Head the two session columns with the sessions compared, on two lines
        ("Session 3" over its date) so that the header is no wider than its cells."""
        for column, text in ((2, earlier), (3, later)):
            self.horizontalHeaderItem(column).setText(text)

    def fit(self) -> None:
        """Fit the columns to the width and the height to the rows."""
        fit_to_width(self, self.CHANGE_COLUMN, self.MAX_ROWS)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit()


def column_title(summary: SessionSummary) -> str:
    """A session column's header, e.g. "Session 3\n16 Oct 2025"."""
    return f"Session {summary.number}\n{summary.started_at.astimezone():%-d %b %Y}"


class ComparePanel(QWidget):
    """Two session pickers and their two small diagrams. The summary and the table of
    matched points are in ``points``, a separate widget (without a parent until laid
    out) that the page places under the diagrams at the tab's full width, where the
    table's five columns have room."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.earlier = QComboBox(objectName="compareEarlier")
        self.later = QComboBox(objectName="compareLater")
        self.summary = QLabel(objectName="compareSummary", wordWrap=True)
        self.tabs = view_tabs("compareViews")
        self.scenes = {
            side: {view: DiagramScene(view, self) for view in VIEW_NAMES}
            for side in ("earlier", "later")
        }
        self.diagrams = {side: DiagramView() for side in ("earlier", "later")}
        self.table = CompareTable()
        self.rows: list[Row] = []
        self.comparison: Comparison | None = None
        self._summaries: list[SessionSummary] = []
        self._points: PointsBySession = {}

        grid = QGridLayout()
        grid.addWidget(QLabel("Earlier session"), 0, 0)
        grid.addWidget(QLabel("Later session"), 0, 1)
        grid.addWidget(self.earlier, 1, 0)
        grid.addWidget(self.later, 1, 1)
        for column, side in enumerate(("earlier", "later")):
            self.diagrams[side].setObjectName(f"compare{side.capitalize()}Diagram")
            self.diagrams[side].setMinimumSize(120, 320)
            grid.addWidget(self.diagrams[side], 3, column)
        grid.addWidget(self.tabs, 2, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, stretch=1)
        legend = QLabel(
            "<span style='color:#0072B2'>●</span> persisting &nbsp; "
            "<span style='color:#D55E00'>■</span> new &nbsp; "
            "<span style='color:#595959'>◌</span> gone (hollow, dashed); "
            "the number is the point's number in its session",
            objectName="compareLegend", wordWrap=True,
        )  # fmt: skip
        layout.addWidget(legend)

        self.points = QWidget(objectName="comparePoints")
        points_layout = QVBoxLayout(self.points)
        points_layout.setContentsMargins(0, 0, 0, 0)
        points_layout.addWidget(self.summary)
        points_layout.addWidget(self.table)

        self.earlier.currentIndexChanged.connect(lambda _index: self._redraw())
        self.later.currentIndexChanged.connect(lambda _index: self._redraw())
        self.tabs.currentChanged.connect(lambda _index: self._draw_markers())

    def show_sessions(self, summaries: list[SessionSummary], points: PointsBySession) -> None:
        """Offer these sessions; compare the last two by default."""
        self._summaries, self._points = summaries, points
        # Filled and set quietly, then drawn once: each picker's change would compare
        # and draw the sessions again (three times per patient shown).
        for combo, index in (
            (self.earlier, max(0, len(summaries) - 2) if summaries else -1),
            (self.later, len(summaries) - 1),
        ):
            combo.blockSignals(True)
            combo.clear()
            for s in summaries:
                combo.addItem(session_label(s), s.session_id)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._redraw(open_busiest=True)

    def _redraw(self, open_busiest: bool = False) -> None:
        a, b = self.earlier.currentData(), self.later.currentData()
        if a is None or b is None or len(self._summaries) < 2:
            self.comparison, self.rows = None, []
            self.summary.setText("Comparing needs two sessions.")
            self._fill_table()
            self._draw_markers()
            return
        first, second = self.earlier.currentIndex(), self.later.currentIndex()
        if first > second:
            a, b = b, a  # "earlier" is whichever session came first
            first, second = second, first
        self.table.name_sessions(column_title(self._summaries[first]),
                                 column_title(self._summaries[second]))  # fmt: skip
        self.comparison = compare_sessions(self._points, a, b)
        self.rows = comparison_rows(self.comparison)
        c = self.comparison
        self.summary.setText(
            "The same session is chosen twice."
            if a == b
            else f"<b>{len(c.persisting)}</b> persisting, <b>{len(c.new)}</b> new, "
            f"<b>{len(c.gone)}</b> gone (matched by muscle and side, then by place)."
        )
        if open_busiest and self.rows:
            views = [p.view for r in self.rows for p in (r.earlier, r.later) if p is not None]
            busiest = max(VIEW_NAMES, key=views.count)
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(list(VIEW_NAMES).index(busiest))
            self.tabs.blockSignals(False)
        self._fill_table()
        self._draw_markers()

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            cells = (row.status, row.name, numbered_finding(row.earlier),
                     numbered_finding(row.later), change_text(row))  # fmt: skip
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if j == 0:
                    font = QFont()
                    font.setBold(True)
                    item.setFont(font)
                    colour = {"Persisting": PERSISTING, "New": NEW, "Gone": GONE}[row.status]
                    item.setForeground(QColor(colour))
                self.table.setItem(i, j, item)
        self.table.fit()

    def _draw_markers(self) -> None:
        view = View(self.tabs.tabData(self.tabs.currentIndex()))  # Qt returns a str
        for side in ("earlier", "later"):
            scene = self.scenes[side][view]
            scene.clear_overlay()
            for row in self.rows:
                point = row.earlier if side == "earlier" else row.later
                if point is None or point.view is not view:
                    continue
                self._mark(scene, point, row.status, point.number)
            self.diagrams[side].set_diagram(scene)

    @staticmethod
    def _mark(scene: DiagramScene, point: TriggerPoint, status: str, number: int) -> None:
        tip = f"#{number} · {status}: {point_name(point)}, {finding(point)}"
        if status == "Gone":
            pen = QPen(QColor(GONE), 2.5, Qt.PenStyle.DashLine)
            item = scene.add_spot(point.x, point.y, MARK_RADIUS, "none", str(number), GONE,
                                  pen=pen, tip=tip, fixed_size=True)  # fmt: skip
            item.setBrush(QBrush(QColor(255, 255, 255, 200)))
            return
        if status == "Persisting":
            scene.add_spot(point.x, point.y, MARK_RADIUS, PERSISTING, str(number), "#ffffff",
                           pen=QPen(QColor("#1a1a1a"), 1.2), tip=tip, fixed_size=True)  # fmt: skip
            return
        # New: a square, so it differs from persisting by shape, not only by colour.
        r = MARK_RADIUS * 0.9
        square = QGraphicsRectItem(QRectF(-r, -r, 2 * r, 2 * r))
        square.setPos(point.x, point.y)
        square.setBrush(QBrush(QColor(NEW)))
        square.setPen(QPen(QColor("#1a1a1a"), 1.2))
        square.setToolTip(tip)
        square.setZValue(10)
        square.setFlag(QGraphicsRectItem.GraphicsItemFlag.ItemIgnoresTransformations)
        scene.addItem(square)
        scene.overlay.append(square)
        label = QGraphicsSimpleTextItem(str(number), square)
        font = QFont()
        font.setPixelSize(int(MARK_RADIUS * 1.1))
        font.setBold(True)
        label.setFont(font)
        label.setBrush(QColor("#ffffff"))
        box = label.boundingRect()
        label.setPos(-box.width() / 2, -box.height() / 2)
