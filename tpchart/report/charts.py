"""The charts of the progress report: pain before and after needling, and each outcome
measure (NDI, ODI, PSFS), session by session.

Dates are spaced by real time on the x axis, so a gap between sessions shows as a
gap. The lines are drawn as on screen (ui/progress_charts.py), so paper and screen
read alike: pain before is a dashed blue line with hollow circles, pain after a solid
vermillion line with filled triangles pointing down, an outcome measure a solid blue
line with filled circles (Okabe-Ito colours; the lines also differ by dash and marker,
so they read apart in greyscale and with the common colour-vision deficiencies). A
light green band marks where a clinically meaningful improvement on the first signed
session begins, edged by a dotted line, as the screen shades it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from tpchart.core.progress import PAIN, Measure, SessionSummary, fmt
from tpchart.report.fonts import SANS, register_fonts, text_width
from tpchart.report.styles import INK, MUTED, RULE

DAY = 86400.0
BEFORE_LINE = colors.HexColor("#0072B2")  # blue, dashed, hollow circles
AFTER_LINE = colors.HexColor("#D55E00")  # vermillion, solid, filled triangles
VALUE_LINE = colors.HexColor("#0072B2")  # an outcome measure: blue, solid, filled circles
# The screen's band is bluish green (0, 158, 115) at 50/255 opacity over white; paper
# gets the colour that blend makes, as an opaque fill that prints the same everywhere.
BAND_FILL = colors.HexColor("#cdece4")
MCID_LINE = colors.HexColor("#4d4d4d")
BEFORE_DASH, AFTER_DASH = (4, 2), None
MAX_DATE_LABELS = 8  # more would overlap on A4; the sessions table lists every date
MARKER_SIZE = 5
LEGEND_FONT = 8
LEGEND_ROW = 12.0


@dataclass(frozen=True)
class Series:
    """How one line is drawn: its words, the SessionSummary field it plots, its look."""

    label: str
    field: str
    colour: colors.Color
    dash: tuple[float, ...] | None
    marker: str  # a reportlab marker kind
    fill: colors.Color
    angle: float = 0  # 180 turns a triangle to point down, as pyqtgraph's "t" does


PAIN_SERIES = (
    Series("Pain before needling", "pain_before", BEFORE_LINE, BEFORE_DASH, "Circle",
           colors.white),
    Series("Pain after needling", "pain_after", AFTER_LINE, AFTER_DASH, "FilledTriangle",
           AFTER_LINE, angle=180),
)  # fmt: skip
# The short name on the y axis, beside the tick values.
AXIS_NAMES = {"pain": "NRS", "ndi": "%", "odi": "%", "psfs": "0-10"}


def series_for(measure: Measure) -> tuple[Series, ...]:
    """The lines of ``measure``'s chart: before and after for pain, else the value."""
    if measure is PAIN:
        return PAIN_SERIES
    return (Series(measure.name, measure.key, VALUE_LINE, None, "FilledCircle", VALUE_LINE),)


def pain_chart(
    sessions: Sequence[SessionSummary], width: float, height: float = 190.0,
    target: float | None = None, tz: tzinfo | None = None,
) -> Drawing:  # fmt: skip
    """Pain before and after (NRS 0-10) against session date. ``target`` marks the pain
    that would be a clinically meaningful improvement."""
    return score_chart(PAIN, sessions, width, height, target, tz)


def score_chart(
    measure: Measure, sessions: Sequence[SessionSummary], width: float, height: float = 150.0,
    target: float | None = None, tz: tzinfo | None = None,
) -> Drawing:  # fmt: skip
    """``measure`` against session date over ``sessions`` (the caller passes the signed
    ones). ``target`` (``Change.target``) shades the clinically meaningful zone."""
    register_fonts()
    drawing = Drawing(width, height)
    start = sessions[0].started_at if sessions else datetime.now().astimezone()
    lines = series_for(measure)
    data = [_series(sessions, s.field, start) for s in lines]
    legend = _legend_entries(measure, lines, target)
    rows = _legend_rows(legend, width - 30)
    plot = LinePlot()
    plot.x, plot.y = 30, 28 + LEGEND_ROW * len(rows) + 4
    plot.width, plot.height = width - 45, height - plot.y - 8
    plot.data = [values or [(0, 0)] for values in data]  # LinePlot needs a point per line
    for index, (look, values) in enumerate(zip(lines, data, strict=True)):
        line = plot.lines[index]
        line.strokeColor = look.colour
        line.strokeWidth = 1.6
        line.strokeDashArray = look.dash
        line.symbol = _marker(look)
        if not values:
            line.strokeWidth, line.symbol = 0, None  # nothing recorded: draw nothing
    last_day = max([x for values in data for x, _ in values] + [1.0])
    plot.xValueAxis.valueMin = -0.03 * last_day
    plot.xValueAxis.valueMax = last_day * 1.03
    plot.xValueAxis.valueSteps = _date_steps(sessions, start)
    plot.xValueAxis.labelTextFormat = lambda day: _label(start, day, tz)
    top = measure.scale_max
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, top
    plot.yValueAxis.valueStep = top / 5
    plot.yValueAxis.labelTextFormat = lambda v: fmt(v)
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = RULE
    plot.yValueAxis.gridStrokeWidth = 0.3
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize, axis.labels.fillColor = SANS, 7.5, INK
        axis.strokeColor = MUTED
    plot.xValueAxis.labels.angle = 30 if len(plot.xValueAxis.valueSteps) > 5 else 0
    plot.xValueAxis.labels.boxAnchor = "ne" if plot.xValueAxis.labels.angle else "n"
    if target is not None:
        # The band goes in first, so the grid and the lines are drawn over it.
        low, high = (target, top) if measure.higher_is_better else (0.0, target)
        y0, y1 = (plot.y + plot.height * v / top for v in (low, high))
        drawing.add(Rect(plot.x, y0, plot.width, y1 - y0, fillColor=BAND_FILL,
                         strokeColor=None, strokeWidth=0))  # fmt: skip
    drawing.add(plot)
    if target is not None:
        y = plot.y + plot.height * target / top
        drawing.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=MCID_LINE,
                         strokeWidth=0.8, strokeDashArray=(1, 2)))  # fmt: skip
    drawing.add(String(plot.x - 26, plot.y + plot.height / 2, AXIS_NAMES.get(measure.key, ""),
                       fontName=SANS, fontSize=7, fillColor=MUTED))  # fmt: skip
    _draw_legend(drawing, rows, plot.x)
    return drawing


