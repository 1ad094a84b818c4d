"""Draw the body-map SVGs in assets/body_maps/ (front.svg, back.svg, head_side.svg).

    .venv/bin/python tools/draw_body_maps.py [--debug DIR]

The committed SVGs are what the app loads; this script is how they were made,
so a change to the drawing is a change here followed by a re-run.

Technique: each view is one smooth closed silhouette (centripetal Catmull-Rom
splines through hand-placed key points, written out as cubic Béziers). The
silhouette is flattened to a polygon and cut, one cut curve at a time, into
pieces; a cut splits a piece it crosses exactly twice, so neighbouring pieces
share the very same boundary points and the pieces tile the silhouette with no
gap and no overlap. Each final piece must contain exactly one named seed point,
which gives it its region id; a region may be more than one piece (the back of
the hand: the dorsum, and the thumb beyond the first web space). Front and back
are drawn as the viewer's left half and mirrored, so the two sides are
symmetric and meet exactly on the midline. The head profile is drawn once
(patient's right side, face to the viewer's right) and mirrored below for the
left side.

Pure Python: no Qt, no numpy. ``--debug DIR`` also writes each view with every
region in its own colour and its id printed inside, for checking the tiling.
"""

from __future__ import annotations

import argparse
import colorsys
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tpchart.core.regions import REGIONS, View  # noqa: E402

Pt = tuple[float, float]
Bez = tuple[Pt, Pt, Pt, Pt]
Seeds = dict[str, Pt | list[Pt]]  # region id -> a point inside it (one per piece)

# Colours: light neutral fills that print well in greyscale; saturated colour is
# left free for the markers drawn on top.
REGION_FILL = "#f3efe9"
REGION_STROKE = "#cdc3b6"
DECOR_STROKE = "#a1968a"
OUTLINE_STROKE = "#5a534b"
TEXT_FILL = "#5a534b"
FLATTEN_TOLERANCE = 0.06  # viewBox units; far below a printed stroke width


# --------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------


@dataclass
class Run:
    """Key points joined by one smooth spline; runs meet at corners."""

    pts: list[Pt]
    pre: Pt | None = None  # phantom point before pts[0] (sets the start tangent)
    post: Pt | None = None  # phantom point after pts[-1]


def S(*pts: Pt, pre: Pt | None = None, post: Pt | None = None) -> Run:
    return Run(list(pts), pre, post)


def _reflect(p: Pt, q: Pt) -> Pt:
    return (2 * p[0] - q[0], 2 * p[1] - q[1])


def run_beziers(run: Run, alpha: float = 0.5) -> list[Bez]:
    """Centripetal Catmull-Rom through the run's points, as cubic Béziers."""
    pts = run.pts
    ext = [
        run.pre or _reflect(pts[0], pts[1]),
        *pts,
        run.post or _reflect(pts[-1], pts[-2]),
    ]
    out: list[Bez] = []
    for j in range(len(pts) - 1):
        p0, p1, p2, p3 = ext[j], ext[j + 1], ext[j + 2], ext[j + 3]
        d01 = max(math.dist(p0, p1) ** alpha, 1e-6)
        d12 = max(math.dist(p1, p2) ** alpha, 1e-6)
        d23 = max(math.dist(p2, p3) ** alpha, 1e-6)
        t1, t2, t3 = d01, d01 + d12, d01 + d12 + d23
        m1 = tuple(
            ((p1[k] - p0[k]) / t1 - (p2[k] - p0[k]) / t2 + (p2[k] - p1[k]) / d12) * d12
            for k in (0, 1)
        )
        m2 = tuple(
            ((p2[k] - p1[k]) / d12 - (p3[k] - p1[k]) / (t3 - t1) + (p3[k] - p2[k]) / d23) * d12
            for k in (0, 1)
        )
        c1 = (p1[0] + m1[0] / 3, p1[1] + m1[1] / 3)
        c2 = (p2[0] - m2[0] / 3, p2[1] - m2[1] / 3)
        out.append((p1, c1, c2, p2))
    return out


def path_beziers(runs: Sequence[Run]) -> list[Bez]:
    out: list[Bez] = []
    for run in runs:
        if out:
            assert math.dist(out[-1][3], run.pts[0]) < 1e-9, "runs must share end points"
        out.extend(run_beziers(run))
    return out


def _flat_enough(b: Bez, tol: float) -> bool:
    (x0, y0), c1, c2, (x3, y3) = b
    dx, dy = x3 - x0, y3 - y0
    n = math.hypot(dx, dy)
    if n < 1e-9:
        return max(math.dist(c1, b[0]), math.dist(c2, b[0])) < tol
    return all(abs((c[0] - x0) * dy - (c[1] - y0) * dx) / n < tol for c in (c1, c2))


def _split(b: Bez) -> tuple[Bez, Bez]:
    p0, p1, p2, p3 = b

    def mid(a: Pt, c: Pt) -> Pt:
        return ((a[0] + c[0]) / 2, (a[1] + c[1]) / 2)

    a, bb, c = mid(p0, p1), mid(p1, p2), mid(p2, p3)
    d, e = mid(a, bb), mid(bb, c)
    f = mid(d, e)
    return (p0, a, d, f), (f, e, c, p3)


def flatten(beziers: Iterable[Bez], tol: float = FLATTEN_TOLERANCE) -> list[Pt]:
    """Polyline through the curves (first point included, end points exact)."""
    out: list[Pt] = []
    for b in beziers:
        if not out:
            out.append(b[0])
        stack = [b]
        while stack:
            cur = stack.pop()
            if _flat_enough(cur, tol) or math.dist(cur[0], cur[3]) < 0.3:
                out.append(cur[3])
            else:
                first, second = _split(cur)
                stack.append(second)
                stack.append(first)
    return out


