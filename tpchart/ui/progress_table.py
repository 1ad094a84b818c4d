"""The per-muscle table of the progress view: one row per muscle and side."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from tpchart.core.progress import MuscleProgress, Trend, fmt

_Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    ("Muscle", "The muscle needled (or the region when no muscle was recorded)"),
    ("Side", "The patient's side"),
    ("Sessions", "Sessions at which this muscle was needled"),
    ("Twitch", "Sessions with a local twitch response of sessions treated · twitches counted · "
     "strongest twitch at the first → last session treated"),
    ("Pain at point", "Pain at the point (NRS 0-10), first → last session treated"),
    ("Pressure threshold", "Pressure pain threshold in kg/cm², first → last; changes under "
     "0.62 kg/cm² are within measurement error"),
    ("Trend", "↑ better, ↓ worse, → no clear change (pain at point by ≥ 2 points, "
     "pressure threshold by > 0.62 kg/cm²)"),
)  # fmt: skip

TREND_WORDS = {Trend.BETTER: "↑ better", Trend.WORSE: "↓ worse", Trend.UNCLEAR: "→ no clear change"}


def first_last(first: float | None, last: float | None, single: bool, unit: str = "") -> str:
    """ "8 → 5", just "8" when measured once, "—" when never."""
    if first is None:
        return "—"
    if single or last is None:
        return f"{fmt(first)}{unit}"
    return f"{fmt(first)} → {fmt(last)}{unit}"


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
            # The full text, for cells elided in a narrow tab; the trend says why.
            return row.trend_reason.capitalize() if col == 6 else self._text(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 4, 5):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and col == 6 and row.trend is not Trend.UNCLEAR:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _text(row: MuscleProgress, col: int) -> str:
        single = row.times_treated == 1
        if col == 0:
            return row.muscle[:1].upper() + row.muscle[1:]
        if col == 1:
            return row.side.value.capitalize()
        if col == 2:
            return str(row.times_treated)
        if col == 3:
            if not row.twitch_sessions:
                return "None"
            strengths = first_last_words(row.twitch_first, row.twitch_last, single)
            # Compact, so the column fits a narrow tab: "3 of 4 · 9× · weak → strong".
            count = f" · {row.twitch_total}×" if row.twitch_total else ""
            return f"{row.twitch_sessions} of {row.times_treated}{count} · {strengths}"
        if col == 4:
            return first_last(row.pain_first, row.pain_last, single)
        if col == 5:
            return first_last(row.ppt_first, row.ppt_last, single)
        return TREND_WORDS[row.trend]


def first_last_words(first: object, last: object, single: bool) -> str:
    """Twitch strength at the first and last session treated, e.g. "strong → none"."""
    a = getattr(first, "value", None) or "none"
    b = getattr(last, "value", None) or "none"
    return a if single or a == b else f"{a} → {b}"


class MuscleTable(QTableView):
    """The table widget, sized to show its rows without an inner scroll bar for a
    typical patient (up to ~12 muscles)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("muscleTable")
        self.model_ = MuscleTableModel(self)
        self.setModel(self.model_)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

    def set_rows(self, rows: list[MuscleProgress]) -> None:
        """Show these rows and fit the height to them (at most 12 before scrolling)."""
        self.model_.set_rows(rows)
        shown = max(1, min(len(rows), 12))
        header = self.horizontalHeader().sizeHint().height()
        height = header + shown * self.verticalHeader().defaultSectionSize()
        self.setFixedHeight(height + 2 * self.frameWidth() + 2)
