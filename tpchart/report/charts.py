"""The pain chart of the progress report: pain before and after needling, session by session.

Dates are spaced by real time on the x axis, so a gap between sessions shows as a
gap. The lines are drawn as on screen (ui/progress_charts.py), so paper and screen
read alike: before is a dashed blue line with hollow circles, after a solid
vermillion line with filled triangles (Okabe-Ito colours); the two read apart in
greyscale and with the common colour-vision deficiencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from tpchart.core.progress import SessionSummary
from tpchart.report.fonts import SANS, register_fonts, text_width
from tpchart.report.styles import INK, MUTED, RULE

DAY = 86400.0
BEFORE_LINE = colors.HexColor("#0072B2")  # blue, dashed, hollow circles
AFTER_LINE = colors.HexColor("#D55E00")  # vermillion, solid, filled triangles
BEFORE_DASH, AFTER_DASH = (4, 2), None
MAX_DATE_LABELS = 8  # more would overlap on A4; the sessions table lists every date


def pain_chart(
    sessions: Sequence[SessionSummary], width: float, height: float = 190.0,
    target: float | None = None, tz: tzinfo | None = None,
) -> Drawing:  # fmt: skip
    """Pain before and after (NRS 0-10) against session date. ``target`` draws a dotted
    line at the pain that would be a clinically meaningful improvement."""
    register_fonts()
    drawing = Drawing(width, height)
    start = sessions[0].started_at if sessions else datetime.now().astimezone()
    before = _series(sessions, "pain_before", start)
    after = _series(sessions, "pain_after", start)
    legend_height = 16.0
    plot = LinePlot()
    plot.x, plot.y = 30, 28 + legend_height
    plot.width, plot.height = width - 45, height - plot.y - 8
    plot.data = [before or [(0, 0)], after or [(0, 0)]]  # LinePlot needs a point per line
    for index, (colour, marker, fill, dash) in enumerate(
        [
            (BEFORE_LINE, "Circle", colors.white, BEFORE_DASH),
            (AFTER_LINE, "FilledTriangle", AFTER_LINE, AFTER_DASH),
        ]
    ):
        line = plot.lines[index]
        line.strokeColor = colour
        line.strokeWidth = 1.6
        line.strokeDashArray = dash
        line.symbol = makeMarker(marker, size=5, fillColor=fill, strokeColor=colour)
        if not (before, after)[index]:
            line.strokeWidth, line.symbol = 0, None  # nothing recorded: draw nothing
    last_day = max([x for x, _ in before + after] + [1.0])
    plot.xValueAxis.valueMin = -0.03 * last_day
    plot.xValueAxis.valueMax = last_day * 1.03
    plot.xValueAxis.valueSteps = _date_steps(sessions, start)
    plot.xValueAxis.labelTextFormat = lambda day: _label(start, day, tz)
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 10, 2
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = RULE
    plot.yValueAxis.gridStrokeWidth = 0.3
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize, axis.labels.fillColor = SANS, 7.5, INK
        axis.strokeColor = MUTED
    plot.xValueAxis.labels.angle = 30 if len(plot.xValueAxis.valueSteps) > 5 else 0
    plot.xValueAxis.labels.boxAnchor = "ne" if plot.xValueAxis.labels.angle else "n"
    drawing.add(plot)
    if target is not None:
        y = plot.y + plot.height * target / 10
        drawing.add(Line(plot.x, y, plot.x + plot.width, y, strokeColor=MUTED,
                         strokeWidth=0.8, strokeDashArray=(1, 2)))  # fmt: skip
    drawing.add(String(plot.x - 26, plot.y + plot.height / 2, "NRS", fontName=SANS,
                       fontSize=7, fillColor=MUTED))  # fmt: skip
    _legend(drawing, plot.x, 2, target is not None)
    return drawing


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
    from datetime import timedelta

    return f"{(start + timedelta(days=day)).astimezone(tz):%d %b %y}"


def _legend(drawing: Drawing, x: float, y: float, with_target: bool) -> None:
    entries = [("Pain before needling", BEFORE_LINE, BEFORE_DASH),
               ("Pain after needling", AFTER_LINE, AFTER_DASH)]  # fmt: skip
    if with_target:
        entries.append(
            (
                "MCID: 2 points below the first signed session",
                MUTED,
                (1, 2),
            )
        )
    for label, colour, dash in entries:
        drawing.add(Line(x, y + 4, x + 18, y + 4, strokeColor=colour, strokeWidth=1.6,
                         strokeDashArray=dash))  # fmt: skip
        drawing.add(String(x + 22, y + 1.5, label, fontName=SANS, fontSize=8, fillColor=INK))
        x += 22 + text_width(label, SANS, 8) + 16