def polyline(runs: Sequence[Run]) -> list[Pt]:
    return flatten(path_beziers(runs))


# --------------------------------------------------------------------------
# Cutting a tiling
# --------------------------------------------------------------------------

EPS = 1e-9


@dataclass
class Hit:
    s: float  # position along the cut (segment index + t)
    edge: int  # polygon edge index
    u: float  # position along that edge
    pt: Pt


def _seg_hit(p: Pt, p2: Pt, q: Pt, q2: Pt) -> tuple[float, float] | None:
    rx, ry = p2[0] - p[0], p2[1] - p[1]
    sx, sy = q2[0] - q[0], q2[1] - q[1]
    den = rx * sy - ry * sx
    if abs(den) < 1e-12:
        return None
    qpx, qpy = q[0] - p[0], q[1] - p[1]
    t = (qpx * sy - qpy * sx) / den
    u = (qpx * ry - qpy * rx) / den
    if -EPS <= t <= 1 + EPS and 0 <= u < 1:
        return t, u
    return None


def _hits(poly: list[Pt], cut: list[Pt]) -> list[Hit]:
    xs = [p[0] for p in cut]
    ys = [p[1] for p in cut]
    bx0, bx1, by0, by1 = min(xs), max(xs), min(ys), max(ys)
    hits: list[Hit] = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if max(a[0], b[0]) < bx0 or min(a[0], b[0]) > bx1:
            continue
        if max(a[1], b[1]) < by0 or min(a[1], b[1]) > by1:
            continue
        # A cut that ends exactly on a polygon vertex (a corner such as the
        # armpit) is a hit at that vertex.
        for end, s in ((cut[0], 0.0), (cut[-1], len(cut) - 1.0)):
            if math.dist(end, a) < 1e-7:
                hits.append(Hit(s, i, 0.0, a))
        for j in range(len(cut) - 1):
            c0, c1 = cut[j], cut[j + 1]
            if max(c0[0], c1[0]) < min(a[0], b[0]) or min(c0[0], c1[0]) > max(a[0], b[0]):
                continue
            if max(c0[1], c1[1]) < min(a[1], b[1]) or min(c0[1], c1[1]) > max(a[1], b[1]):
                continue
            r = _seg_hit(c0, c1, a, b)
            if r is None:
                continue
            t, u = r
            pt = (c0[0] + t * (c1[0] - c0[0]), c0[1] + t * (c1[1] - c0[1]))
            hits.append(Hit(j + t, i, u, pt))
    # The same crossing found twice (at a shared segment end or a snapped
    # vertex) counts once.
    hits.sort(key=lambda h: h.s)
    unique: list[Hit] = []
    for h in hits:
        if unique and math.dist(unique[-1].pt, h.pt) < 1e-7:
            if h.u == 0.0 and unique[-1].u != 0.0:
                unique[-1] = h
            continue
        unique.append(h)
    return unique


def _dedupe(poly: list[Pt]) -> list[Pt]:
    out: list[Pt] = []
    for p in poly:
        if not out or math.dist(out[-1], p) > 1e-9:
            out.append(p)
    while len(out) > 1 and math.dist(out[0], out[-1]) <= 1e-9:
        out.pop()
    return out


def split_polygon(poly: list[Pt], cut: list[Pt], h1: Hit, h2: Hit) -> tuple[list[Pt], list[Pt]]:
    n = len(poly)
    inner = [cut[k] for k in range(math.floor(h1.s) + 1, math.ceil(h2.s)) if h1.s < k < h2.s]

    def walk(frm: int, to: int) -> list[Pt]:
        out = []
        k = (frm + 1) % n
        while True:
            out.append(poly[k])
            if k == to:
                break
            k = (k + 1) % n
        return out

    if h1.edge == h2.edge:
        # Both crossings on one edge: one piece is bounded by the cut alone.
        lone = [h1.pt, *inner, h2.pt]
        rest = [h2.pt, *reversed(inner), h1.pt]
        if h1.u < h2.u:
            return _dedupe([*lone, *walk(h2.edge, h1.edge)]), _dedupe(rest)
        return _dedupe(lone), _dedupe([*rest, *walk(h1.edge, h2.edge)])
    a = _dedupe([h1.pt, *inner, h2.pt, *walk(h2.edge, h1.edge)])
    b = _dedupe([h2.pt, *reversed(inner), h1.pt, *walk(h1.edge, h2.edge)])
    return a, b


def _at(line: list[Pt], s: float) -> Pt:
    j = min(int(s), len(line) - 2)
    t = s - j
    (x0, y0), (x1, y1) = line[j], line[j + 1]
    return (x0 + t * (x1 - x0), y0 + t * (y1 - y0))


def point_in_polygon(pt: Pt, poly: Sequence[Pt]) -> bool:
    x, y = pt
    inside = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if y1 > y2:
            x1, y1, x2, y2 = x2, y2, x1, y1
        if y1 <= y < y2 and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@dataclass
