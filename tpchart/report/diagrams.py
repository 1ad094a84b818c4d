"""Body-map diagrams for print: the screen's SVGs as vectors, with the screen's markers.

The SVG is converted by svglib once per process and reused. Markers are placed
with the very transform svglib uses to draw the SVG's viewBox, so a point sits on
paper exactly where it sits on the picture on screen. Marker shape, fill and size
come from `tpchart.bodymap.markers`, shared with the screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.platypus import Flowable
from svglib.svglib import svg2rlg

from tpchart.bodymap import svg_path
from tpchart.bodymap.markers import MARKER_DIAMETER, MarkerShape, diamond, legend, marker_style
from tpchart.core.regions import View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.report.fonts import SANS, SANS_BOLD, register_fonts, text_width
from tpchart.report.styles import INK, RULE

RADIUS = MARKER_DIAMETER / 2
DIAMOND_SCALE = 1.2  # a diamond's corners reach a little further, as on screen (ui/markers.py)
STROKE_WIDTH = 1.2
VIEW_ORDER = (View.FRONT, View.BACK, View.HEAD)

Affine = tuple[float, float, float, float, float, float]


@cache
def _svg(view: View) -> Drawing:
    """The view's SVG as a reportlab drawing, converted once (about 20 ms each)."""
    drawing = svg2rlg(str(svg_path(view)))
    if drawing is None:  # svglib returns None rather than raising
        raise FileNotFoundError(f"The body map {svg_path(view)} cannot be read")
    register_fonts()
    _embed_label_fonts(drawing)
    return drawing


def _embed_label_fonts(node) -> None:
    """Set the map's labels ("Right", "Left") in the document's own faces. svglib maps
    the SVG's ``sans-serif`` to Helvetica, which a PDF only names and never embeds;
    an archived record must carry every font it uses."""
    if isinstance(node, String):
        node.fontName = SANS_BOLD if "Bold" in node.fontName else SANS
    for child in getattr(node, "contents", ()):
        _embed_label_fonts(child)


def _svg_transform(drawing: Drawing) -> Affine:
    """The affine map svglib applies from the SVG's viewBox to the drawing (y up)."""
    outer = drawing.contents[0]
    if len(drawing.contents) != 1 or not isinstance(outer, Group):
        raise ValueError("Unexpected SVG structure: one outer group expected")
    return tuple(outer.transform)  # type: ignore[return-value]


def views_with_points(points: Iterable[TriggerPoint]) -> list[View]:
    """The views that hold at least one point, front, back then head."""
    used = {p.view for p in points}
    return [v for v in VIEW_ORDER if v in used]


