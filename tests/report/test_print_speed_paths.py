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
from tpchart.report.fonts import markup, register_fonts

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


def _varied_history(store, patient) -> None:
    """Sessions whose complaint and event cells take every path: short Latin lines
    (plain), Chinese and Tamil (their fonts), a complaint of two lines, one too long for
    its column, no complaint, no points, a draft, an event reported later."""
    from dataclasses import replace as changed
    from datetime import timedelta

    from tests.report.conftest import START
    from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity

    complaints = ["Neck pain after desk work", "颈部疼痛 two weeks", "கழுத்து வலி", "",
                  "Left shoulder\nand upper arm", "Low back pain " * 8, "Headache"]  # fmt: skip
    for i, words in enumerate(complaints):
        session = start_session(store, patient, START - timedelta(weeks=len(complaints) - i),
                                chief_complaint=words, pain_before=8 - i % 4,
                                **({"adverse_events": ()} if i % 2 else {}))  # fmt: skip
        if i != 3:
            add_points(store, session.id, 2 + 3 * (i % 3), seed=i)
        if i == 1:
            session = store.sessions.update(changed(session, adverse_events=(AdverseEvent(
                AdverseEventType.BRUISING, Severity.MILD, note="淤青 small"),)))  # fmt: skip
        if i < len(complaints) - 1:
            signed = store.sessions.sign(session.id)
            if i == 2:
                store.later_events.report(signed.id, AdverseEvent(
                    AdverseEventType.PAIN_AFTER, Severity.MILD, note="Sore for two days",
                    onset=Onset.DELAYED, resolved=True))  # fmt: skip


def _report_story(store, patient):
    from tpchart.report.progress_report import progress_story
    from tpchart.report.records import load_progress_record

    return progress_story(load_progress_record(store, patient.id))


def _cells(story) -> list:
    from reportlab.platypus import Table

    return [v for f in story if isinstance(f, Table) for row in f._cellvalues for v in row]


def test_short_cell_lines_are_plain_lines_and_other_scripts_paragraphs(store, patient):
    _varied_history(store, patient)
    cells = _cells(_report_story(store, patient))
    plain = [c for c in cells if isinstance(c, blocks.PlainLines)]
    texts = [[t for t, _ in c._lines] for c in plain]
    assert texts[0][:1] == ["Neck pain after desk work"]  # the complaint, then its regions
    assert texts[0][1].startswith("Treated: ")
    assert ["Headache", "Nothing needled"] not in texts  # the last one has points
    paragraphs = " ".join(c.text for c in cells if isinstance(c, Para))
    for words in ("颈部疼痛", "கழுத்து", "Left shoulder<br/>and upper arm", "淤青"):
        assert words in paragraphs, words
    # Too long for one line: broken into plain lines where a Paragraph breaks it.
    (long,) = [t for t in texts if t[0].startswith("Low back pain")]
    assert " ".join(long[:2]) == ("Low back pain " * 8).strip()
    assert long[2].startswith("Treated: ")
    # The regions wrap too: a "Treated" line with more lines after it.
    assert any(line.startswith("Treated: ") for t in texts for line in t[:-1])
    assert any(t == ["Asked, none"] for t in texts)


def test_plain_lines_print_exactly_as_the_paragraphs_they_replace(store, patient, monkeypatch):
    from tpchart.report.documents import progress_pdf

    _varied_history(store, patient)
    fast = progress_pdf(store, patient.id)
    assert any(isinstance(c, blocks.PlainLines) for c in _cells(_report_story(store, patient)))
    monkeypatch.setattr(blocks, "plain_fits", lambda *_args: False)
    monkeypatch.setattr(blocks, "plain_wrap", lambda *_args: None)
    assert not any(isinstance(c, blocks.PlainLines) for c in _cells(_report_story(store, patient)))
    slow = progress_pdf(store, patient.id)
    # The footer's printed time may tick between the two: compare all but the footer.
    fast_pages, slow_pages = _pixels(fast), _pixels(slow)
    assert len(fast_pages) == len(slow_pages) >= 2
    document = pdfium.PdfDocument(fast)
    width, height = (int(v * 2) for v in document[0].get_size())
    footer = width * 3 * int(height * 0.93)  # bytes above the footer band
    for a, b in zip(fast_pages, slow_pages, strict=True):
        assert a[:footer] == b[:footer]
    assert _page_texts(fast) == _page_texts(slow)


def _page_texts(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """Each page's words where they stand (as pdftotext reads them), but the footer."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            [(w["text"], round(w["x0"], 2), round(w["top"], 2))
             for w in page.extract_words() if w["top"] < page.height * 0.93]
            for page in document.pages
        ]  # fmt: skip


def test_the_muscle_table_is_worked_out_once_for_the_table_and_the_words(
    store, patient, monkeypatch
):
    from tpchart.core.progress import muscles as muscle_figures
    from tpchart.core.progress import progress_words, words
    from tpchart.report import progress_report
    from tpchart.report.documents import progress_pdf
    from tpchart.report.records import load_progress_record

    _varied_history(store, patient)
    record = load_progress_record(store, patient.id)
    sessions = [s for s, _ in record.sessions]
    points = {s.id: list(p) for s, p in record.sessions}
    figures = muscle_figures.muscle_progress(sessions, points)
    assert progress_words(sessions, points, muscles=figures) == progress_words(sessions, points)
    calls = []

    def counted(*args):
        calls.append(args)
        return muscle_figures.muscle_progress(*args)

    monkeypatch.setattr(words, "muscle_progress", counted)
    monkeypatch.setattr(progress_report, "muscle_progress", counted)
    assert progress_pdf(store, patient.id).startswith(b"%PDF")
    assert len(calls) == 1


def _paragraph_lines(text: str, style, room: float) -> list[str]:
    p = Para(markup(text), style)
    p.wrap(room, 10_000)
    lines = p.blPara.lines
    if p.blPara.kind == 0:
        return [" ".join(words) for _, words in lines]
    return ["".join(w.text for w in line.words).strip() for line in lines]


def test_plain_lines_break_where_a_paragraph_breaks_them():
    """Random Latin text at random widths: where `plain_wrap` answers, it gives the very
    lines reportlab's Paragraph breaks the text into; it declines other scripts, long
    words and breaks too close to the edge to call."""
    import random

    from tpchart.report.styles import styles

    register_fonts()
    rng = random.Random(6)
    vocabulary = ("neck", "pain", "upper", "trapezius,", "right", "levator", "scapulae",
                  "(back)", "shoulder", "blade", "infraspinatus", "WWW", "mmm", "i", "l,",
                  "7/10", "–", "Ärger", "öfter")  # fmt: skip
    answered = declined = 0
    for style in (styles()["cell"], styles()["cell_bold"], styles()["body"]):
        for _ in range(400):
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 30)))
            room = rng.uniform(30, 280)
            lines = blocks.plain_wrap(text, style, room)
            if lines is None:
                declined += 1
                continue
            answered += 1
            assert lines == _paragraph_lines(text, style, room), (text, room)
    assert answered > 800 and declined > 20
    cell = styles()["cell"]
    assert blocks.plain_wrap("颈部 pain", cell, 200) is None
    assert blocks.plain_wrap("two  spaces", cell, 200) is None
    assert blocks.plain_wrap("Sternocleidomastoid", cell, 30) is None