class Tiling:
    pieces: list[list[Pt]]
    cut_points: set[Pt] = field(default_factory=set)

    def piece_at(self, pt: Pt) -> list[Pt]:
        """The piece holding this point."""
        return next(piece for piece in self.pieces if point_in_polygon(pt, piece))

    def cut(
        self, runs: Sequence[Run] | Run, name: str = "", ending_in: list[Pt] | None = None
    ) -> None:
        """Cut every piece the curve crosses twice.

        ``ending_in``: a piece the curve runs into at either end; the curve
        stops just inside it instead, so it ends on that piece's edge without
        cutting it, and keeps exactly the course it had before that piece was
        cut out (the cuts that met at the armpit corner, now ending in the
        armpit).
        """
        line = polyline([runs] if isinstance(runs, Run) else runs)
        if ending_in is not None:
            inside = [point_in_polygon(p, ending_in) for p in line]
            first = max(0, next(i for i, v in enumerate(inside) if not v) - 1)
            last = min(len(line) - 1, max(i for i, v in enumerate(inside) if not v) + 1)
            line = line[first : last + 1]
        new: list[list[Pt]] = []
        split_any = False
        for piece in self.pieces:
            hits = _hits(piece, line)
            if len(hits) == 2 and not point_in_polygon(
                _at(line, (hits[0].s + hits[1].s) / 2), piece
            ):
                # Both ends overshoot into this piece; the cut runs outside it.
                hits = []
            if len(hits) < 2:
                new.append(piece)
                continue
            if len(hits) > 2:
                raise ValueError(
                    f"cut {name!r} crosses a piece {len(hits)} times at "
                    + ", ".join(f"({h.pt[0]:.1f},{h.pt[1]:.1f})" for h in hits)
                )
            a, b = split_polygon(piece, line, hits[0], hits[1])
            self.cut_points.update((hits[0].pt, hits[1].pt))
            new.extend((a, b))
            split_any = True
        if not split_any:
            raise ValueError(f"cut {name!r} split nothing")
        self.pieces = new

    def name(self, seeds: Seeds) -> dict[str, list[list[Pt]]]:
        """Each piece's region id: the one seed inside it names it.

        A region may have several seeds, one per piece (the back of the hand is
        the dorsum and, apart from it, the thumb beyond the first web space).
        """
        flat = [(rid, s) for rid, v in seeds.items() for s in (v if isinstance(v, list) else [v])]
        named: dict[str, list[list[Pt]]] = {}
        for piece in self.pieces:
            inside = [rid for rid, s in flat if point_in_polygon(s, piece)]
            if len(inside) != 1:
                xs = [p[0] for p in piece]
                ys = [p[1] for p in piece]
                raise ValueError(
                    f"piece at x {min(xs):.0f}..{max(xs):.0f}, y {min(ys):.0f}..{max(ys):.0f} "
                    f"holds seeds {inside}"
                )
            named.setdefault(inside[0], []).append(piece)
        placed = sum(len(pieces) for pieces in named.values())
        if placed != len(flat):
            missing = sorted({rid for rid, _ in flat} - set(named)) or "a second seed"
            raise ValueError(f"seeds with no piece: {missing}")
        return named

    def conform(self) -> None:
        """Insert every cut end point into the neighbouring edges it lies on.

        A later cut ending on an earlier cut leaves a T-junction: the piece on
        the far side has a straight edge through the new point but not the
        point itself. After rounding, such an edge could leave a hair-thin gap
        or overlap; with the point inserted both sides round identically.
        """
        for pi, piece in enumerate(self.pieces):
            out: list[Pt] = []
            n = len(piece)
            for i in range(n):
                a, b = piece[i], piece[(i + 1) % n]
                out.append(a)
                between = []
                for c in self.cut_points:
                    if c in (a, b):
                        continue
                    if not (
                        min(a[0], b[0]) - 1e-6 <= c[0] <= max(a[0], b[0]) + 1e-6
                        and min(a[1], b[1]) - 1e-6 <= c[1] <= max(a[1], b[1]) + 1e-6
                    ):
                        continue
                    dx, dy = b[0] - a[0], b[1] - a[1]
                    ln = math.hypot(dx, dy)
                    if ln < 1e-12:
                        continue
                    dist = abs((c[0] - a[0]) * dy - (c[1] - a[1]) * dx) / ln
                    t = ((c[0] - a[0]) * dx + (c[1] - a[1]) * dy) / (ln * ln)
                    if dist < 1e-6 and 0 < t < 1:
                        between.append((t, c))
                out.extend(c for _, c in sorted(between))
            self.pieces[pi] = out


# --------------------------------------------------------------------------
# SVG writing
# --------------------------------------------------------------------------


