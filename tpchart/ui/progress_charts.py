"""Score-over-time charts for the progress view (pyqtgraph): pain before and after each
session, and the optional outcome measures, on a real calendar axis with the MCID marked.

pyqtgraph rather than QtCharts: it is pure Python over numpy (a few MB) where
QtCharts needs the ~60 MB ``pyside6-addons`` wheel, and it draws into an ordinary
QGraphicsView that renders offscreen for tests and screenshots.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import partial

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from tpchart.core.progress import PAIN, Change, Measure, SessionSummary, fmt

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies; the
# two series also differ by line style and marker shape, so colour is never needed.
BEFORE_COLOUR = "#0072B2"  # blue, dashed line, hollow circles
AFTER_COLOUR = "#D55E00"  # vermillion, solid line, filled triangles
VALUE_COLOUR = "#0072B2"
MCID_COLOUR = "#4d4d4d"
BAND_FILL = QColor(0, 158, 115, 50)  # bluish green, very light: the "meaningful" zone
BAND_SWATCH = "#bfe3d9"  # the band as on the white plot, a shade darker to show on grey
TEXT_COLOUR = "#1a1a1a"
DAY = 86400.0


class SessionDateAxis(pg.AxisItem):
    """A calendar axis with ticks on whole days, weeks (Mondays) or months, labelled
    "3 Mar"; the year is added when the sessions span more than one."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self._with_year = False

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if not math.isfinite(minVal) or not math.isfinite(maxVal) or maxVal <= minVal:
            return []
        first, last = _local_day(minVal), _local_day(maxVal)
        self._with_year = first.year != last.year
        # About 70 px per label keeps "28 Sep 2025" from touching its neighbours.
        room = max(2, int(size / (95 if self._with_year else 70)))
        span = (last - first).days + 1
        for step in (1, 2, 7, 14):
            if span / step <= room:
                return [(step * DAY, _days(first, last, step, monday=step >= 7))]
        months = next((m for m in (1, 2, 3, 6, 12) if span / (30.4 * m) <= room), 24)
        return [(months * 30 * DAY, _month_starts(first, last, months))]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list[str]:
        fmt_ = "%-d %b %Y" if self._with_year else "%-d %b"
        return [datetime.fromtimestamp(v).strftime(fmt_) for v in values]


def point_tip(series: str, unit: str, x: float, y: float, data: object = None) -> str:
    """A marker's tool tip, e.g. "Before needling, Mon 4 Aug 2025: 6"."""
    return f"{series}, {datetime.fromtimestamp(x):%a %-d %b %Y}: {fmt(y)}{unit}"


def _local_day(ts: float) -> date:
    return datetime.fromtimestamp(ts).date()


def _stamp(day: date) -> float:
    return datetime(day.year, day.month, day.day).timestamp()


def _days(first: date, last: date, step: int, monday: bool) -> list[float]:
    day = first
    if monday:
        day += timedelta(days=(7 - day.weekday()) % 7)
    out = []
    while day <= last:
        out.append(_stamp(day))
        day += timedelta(days=step)
    return out


def _month_starts(first: date, last: date, months: int) -> list[float]:
    year, month = first.year, first.month
    out = []
    while date(year, month, 1) <= last:
        if date(year, month, 1) >= first and (month - 1) % months == 0:
            out.append(_stamp(date(year, month, 1)))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


