"""The per-muscle table of the progress view (one row per muscle and side), and
``fit_to_width``, which fits a table's columns to the tab it is in (shared with the
compare table).

At 1366x768 the Progress tab is about 650 px wide (560 at 125 % scale): a table sized
to its contents on one line was cut ("1 of 3 · 2…") or scrolled sideways. Here the
long headers take two lines, and when the cells still do not fit on one line they
wrap, never inside a phrase joined by no-break spaces ("2 of 3 · 4×") and before an
arrow only as a last resort, so no text is elided and nothing scrolls sideways.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView, QWidget

from tpchart.core.progress import MuscleProgress

_Index = QModelIndex | QPersistentModelIndex

NBSP = "\u00a0"  # a space a wrapping cell never breaks at

COLUMNS = (
    ("Muscle", "The muscle needled (or the region when no muscle was recorded)"),
    ("Side", "The patient's side"),
    ("Sessions", "Signed sessions at which this muscle was needled"),
    ("Twitch", "Sessions with a local twitch response of sessions treated · twitches counted · "
     "strongest twitch at the first → last session treated"),
    ("Pain at\npoint", "Pain at the point (NRS 0-10, lower is better), first → last signed "
     "session with a recorded value"),
    ("Pressure\nthreshold", "Pressure pain threshold in kg/cm² (higher is better), first → "
     "last; changes up to 0.62 kg/cm² are within measurement error (measured on the "
     "trapezius)"),
    ("Trend", "Improved, worse or no clear change, and why (pain at the point by 2 points "
     "or 30 %, pressure threshold by more than 0.62 kg/cm²)"),
)  # fmt: skip
TWITCH_COLUMN = 3
TREND_COLUMN = 6
ROW_PADDING = 8  # px added to the text's height in each row
# The line breaks a reader would make: at new lines and at spaces, except before an
# arrow or after the word "twitch" (breaks there are a last resort).
LAST_RESORT = re.compile(r"\n|(?<!twitch) (?!→)")


def together(text: str) -> str:
    """``text`` with its spaces made no-break, so a wrapping cell keeps it on one line."""
    return text.replace(" ", NBSP)


def trend_cell(row: MuscleProgress) -> str:
    """The trend word on its own line, its reason under it (the same words as the PDF,
    ``MuscleProgress.trend_text``, with the colon turned into a line break)."""
    words, reason = row.trend_text.split(": ", 1)
    return f"{words}\n{reason}"


class MuscleTableModel(QAbstractTableModel):
    """Read-only rows from ``muscle_progress``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MuscleProgress] = []

    def set_rows(self, rows: list[MuscleProgress]) -> None:
        """Show these rows (most treated first, as given)."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation is Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMNS[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            # The cell's text again (hovering a cell is a habit); the trend says why.
            return self._text(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    @staticmethod
    def _text(row: MuscleProgress, col: int) -> str:
        if col == 0:
            return row.muscle[:1].upper() + row.muscle[1:]
        if col == 1:
            return row.side.value.capitalize()
        if col == 2:
            return str(row.times_treated)
        if col == 3:
            return row.twitch_text
        if col == 4:
            return row.pain_text
        if col == 5:
            return row.ppt_text
        return trend_cell(row)


def share_width(
    natural: list[int], least: list[int], available: int, stretch: int, wrap_first: bool = False
) -> list[int]:
    """Column widths that add up to ``available``: each column's ``natural`` width
    (its text on one line) when they fit, the rest going to column ``stretch``.
    Otherwise the columns give up width in proportion to what they can spare, each
    down to its ``least`` (its longest unbreakable piece); with ``wrap_first``,
    column ``stretch`` gives up all it can before the others. Only when even the
    least widths do not fit are they returned as they are (and the table scrolls)."""
    widths = list(natural)
    over = sum(widths) - available
    if over <= 0:
        widths[stretch] -= over
        return widths
    if wrap_first:
        cut = min(over, widths[stretch] - least[stretch])
        widths[stretch] -= cut
        over -= cut
    spare = [max(0, w - m) for w, m in zip(widths, least, strict=True)]
    if over >= sum(spare):
        return [min(w, m) for w, m in zip(widths, least, strict=True)]
    total = sum(spare)
    widths = [w - over * s // total for w, s in zip(widths, spare, strict=True)]
    over = sum(widths) - available  # left by rounding down: a pixel or so per column
    for column in sorted(range(len(widths)), key=lambda c: -spare[c]):
        cut = min(over, widths[column] - least[column])
        widths[column] -= cut
        over -= cut
    return widths


def fit_to_width(table: QTableView, stretch: int, max_rows: int, wrap_first: bool = False) -> None:
    """Fit ``table``'s columns to its width (see ``share_width``), wrap its rows to
    them, and make it as tall as its first ``max_rows`` rows, so that the page
    scrolls rather than the table (beyond ``max_rows`` it scrolls down, never
    sideways)."""
    model, header = table.model(), table.horizontalHeader()
    rows, columns = model.rowCount(), model.columnCount()
    style = table.style()
    scrolls = rows > max_rows
    available = table.width() - 2 * table.frameWidth()
    if scrolls:
        available -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, table)
    # What the item delegate leaves around the text, plus the grid line and a pixel of
    # rounding: a column narrower than text + pad shows "…".
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    pad = 2 * margin + int(table.showGrid()) + 2
    # Per column: one line; broken only where a reader would ("strong → none" and
    # "twitch strong" kept whole); and, as a last resort, broken before an arrow or
    # after "twitch" too ("strong" / "→ none").
    natural, phrase, least = [], [], []
    for column in range(columns):
        head = header.sectionSizeFromContents(column).width()
        widest = [head, head, head]
        for row in range(rows):
            index = model.index(row, column)
            text = str(index.data() or "")
            font = index.data(Qt.ItemDataRole.FontRole)
            advance = QFontMetrics(font.resolve(table.font()) if isinstance(font, QFont)
                                   else table.font()).horizontalAdvance  # fmt: skip
            # Qt breaks lines at spaces and new lines (and at a few other places, which
            # can only make the text fit better), never at a no-break space.
            for tier, pieces in enumerate((text.split("\n"), re.split(LAST_RESORT, text),
                                           re.split(r"[ \n]", text))):  # fmt: skip
                widest[tier] = max(widest[tier], max(map(advance, pieces)) + pad)
        for widths, width in zip((natural, phrase, least), widest, strict=True):
            widths.append(width)
    if sum(phrase) <= available:
        least = phrase
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    for column, width in enumerate(share_width(natural, least, available, stretch, wrap_first)):
        header.resizeSection(column, width)
    table.resizeRowsToContents()
    for row in range(rows):  # air above and below the text, as a one-line table has
        table.setRowHeight(row, table.rowHeight(row) + ROW_PADDING)
    shown = min(rows, max_rows)
    body = sum(table.rowHeight(row) for row in range(shown))
    if not shown:
        body = table.verticalHeader().defaultSectionSize()
    table.setVerticalScrollBarPolicy(
        Qt.ScrollBarPolicy.ScrollBarAsNeeded if scrolls else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    )
    table.setFixedHeight(header.sizeHint().height() + body + 2 * table.frameWidth())


class MuscleTable(QTableView):
    """The table widget, fitted to the tab's width and tall enough to show its rows
    without an inner scroll bar (a scroll area inside the scrolling page) for all but
    the rare patient with more than 20 muscles."""

    MAX_ROWS = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("muscleTable")
        self.model_ = MuscleTableModel(self)
        self.setModel(self.model_)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.horizontalHeader().setHighlightSections(False)

    def set_rows(self, rows: list[MuscleProgress]) -> None:
        """Show these rows and fit the table to them (at most 20 before scrolling)."""
        self.model_.set_rows(rows)
        self.fit()

    def fit(self) -> None:
        """Fit the columns to the width and the height to the rows."""
        # The trend column, with its reason, takes the width left over; every column
        # gives up width in proportion when the reasons do not fit on one line.
        fit_to_width(self, TREND_COLUMN, self.MAX_ROWS)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit()
