"""Body-map diagrams for print: the screen's SVGs as vectors, with the screen's markers.

The SVG is converted by svglib once per process and reused. Markers are placed
with the very transform svglib uses to draw the SVG's viewBox, so a point sits on
paper exactly where it sits on the picture on screen. Marker shape, fill and size
come from `tpchart.bodymap.markers`, shared with the screen.

Where markers would cover each other (neck, shoulder girdle, jaw), the crowded area
is printed again enlarged, in an inset under the diagrams, or beside one or two views
where the row has room (`tpchart.report.insets` decides which area); the diagram
shows a lettered frame and a dot for each point there. The map's own small labels
("patient's right", "FRONT") are set at a legible size rather than scaled down with
the body.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable
from svglib.svglib import svg2rlg

from tpchart.bodymap import svg_path
from tpchart.bodymap.markers import MARKER_DIAMETER, MarkerShape, diamond, legend, marker_style
from tpchart.core.regions import View
from tpchart.core.trigger_point import TriggerPoint
from tpchart.report.fonts import SANS, SANS_BOLD, draw_text, register_fonts, text_width
from tpchart.report.insets import (
    DIAMOND_SCALE,
    STROKE_WIDTH,
    Area,
    crowded_areas,
    place_apart,
)
from tpchart.report.styles import ACCENT, INK, RULE

MAP_TEXT = colors.HexColor("#5a534b")  # the SVG's own label colour (tools/draw_body_maps.py)

RADIUS = MARKER_DIAMETER / 2
VIEW_ORDER = (View.FRONT, View.BACK, View.HEAD)
LABEL_SIZE = 6.5  # pt, the least a side label ("patient's right") is printed at
DOT_RADIUS = 2.2  # pt, a point's spot on the main diagram when its number is in an inset
FRAME_FONT = 8.0  # pt, the inset's letter beside its frame and above the inset
INSET_MAX_HEIGHT = 170.0  # pt: room for the enlarged neck without pushing the table off
INSETS_PER_ROW = 3
CAPTION_HEIGHT = 12.0

Affine = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class MapLabel:
    """One of the map's own texts, in viewBox units: where its baseline starts (or
    ends, or is centred, per ``anchor``) and its size there."""

    x: float
    y: float
    text: str
    size: float
    anchor: str
    bold: bool


@cache
def _converted(view: View) -> tuple[Drawing, tuple[MapLabel, ...]]:
    """The view's SVG as a reportlab drawing, converted once (about 20 ms each), with
    its texts taken out: scaled with a 10 cm body they would print at 3 pt."""
    drawing = svg2rlg(str(svg_path(view)))
    if drawing is None:  # svglib returns None rather than raising
        raise FileNotFoundError(f"The body map {svg_path(view)} cannot be read")
    register_fonts()
    labels: list[MapLabel] = []
    _take_labels(drawing, labels)
    return drawing, tuple(labels)


def _svg(view: View) -> Drawing:
    """The view's body (regions, outline) as a reportlab drawing, without its texts."""
    return _converted(view)[0]


@cache
def _body_operators(view: View) -> str:
    """The view's body (regions, outline; no texts) as PDF drawing operators in viewBox
    units scaled to the drawing (``_svg(view)``'s own size), drawn once per process.

    Drawing the map's 80-150 shapes through reportlab's renderer cost ~11 ms a view in
    every document. The operators name no font, colour space or graphics state (the
    maps are opaque fills and strokes), so the same text serves every document: each
    document holds it once as a Form XObject (`draw_body`), referenced wherever the
    document shows that view, as reportlab's user guide advises for a repeated
    backdrop."""
    svg = _svg(view)
    scratch = Canvas(io.BytesIO())
    # Canvas keeps the operators of the page being drawn in _code: read, never changed.
    start = len(scratch._code)
    renderPDF.draw(Drawing(svg.width, svg.height, *svg.contents), scratch, 0, 0)
    operators = "\n".join(scratch._code[start:])
    if "/" in operators:  # a named resource (font, alpha) would be missing in the form
        raise ValueError(f"The {view.value} body map needs PDF resources; draw it as shapes")
    return operators


