"""Markers that never hide a point (issue 16): numbers and shapes read back from the PDF.

A session with twelve points in the neck and shoulders, front and back, is the case
that made numbers unreadable: at 330 pt a body is about 10 cm, and 20 pt markers on
the neck and shoulder girdle covered each other. Every marker number must come out
of the PDF once, with no two numbers' boxes overlapping, and every marker's shape
(circle or diamond, its outline included) must stand at least 1 pt of white paper
clear of every other, on A4 and on Letter: two numbers apart on touching shapes still
read as one blot (inset B's 9 and 12 did).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from datetime import UTC

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from tests.report.conftest import add_points, spot, start_session
from tpchart.bodymap import load_body_map
from tpchart.bodymap.markers import MARKER_DIAMETER
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS
from tpchart.core.trigger_point import PointKind, TriggerPoint, TwitchStrength
from tpchart.report.blocks import heading
from tpchart.report.diagrams import DIAMOND_SCALE, STROKE_WIDTH, DiagramPanel
from tpchart.report.fonts import SANS, text_width
from tpchart.report.records import load_session_record
from tpchart.report.session_summary import POINT_COLUMNS, session_summary_pdf

# Twelve points where needling clusters in practice: both sides of the neck and the
# shoulder girdle, front and back; the right upper trapezius twice, 3 units apart
# (two needles a few millimetres apart in the same taut band).
NECK_AND_SHOULDERS = (
    "front.neck.anterior.right",
    "front.neck.anterior.left",
    "front.shoulder.upper.right",
    "front.shoulder.upper.left",
    "front.shoulder.right",
    "front.shoulder.left",
    "back.neck.posterior.right",
    "back.neck.posterior.left",
    "back.shoulder.upper.right",
    "back.shoulder.upper.left",
    "back.shoulder.right",
    "back.shoulder.upper.right",
)


def neck_and_shoulder_points(session_id: int) -> list[TriggerPoint]:
    """The twelve points, numbered 1 to 12 (not stored)."""
    rng = random.Random(16)
    points = []
    for number, region_id in enumerate(NECK_AND_SHOULDERS, start=1):
        region = REGIONS[region_id]
        x, y = spot(region_id, rng)
        if number == 12:  # beside point 9, as close as two needles get
            x, y = points[8].x + 3, points[8].y + 1
            assert load_body_map(region.view).region_at(x, y) == region_id
        points.append(TriggerPoint(
            session_id=session_id, number=number, view=region.view, region_id=region_id,
            side=region.side, x=x, y=y, muscle=MUSCLES[region.muscles[0]].name,
            kind=PointKind.LATENT if number % 4 == 0 else PointKind.ACTIVE,
            twitch_elicited=number % 3 == 0, twitch_strength=TwitchStrength.MEDIUM
            if number % 3 == 0 else None, pain=number % 11,
        ))  # fmt: skip
    return points


# A jaw cluster on the head's right profile: joint, masseter twice (two needles a few
# millimetres apart), chin and cheek, and the left side's joint, masseter and chin.
JAW = (
    "head.tmj.right",
    "head.masseter.right",
    "head.masseter.right",
    "head.chin.right",
    "head.face.right",
    "head.tmj.left",
    "head.masseter.left",
    "head.chin.left",
)


def jaw_points(session_id: int) -> list[TriggerPoint]:
    """The eight jaw points, numbered 1 to 8 (not stored)."""
    rng = random.Random(19)
    points = []
    for number, region_id in enumerate(JAW, start=1):
        region = REGIONS[region_id]
        x, y = spot(region_id, rng)
        if number == 3:  # beside point 2, as close as two needles get
            x, y = points[1].x + 2, points[1].y + 2
            assert load_body_map(region.view).region_at(x, y) == region_id
        points.append(TriggerPoint(
            session_id=session_id, number=number, view=region.view, region_id=region_id,
            side=region.side, x=x, y=y, muscle=MUSCLES[region.muscles[0]].name,
            kind=PointKind.LATENT if number % 3 == 0 else PointKind.ACTIVE,
        ))  # fmt: skip
    return points


def store_points(store, points: list[TriggerPoint]) -> list[TriggerPoint]:
    return [store.points.add(p) for p in points]


# Each crowded case: how its points are made in a stored session, and how many.
CASES: dict[str, tuple[Callable[..., list[TriggerPoint]], int]] = {
    "neck-and-shoulders": (lambda s, sid: store_points(s, neck_and_shoulder_points(sid)), 12),
    "jaw": (lambda s, sid: store_points(s, jaw_points(sid)), 8),
    "thirty-on-three-views": (lambda s, sid: add_points(s, sid, 30, seed=5), 30),
}


@pytest.fixture
def crowded(store, patient):
    """A session with twelve points in the neck and shoulders."""
    session = start_session(store, patient)
    for p in neck_and_shoulder_points(session.id):
        store.points.add(p)
    return session


MARKER_FONT_SIZES = (8.5, 6.5)  # diagrams.marker: up to 99, then 100 and over


def marker_numbers(pdf: bytes) -> list[dict]:
    """The numbers printed in markers: bold digits in the marker faces' sizes (the points
    table sets its numbers in the regular face, headers and headings in other sizes),
    with their page."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for index, page in enumerate(doc.pages):
            for word in page.extract_words(extra_attrs=["fontname", "size"]):
                bold = "Bold" in word["fontname"]
                size = round(word["size"], 1)
                if word["text"].isdigit() and bold and size in MARKER_FONT_SIZES:
                    found.append({**word, "page": index})
    return found


