"""Page size, margins, colours and paragraph styles shared by every document."""

from __future__ import annotations

from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from tpchart.report.fonts import SANS, SANS_BOLD, register_fonts

PAGE_SIZE = A4
MARGIN = 15 * mm
HEADER_HEIGHT = 24 * mm  # first page: clinic and doctor
RUNNING_HEADER_HEIGHT = 10 * mm  # later pages: patient and date, so loose pages match up
FOOTER_HEIGHT = 12 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

# Dark text on white, accents that survive greyscale printing.
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b8b8b8")
SHADE = colors.HexColor("#efefef")  # table header and zebra rows
ACCENT = colors.HexColor("#0b3a7a")
DRAFT_RED = colors.HexColor("#b00020")
WATERMARK = colors.Color(0.85, 0.1, 0.1, alpha=0.13)
CAUTION_FILL = colors.HexColor("#fff3cd")
CAUTION_EDGE = colors.HexColor("#e0b400")
WARNING_FILL = colors.HexColor("#fde2e1")
WARNING_EDGE = colors.HexColor("#d93025")

CONFIDENTIAL = (
    "Confidential: contains personal health information. Keep it safe and share it "
    "only with the patient and those caring for them."
)


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles by name: body, small, h1, h2, cell, cell_bold, label, right."""
    register_fonts()
    # shaping: Tamil words go through HarfBuzz (vowel signs reordered, conjuncts joined);
    # the text and CJK faces opt out word by word (fonts._UnshapedFont), so Latin is as before.
    body = ParagraphStyle(
        "body", fontName=SANS, fontSize=9.5, leading=12.5, textColor=INK, shaping=1
    )
    return {
        "body": body,
        "small": ParagraphStyle("small", body, fontSize=8, leading=10, textColor=MUTED),
        "h1": ParagraphStyle("h1", body, fontName=SANS_BOLD, fontSize=15, leading=19),
        "h2": ParagraphStyle(
            "h2",
            body,
            fontName=SANS_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=9,
            spaceAfter=3,
            textColor=ACCENT,
        ),
        "cell": ParagraphStyle("cell", body, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle(
            "cell_bold", body, fontName=SANS_BOLD, fontSize=8.5, leading=10.5
        ),
        "label": ParagraphStyle("label", body, fontSize=8, leading=10, textColor=MUTED),
        "right": ParagraphStyle("right", body, alignment=TA_RIGHT),
        "left": ParagraphStyle("left", body, alignment=TA_LEFT),
    }