def fmt(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def poly_d(poly: Sequence[Pt]) -> str:
    pts = [(fmt(x), fmt(y)) for x, y in poly]
    body = " ".join(f"{x} {y}" for x, y in pts[1:])
    return f"M{pts[0][0]} {pts[0][1]}L{body}Z"


def bez_d(beziers: Sequence[Bez], closed: bool) -> str:
    parts = [f"M{fmt(beziers[0][0][0])} {fmt(beziers[0][0][1])}"]
    for _, c1, c2, p in beziers:
        parts.append(
            f"C{fmt(c1[0])} {fmt(c1[1])} {fmt(c2[0])} {fmt(c2[1])} {fmt(p[0])} {fmt(p[1])}"
        )
    if closed:
        parts.append("Z")
    return "".join(parts)


def mirror_pt(p: Pt, axis: float) -> Pt:
    return (2 * axis - p[0], p[1])


def mirror_bez(b: Bez, axis: float, dy: float = 0.0) -> Bez:
    return tuple((2 * axis - x, y + dy) for x, y in b)  # type: ignore[return-value]


def reverse_bez(beziers: Sequence[Bez]) -> list[Bez]:
    return [(b[3], b[2], b[1], b[0]) for b in reversed(beziers)]


@dataclass
class Decor:
    """A decorative stroke (open or closed), optionally a little darker."""

    runs: list[Run]
    closed: bool = False
    width: float | None = None
    mirror: bool = True  # also draw it mirrored (front and back views)


@dataclass
class Drawing:
    view: View
    width: int
    height: int
    regions: dict[str, list[list[Pt]]]  # id -> its polygons (most have one), in paint order
    silhouettes: list[list[Bez]]  # closed outlines
    decor: list[tuple[list[Bez], bool, float | None]]
    texts: list[tuple[float, float, str, float, str, str]]  # x, y, text, size, weight, anchor
    title: str


def write_svg(d: Drawing, path: Path, debug: bool = False) -> None:
    # width/height in pt: svglib then makes a drawing exactly viewBox-sized
    # (1 viewBox unit = 1 pt), so the PDF code can place markers directly;
    # unitless sizes would be read as px and shrunk to 3/4.
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Generated by tools/draw_body_maps.py; edit that script, not this file. -->",
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny" '
        f'width="{d.width}pt" height="{d.height}pt" viewBox="0 0 {d.width} {d.height}">',
        f"<title>{escape(d.title)}</title>",
        f'<rect id="background" x="0" y="0" width="{d.width}" height="{d.height}" '
        f'fill="#ffffff" stroke="none"/>',
        f'<g id="regions" fill="{REGION_FILL}" stroke="{REGION_STROKE}" '
        f'stroke-width="0.8" stroke-linejoin="round">',
    ]
    for k, (rid, polys) in enumerate(d.regions.items()):
        label = REGIONS[rid].label
        extra = ""
        if debug:
            hue = (k * 0.61803398875) % 1.0
            r, g, b = colorsys.hsv_to_rgb(hue, 0.45, 0.95)
            extra = f' fill="#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"'
        d_attr = "".join(poly_d(poly) for poly in polys)
        lines.append(f'<path id="{rid}"{extra} d="{d_attr}"><title>{escape(label)}</title></path>')
    lines.append("</g>")
    lines.append(
        f'<g id="decor" fill="none" stroke="{DECOR_STROKE}" stroke-width="1" '
        f'stroke-linecap="round" stroke-linejoin="round">'
    )
    for beziers, closed, width in d.decor:
        w = f' stroke-width="{fmt(width)}"' if width else ""
        lines.append(f'<path{w} d="{bez_d(beziers, closed)}"/>')
    lines.append("</g>")
    sil = "".join(bez_d(b, True) for b in d.silhouettes)
    lines.append(
        f'<path id="silhouette" fill="none" stroke="{OUTLINE_STROKE}" stroke-width="1.6" '
        f'stroke-linejoin="round" d="{sil}"/>'
    )
    lines.append(f'<g id="labels" font-family="sans-serif" fill="{TEXT_FILL}" stroke="none">')
    for x, y, text, size, weight, anchor in d.texts:
        lines.append(
            f'<text x="{fmt(x)}" y="{fmt(y)}" font-size="{fmt(size)}" font-weight="{weight}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    if debug:
        for rid, polys in d.regions.items():
            cx, cy = _label_point(max(polys, key=len))
            short = rid.split(".", 1)[1]
            lines.append(
                f'<text x="{fmt(cx)}" y="{fmt(cy)}" font-size="6" text-anchor="middle" '
                f'fill="#000000">{escape(short)}</text>'
            )
    lines.append("</g>")
    lines.append("</svg>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _label_point(poly: list[Pt]) -> Pt:
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    best, best_d = (sum(xs) / len(xs), sum(ys) / len(ys)), -1.0
    step = max(max(xs) - min(xs), max(ys) - min(ys)) / 25
    y = min(ys)
    while y <= max(ys):
        x = min(xs)
        while x <= max(xs):
            if point_in_polygon((x, y), poly):
                dmin = min(_seg_dist((x, y), poly[i], poly[i - 1]) for i in range(len(poly)))
                if dmin > best_d:
                    best, best_d = (x, y), dmin
            x += step
        y += step
    return best


def _seg_dist(p: Pt, a: Pt, b: Pt) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    ln2 = dx * dx + dy * dy
    t = 0.0 if ln2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / ln2))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))


def round_poly(poly: Sequence[Pt]) -> list[Pt]:
    return _dedupe([(round(x, 2), round(y, 2)) for x, y in poly])


# --------------------------------------------------------------------------
# The body, front and back: the viewer's left half, x <= MID
# --------------------------------------------------------------------------
# Proportions for a figure 7.6 heads tall, top of head y=52, soles y=980:
# chin 172, acromion 219, elbow 394, navel 425, wrist 532, crotch 540,
# fingertips 628, knee 719, ankle 940 (fractions of stature from anthropometry).

W, H = 500, 1000
MID = W / 2

CROTCH: Pt = (MID, 540.0)
ARMPIT: Pt = (167.0, 276.0)
NECK_JAW: Pt = (217.0, 166.0)
# The deepest point of the first web space, between thumb and index finger: a
# corner of the outline, so that the cuts along the thenar crease (front) and
# the index metacarpal (back) can end exactly on it.
WEB: Pt = (96.5, 584.5)
AXILLA_SEED: Pt = (167.0, 266.0)  # just above the armpit corner


