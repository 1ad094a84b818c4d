"""Region geometry of the body-map SVGs: outlines, hit test, label points.

The screen (QSvgRenderer) and the PDF (svglib) both paint the SVG file itself;
this module only reads the same file and answers geometric questions about it,
in the SVG's own viewBox coordinates. Points are stored in those coordinates,
so a redrawn map never moves old points. No Qt and no numpy: the PDF code uses
it too.

svgelements is imported when a map is first parsed, not with this module: the
window imports this module at start but parses a map only on the first hover or
click, and the curves are sampled here in plain Python (svgelements would import
NumPy for them, about 0.1 s and 20 MB, which the window does not otherwise need).

An element is a clickable region when its ``id`` follows the region-id scheme
(``front.neck.anterior.right``); a ``<g>`` with such an id makes all its shapes
one region. The body's outer outline is the element ``id="silhouette"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from tpchart.core.errors import TpchartError
from tpchart.core.regions import REGION_ID_PATTERN, View

if TYPE_CHECKING:
    from svgelements import Group, Shape

Point = tuple[float, float]
Polygon = list[Point]


def _maps_folder() -> Path:
    """Where the SVGs are: ``tpchart/bodymap/maps`` inside an installed wheel or bundle
    (the build copies them there, see setup.py), else ``assets/body_maps`` of a source
    checkout, which stays the one copy in git (tools/draw_body_maps.py writes it)."""
    packaged = Path(str(resources.files("tpchart.bodymap") / "maps"))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "assets" / "body_maps"
    if not checkout.is_dir():
        # An installed package without its maps: say so, rather than fail later on a
        # path inside site-packages that never existed.
        raise TpchartError(
            "The body maps are missing from this installation of tpchart; reinstall it"
        )
    return checkout


ASSETS_DIR = _maps_folder()
_FILES = {View.FRONT: "front.svg", View.BACK: "back.svg", View.HEAD: "head_side.svg"}
SILHOUETTE_ID = "silhouette"

# Curves are sampled at about this spacing (viewBox units). Region paths are
# polygons already; only the silhouette and any hand-edited curves are sampled.
_CURVE_STEP = 0.5
# Edges are bucketed in horizontal bands so a hit test looks at a few edges.
_BAND = 8.0


def svg_path(view: View) -> Path:
    """The SVG file drawn for this view."""
    return ASSETS_DIR / _FILES[View(view)]


@dataclass
class _Area:
    """One or more polygons with an even-odd hit test."""

    polygons: list[Polygon]
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x0, y0, x1, y1
    _bands: dict[int, list[tuple[float, float, float, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        xs = [x for poly in self.polygons for x, _ in poly]
        ys = [y for poly in self.polygons for _, y in poly]
        self.bounds = (min(xs), min(ys), max(xs), max(ys))
        for poly in self.polygons:
            for i in range(len(poly)):
                (x1, y1), (x2, y2) = poly[i - 1], poly[i]
                if y1 == y2:
                    continue
                # One canonical direction per edge, so that two regions
                # sharing an edge compute bit-identical crossings: a point on
                # the shared edge then lands in exactly one of them.
                if y1 > y2:
                    x1, y1, x2, y2 = x2, y2, x1, y1
                edge = (x1, y1, x2, y2)
                for band in range(math.floor(y1 / _BAND), math.floor(y2 / _BAND) + 1):
                    self._bands.setdefault(band, []).append(edge)

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.bounds
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        inside = False
        for ex1, ey1, ex2, ey2 in self._bands.get(math.floor(y / _BAND), ()):
            if ey1 <= y < ey2 and x < ex1 + (y - ey1) * (ex2 - ex1) / (ey2 - ey1):
                inside = not inside
        return inside

    def distance_to_edge(self, x: float, y: float) -> float:
        best = math.inf
        for poly in self.polygons:
            for i in range(len(poly)):
                best = min(best, _segment_distance(x, y, poly[i - 1], poly[i]))
        return best


class BodyMap:
    """The regions of one body-map SVG, in its viewBox coordinates."""

    def __init__(self, view: View, path: Path | str) -> None:
        self.view = View(view)
        self.svg_path = Path(path)
        from svgelements import SVG

        svg = SVG.parse(str(self.svg_path), reify=True)
        vb = svg.viewbox
        if vb is None:
            raise ValueError(f"{self.svg_path} has no viewBox")
        self.view_box: tuple[float, float, float, float] = (
            float(vb.x),
            float(vb.y),
            float(vb.width),
            float(vb.height),
        )
        # svgelements maps the viewBox onto width/height; undo that so that
        # coordinates are viewBox units whatever size the file declares.
        sx = float(svg.width) / vb.width
        sy = float(svg.height) / vb.height

        def to_view_box(p: Point) -> Point:
            return (p[0] / sx + vb.x, p[1] / sy + vb.y)

        shapes: dict[str, list[Polygon]] = {}
        silhouette: list[Polygon] = []
        for region_id, shape in _shapes_by_region(svg):
            polys = [[to_view_box(p) for p in poly] for poly in _polygons(shape)]
            if region_id == SILHOUETTE_ID:
                silhouette.extend(polys)
            elif region_id is not None:
                shapes.setdefault(region_id, []).extend(polys)
        if not shapes:
            raise ValueError(f"{self.svg_path} has no region paths")
        self._areas = {rid: _Area(polys) for rid, polys in shapes.items()}
        self._silhouette = _Area(silhouette) if silhouette else None
        self._interior: dict[str, Point] = {}

    def __repr__(self) -> str:
        return f"BodyMap({self.view.value!r}, {len(self._areas)} regions)"

    def region_ids(self) -> list[str]:
        """Region ids in document (paint) order."""
        return list(self._areas)

    def outline(self, region_id: str) -> list[list[Point]]:
        """The region's polygon(s) in viewBox coordinates, transforms applied."""
        return [list(poly) for poly in self._area(region_id).polygons]

    def bounds(self, region_id: str) -> tuple[float, float, float, float]:
        """x, y, width, height of the region's bounding box."""
        x0, y0, x1, y1 = self._area(region_id).bounds
        return (x0, y0, x1 - x0, y1 - y0)

    def contains(self, region_id: str, x: float, y: float) -> bool:
        return self._area(region_id).contains(x, y)

    def regions_at(self, x: float, y: float) -> list[str]:
        """Every region containing the point (one on a well-drawn map)."""
        return [rid for rid, area in self._areas.items() if area.contains(x, y)]

    def region_at(self, x: float, y: float) -> str | None:
        """The region under the point, or None outside the body."""
        for rid, area in self._areas.items():
            if area.contains(x, y):
                return rid
        return None

    def in_silhouette(self, x: float, y: float) -> bool:
        """Whether the point is inside the drawn body outline."""
        if self._silhouette is None:
            return self.region_at(x, y) is not None
        return self._silhouette.contains(x, y)

    def silhouette(self) -> list[list[Point]]:
        """The body outline polygon(s); the union of all regions if not drawn."""
        if self._silhouette is None:
            return [p for a in self._areas.values() for p in a.polygons]
        return [list(p) for p in self._silhouette.polygons]

    def interior_point(self, region_id: str) -> Point:
        """A point well inside the region, for labels and tests.

        The inside point farthest from the region's edge on a coarse grid,
        then refined twice on finer grids around it.
        """
        if region_id not in self._interior:
            self._interior[region_id] = _pole(self._area(region_id))
        return self._interior[region_id]

    def _area(self, region_id: str) -> _Area:
        try:
            return self._areas[region_id]
        except KeyError:
            raise ValueError(
                f"No region {region_id!r} on the {self.view.value} body map ({self.svg_path.name})."
            ) from None