def _marker(look: Series, size: float = MARKER_SIZE):
    return makeMarker(look.marker, size=size, fillColor=look.fill, strokeColor=look.colour,
                      angle=look.angle)  # fmt: skip


def _series(sessions: Sequence[SessionSummary], field: str, start: datetime) -> list[tuple]:
    return [
        ((v.started_at - start).total_seconds() / DAY, getattr(v, field))
        for v in sessions
        if getattr(v, field) is not None
    ]


def _date_steps(sessions: Sequence[SessionSummary], start: datetime) -> list[float]:
    days = sorted({(v.started_at - start).total_seconds() / DAY for v in sessions}) or [0.0]
    if len(days) <= MAX_DATE_LABELS:
        return days
    stride = -(-len(days) // MAX_DATE_LABELS)  # ceiling division
    picked = days[::stride]
    return picked if picked[-1] == days[-1] else [*picked[:-1], days[-1]]


def _label(start: datetime, day: float, tz: tzinfo | None) -> str:
    return f"{(start + timedelta(days=day)).astimezone(tz):%d %b %y}"


# A legend entry: its words and what its swatch shows (a Series, or "band").
_Entry = tuple[str, "Series | str"]


def _legend_entries(measure: Measure, lines: Sequence[Series], target: float | None) -> list:
    entries: list[_Entry] = [(look.label, look) for look in lines]
    if target is not None:
        unit = "point" if fmt(measure.mcid) == "1" else "points"
        way = "higher" if measure.higher_is_better else "lower"
        # The screen's legend words (ui/progress_charts.py, ScoreChart.legend_html).
        entries.append((
            f"clinically meaningful (MCID): ≥ {fmt(measure.mcid)} {unit}"
            f"{f' or {measure.relative * 100:g} %' if measure.relative else ''} {way} than the "
            f"first signed session ({measure.direction})",
            "band",
        ))  # fmt: skip
    return entries


def _entry_width(label: str) -> float:
    return 22 + text_width(label, SANS, LEGEND_FONT)


def _legend_rows(entries: Sequence[_Entry], width: float) -> list[list[_Entry]]:
    """The entries in rows that fit ``width``, in order; an entry never splits."""
    rows: list[list[_Entry]] = [[]]
    used = 0.0
    for entry in entries:
        needed = _entry_width(entry[0])
        if rows[-1] and used + needed > width:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += needed + 16
    return rows


def _draw_legend(drawing: Drawing, rows: Sequence[Sequence[_Entry]], left: float) -> None:
    # The first row sits right under the date labels, the last at the bottom.
    for number, row in enumerate(rows):
        y = 2 + LEGEND_ROW * (len(rows) - 1 - number)
        x = left
        for label, look in row:
            if isinstance(look, Series):
                drawing.add(Line(x, y + 4, x + 18, y + 4, strokeColor=look.colour,
                                 strokeWidth=1.6, strokeDashArray=look.dash))  # fmt: skip
                marker = _marker(look, size=4.5)
                marker.x, marker.y = x + 9, y + 4
                drawing.add(marker)
            else:
                drawing.add(Rect(x, y, 18, 8, fillColor=BAND_FILL, strokeColor=None,
                                 strokeWidth=0))  # fmt: skip
                drawing.add(Line(x, y + 8, x + 18, y + 8, strokeColor=MCID_LINE,
                                 strokeWidth=0.8, strokeDashArray=(1, 2)))  # fmt: skip
            drawing.add(String(x + 22, y + 1.5, label, fontName=SANS, fontSize=LEGEND_FONT,
                               fillColor=INK))  # fmt: skip
            x += _entry_width(label) + 16