def body_half(view: View) -> list[Run]:
    """The viewer's-left half of the silhouette, top of head to crotch."""
    head = S(
        (MID, 52), (229, 55), (213, 66), (204, 84), (201, 103), (202, 116),
        pre=(271, 55),
    )  # fmt: skip
    ear = S((202, 116), (197.5, 118), (195.5, 128), (197.5, 139), (203, 146))
    jaw = S((203, 146), (208, 156), NECK_JAW)
    trunk_arm = S(
        NECK_JAW, (221, 178), (222, 191), (213, 200), (196, 206), (178, 212),
        (162, 218), (148, 225), (136, 237), (129, 254), (126, 274), (123, 300),
        (119, 335), (114, 368), (110, 395), (106, 420), (103, 455), (100.5, 495),
        (99, 531),
    )  # fmt: skip
    # Palm forward, fingers together, the thumb a little away from the index
    # (about 20 degrees): the thenar eminence swells out of the wrist into the
    # thumb, whose tip reaches about the index's first finger joint. The web is
    # a rounded U (both runs leave WEB along one tangent), deep enough that the
    # mitten thumb drawn before lies inside the new thumb or palm: no point
    # charted on it falls into the gap.
    thumb = S(
        (99, 531), (95.5, 539.5), (90, 549), (85, 558), (81.5, 567), (79, 576),
        (76.5, 586), (74.5, 596), (74.8, 603), (78, 607), (82.3, 606), (84.7, 601.5),
        (86.5, 595.5), (88.5, 590.3), (91.5, 586.3), WEB,
        post=(100.5, 585.9),
    )  # fmt: skip
    fingers = S(
        WEB, (96.6, 594), (97, 606), (99.3, 619), (105, 629.5), (114, 629.5),
        (121, 617), (126, 593), (128, 565), (125, 533),
        pre=(92.5, 583.1),
    )  # fmt: skip
    inner_arm = S(
        (125, 533), (130, 492), (136.5, 452), (141.5, 420), (143.5, 396), (148, 362),
        (154, 326), (160, 298), ARMPIT,
    )  # fmt: skip
    side_leg = S(
        ARMPIT, (171, 300), (174, 330), (177.5, 360), (180, 390), (179, 416),
        (173, 446), (166, 478), (162.5, 505), (162, 525), (163.5, 556), (167.5, 602),
        (174, 652), (181, 698), (182, 722), (177, 760), (178.5, 805), (187, 870),
        (195, 918), (197, 938),
    )  # fmt: skip
    if view is View.FRONT:
        foot = S(
            (197, 938), (192.5, 952), (188, 966), (190.5, 977), (205, 981), (222, 981),
            (234, 977), (237.5, 966), (236.5, 948),
        )  # fmt: skip
    else:
        foot = S(
            (197, 938), (194.5, 952), (193.5, 966), (198, 978), (215, 982), (230, 978),
            (236, 966), (236.5, 948),
        )  # fmt: skip
    inner_leg = S(
        (236.5, 948), (235.5, 925), (236, 880), (240, 830), (243, 790), (241.5, 752),
        (242, 716), (244, 690), (245.5, 650), (247.5, 600), (249, 562), CROTCH,
    )  # fmt: skip
    return [head, ear, jaw, trunk_arm, thumb, fingers, inner_arm, side_leg, foot, inner_leg]


def body_silhouette(view: View) -> list[Bez]:
    half = path_beziers(body_half(view))
    other = [mirror_bez(b, MID) for b in reverse_bez(half)]
    return half + other


def body_tiling(view: View) -> Tiling:
    outline = polyline(body_half(view))
    # Close the half along the midline, crotch -> top of head.
    return Tiling([_dedupe(outline)])


def arm_and_leg_cuts(t: Tiling) -> None:
    """Cuts shared by front and back: across the limbs."""
    t.cut(S((106, 367), (128, 371.5), (152, 377)), "elbow top")
    t.cut(S((99, 408), (123, 413), (148, 419)), "elbow bottom")
    t.cut(S((92, 528), (112, 531), (133, 535)), "wrist")
    t.cut(S((171, 689), (210, 687), (249, 686)), "knee top")
    t.cut(S((170, 752), (210, 753), (249, 752)), "knee bottom")