class ScoreChart(pg.PlotWidget):
    """One measure over calendar time. For pain: before (dashed, hollow circles) and
    after needling (solid, filled triangles); for the others: the recorded value.
    A shaded band marks the clinically meaningful improvement from the first session
    (first value - MCID, or + MCID when higher is better)."""

    def __init__(self, measure: Measure, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w", axisItems={"bottom": SessionDateAxis()})
        self.measure = measure
        self.setObjectName(f"{measure.key}Chart")
        self.setMinimumHeight(200)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)  # a record, not an exploration tool
        self.hideButtons()
        item = self.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(TEXT_COLOUR))
            axis.setTextPen(pg.mkPen(TEXT_COLOUR))
        item.setLabel("left", measure.title, color=TEXT_COLOUR)
        item.showGrid(x=False, y=True, alpha=0.15)
        item.setYRange(0, measure.scale_max, padding=0.04)
        item.getAxis("left").setTickSpacing(
            major=measure.scale_max / 5, minor=measure.scale_max / 10
        )
        self.series: dict[str, pg.PlotDataItem] = {}
        # Placed right above the chart by whoever lays the chart out, which gives
        # the chart (not the legend) any spare height.
        self.legend = QLabel(objectName=f"{measure.key}Legend", wordWrap=True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)

    def sizeHint(self) -> QSize:
        """Modest, so that the text beside a chart, not pyqtgraph's 600x480 default,
        sets the height of the charts' row; a chart grows into what is left."""
        return QSize(400, 240)

    def show_sessions(self, summaries: list[SessionSummary], change: Change) -> None:
        """Draw the sessions' scores and the MCID band for ``change`` (the caller passes
        the signed sessions only: a draft's values may still change)."""
        item = self.getPlotItem()
        item.clear()
        self.series = {}
        self.legend.setText(self.legend_html(change))
        stamps = [s.started_at.timestamp() for s in summaries]
        if not stamps:
            return
        if self.measure is PAIN:
            self._series("before", "Before needling", summaries, "pain_before",
                         BEFORE_COLOUR, Qt.PenStyle.DashLine, "o", filled=False)  # fmt: skip
            self._series("after", "After needling", summaries, "pain_after",
                         AFTER_COLOUR, Qt.PenStyle.SolidLine, "t", filled=True)  # fmt: skip
        else:
            self._series("value", self.measure.name, summaries, self.measure.key,
                         VALUE_COLOUR, Qt.PenStyle.SolidLine, "o", filled=True)  # fmt: skip
        self._mcid_band(change)
        # Pad the date range so the first and last markers are not cut by the axes.
        pad = max(2 * DAY, (max(stamps) - min(stamps)) * 0.05)
        item.setXRange(min(stamps) - pad, max(stamps) + pad, padding=0)

    def legend_html(self, change: Change) -> str:
        """The legend as rich text, drawn with the same line styles and marker shapes
        (a legend inside the plot covered markers on narrow charts). In a narrow
        column it wraps between entries, never between a swatch and its first words."""
        if self.measure is PAIN:
            entries = [
                f"<span style='color:{BEFORE_COLOUR}'><b>╌○╌</b></span>&nbsp;Before&nbsp;needling",
                f"<span style='color:{AFTER_COLOUR}'><b>━▼━</b></span>&nbsp;After&nbsp;needling",
            ]
        else:
            name = self.measure.name.replace(" ", "&nbsp;")
            entries = [f"<span style='color:{VALUE_COLOUR}'><b>━●━</b></span>&nbsp;{name}"]
        if change.target is not None:
            m = self.measure
            unit = "points" if m.mcid != 1 else "point"
            entries.append(
                f"<span style='background-color:{BAND_SWATCH}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"
                f"&nbsp;clinically&nbsp;meaningful (MCID): ≥&nbsp;{fmt(m.mcid)}&nbsp;{unit}"
                f"{f' or {m.relative * 100:g} %' if m.relative else ''} "
                f"{'higher' if m.higher_is_better else 'lower'} than the first signed "
                f"session ({m.direction})"
            )
        return " &nbsp;&nbsp; ".join(entries)

    def _series(self, key: str, name: str, summaries: list[SessionSummary], attr: str,
                colour: str, style: Qt.PenStyle, symbol: str, filled: bool) -> None:  # fmt: skip
        points = [
            (s.started_at.timestamp(), float(v))
            for s in summaries
            if (v := getattr(s, attr)) is not None
        ]
        if not points:
            return
        xs, ys = zip(*points, strict=True)
        self.series[key] = self.getPlotItem().plot(
            list(xs),
            list(ys),
            name=name,
            pen=pg.mkPen(colour, width=2.5, style=style),
            symbol=symbol,
            symbolSize=11,
            symbolPen=pg.mkPen(colour, width=2),
            symbolBrush=pg.mkBrush(colour if filled else "w"),
            antialias=True,
        )
        # Hovering a marker names the session and its score (pyqtgraph's scatter tool tip).
        scatter = self.series[key].scatter
        scatter.opts["hoverable"] = True
        scatter.opts["tip"] = partial(point_tip, name, self.measure.unit)

    def _mcid_band(self, change: Change) -> None:
        target = change.target
        if target is None:
            return
        m = self.measure
        low, high = (target, m.scale_max) if m.higher_is_better else (0.0, target)
        band = pg.LinearRegionItem(
            values=(low, high),
            orientation="horizontal",
            movable=False,
            brush=pg.mkBrush(BAND_FILL),
            pen=pg.mkPen(None),
        )
        band.setZValue(-10)
        self.getPlotItem().addItem(band, ignoreBounds=True)
        line = pg.InfiniteLine(
            pos=target, angle=0, pen=pg.mkPen(MCID_COLOUR, width=1.5, style=Qt.PenStyle.DotLine)
        )
        self.getPlotItem().addItem(line, ignoreBounds=True)
        self.mcid_line = line
