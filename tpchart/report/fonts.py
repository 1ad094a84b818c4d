"""Fonts for printed documents: names in any script render as real glyphs, embedded.

The font files ship inside the package (``tpchart/report/fonts/``, with their licences
and sources in its README.md), so a wheel or a bundle prints the same everywhere:

- Source Sans 3 (SIL OFL 1.1): Latin with accents, Greek and Cyrillic, in regular,
  bold and italic. The text face.
- Noto Sans Tamil (SIL OFL 1.1): Tamil, regular and bold. Shaped through HarfBuzz
  (``uharfbuzz``), which reorders vowel signs and forms conjuncts as a reader expects.
- WenQuanYi Micro Hei (Apache 2.0): Chinese, Japanese kana and Korean Hangul, with
  TrueType outlines. reportlab cannot embed the CFF outlines of the Noto CJK OpenType
  files, which is why this face and not Noto Sans CJK.

Text is split into runs by which face has the glyph (`markup`, `draw_text`), so a
Latin name stays in the text face and only the other scripts switch. reportlab embeds
only the glyphs used, so a PDF stays small.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics import shapes
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import tables

from tpchart.core.errors import TpchartError

SANS = "TPSans"
SANS_BOLD = "TPSans-Bold"
SANS_ITALIC = "TPSans-Italic"
SANS_BOLD_ITALIC = "TPSans-BoldItalic"
TAMIL = "TPTamil"
TAMIL_BOLD = "TPTamil-Bold"
FALLBACK = "TPFallback"  # CJK and anything else the text face lacks

_BOLD = {SANS_BOLD, SANS_BOLD_ITALIC}
_TAMIL_BLOCK = range(0x0B80, 0x0C00)

# The files behind each face (in tpchart/report/fonts/).
FACE_FILES = {
    SANS: "SourceSans3-Regular.ttf",
    SANS_BOLD: "SourceSans3-Bold.ttf",
    SANS_ITALIC: "SourceSans3-It.ttf",
    SANS_BOLD_ITALIC: "SourceSans3-BoldIt.ttf",
    TAMIL: "NotoSansTamil-Regular.ttf",
    TAMIL_BOLD: "NotoSansTamil-Bold.ttf",
    FALLBACK: "wqy-microhei.ttc",
}


class FontsMissing(TpchartError):
    """A font file of the package is missing: the installation is incomplete."""


def fonts_folder() -> Path:
    """The folder of the shipped font files and their licence texts."""
    return Path(str(resources.files("tpchart.report") / "fonts"))


def font_file(face: str) -> Path:
    """The file of one face (a key of `FACE_FILES`); FontsMissing if it is not there."""
    path = fonts_folder() / FACE_FILES[face]
    if not path.is_file():
        raise FontsMissing(f"The font file {path} is missing; reinstall tpchart")
    return path


class _UnshapedFont(TTFont):
    """A face whose words reportlab must not shape.

    A paragraph style with ``shaping`` sends every word through HarfBuzz, and its
    ligatures would turn "fi" in Latin text into one glyph that copy, search and text
    extraction read as a private-use character. reportlab leaves a word unshaped when
    its font gives no HarfBuzz font (``ttfonts.shapeFragWord`` catches the
    AttributeError), so only Tamil words are shaped and Latin prints as before."""

    def hbFont(self, fontSize=10):
        raise AttributeError("tpchart shapes only Tamil")


@cache
def register_fonts() -> None:
    """Register the faces with reportlab once per process (about 0.1 s, mostly the CJK face)."""
    for name in (SANS, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC):
        pdfmetrics.registerFont(_UnshapedFont(name, str(font_file(name))))
    pdfmetrics.registerFontFamily(
        SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD_ITALIC
    )
    # Tamil has no italic: an italic run keeps its weight and stays upright.
    for name in (TAMIL, TAMIL_BOLD):
        pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
    pdfmetrics.registerFontFamily(
        TAMIL, normal=TAMIL, bold=TAMIL_BOLD, italic=TAMIL, boldItalic=TAMIL_BOLD
    )
    # The fallback has one weight; registering it for every style lets a CJK run
    # inside <b> or <i> keep its glyphs instead of switching back to the text face.
    pdfmetrics.registerFont(_UnshapedFont(FALLBACK, str(font_file(FALLBACK)), subfontIndex=0))
    pdfmetrics.registerFontFamily(
        FALLBACK, normal=FALLBACK, bold=FALLBACK, italic=FALLBACK, boldItalic=FALLBACK
    )
    _default_to_text_face()


def _default_to_text_face() -> None:
    """Make the text face reportlab's default where it would otherwise pick Helvetica.

    Every drawing (body maps, charts) starts by setting the default font, and every
    table cell sets its style's font before drawing a paragraph in it: the PDF then
    names Helvetica without embedding it, even where no letter is set in it. An
    archived clinical record must carry every font it names (``pdffonts``: emb yes).
    Both defaults are read when a drawing is drawn or a table is made, after this."""
    shapes.STATE_DEFAULTS["fontName"] = SANS
    tables.CellStyle.fontname = SANS


@cache
def _cmap(font_name: str) -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def covers(face: str, text: str) -> bool:
    """Whether ``face`` has a glyph for every character of ``text``."""
    cmap = _cmap(face)
    return all(ord(c) in cmap for c in text)


def face_for(char: str) -> str:
    """TAMIL for a Tamil character; else SANS when the text face has ``char``, else
    FALLBACK when that has it, else SANS (a character no face has shows as a box)."""
    code = ord(char)
    if code in _TAMIL_BLOCK and code in _cmap(TAMIL):
        return TAMIL
    if code in _cmap(SANS) or char.isspace():
        return SANS
    if code in _cmap(FALLBACK):
        return FALLBACK
    if code in _cmap(TAMIL):
        return TAMIL
    return SANS


def _faces(text: str) -> list[str]:
    """One face per character. A word with Tamil in it is set wholly in the Tamil face
    when that has all its characters ("(கமலா)," too): reportlab shapes a word with the
    font of its first run, so punctuation in another face would unshape or garble it."""
    faces = [face_for(c) for c in text]
    start = 0
    for end in [*(i for i, c in enumerate(text) if c.isspace()), len(text)]:
        word = text[start:end]
        if TAMIL in faces[start:end] and covers(TAMIL, word):
            faces[start:end] = [TAMIL] * (end - start)
        start = end + 1
    return faces


def runs(text: str) -> Iterator[tuple[str, str]]:
    """Split ``text`` into (face, run) pairs; combining marks stay with their letter."""
    current, start = None, 0
    for i, (char, face) in enumerate(zip(text, _faces(text), strict=True)):
        if current is not None and (char.isspace() or unicodedata.combining(char)):
            continue  # spaces and accents never start a new run
        if face != current:
            if current is not None:
                yield current, text[start:i]
            current, start = face, i
    if current is not None:
        yield current, text[start:]


def _font_for(face: str, font: str) -> str:
    """The registered font that draws a ``face`` run of text set in ``font``."""
    if face == SANS:
        return font
    if face == TAMIL:
        return TAMIL_BOLD if font in _BOLD else TAMIL
    return FALLBACK


def markup(text: str) -> str:
    """``text`` as Paragraph markup: XML-escaped, line breaks kept, and every run the
    text face lacks wrapped in ``<font name="...">`` (its family keeps bold and italic)."""
    parts = []
    for face, run in runs(text):
        escaped = escape(run).replace("\n", "<br/>")
        parts.append(escaped if face == SANS else f'<font name="{face}">{escaped}</font>')
    return "".join(parts)


def _shaped(face: str, run: str, name: str, size: float) -> str:
    """``run`` as drawn: Tamil shaped (glyphs reordered and joined), others as given."""
    return shapeStr(run, name, size) if face == TAMIL else run


def _width(face: str, run: str, name: str, size: float) -> float:
    shaped = _shaped(face, run, name, size)
    if isinstance(shaped, ShapedStr):
        return sum(d.x_advance for d in shaped.__shapeData__) * size / 1000
    return pdfmetrics.stringWidth(run, name, size)


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of ``text`` drawn with `draw_text`."""
    return sum(_width(face, run, _font_for(face, font), size) for face, run in runs(text))


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
        name = _font_for(face, font)
        canvas.setFont(name, size)
        # Shaped here, not with drawString(shaping=True): reportlab honours that only
        # when its bidi add-on is installed, but draws a pre-shaped string either way.
        canvas.drawString(x, y, _shaped(face, run, name, size))
        x += _width(face, run, name, size)


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``width`` points."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