def front_drawing() -> Drawing:
    view = View.FRONT
    t = body_tiling(view)
    t.cut(S((211, 168), (222, 170.5), (236, 174.5), (MID, 176.5), (256, 176.5)), "chin")
    t.cut(S((189, 134), (205, 136), (228, 140), (MID, 142), (256, 142)), "cheek")
    t.cut(
        S((150, 219), (165, 224), (190, 228), (215, 226), (238, 230), (MID, 232), (256, 232)),
        "clavicle",
    )
    t.cut(S((215, 186), (225, 204), (230, 222), (232, 238)), "neck/shoulder")
    # The armpit: an arch over the corner between arm and chest wall, from the
    # gap between them across the inner upper arm, over the anterior axillary
    # fold and down the side of the chest back into the gap. The cuts that met
    # at the corner before now end inside the arch.
    t.cut(
        S((162, 312), (153, 306), (149.5, 290), (153, 270), (166, 256), (180, 261),
          (186.5, 279), (185, 300), (168, 316)),
        "axilla",
    )  # fmt: skip
    axilla = t.piece_at(AXILLA_SEED)
    t.cut(S((193, 222), (190, 236), (183, 254), (174, 268), ARMPIT), "deltopectoral", axilla)
    t.cut(S(ARMPIT, (148, 291), (117, 305)), "deltoid insertion", axilla)
    t.cut(S((256, 336), (MID, 338), (225, 345), (200, 360), (183, 376), (172, 384)), "costal")
    t.cut(S(ARMPIT, (187, 298), (195, 335), (199, 370), (200, 385)), "anterior axillary", axilla)
    t.cut(S((172, 418), (182, 418), (215, 422), (MID, 425), (256, 425)), "navel")
    t.cut(
        S((166, 452), (180, 456), (198, 470), (225, 495), (MID, 516), (256, 520)),
        "inguinal",
    )
    t.cut(S((154, 561), (180, 553), (210, 546), (235, 541.5), CROTCH), "thigh top")
    t.cut(S((201, 462), (199, 490), (196, 520), (194, 556)), "hip/groin")
    arm_and_leg_cuts(t)
    t.cut(S((227, 538), (227, 560), (230, 610), (236, 660), (238, 695)), "inner thigh")
    # Vastus lateralis and the iliotibial band: the outer third of the thigh.
    t.cut(S((187, 549), (186, 575), (187, 600), (190, 640), (196, 693)), "outer thigh")
    # The thenar crease, from the middle of the wrist round the ball of the thumb
    # to the web: thumb and thenar eminence on one side, the palm on the other.
    t.cut(S((109, 527), (109.5, 540), (108.2, 552), (105, 565), (100.5, 577), WEB), "thenar crease")
    t.cut(S((190, 932), (215, 934), (241, 932)), "ankle")
    seeds = {
        "front.head": (225, 95),
        "front.jaw": (232, 158),
        "front.neck.anterior": (238, 205),
        "front.shoulder.upper": (195, 217),
        "front.shoulder": (160, 250),
        "front.chest": (220, 290),
        "front.chest.lateral": (180, 320),
        "front.abdomen.upper": (215, 390),
        "front.abdomen.lower": (215, 450),
        "front.hip": (180, 500),
        "front.groin": (225, 527),
        "front.arm.upper": (140, 335),
        "front.elbow": (130, 392),
        "front.forearm": (120, 470),
        "front.hand": (110, 580),
        "front.hand.thumb": (90, 558),
        "front.axilla": AXILLA_SEED,
        "front.thigh": (200, 620),
        "front.thigh.lateral": (176, 600),
        "front.thigh.inner": (238, 620),
        "front.knee": (210, 720),
        "front.shin": (212, 840),
        "front.foot": (212, 960),
    }
    return body_drawing(view, t, seeds, "right", "left", front_decor(), "Front")


def back_drawing() -> Drawing:
    view = View.BACK
    t = body_tiling(view)
    t.cut(S((200, 152), (212, 156), (232, 160), (MID, 163), (256, 163)), "skull base")
    t.cut(S((215, 184), (222, 198), (235, 212), (MID, 218), (256, 218)), "neck base")
    t.cut(
        S((256, 242), (MID, 242), (230, 245), (212, 250), (185, 240), (165, 228), (150, 222)),
        "trapezius",
    )
    t.cut(S((174, 224), (173, 238), (171, 255), ARMPIT), "posterior deltoid")
    t.cut(S(ARMPIT, (148, 291), (117, 305)), "deltoid insertion")
    t.cut(S((256, 340), (MID, 340), (225, 338), (200, 334), (178, 330), (170, 330)), "T7")
    t.cut(S((214, 238), (219, 262), (219, 295), (214, 322), (207, 345)), "medial border")
    t.cut(S((256, 402), (MID, 402), (176, 398), (170, 398)), "T12")
    t.cut(S((256, 455), (MID, 455), (220, 445), (190, 440), (168, 446)), "iliac crest")
    t.cut(S((194, 436), (190, 460), (178, 492), (165, 515), (155, 524)), "hip")
    t.cut(S(CROTCH, (235, 556), (210, 566), (185, 566), (165, 562), (155, 560)), "gluteal fold")
    arm_and_leg_cuts(t)
    # The first dorsal interosseous fills the space between the thumb's and the
    # index's metacarpals: along the index metacarpal from the wrist to the web,
    # and across the thumb where it leaves the web (its knuckle). The thumb
    # beyond stays the back of the hand, a second piece of that region.
    t.cut(S((108.5, 527), (108.5, 541), (106.5, 556), (102.5, 572), WEB), "index metacarpal")
    t.cut(S((76, 572), (83, 580), (90, 592)), "thumb knuckle")
    t.cut(S((190, 928), (215, 930), (241, 928)), "ankle")
    seeds = {
        "back.head": (225, 100),
        "back.neck.posterior": (235, 190),
        "back.shoulder.upper": (200, 228),
        "back.shoulder": (155, 255),
        "back.scapula": (195, 285),
        "back.upper": (236, 290),
        "back.mid": (215, 370),
        "back.lower": (215, 425),
        "back.hip": (175, 475),
        "back.buttock": (215, 505),
        "back.arm.upper": (140, 335),
        "back.elbow": (130, 392),
        "back.forearm": (120, 470),
        "back.hand": [(110, 580), (80, 598)],
        "back.hand.webspace": (94, 558),
        "back.thigh": (210, 620),
        "back.knee": (210, 720),
        "back.calf": (212, 840),
        "back.foot": (212, 955),
    }
    return body_drawing(view, t, seeds, "left", "right", back_decor(), "Back")