def draw_body(canvas: Canvas, view: View, transform: Affine) -> None:
    """Draw the view's body on ``canvas`` through ``transform`` (from `_svg`'s drawing
    units), as the document's Form XObject of that view, defined on first use."""
    name = f"tpchart-body-{view.value}"
    if not canvas.hasForm(name):
        svg = _svg(view)
        canvas.beginForm(name, 0, 0, svg.width, svg.height)
        canvas.addLiteral(_body_operators(view))
        canvas.endForm()
    canvas.saveState()
    canvas.transform(*transform)
    canvas.doForm(name)
    canvas.restoreState()


def _take_labels(node, labels: list[MapLabel]) -> None:
    """Remove every text from ``node``'s tree into ``labels``. svglib draws an SVG text
    as a String at (x, -y) inside a group that flips y back (1, 0, 0, -1, 0, 0)."""
    contents = getattr(node, "contents", None)
    if contents is None:
        return
    kept = []
    for child in contents:
        text = _only_string(child)
        if text is None:
            _take_labels(child, labels)
            kept.append(child)
            continue
        labels.append(MapLabel(text.x, -text.y, text.text, text.fontSize, text.textAnchor,
                               "Bold" in text.fontName))  # fmt: skip
    node.contents = kept


def _only_string(node) -> String | None:
    if isinstance(node, String):
        return node
    if (isinstance(node, Group) and len(node.contents) == 1
            and isinstance(node.contents[0], String)
            and tuple(node.transform) == (1, 0, 0, -1, 0, 0)):  # fmt: skip
        return node.contents[0]
    return None


def _svg_transform(drawing: Drawing) -> Affine:
    """The affine map svglib applies from the SVG's viewBox to the drawing (y up)."""
    outer = drawing.contents[0]
    if len(drawing.contents) != 1 or not isinstance(outer, Group):
        raise ValueError("Unexpected SVG structure: one outer group expected")
    a, b, c, d, e, f = outer.transform
    if b or c:  # insets and labels assume an upright map
        raise ValueError("Unexpected SVG structure: a rotated viewBox")
    return a, b, c, d, e, f


def map_scale(view: View, height: float) -> float:
    """Points of paper per viewBox unit on a diagram of ``view`` ``height`` tall."""
    svg = _svg(view)
    return abs(_svg_transform(svg)[0]) * height / svg.height


def views_with_points(points: Iterable[TriggerPoint]) -> list[View]:
    """The views that hold at least one point, front, back then head."""
    used = {p.view for p in points}
    return [v for v in VIEW_ORDER if v in used]


def _letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index % 26]