def overlapping(numbers: list[dict]) -> list[tuple[str, str]]:
    """Pairs of numbers on one page whose boxes overlap."""
    pairs = []
    for i, a in enumerate(numbers):
        for b in numbers[i + 1 :]:
            if a["page"] != b["page"]:
                continue
            apart = (
                a["x1"] <= b["x0"] or b["x1"] <= a["x0"]
                or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            )  # fmt: skip
            if not apart:
                pairs.append((a["text"], b["text"]))
    return pairs


# A marker's shape: filled, outlined in STROKE_WIDTH, a circle MARKER_DIAMETER across or a
# diamond DIAMOND_SCALE times that (the legend's symbols are 11 pt, a spot's dot 4.4 pt).
SHAPE_SIZES = {MARKER_DIAMETER: "circle", MARKER_DIAMETER * DIAMOND_SCALE: "diamond"}


def marker_shapes(pdf: bytes) -> list[dict]:
    """Every marker shape drawn, with its page and the box of its ink: the path's box
    grown by the half of the outline outside it (at a diamond's square corner the
    mitred outline sticks out half a width times √2)."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for index, page in enumerate(doc.pages):
            for obj in page.curves:
                kind = next((k for size, k in SHAPE_SIZES.items()
                             if abs(obj["width"] - size) < 0.2
                             and abs(obj["height"] - size) < 0.2), None)  # fmt: skip
                if kind is None or not (obj["fill"] and obj["stroke"]):
                    continue
                if abs(obj["linewidth"] - STROKE_WIDTH) > 0.01:
                    continue
                out = obj["linewidth"] / 2 * (math.sqrt(2) if kind == "diamond" else 1)
                found.append({"page": index, "kind": kind, "x0": obj["x0"] - out,
                              "x1": obj["x1"] + out, "top": obj["top"] - out,
                              "bottom": obj["bottom"] + out})  # fmt: skip
    return found


def touching(boxes: list[dict], gap: float) -> list[tuple[int, int]]:
    """Pairs (by index) of boxes on one page less than ``gap`` apart, across or up."""
    pairs = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if a["page"] != b["page"]:
                continue
            clear = max(b["x0"] - a["x1"], a["x0"] - b["x1"], b["top"] - a["bottom"],
                        a["top"] - b["bottom"])  # fmt: skip
            if clear < gap:
                pairs.append((i, j))
    return pairs


def number_in(shape: dict, number: dict) -> bool:
    x, y = (number["x0"] + number["x1"]) / 2, (number["top"] + number["bottom"]) / 2
    return (
        number["page"] == shape["page"]
        and shape["x0"] < x < shape["x1"]
        and (shape["top"] < y < shape["bottom"])
    )


def assert_every_marker_apart(pdf: bytes, count: int) -> None:
    """Every number 1..count once, readable, on a shape of its own; no two shapes'
    ink within 1 pt of each other."""
    assert_every_number_readable(pdf, count)
    numbers, shapes = marker_numbers(pdf), marker_shapes(pdf)
    assert len(shapes) == count
    for n in numbers:
        holding = [s for s in shapes if number_in(s, n)]
        assert len(holding) == 1, f"number {n['text']} sits on {len(holding)} shapes"
    close = touching(shapes, gap=1.0)
    named = [tuple(next(n["text"] for n in numbers if number_in(shapes[k], n)) for k in pair)
             for pair in close]  # fmt: skip
    assert named == [], f"markers closer than 1 pt: {named}"


def assert_every_number_readable(pdf: bytes, count: int = 12) -> None:
    numbers = marker_numbers(pdf)
    assert sorted(int(n["text"]) for n in numbers) == list(range(1, count + 1))
    assert overlapping(numbers) == []
    # Readable at 100 %: no number smaller than the table's own text.
    assert min(n["size"] for n in numbers) >= 6.5


def test_summary_prints_every_crowded_number_apart(store, crowded):
    pdf = session_summary_pdf(load_session_record(store, crowded.id), tz=UTC)
    assert_every_marker_apart(pdf, 12)


def test_forty_points_on_three_views_print_every_number_apart(store, long_draft):
    pdf = session_summary_pdf(load_session_record(store, long_draft.id), tz=UTC)
    assert_every_marker_apart(pdf, 40)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_record_prints_every_marker_clear_of_the_others(case, store, patient):
    make, count = CASES[case]
    session = start_session(store, patient)
    make(store, session.id)
    pdf = session_summary_pdf(load_session_record(store, session.id), tz=UTC)
    assert_every_marker_apart(pdf, count)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("paper", [A4, letter], ids=["A4", "Letter"])
def test_panel_prints_every_marker_clear_of_the_others_on(paper, case, store, patient):
    """The panel alone on each paper size: the record prints on A4 only today
    (pages.py), and the panel must not depend on that."""
    make, count = CASES[case]
    session = start_session(store, patient)
    points = make(store, session.id)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=paper, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)  # fmt: skip
    doc.build([DiagramPanel(points, title=heading(f"Trigger points treated ({count})"))])
    assert_every_marker_apart(buffer.getvalue(), count)


def test_the_shape_reading_sees_two_markers_that_touch():
    """The check itself: two circles with half a point of paper between their outlines
    are caught at 1 pt, and pass at 0."""
    from reportlab.graphics.shapes import Drawing

    from tpchart.report.diagrams import marker
    from tpchart.report.fonts import register_fonts

    register_fonts()
    a, b = neck_and_shoulder_points(1)[:2]
    drawing = Drawing(200, 100)
    drawing.add(marker(a, 50, 50))
    reach = MARKER_DIAMETER / 2 + STROKE_WIDTH / 2
    drawing.add(marker(b, 50 + 2 * reach + 0.5, 50))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([drawing])
    shapes = marker_shapes(buffer.getvalue())
    assert len(shapes) == 2
    assert touching(shapes, gap=1.0) == [(0, 1)]
    assert touching(shapes, gap=0.0) == []


def test_sides_are_labelled_legibly(store, crowded):
    pdf = session_summary_pdf(load_session_record(store, crowded.id), tz=UTC)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for page in doc.pages for c in page.chars]
        text = "".join(c["text"] for c in chars if c["size"] >= 6 and not c["text"].isspace())
    for label in ("patient'sright", "patient'sleft", "FRONT", "BACK"):
        assert text.count(label) >= 1, label


def test_the_longest_catalogue_muscle_prints_whole_in_the_points_table():
    # "sternocleidomastoi / d" broke mid-word in a 28 mm column (issue 16).
    width = dict(POINT_COLUMNS)["Muscle"] * mm - 6  # the cell's padding, both sides
    longest_word = max((w for m in MUSCLES.values() for w in m.name.split()), key=len)
    assert text_width(longest_word, SANS, 8.5) <= width, longest_word  # the cell style


def _place_apart_asking_every_marker(points, to_page, limits):
    """`insets.place_apart` as it was before it asked only the markers near a spot: the
    reference the faster one must match, place for place."""
    from tpchart.report.insets import _segment_distance as segment_distance
    from tpchart.report.insets import clash, reach

    placed: dict[int, tuple[float, float]] = {}
    reaches: dict[int, float] = {}
    for p in sorted(points, key=lambda p: p.number):
        r, spot = reach(p), to_page(p.x, p.y)

        def free(c, r=r):
            return all(not clash(c, r, q, reaches[n]) for n, q in placed.items())

        def clear_leader(c, spot=spot):
            for n, q in placed.items():
                if math.dist(spot, q) < reaches[n]:
                    if (c[0] - spot[0]) * (spot[0] - q[0]) + (c[1] - spot[1]) * (
                        spot[1] - q[1]
                    ) < 0:
                        return False
                elif segment_distance(q, spot, c) < reaches[n]:
                    return False
            return True

        here = spot
        if not free(spot):
            best, best_hits, distance, found = spot, math.inf, r, None
            x0, y0, x1, y1 = limits
            while distance < 6 * MARKER_DIAMETER and found is None:
                steps = max(12, int(2 * math.pi * distance / 6))
                for k in range(steps):
                    angle = 2 * math.pi * k / steps + math.pi / 2
                    c = (spot[0] + distance * math.cos(angle), spot[1] + distance * math.sin(angle))
                    if not (x0 + r <= c[0] <= x1 - r and y0 + r <= c[1] <= y1 - r):
                        continue
                    if free(c) and clear_leader(c):
                        found = c
                        break
                    hits = sum(clash(c, r, q, reaches[n]) for n, q in placed.items())
                    hits += 0.5 * (not clear_leader(c))
                    if hits < best_hits:
                        best, best_hits = c, hits
                distance += 4.0
            here = found if found is not None else best
        placed[p.number], reaches[p.number] = here, r
    return placed


def test_markers_moved_aside_land_where_asking_every_marker_put_them():
    """A crowded record asks only the markers near each spot (``_free_place``): the
    places must be exactly those found by asking every marker placed before."""
    from tpchart.report.insets import place_apart

    region = REGIONS["front.chest.left"]
    rng = random.Random(19)
    for _ in range(25):  # each layout is checked against the slow reference: ~0.15 s
        cx, cy = rng.uniform(60, 300), rng.uniform(60, 900)
        spread = rng.choice([4, 12, 30, 90, 300])
        points = []
        for number in range(1, rng.randint(3, 31)):
            x = min(999, max(0, cx + rng.uniform(-spread, spread)))
            y = min(999, max(0, cy + rng.uniform(-spread, spread)))
            kind = rng.choice(list(PointKind))
            at = {"view": region.view, "region_id": region.id, "side": region.side}
            points.append(TriggerPoint(session_id=1, number=number, kind=kind, x=x, y=y, **at))
        scale = rng.choice([0.25, 0.5, 1.0])

        def to_page(x: float, y: float, scale: float = scale) -> tuple[float, float]:
            return x * scale, y * scale

        limits = (0.0, 0.0, rng.choice([120.0, 250.0, 500.0]), rng.choice([250.0, 500.0]))
        assert place_apart(points, to_page, limits) == _place_apart_asking_every_marker(
            points, to_page, limits
        )


def test_no_crowded_area_is_looked_for_at_no_size():
    """A panel measured at no height draws at scale 0: with no markers touching there
    is no area, and nothing is divided by the scale (it once was, for every point)."""
    from tpchart.report.insets import crowded_areas

    region = REGIONS["front.chest.left"]
    at = {"view": region.view, "region_id": region.id, "side": region.side}
    points = [TriggerPoint(session_id=1, number=n, x=100.0 + n, y=100.0, **at) for n in (1, 2)]
    assert crowded_areas(points, 0.0, (100.0, 100.0)) == []