class BodyDiagram(Drawing):
    """One view, ``height`` points tall, with every point's numbered marker.

    A Drawing never splits across pages, so the picture is always whole."""

    def __init__(self, view: View, points: Sequence[TriggerPoint], height: float) -> None:
        register_fonts()
        svg = _svg(view)
        k = height / svg.height
        width = svg.width * k
        super().__init__(width, height)
        # Underscored: reportlab refuses unknown public attributes on a Drawing.
        self._view = view
        a, b, c, d, e, f = _svg_transform(svg)
        self._to_page: Affine = (a * k, b * k, c * k, d * k, e * k, f * k)
        self.add(Group(*svg.contents, transform=(k, 0, 0, k, 0, 0)))
        # A hairline frame around the diagram: where the picture ends on paper.
        self.add(Rect(0, 0, width, height, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
        for point in sorted(points, key=lambda p: p.number):
            if point.view is view:
                self.add(marker(point, *self.place(point.x, point.y)))

    @property
    def view(self) -> View:
        """The body-map view drawn."""
        return self._view

    def place(self, x: float, y: float) -> tuple[float, float]:
        """Where diagram coordinates (x, y) land inside this drawing."""
        a, b, c, d, e, f = self._to_page
        return a * x + c * y + e, b * x + d * y + f


class DiagramPanel(Flowable):
    """A title, the views that hold points side by side, and the legend underneath.

    Never split across pages. It shrinks, down to ``min_height``, to use the room
    left on a page rather than leave half a page blank before it. The title is part
    of the panel because reportlab's keep-with-next would measure the panel at full
    size and defeat the shrinking."""

    def __init__(
        self, points: Sequence[TriggerPoint], title: Flowable | None = None,
        max_height: float = 330.0, min_height: float = 220.0, gap: float = 10.0,
    ) -> None:  # fmt: skip
        super().__init__()
        self._points = list(points)
        self._title = title
        self._views = views_with_points(points)
        self._max, self._min, self._gap = max_height, min_height, gap
        self._diagrams: list[BodyDiagram] = []
        self._legend: Drawing | None = None
        self._title_height = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        legend = legend_drawing(available_width)
        title_height = 0.0
        if self._title is not None:
            _, title_height = self._title.wrap(available_width, available_height)
            title_height += self._title.getSpaceBefore() + self._title.getSpaceAfter()
        aspect = sum(_svg(v).width / _svg(v).height for v in self._views)
        fits_width = (available_width - self._gap * (len(self._views) - 1)) / aspect
        height = min(self._max, fits_width)
        room = available_height - title_height - legend.height - self._gap
        if room >= self._min:
            height = min(height, room)
        self._diagrams = [BodyDiagram(v, self._points, height) for v in self._views]
        self._legend = legend
        self._title_height = title_height
        self.width = available_width
        self.height = title_height + height + self._gap + legend.height
        return self.width, self.height

    def draw(self) -> None:
        legend = self._legend
        assert legend is not None, "wrap() comes before draw()"
        if self._title is not None:
            self._title.drawOn(self.canv, 0, self.height - self._title_height
                               + self._title.getSpaceAfter())  # fmt: skip
        used = sum(d.width for d in self._diagrams) + self._gap * (len(self._diagrams) - 1)
        x = (self.width - used) / 2
        for diagram in self._diagrams:
            diagram.drawOn(self.canv, x, legend.height + self._gap)
            x += diagram.width + self._gap
        legend.drawOn(self.canv, (self.width - legend.width) / 2, 0)


def marker(point: TriggerPoint, cx: float, cy: float, radius: float = RADIUS) -> Group:
    """The numbered marker of ``point`` centred on (cx, cy), y up."""
    style = marker_style(point)
    group = Group()
    group.add(_shape(style.shape, cx, cy, radius, style.fill))
    size = 8.5 if point.number < 100 else 6.5
    group.add(String(cx, cy - size * 0.34, str(point.number), fontName=SANS_BOLD, fontSize=size,
                     fillColor=colors.HexColor(style.text), textAnchor="middle"))  # fmt: skip
    return group


def _shape(shape: MarkerShape, cx: float, cy: float, radius: float, fill: str):
    stroke = dict(strokeColor=INK, strokeWidth=STROKE_WIDTH, fillColor=colors.HexColor(fill))
    if shape is MarkerShape.CIRCLE:
        return Circle(cx, cy, radius, **stroke)
    corners = diamond(cx, cy, radius * DIAMOND_SCALE)
    return Polygon([v for corner in corners for v in corner], **stroke)


def legend_drawing(width: float, symbol: float = 11.0) -> Drawing:
    """The marker legend in one row (wrapping to two if narrow), as on screen."""
    register_fonts()
    rows = legend()
    gap, font_size = 12.0, 8.5
    entries = [(label, shape, fill, symbol + 4 + text_width(label, SANS, font_size) + gap)
               for label, shape, fill in rows]  # fmt: skip
    lines: list[list[tuple]] = [[]]
    used = 0.0
    for entry in entries:
        if lines[-1] and used + entry[3] > width:
            lines.append([])
            used = 0.0
        lines[-1].append(entry)
        used += entry[3]
    line_height = symbol + 6
    used_width = max(sum(entry[3] for entry in line) for line in lines) - gap
    drawing = Drawing(used_width, line_height * len(lines))
    for row, line in enumerate(lines):
        y = drawing.height - line_height * row - line_height / 2
        x = 0.0
        for label, shape, fill, advance in line:
            r = symbol / 2 / (DIAMOND_SCALE if shape is MarkerShape.DIAMOND else 1)
            drawing.add(_shape(shape, x + symbol / 2, y, r, fill))
            drawing.add(String(x + symbol + 4, y - font_size * 0.34, label, fontName=SANS,
                               fontSize=font_size, fillColor=INK))  # fmt: skip
            x += advance
    return drawing