def body_drawing(
    view: View,
    t: Tiling,
    seeds: Seeds,
    viewer_left_side: str,
    viewer_right_side: str,
    decor: list[Decor],
    title: str,
) -> Drawing:
    named = t.name({f"{k}.{viewer_left_side}": v for k, v in seeds.items()})
    t.conform()
    named = t.name({f"{k}.{viewer_left_side}": v for k, v in seeds.items()})
    regions: dict[str, list[list[Pt]]] = {}
    for rid, polys in named.items():
        other = rid.rsplit(".", 1)[0] + "." + viewer_right_side
        regions[rid] = [round_poly(poly) for poly in polys]
        regions[other] = [round_poly([mirror_pt(p, MID) for p in reversed(poly)]) for poly in polys]
    # Catalogue order (patient's right first) reads well in the file.
    regions = {r.id: regions[r.id] for r in REGIONS.values() if r.id in regions}
    missing = {r.id for r in REGIONS.values() if r.view is view} - set(regions)
    assert not missing, missing
    decor_out: list[tuple[list[Bez], bool, float | None]] = []
    for d in decor:
        bez = path_beziers(d.runs)
        decor_out.append((bez, d.closed, d.width))
        if d.mirror:
            decor_out.append(([mirror_bez(b, MID) for b in bez], d.closed, d.width))
    left_letter = "R" if viewer_left_side == "right" else "L"
    right_letter = "L" if left_letter == "R" else "R"
    texts = [
        (18, 58, left_letter, 30, "bold", "start"),
        (W - 18, 58, right_letter, 30, "bold", "end"),
        (18, 74, f"patient's {viewer_left_side}", 10, "normal", "start"),
        (W - 18, 74, f"patient's {viewer_right_side}", 10, "normal", "end"),
        (MID, 30, title.upper(), 14, "bold", "middle"),
    ]
    return Drawing(
        view=view,
        width=W,
        height=H,
        regions=regions,
        silhouettes=[body_silhouette(view)],
        decor=decor_out,
        texts=texts,
        title=f"tpchart body map: {title.lower()} view",
    )


KNEECAP: list[Pt] = [
    (209, 704), (202, 716), (204, 732), (213, 738), (222, 731), (224, 715), (217, 703), (209, 704),
]  # fmt: skip


def front_decor() -> list[Decor]:
    return [
        Decor([S((165, 224), (190, 228), (215, 226), (238, 230))], width=1.2),  # clavicle
        Decor([S((196, 306), (214, 318), (236, 321), (246, 319))]),  # lower pectoral border
        Decor([S(*KNEECAP)], closed=True),
        Decor([S((119, 390), (128, 393), (138, 392))]),  # elbow crease
        Decor([S((101, 537), (111, 538), (122, 537))]),  # wrist crease
        Decor([S((104, 603), (104.5, 622))]),  # finger lines
        Decor([S((111, 604), (111.5, 624))]),
        Decor([S((117.5, 602), (117, 619))]),
        Decor([S((197, 968), (197.5, 978))]),  # toes
        Decor([S((206, 970), (206, 980))]),
        Decor([S((216, 970), (216, 980.5))]),
        Decor([S((227, 968), (226.5, 979))]),
        Decor([S((196, 918), (199, 928))]),  # ankle bone
        Decor(
            [S((MID, 420.5), (253, 425), (MID, 429.5), (247, 425), (MID, 420.5))],
            closed=True,
            mirror=False,
        ),  # navel
    ]


def back_decor() -> list[Decor]:
    return [
        Decor([S((218, 262), (204, 252), (186, 240), (168, 230))]),  # spine of scapula
        Decor([S((207, 337), (198, 326), (186, 302), (177, 279))]),  # scapula lateral border
        Decor([S((MID, 468), (MID, 540))], width=1.1, mirror=False),  # gluteal cleft
        Decor([S((248, 548), (232, 561), (210, 566), (192, 563))]),  # gluteal fold
        Decor([S((196, 720), (212, 722), (228, 720))]),  # popliteal crease
        Decor([S((127, 384), (130, 389), (134, 391))]),  # olecranon
        Decor([S((208, 896), (212, 930), (216, 958))]),  # Achilles tendon
    ]


# --------------------------------------------------------------------------
# The head, side view: patient's right side (face to the viewer's right) on
# top, the same drawing mirrored below for the left side.
# --------------------------------------------------------------------------

HEAD_PANEL = 500  # each profile gets a 500 x 500 panel
THROAT: Pt = (290.0, 360.0)


def head_outline() -> list[Run]:
    skull = S(
        (236, 64), (290, 70), (330, 92), (352, 124), (361, 158), (364, 178), (359, 195),
        pre=(190, 72),
    )  # fmt: skip
    nose = S((359, 195), (366, 214), (376, 235), (384.5, 248), (381, 256), (366, 259.5))
    lips = S((366, 259.5), (369.5, 268), (367, 276.5), (363.5, 281), (368, 289.5), (364.5, 298),
             (358.5, 304))  # fmt: skip
    chin = S((358.5, 304), (366, 317), (367, 333), (357, 345), (330, 351), (305, 354), THROAT)
    neck_front = S(THROAT, (288, 385), (292, 402), (291, 422), (296, 452), (304, 472))
    base = S((304, 472), (250, 480), (190, 478), (134, 468))
    back = S(
        (134, 468), (143, 430), (152, 390), (158, 350), (157, 325), (146, 306), (128, 286),
        (113, 248), (112, 205), (122, 160), (145, 118), (185, 82), (236, 64),
        post=(290, 70),
    )  # fmt: skip
    return [skull, nose, lips, chin, neck_front, base, back]