class BodyDiagram(Drawing):
    """One view, ``height`` points tall, with every point's numbered marker; a point in
    one of ``areas`` is a dot inside that area's lettered frame, its number in the inset.

    A Drawing never splits across pages, so the picture is always whole."""

    def __init__(
        self, view: View, points: Sequence[TriggerPoint], height: float,
        areas: Sequence[tuple[str, Area]] = (),
    ) -> None:  # fmt: skip
        register_fonts()
        svg = _svg(view)
        k = height / svg.height
        width = svg.width * k
        super().__init__(width, height)
        # Underscored: reportlab refuses unknown public attributes on a Drawing.
        self._view = view
        a, b, c, d, e, f = _svg_transform(svg)
        self._to_page: Affine = (a * k, b * k, c * k, d * k, e * k, f * k)
        # The body itself is drawn under the drawing's shapes from the document's form
        # (`draw`), not added as shapes.
        self._body: Affine = (k, 0.0, 0.0, k, 0.0, 0.0)
        self._labels(_converted(view)[1])
        # A hairline frame around the diagram: where the picture ends on paper.
        self.add(Rect(0, 0, width, height, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
        in_inset: set[int] = set()
        for _, area in areas:
            self._frame(area)
            in_inset |= area.numbers
        own = [p for p in points if p.view is view]
        for point in own:
            if point.number in in_inset:
                self.add(Circle(*self.place(point.x, point.y), DOT_RADIUS, fillColor=INK,
                                strokeColor=None))  # fmt: skip
        add_markers(self, [p for p in own if p.number not in in_inset], self.place)
        for letter, area in areas:  # letters last: no marker hides which frame is which
            self._frame_letter(letter, area)

    def draw(self, showBoundary=rl_config._unset_) -> None:
        """Draw in a story: the body from the document's form, then labels and markers."""
        draw_body(self.canv, self._view, self._body)
        super().draw(showBoundary)

    @property
    def view(self) -> View:
        """The body-map view drawn."""
        return self._view

    @property
    def scale(self) -> float:
        """Points of paper per viewBox unit."""
        return abs(self._to_page[0])

    def place(self, x: float, y: float) -> tuple[float, float]:
        """Where diagram coordinates (x, y) land inside this drawing."""
        a, b, c, d, e, f = self._to_page
        return a * x + c * y + e, b * x + d * y + f

    def _labels(self, labels: Sequence[MapLabel]) -> None:
        """The map's texts at their places, none smaller than LABEL_SIZE. An enlarged
        text keeps its top edge, growing down and away from the big R/L above it, and
        breaks onto two lines where it would reach the body."""
        k = self.scale
        for label in labels:
            font = SANS_BOLD if label.bold else SANS
            size = max(label.size * k, LABEL_SIZE)
            x, top = self.place(label.x, label.y - label.size * 0.72)
            room = self.width * 0.36  # the head starts at about 40 % of the width
            lines = [label.text]
            if text_width(label.text, font, size) > room and " " in label.text:
                lines = label.text.rsplit(" ", 1)
            for row, line in enumerate(lines):
                baseline = top - size * 0.72 - row * size * 1.1
                self.add(String(x, baseline, line, fontName=font, fontSize=size,
                                fillColor=MAP_TEXT, textAnchor=label.anchor))  # fmt: skip

    def _frame_box(self, area: Area) -> tuple[float, float, float, float]:
        """The area in this drawing: left, bottom, right, top, inside the picture."""
        x0, y0 = self.place(area.box[0], area.box[3])
        x1, y1 = self.place(area.box[2], area.box[1])
        left, bottom = max(min(x0, x1), 0.5), max(min(y0, y1), 0.5)
        right, top = min(max(x0, x1), self.width - 0.5), min(max(y0, y1), self.height - 0.5)
        return left, bottom, right, top

    def _frame(self, area: Area) -> None:
        """The dashed frame of an inset's area."""
        left, bottom, right, top = self._frame_box(area)
        self.add(Rect(left, bottom, right - left, top - bottom, fillColor=None,
                      strokeColor=ACCENT, strokeWidth=0.9, strokeDashArray=[3, 2]))  # fmt: skip

    def _frame_letter(self, letter: str, area: Area) -> None:
        """The inset's letter just outside the frame's top-left corner (under it at the
        top of the picture)."""
        left, bottom, _, top = self._frame_box(area)
        y = top + 2 if top + FRAME_FONT + 2 < self.height else bottom - FRAME_FONT
        self.add(String(left + 1, y, letter, fontName=SANS_BOLD, fontSize=FRAME_FONT,
                        fillColor=ACCENT))  # fmt: skip


class InsetDiagram:
    """An area of one view enlarged, with its points' numbered markers: a marker that
    would still cover another moves aside, a leader line back to its spot."""

    def __init__(
        self, view: View, area: Area, points: Sequence[TriggerPoint], main_scale: float,
        letter: str,
    ) -> None:  # fmt: skip
        svg = _svg(view)
        a, _, _, d, e, f = _svg_transform(svg)
        s = main_scale * area.zoom  # pt per viewBox unit
        x0, y0, x1, y1 = area.box
        self.width, self.height = (x1 - x0) * s, (y1 - y0) * s
        self.view, self.letter, self.zoom = view, letter, area.zoom
        # The map drawn s times its size, shifted so that the box's bottom-left corner
        # (x0, y1: the viewBox's y points down) lands on (0, 0).
        tx, ty = -s * (a * x0 + e), -s * (d * y1 + f)
        self._transform = (s, 0.0, 0.0, s, tx, ty)
        self._shown = [p for p in points if p.number in area.numbers]
        self._box = area.box

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """Where viewBox coordinates (x, y) land inside this inset."""
        s, _, _, _, tx, ty = self._transform
        a, _, _, d, e, f = _svg_transform(_svg(self.view))
        return s * (a * x + e) + tx, s * (d * y + f) + ty

    @cached_property
    def _drawings(self) -> tuple[Drawing, Drawing]:
        """The body, to be clipped, and the markers and border over it; made when first
        drawn, as the panel measures insets at several sizes before it draws one.

        Only the shapes near the area, not the document's form of the whole body: a
        reader of the file (text extraction, accessibility tools) would otherwise find
        the whole body's outline, enlarged and clipped away, around every inset."""
        body = Drawing(self.width, self.height)
        body.add(Group(*_contents_near(_svg(self.view), self._box), transform=self._transform))
        over = Drawing(self.width, self.height)
        add_markers(over, self._shown, self.to_page)
        over.add(Rect(0, 0, self.width, self.height, fillColor=None, strokeColor=ACCENT,
                      strokeWidth=0.9, strokeDashArray=[3, 2]))  # fmt: skip
        return body, over

    @property
    def caption(self) -> str:
        """What the inset shows, e.g. "A  Front ×2.5"."""
        return f"{self.letter}  {self.view.value.capitalize()} ×{self.zoom:.1f}"

    @property
    def slot(self) -> float:
        """The width the inset takes in its row: its own, or its caption's if wider."""
        return max(self.width, text_width(self.caption, SANS_BOLD, FRAME_FONT) + 4)

    def drawOn(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw at (x, y): the body clipped to the inset, then markers on top, whole."""
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect(x, y, self.width, self.height)
        canvas.clipPath(clip, stroke=0, fill=0)
        body, over = self._drawings
        body.drawOn(canvas, x, y)
        canvas.restoreState()
        over.drawOn(canvas, x, y)


def add_markers(drawing: Drawing, points: Sequence[TriggerPoint], to_page) -> None:
    """The points' numbered markers on ``drawing``, each on its spot where that is free,
    else moved aside (`place_apart`) with a leader line from a dot on its spot."""
    where = place_apart(points, to_page, (0, 0, drawing.width, drawing.height))
    for p in points:
        spot, at = to_page(p.x, p.y), where[p.number]
        if at != spot:  # under the markers, so no line crosses a number
            drawing.add(Line(*spot, *at, strokeColor=INK, strokeWidth=0.7))
            drawing.add(Circle(*spot, DOT_RADIUS, fillColor=INK, strokeColor=None))
    for p in sorted(points, key=lambda p: p.number):
        drawing.add(marker(p, *where[p.number]))


def _contents_near(svg: Drawing, box: tuple[float, float, float, float]) -> list:
    """The map's shapes that reach into ``box`` (viewBox units), in paint order, inside
    the map's own outer transform: an inset need not carry the whole body."""
    outer = svg.contents[0]
    x0, y0, x1, y1 = box

    def near(node) -> bool:
        bx0, by0, bx1, by1 = node.getBounds()
        return not (bx1 < x0 or x1 < bx0 or by1 < y0 or y1 < by0)

    kept = []
    for child in outer.contents:
        if isinstance(child, Rect):  # the white page behind the body: the paper is white
            continue
        if isinstance(child, Group) and tuple(child.transform) == (1, 0, 0, 1, 0, 0):
            parts = [c for c in child.contents if near(c)]
            if parts:
                kept.append(Group(*parts))
        elif near(child):
            kept.append(child)
    return [Group(*kept, transform=outer.transform)]


class _Layout:
    """The panel at one size: diagrams in a row, insets in rows (under them, or in the
    column beside them). The diagrams are drawn only when asked for: the panel measures
    several sizes."""

    def __init__(self, diagrams: Callable[[], list[BodyDiagram]], rows: list[list[InsetDiagram]]):
        self._diagrams = diagrams
        self.rows = rows

    @cached_property
    def diagrams(self) -> list[BodyDiagram]:
        """The views, with their markers and frames."""
        return self._diagrams()

    @property
    def insets_height(self) -> float:
        return sum(CAPTION_HEIGHT + max(i.height for i in row) for row in self.rows)

    @property
    def zooms(self) -> list[float]:
        """Each inset's enlargement, in letter order."""
        return [round(inset.zoom, 2) for row in self.rows for inset in row]


def _layout(
    views: Sequence[View], points: Sequence[TriggerPoint], height: float, width: float,
    gap: float,
) -> _Layout:  # fmt: skip
    """Diagrams ``height`` tall, and the insets their crowded areas need."""
    scales = {v: map_scale(v, height) for v in views}

    by_view = {v: [p for p in points if p.view is v] for v in views}

    def areas(room: tuple[float, float]) -> list[tuple[View, Area, float]]:
        return [(v, a, scales[v]) for v in views
                for a in crowded_areas(by_view[v], scales[v], room)]  # fmt: skip

    found = areas((width, INSET_MAX_HEIGHT))
    if found:
        # Each inset at most a third of the width (half for two): the areas again, now
        # that the room of one inset is known. A row takes as many as fit, captions too.
        per_row = min(INSETS_PER_ROW, len(found))
        found = areas(((width - gap * (per_row - 1)) / per_row, INSET_MAX_HEIGHT))
    lettered = [(_letter(i), view, area, scale) for i, (view, area, scale) in enumerate(found)]
    framed = {v: [(letter, area) for letter, view, area, _ in lettered if view is v]
              for v in views}  # fmt: skip
    insets = [InsetDiagram(view, area, points, scale, letter)
              for letter, view, area, scale in lettered]  # fmt: skip
    rows: list[list[InsetDiagram]] = []
    for inset in insets:  # as many to a row as fit, side by side
        if not rows or sum(i.slot + gap for i in rows[-1]) + inset.slot > width:
            rows.append([])
        rows[-1].append(inset)
    return _Layout(lambda: [BodyDiagram(v, points, height, framed[v]) for v in views], rows)


class DiagramPanel(Flowable):
    """A title, the views that hold points side by side, the insets of crowded areas
    and the legend: in a column beside the views where the row has room for it (one or
    two views leave most of the width empty), else underneath.

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
        self._size: _Size | None = None
        self._title_height = 0.0
        # The page layout asks for the panel at many heights (each page it might start
        # on, with or without its table): each size is worked out once.
        self._sizes: dict[tuple[float, float], _Size] = {}

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.fit(available_width, available_height)

    def fit(
        self, available_width: float, available_height: float, least: float | None = None
    ) -> tuple[float, float]:
        """Wrap, shrinking the diagrams to fit down to ``least`` pt tall (the panel's
        ``min_height`` unless given): what a page layout asks when a smaller panel would
        buy less than the panel's own least allows."""
        least = self._min if least is None else least
        title_height = 0.0
        if self._title is not None:
            _, title_height = self._title.wrap(available_width, available_height)
            title_height += self._title.getSpaceBefore() + self._title.getSpaceAfter()
        aspect = sum(_svg(v).width / _svg(v).height for v in self._views)
        fits_width = (available_width - self._gap * (len(self._views) - 1)) / aspect
        height = min(self._max, fits_width)
        size = self._sized(height, available_width)
        # Shrink, 10 pt at a time, while the page has room for the panel at its least;
        # else stay at full size and go whole to the next page (asked first: a page
        # layout often offers far too little room, and each size costs a layout).
        least = min(least, height)
        too_small = title_height + self._sized(least, available_width).height > available_height
        if title_height + size.height > available_height and not too_small:
            for smaller in _steps(height, least):
                trial = self._sized(smaller, available_width)
                if title_height + trial.height <= available_height:
                    size = trial
                    break
        self._size, self._title_height = size, title_height
        self.width = available_width
        self.height = title_height + size.height
        return self.width, self.height

    def _sized(self, height: float, width: float) -> _Size:
        """The panel, title aside, with diagrams ``height`` tall in ``width``: the
        legend, and the insets too where they fit, in a column beside the views when
        the row leaves room for it; else under the views."""
        key = (round(height, 3), round(width, 3))
        if key not in self._sizes:
            self._sizes[key] = self._arranged(height, width)
        return self._sizes[key]

    def _arranged(self, height: float, width: float) -> _Size:
        gap = self._gap
        views_width = (sum(_svg(v).width / _svg(v).height for v in self._views) * height
                       + gap * (len(self._views) - 1))  # fmt: skip
        side = width - views_width - 2 * gap
        column = legend_drawing(0)  # one entry a line
        layout = _layout(self._views, self._points, height, width, gap)
        if side >= column.width:
            # One or two views leave most of the row empty: the insets, sized to that
            # room, go there under the legend when the column stays within the views'
            # height, and the panel is no taller than its diagrams. Never at the cost
            # of enlargement: an inset squeezed into the column parts its markers less.
            beside = _layout(self._views, self._points, height, side, gap)
            rows_width = max((_row_width(row, gap) for row in beside.rows), default=0.0)
            column_height = column.height + beside.insets_height + gap * len(beside.rows)
            if rows_width <= side and column_height <= height and beside.zooms == layout.zooms:
                return _Size(height, beside, column, True, height, insets_beside=True)
        insets = layout.insets_height + gap * len(layout.rows)
        if side >= column.width:
            return _Size(height, layout, column, True, max(height, column.height) + insets)
        row = legend_drawing(width)
        return _Size(height, layout, row, False, height + insets + gap + row.height)

    def draw(self) -> None:
        size = self._size
        assert size is not None, "wrap() comes before draw()"
        layout, legend, gap = size.layout, size.legend, self._gap
        if self._title is not None:
            self._title.drawOn(self.canv, 0, self.height - self._title_height
                               + self._title.getSpaceAfter())  # fmt: skip
        diagrams = layout.diagrams
        top = self.height - self._title_height
        used = sum(d.width for d in diagrams) + gap * (len(diagrams) - 1)
        if size.legend_beside:  # the views and the column beside them centred together
            column = max([legend.width] + [_row_width(row, gap) for row in layout.rows]
                         if size.insets_beside else [legend.width])  # fmt: skip
            x = (self.width - used - 2 * gap - column) / 2
        else:
            x = (self.width - used) / 2
        for diagram in diagrams:
            diagram.drawOn(self.canv, x, top - diagram.height)
            x += diagram.width + gap
        if size.legend_beside:  # level with the top of the views, where the eye starts
            legend.drawOn(self.canv, x + gap, top - legend.height)
        if size.insets_beside:
            self._draw_insets(layout.rows, x + gap, top - legend.height, centred=False)
        else:
            below = top - max(diagrams[0].height, legend.height if size.legend_beside else 0)
            self._draw_insets(layout.rows, 0, below, centred=True)
        if not size.legend_beside:
            legend.drawOn(self.canv, (self.width - legend.width) / 2, 0)

    def _draw_insets(
        self, rows: list[list[InsetDiagram]], left: float, y: float, centred: bool
    ) -> None:
        """The rows of insets under ``y``, each with its caption, from ``left`` or
        centred in the panel."""
        for row in rows:
            tallest = max(i.height for i in row)
            y -= self._gap + CAPTION_HEIGHT + tallest
            x = (self.width - _row_width(row, self._gap)) / 2 if centred else left
            for inset in row:
                inset.drawOn(self.canv, x, y + tallest - inset.height)
                self.canv.setFillColor(ACCENT)
                draw_text(self.canv, x, y + tallest + 3.5, inset.caption, SANS_BOLD, FRAME_FONT)
                x += inset.slot + self._gap


def _row_width(row: Sequence[InsetDiagram], gap: float) -> float:
    """The width a row of insets takes, captions included."""
    return sum(i.slot for i in row) + gap * (len(row) - 1)


@dataclass(frozen=True)
class _Size:
    """The panel at one diagram height: its layout, its legend and where that goes, and
    the height it all takes under the title."""

    diagram_height: float
    layout: _Layout
    legend: Drawing
    legend_beside: bool
    height: float
    insets_beside: bool = False  # under the legend, beside the views


def _steps(start: float, least: float) -> Iterator[float]:
    """``start`` less 10, 20, ... down to ``least``, ending on ``least``."""
    height = start - 10
    while height > least:
        yield height
        height -= 10
    yield least


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