@cache
def load_body_map(view: View) -> BodyMap:
    """The body map for a view, parsed once per process."""
    view = View(view)
    return BodyMap(view, svg_path(view))


def _shapes_by_region(
    group: Group, region_id: str | None = None
) -> Iterator[tuple[str | None, Shape]]:
    from svgelements import Group, Shape

    for child in group:
        child_id = getattr(child, "id", None)
        own = child_id if child_id and _is_region_id(child_id) else None
        if isinstance(child, Group):
            yield from _shapes_by_region(child, own or region_id)
        elif isinstance(child, Shape):
            if child_id == SILHOUETTE_ID:
                yield SILHOUETTE_ID, child
            else:
                yield own or region_id, child


def _is_region_id(value: str) -> bool:
    return bool(REGION_ID_PATTERN.match(value))


def _polygons(shape: Shape) -> list[Polygon]:
    """The shape's subpaths as polygons (curves sampled finely)."""
    from svgelements import Close, Line, Move
    from svgelements import Path as SvgPath

    path = shape if isinstance(shape, SvgPath) else SvgPath(shape)
    polys: list[Polygon] = []
    current: Polygon = []
    for seg in path:
        if isinstance(seg, Move):
            if len(current) >= 3:
                polys.append(current)
            current = [(float(seg.end.x), float(seg.end.y))]
        elif isinstance(seg, Close):
            if len(current) >= 3:
                polys.append(current)
            current = []
        elif isinstance(seg, Line):
            current.append((float(seg.end.x), float(seg.end.y)))
        else:
            start, end = seg.start, seg.end
            rough = sum(
                math.dist(a, b)
                for a, b in zip(_control_points(seg), _control_points(seg)[1:], strict=False)
            ) or math.dist((start.x, start.y), (end.x, end.y))
            steps = max(4, math.ceil(rough / _CURVE_STEP))
            # All samples of a segment at once, not one point() per sample: point()
            # builds a NumPy array for each sample, which made parsing the maps most of
            # start-up. Same formula, so the same coordinates to the last bit.
            for x, y in _sample(seg, [k / steps for k in range(1, steps + 1)]):
                current.append((float(x), float(y)))
    if len(current) >= 3:
        polys.append(current)
    # Drop a repeated closing point.
    for poly in polys:
        if len(poly) > 1 and math.dist(poly[0], poly[-1]) < 1e-9:
            poly.pop()
    return polys