def head_drawing() -> Drawing:
    outline = head_outline()
    t = Tiling([_dedupe(polyline(outline))])
    t.cut(S((352, 96), (318, 112), (270, 106), (215, 108), (170, 130), (132, 158), (100, 175)),
          "crown")  # fmt: skip
    t.cut(S((318, 104), (321, 130), (324, 158), (328, 176), (345, 182), (372, 184)), "brow")
    t.cut(S((334, 170), (326, 190), (320, 215), (308, 250), (302, 285), (298, 320),
            (296, 345), (296, 365)), "orbit/masseter")  # fmt: skip
    t.cut(S((326, 216), (318, 218), (290, 221), (262, 222), (243, 224), (240, 240),
            (236, 255), (225, 264), (205, 266), (190, 264), (165, 270), (140, 280),
            (118, 285)), "arch/ear/skull base")  # fmt: skip
    t.cut(S((172, 120), (165, 150), (165, 190), (178, 230), (192, 258), (196, 272)),
          "temporal/occiput")  # fmt: skip
    t.cut(S((296, 282), (320, 284), (345, 283), (374, 283)), "mouth")
    t.cut(S((236, 248), (252, 250), (266, 246), (270, 232), (270, 215)), "TMJ")
    # Ramus and lower border of the mandible: the masseter ends at the jaw line.
    t.cut(S((250, 240), (246, 270), (244, 300), (242.5, 322), (248, 335), (268, 341),
            (296, 344), (303, 345)), "ramus")  # fmt: skip
    t.cut(S((212, 258), (214, 290), (228, 340), (245, 400), (262, 450), (268, 490)), "SCM")
    t.cut(S((148, 335), (175, 332), (205, 330), (232, 318)), "suboccipital")
    seeds = {
        "head.crown": (240, 85),
        "head.forehead": (340, 145),
        "head.temporal": (250, 170),
        "head.occiput": (140, 220),
        "head.face": (345, 230),
        "head.tmj": (256, 236),
        "head.masseter": (272, 290),
        "head.chin": (330, 320),
        "head.suboccipital": (180, 305),
        "head.neck.posterior": (185, 420),
        "head.neck.anterior": (260, 420),
    }
    t.name({f"{k}.right": v for k, v in seeds.items()})
    t.conform()
    named = t.name({f"{k}.right": v for k, v in seeds.items()})
    regions: dict[str, list[list[Pt]]] = {}
    for rid, polys in named.items():
        left = rid.rsplit(".", 1)[0] + ".left"
        regions[rid] = [round_poly(poly) for poly in polys]
        regions[left] = [
            round_poly([(W - x, y + HEAD_PANEL) for x, y in reversed(poly)]) for poly in polys
        ]
    regions = {r.id: regions[r.id] for r in REGIONS.values() if r.id in regions}
    sil = path_beziers(outline)
    sil_left = [mirror_bez(b, MID, HEAD_PANEL) for b in reverse_bez(sil)]
    decor_out: list[tuple[list[Bez], bool, float | None]] = []
    for d in head_decor():
        bez = path_beziers(d.runs)
        decor_out.append((bez, d.closed, d.width))
        decor_out.append(([mirror_bez(b, MID, HEAD_PANEL) for b in bez], d.closed, d.width))
    texts = [
        (30, 40, "R", 30, "bold", "start"),
        (58, 40, "Right side of head", 15, "bold", "start"),
        (W - 30, 540, "L", 30, "bold", "end"),
        (W - 58, 540, "Left side of head", 15, "bold", "end"),
    ]
    # Separator between the two panels.
    decor_out.append(
        ([((40, HEAD_PANEL), (200, HEAD_PANEL), (300, HEAD_PANEL), (460, HEAD_PANEL))], False, 0.6)
    )
    return Drawing(
        view=View.HEAD,
        width=W,
        height=2 * HEAD_PANEL,
        regions=regions,
        silhouettes=[sil, sil_left],
        decor=decor_out,
        texts=texts,
        title="tpchart body map: head, side view (right above, left below)",
    )


def head_decor() -> list[Decor]:
    ear = Decor(
        [S((238, 200), (230, 184), (214, 181), (200, 192), (196, 214), (199, 238),
           (208, 256), (220, 262), (228, 256), (232, 240), (238, 228))],
    )  # fmt: skip
    helix = Decor([S((228, 198), (214, 192), (206, 204), (208, 226), (216, 240), (224, 236))])
    eye = Decor([S((325, 197), (335, 189.5), (348, 192))])
    lid = Decor([S((327, 199), (337, 201.5), (347, 197))])
    nostril = Decor([S((357, 243), (362, 251), (371, 253))])
    mouth = Decor([S((349, 282.5), (357, 281.5), (363.5, 281))])
    jaw = Decor([S((296, 344), (330, 345.5), (352, 342))])  # mandible, in front of masseter
    return [ear, helix, eye, lid, nostril, mouth, jaw]


# --------------------------------------------------------------------------

OUT = ROOT / "assets" / "body_maps"
FILES = {View.FRONT: "front.svg", View.BACK: "back.svg", View.HEAD: "head_side.svg"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the SVGs")
    parser.add_argument("--debug", type=Path, help="also write colour-coded copies here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for drawing in (front_drawing(), back_drawing(), head_drawing()):
        target = args.out / FILES[drawing.view]
        write_svg(drawing, target)
        print(f"{target}: {len(drawing.regions)} regions")
        if args.debug:
            args.debug.mkdir(parents=True, exist_ok=True)
            write_svg(drawing, args.debug / FILES[drawing.view], debug=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
