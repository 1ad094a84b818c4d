"""Markers that never hide a point (issue 16): numbers read back from the printed PDF.

A session with twelve points in the neck and shoulders, front and back, is the case
that made numbers unreadable: at 330 pt a body is about 10 cm, and 20 pt markers on
the neck and shoulder girdle covered each other. Every marker number must come out
of the PDF once, with no two numbers' boxes overlapping, on A4 and on Letter.
"""

from __future__ import annotations

import io
import random
from datetime import UTC

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from tests.report.conftest import spot, start_session
from tpchart.bodymap import load_body_map
from tpchart.core.muscles import MUSCLES
from tpchart.core.regions import REGIONS
from tpchart.core.trigger_point import PointKind, TriggerPoint, TwitchStrength
from tpchart.report.blocks import heading
from tpchart.report.diagrams import DiagramPanel
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


def assert_every_number_readable(pdf: bytes, count: int = 12) -> None:
    numbers = marker_numbers(pdf)
    assert sorted(int(n["text"]) for n in numbers) == list(range(1, count + 1))
    assert overlapping(numbers) == []
    # Readable at 100 %: no number smaller than the table's own text.
    assert min(n["size"] for n in numbers) >= 6.5


def test_summary_prints_every_crowded_number_apart(store, crowded):
    pdf = session_summary_pdf(load_session_record(store, crowded.id), tz=UTC)
    assert_every_number_readable(pdf)


def test_forty_points_on_three_views_print_every_number_apart(store, long_draft):
    pdf = session_summary_pdf(load_session_record(store, long_draft.id), tz=UTC)
    assert_every_number_readable(pdf, count=40)


@pytest.mark.parametrize("paper", [A4, letter], ids=["A4", "Letter"])
def test_panel_prints_every_crowded_number_apart_on(paper, store, crowded):
    """The panel alone on each paper size: the summary's documents print on A4 only
    today (pages.py), and the panel must not depend on that."""
    points = store.points.for_session(crowded.id)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=paper, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)  # fmt: skip
    doc.build([DiagramPanel(points, title=heading("Trigger points treated (12)"))])
    assert_every_number_readable(buffer.getvalue())


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
