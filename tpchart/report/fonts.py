"""Fonts for printed documents: names in any script render as real glyphs.

Two font packages from PyPI ship the TrueType files (pyproject dependencies, so
a plain ``pip install`` brings them; nothing is downloaded at run time):

- Source Sans Pro (``font-source-sans-pro``, SIL OFL 1.1): Latin with accents,
  Greek and Cyrillic, in regular, bold and italic. The text face.
- WenQuanYi Micro Hei (``paperang-p2-fonts-cjk``; the font is Apache 2.0 / GPLv3
  with the font-embedding exception): Chinese, Japanese kana and Korean Hangul,
  with TrueType outlines. reportlab cannot embed the CFF outlines of the Noto
  CJK OpenType files, which is why this face and not Noto Sans CJK.

Text is split into runs by which face has the glyph (`markup`, `draw_text`),
so a Latin name stays in the text face and only the CJK characters fall back.
reportlab embeds only the glyphs used, so a PDF stays small.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from functools import cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tpchart.core.errors import TpchartError

SANS = "TPSans"
SANS_BOLD = "TPSans-Bold"
SANS_ITALIC = "TPSans-Italic"
SANS_BOLD_ITALIC = "TPSans-BoldItalic"
FALLBACK = "TPFallback"  # CJK and anything else the text face lacks


class FontsMissing(TpchartError):
    """A font package is not installed; the message says which one to install."""


def _source_sans_dir() -> str:
    try:
        import font_source_sans_pro
    except ImportError:
        raise FontsMissing(
            "The font package font-source-sans-pro is missing; reinstall tpchart (pip install -e .)"
        ) from None
    return font_source_sans_pro.font_directory


def _fallback_file() -> str:
    try:
        import paperang_p2_fonts_cjk
    except ImportError:
        raise FontsMissing(
            "The CJK font package paperang-p2-fonts-cjk is missing; reinstall tpchart "
            "(pip install -e .)"
        ) from None
    return os.path.join(
        os.path.dirname(paperang_p2_fonts_cjk.__file__), "fonts", "wqy-microhei.ttc"
    )


@cache
def register_fonts() -> None:
    """Register the faces with reportlab once per process (about 0.1 s, mostly the CJK face)."""
    folder = _source_sans_dir()
    faces = {
        SANS: "SourceSansPro-Regular.ttf",
        SANS_BOLD: "SourceSansPro-Bold.ttf",
        SANS_ITALIC: "SourceSansPro-It.ttf",
        SANS_BOLD_ITALIC: "SourceSansPro-BoldIt.ttf",
    }
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    pdfmetrics.registerFontFamily(
        SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD_ITALIC
    )
    # The fallback has one weight; registering it for every style lets a CJK run
    # inside <b> or <i> keep its glyphs instead of switching back to the text face.
    pdfmetrics.registerFont(TTFont(FALLBACK, _fallback_file(), subfontIndex=0))
    pdfmetrics.registerFontFamily(
        FALLBACK, normal=FALLBACK, bold=FALLBACK, italic=FALLBACK, boldItalic=FALLBACK
    )


@cache
def _cmap(font_name: str) -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def face_for(char: str) -> str:
    """SANS when the text face has ``char``, else FALLBACK when that has it, else SANS
    (a character neither face has shows as a box either way)."""
    code = ord(char)
    if code in _cmap(SANS) or char.isspace():
        return SANS
    if code in _cmap(FALLBACK):
        return FALLBACK
    return SANS


def runs(text: str) -> Iterator[tuple[str, str]]:
    """Split ``text`` into (face, run) pairs; combining marks stay with their letter."""
    current, start = None, 0
    for i, char in enumerate(text):
        if current is not None and (char.isspace() or unicodedata.combining(char)):
            continue  # spaces and accents never start a new run
        face = face_for(char)
        if face != current:
            if current is not None:
                yield current, text[start:i]
            current, start = face, i
    if current is not None:
        yield current, text[start:]


def markup(text: str) -> str:
    """``text`` as Paragraph markup: XML-escaped, line breaks kept, and every run the
    text face lacks wrapped in ``<font name="TPFallback">``."""
    parts = []
    for face, run in runs(text):
        escaped = escape(run).replace("\n", "<br/>")
        parts.append(escaped if face == SANS else f'<font name="{FALLBACK}">{escaped}</font>')
    return "".join(parts)


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of ``text`` drawn with `draw_text`."""
    return sum(
        pdfmetrics.stringWidth(run, font if face == SANS else FALLBACK, size)
        for face, run in runs(text)
    )


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, font: str = SANS, size: float = 9,
    align: str = "left",
) -> None:  # fmt: skip
    """Draw one line on a canvas with the same per-character fallback as `markup`;
    ``align`` is "left", "right" or "centre" about ``x``."""
    if align == "right":
        x -= text_width(text, font, size)
    elif align == "centre":
        x -= text_width(text, font, size) / 2
    for face, run in runs(text):
        name = font if face == SANS else FALLBACK
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width`` points."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
