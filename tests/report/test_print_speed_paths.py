"""The shortcuts that make documents fast must print exactly what the slow path did:
plain-string table cells, paragraphs that remember their lines, and body maps drawn
from one Form XObject per document."""

from __future__ import annotations

import io
import re

import pypdf
import pypdfium2 as pdfium
import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from tests.report.conftest import add_points, start_session
from tpchart.core.regions import View
from tpchart.report import blocks
from tpchart.report.blocks import Para, grid, key_values, para
from tpchart.report.diagrams import VIEW_ORDER, _svg, draw_body
from tpchart.report.documents import session_pdf
from tpchart.report.fonts import register_fonts

HEADER = ["No.", "Region", "Muscle", "Side", "Pain"]
WIDTHS = [9 * mm, 40 * mm, 50 * mm, 18 * mm, 14 * mm]
ROWS = [
    ["1", "Upper trapezius, right", "Trapezius (upper fibres)", "Right", "7/10"],
    ["12", "Neck, front", "Sternocleidomastoid", "Left", "–"],
    ["3", "Shoulder blade", "Infraspinatus — a region name long enough to wrap", "Right", "2/10"],
    ["4", "颈部 Nacken", "Levator scapulae", "Midline", "10/10"],
]


def _pixels(pdf: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=2).to_pil().convert("RGB").tobytes() for page in document]


def _same_picture(a: bytes, b: bytes) -> bool:
    """Equal but for rounding: PDFium antialiases a form's edges at most one level of
    255 apart from the same shapes drawn directly (a few dozen pixels a map)."""
    return len(a) == len(b) and max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 2


def _document(*flowables) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, initialFontName="TPSans").build(list(flowables))
    return buffer.getvalue()


def _tables():
    notes = [None, para("Findings: taut band", "cell"), None, None]
    return [
        grid(HEADER, ROWS, WIDTHS, align_right=(0, 4), notes=notes),
        key_values([("Record number", "A-001"), ("Born", "12 Mar 1980 (age 46)"),
                    ("Name", "王小明 (Wang Xiaoming)"), ("Sex", "Male"), ("Notes", "")]),
    ]  # fmt: skip


def test_a_short_line_in_the_text_face_is_a_plain_string_and_the_rest_paragraphs():
    table = grid(HEADER, ROWS, WIDTHS, align_right=(0, 4))
    cells = table._cellvalues
    assert cells[0][1] == "Region"  # the header, bold, plain
    assert cells[1][1] == "Upper trapezius, right"
    assert isinstance(cells[3][2], Para)  # too long for its column: wraps
    assert isinstance(cells[4][1], Para)  # Chinese needs the fallback face
    assert isinstance(grid(["A"], [["two  spaces"]], [60 * mm])._cellvalues[1][0], Para)
    assert isinstance(grid(["A"], [[""]], [60 * mm])._cellvalues[1][0], Para)


def test_plain_cells_print_exactly_as_paragraph_cells(monkeypatch):
    fast = _document(*_tables())
    monkeypatch.setattr(blocks, "plain_fits", lambda *_args: False)
    slow_tables = _tables()
    assert all(not isinstance(v, str) or v == ""
               for t in slow_tables for row in t._cellvalues for v in row)  # fmt: skip
    slow = _document(*slow_tables)
    assert _pixels(fast) == _pixels(slow)


def test_a_paragraph_breaks_its_lines_again_only_for_another_width():
    p = para("Patient prefers the left side lying; sleeps badly since the move. " * 4)
    narrow = p.wrap(120, 1000)
    lines = p.blPara
    wide = p.wrap(400, 1000)
    assert wide[1] < narrow[1]
    assert p.wrap(400, 1000) == wide and p.blPara is p.blPara
    assert p.wrap(120, 1000) == narrow and p.blPara is not lines  # broken again, same result
    del p.blPara  # what Paragraph.split does when it gives up
    assert p.wrap(120, 1000) == narrow and hasattr(p, "blPara")


@pytest.mark.parametrize("view", VIEW_ORDER)
def test_the_body_form_draws_what_the_shapes_drew(view: View):
    register_fonts()
    svg = _svg(view)
    k = 300 / svg.height

    def page(draw) -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, initialFontName="TPSans")
        canvas.translate(40, 400)
        draw(canvas)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    shapes = page(
        lambda c: renderPDF.draw(
            Drawing(svg.width * k, 300, Group(*svg.contents, transform=(k, 0, 0, k, 0, 0))), c, 0, 0
        )
    )
    form = page(lambda c: draw_body(c, view, (k, 0.0, 0.0, k, 0.0, 0.0)))  # fmt: skip
    assert b"/Subtype /Form" in form and b"/Subtype /Form" not in shapes
    (drawn,), (expected,) = _pixels(form), _pixels(shapes)
    assert _same_picture(drawn, expected)


def test_each_view_is_one_form_in_the_record(store, patient):
    session = start_session(store, patient)
    add_points(store, session.id, 30)  # all three views
    pdf = session_pdf(store, session.id)
    forms = re.findall(rb"/Subtype /Form", pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    uses = sum(len(re.findall(rb"/FormXob\S* Do", page.get_contents().get_data()))
               for page in reader.pages)  # fmt: skip
    assert len(forms) == 3
    assert uses == 3  # insets draw only the shapes near their area (see InsetDiagram)