def _sample(seg: object, positions: list[float]) -> Iterable[Point]:
    """Points of a curve segment at ``positions`` (0 to 1). A cubic Bézier, the only
    curve the maps draw, is computed here with svgelements' own formula (its
    ``CubicBezier.npoint``, term for term, so the floats are identical) without NumPy;
    any other curve goes to svgelements, which imports NumPy for it."""
    from svgelements import CubicBezier

    if not isinstance(seg, CubicBezier):
        return [(float(x), float(y)) for x, y in seg.npoint(positions)]  # type: ignore[attr-defined]
    x0, y0 = seg.start
    x1, y1 = seg.control1
    x2, y2 = seg.control2
    x3, y3 = seg.end
    points = []
    for position in positions:
        pos_3 = position * position * position
        n_pos = 1 - position
        n_pos_3 = n_pos * n_pos * n_pos
        pos_2_n_pos = position * position * n_pos
        n_pos_2_pos = n_pos * n_pos * position
        points.append(
            (
                n_pos_3 * x0 + 3 * (n_pos_2_pos * x1 + pos_2_n_pos * x2) + pos_3 * x3,
                n_pos_3 * y0 + 3 * (n_pos_2_pos * y1 + pos_2_n_pos * y2) + pos_3 * y3,
            )
        )
    return points


def _control_points(seg: object) -> list[Point]:
    names = ("start", "control", "control1", "control2", "end")
    pts = [getattr(seg, n, None) for n in names]
    return [(float(p.x), float(p.y)) for p in pts if p is not None]


def _segment_distance(x: float, y: float, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(x - a[0], y - a[1])
    t = max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / length2))
    return math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy))


def _pole(area: _Area) -> Point:
    x0, y0, x1, y1 = area.bounds
    # A thinned copy of the outline is plenty for distances on a coarse grid.
    step = max(1, sum(len(p) for p in area.polygons) // 160)
    coarse = _Area([p[::step] if len(p[::step]) >= 3 else p for p in area.polygons])
    best: Point | None = None
    best_d = -1.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
    for _round in range(3):
        candidates = _grid(cx, cy, half_w, half_h, 16)
        for x, y in candidates:
            if not area.contains(x, y):
                continue
            d = coarse.distance_to_edge(x, y)
            if d > best_d:
                best, best_d = (x, y), d
        if best is None:
            break
        cx, cy = best
        half_w, half_h = half_w / 4, half_h / 4
    if best is None:  # a sliver thinner than the grid: fall back to a vertex midpoint
        poly = area.polygons[0]
        a, b = poly[0], poly[len(poly) // 2]
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return best


def _grid(cx: float, cy: float, half_w: float, half_h: float, n: int) -> Sequence[Point]:
    return [
        (cx - half_w + (2 * half_w) * (i + 0.5) / n, cy - half_h + (2 * half_h) * (j + 0.5) / n)
        for i in range(n)
        for j in range(n)
    ]
