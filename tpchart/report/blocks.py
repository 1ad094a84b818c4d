"""Small building blocks shared by the documents: paragraphs, boxes, tables, dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from tpchart.core.patient import Patient
from tpchart.report.fonts import SANS, covers, markup
from tpchart.report.styles import (
    CAUTION_EDGE,
    CAUTION_FILL,
    CONTENT_WIDTH,
    INK,
    RULE,
    SHADE,
    WARNING_EDGE,
    WARNING_FILL,
    styles,
)

DASH = "–"  # shown for a value that was not recorded


class Para(Paragraph):
    """A Paragraph that remembers its lines for the width it was last wrapped to.

    A table measures every cell again each time it is wrapped or split, and a long table
    running over pages is split once per page, each time measuring all its remaining
    rows: the progress report broke each of its 100 rows' paragraphs into lines about
    twelve times. A paragraph's lines depend on the width alone."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """As Paragraph.wrap; the same width again is answered from the last time."""
        last = getattr(self, "_wrapped", None)
        # Paragraph.split drops the lines (blPara) when it gives up on a split: then
        # they are broken again.
        if last is not None and last[0] == availWidth and hasattr(self, "blPara"):
            return last[1]
        size = super().wrap(availWidth, availHeight)
        self._wrapped = (availWidth, size)
        return size


def para(text: str, style: str = "body", *, bold: bool = False) -> Paragraph:
    """A paragraph of plain ``text`` (escaped, any script) in a named style."""
    body = markup(text)
    return Para(f"<b>{body}</b>" if bold else body, styles()[style])


def rich(fragments: Sequence[tuple[str, bool]], style: str = "body") -> Paragraph:
    """A paragraph from (text, bold) pieces, e.g. a bold label followed by a value."""
    body = "".join(f"<b>{markup(t)}</b>" if bold else markup(t) for t, bold in fragments)
    return Para(body, styles()[style])


# Room a plain line keeps to its column's edge (pt): a Paragraph breaks a line only when
# it is wider than the column, and this keeps the choice clear of rounding.
FIT_SPARE = 1.0


def plain_fits(text: str, style: ParagraphStyle, room: float) -> bool:
    """Whether a table may draw ``text`` itself, as a plain string in ``style``'s font,
    where a Paragraph would look the same: one non-empty line, no spaces that a
    Paragraph would collapse, every character in the text face (no other script to
    switch to), and narrower than ``room`` points.

    A Paragraph per table cell was most of the time a document took to build (parsing
    its markup, breaking its lines, twice per page tried); the table draws a plain line
    where a Paragraph sets its first line: one font size under the cell's top padding,
    at the cell's left (or right) padding."""
    return (
        bool(text)
        and text == " ".join(text.split())
        and covers(SANS, text)
        and stringWidth(text, style.fontName, style.fontSize) < room - FIT_SPARE
    )


def plain_wrap(text: str, style: ParagraphStyle, room: float) -> list[str] | None:
    """The lines a Paragraph breaks ``text`` into at ``room`` points, worked out here
    without parsing markup, or None where that is not certain: text in another script
    or with spaces a Paragraph would collapse, a word wider than a line, or a break
    within `FIT_SPARE` of the edge either way (reportlab lets a line run a little past
    the edge by shrinking its spaces, `spaceShrinkage`, which a plain line cannot do).

    The same greedy rule as reportlab's: words go on the line while they fit, then a new
    line starts."""
    if not text or text != " ".join(text.split()) or not covers(SANS, text):
        return None
    font, size = style.fontName, style.fontSize
    space = stringWidth(" ", font, size)
    lines: list[list[str]] = []
    width = 0.0
    for word in text.split(" "):
        word_width = stringWidth(word, font, size)
        if word_width >= room - FIT_SPARE:
            return None  # reportlab would split the word itself
        if not lines:
            lines.append([word])
            width = word_width
            continue
        wider = width + space + word_width
        # The most a line of these words may run past the edge by shrinking spaces.
        shrink = style.spaceShrinkage * space * (len(lines[-1]) + 2)
        if wider < room - FIT_SPARE:
            lines[-1].append(word)
            width = wider
        elif wider > room + shrink + FIT_SPARE:
            lines.append([word])
            width = word_width
        else:
            return None  # too close to the edge to be sure which way it goes
    return [" ".join(words) for words in lines]


def plain_font(cells: tuple[tuple[int, int], tuple[int, int]], style: ParagraphStyle) -> list:
    """The table commands that set plain strings in ``cells`` as ``style`` sets text."""
    first, last = cells
    return [
        ("FONT", first, last, style.fontName, style.fontSize, style.leading),
        ("TEXTCOLOR", first, last, style.textColor),
    ]


class PlainLines(Flowable):
    """Lines of plain text, each in its own colour, drawn where a Paragraph of the same
    lines joined by ``<br/>`` sets them: the first line's baseline one font size under
    the top, each next one a leading lower, at the left edge.

    Made only by `lines_cell`, for lines in the text face already broken where a
    Paragraph breaks them (`plain_fits`, `plain_wrap`): the progress report's 100-row
    tables had a Paragraph per cell for a few short lines, and parsing and breaking them
    was a fifth of the report's time (issue 19)."""

    def __init__(self, lines: Sequence[tuple[str, Color]], style: ParagraphStyle) -> None:
        super().__init__()
        self._lines = list(lines)
        self._style = style

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The room a Paragraph of these lines takes: the width given, a leading a line."""
        self.width, self.height = availWidth, len(self._lines) * self._style.leading
        return self.width, self.height

    def draw(self) -> None:
        """Each line on the canvas, a leading apart."""
        style, canvas = self._style, self.canv
        y = self.height - style.fontSize
        for text, colour in self._lines:
            canvas.setFillColor(colour)
            canvas.setFont(style.fontName, style.fontSize)
            canvas.drawString(0, y, text)
            y -= style.leading


def lines_cell(
    lines: Sequence[tuple[str, Color | None]], style: ParagraphStyle, room: float
) -> Flowable:
    """A table cell of one or more (text, colour) lines (None: the style's colour): drawn
    as plain lines where each fits ``room`` points in the text face (`plain_fits`) or
    is surely broken where a Paragraph would break it (`plain_wrap`), else a Paragraph
    of the lines, which wraps them and sets other scripts in their fonts."""
    coloured = [(text, colour or style.textColor) for text, colour in lines]
    plain: list[tuple[str, Color]] = []
    for text, colour in coloured:
        broken = [text] if plain_fits(text, style, room) else plain_wrap(text, style, room)
        if broken is None:
            break
        plain += [(line, colour) for line in broken]
    else:
        return PlainLines(plain, style)
    return Para(
        "<br/>".join(
            markup(text) if colour == style.textColor
            else f'<font color="#{colour.hexval()[2:]}">{markup(text)}</font>'
            for text, colour in coloured
        ),
        style,
    )  # fmt: skip


def heading(text: str) -> Paragraph:
    """A section heading that stays with what follows it."""
    p = para(text, "h2")
    p.keepWithNext = True
    return p


BOX_COLOURS = {
    "caution": (CAUTION_FILL, CAUTION_EDGE),
    "warning": (WARNING_FILL, WARNING_EDGE),
    "note": (SHADE, RULE),
}


def box(content: Sequence[Flowable], kind: str = "caution") -> Table:
    """A shaded, framed box around ``content``: "caution" (yellow), "warning" (red)
    or "note" (grey)."""
    fill, edge = BOX_COLOURS[kind]
    table = Table([[list(content)]], colWidths=[CONTENT_WIDTH])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), fill),
        ("BOX", (0, 0), (-1, -1), 0.8, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))  # fmt: skip
    return table


CELL_PADDING = 3.0  # pt, left and right in a grid's cells


def grid(
    header: Sequence[str], rows: Sequence[Sequence[str | Flowable]], widths: Sequence[float],
    align_right: Sequence[int] = (), notes: Sequence[Flowable | None] | None = None,
) -> Table:  # fmt: skip
    """A table whose header row repeats on every page; a row is never split across pages.

    ``notes``, one per row (None for none), adds a line under a row that spans every
    column but the first: the row's own details, kept on the same page as the row (the
    first cell spans both, and reportlab does not split a table inside a span)."""
    s = styles()
    # Paragraphs ignore the table's ALIGN; right-aligned columns need their own style.
    left = {False: s["cell"], True: s["cell_bold"]}
    right = {bold: ParagraphStyle(f"{st.name}_right", st, alignment=TA_RIGHT)
             for bold, st in left.items()}  # fmt: skip

    def cell(value: str | Flowable, col: int, bold: bool = False) -> Flowable | str:
        if isinstance(value, Flowable):
            return value
        style = (right if col in align_right else left)[bold]
        if plain_fits(value, style, widths[col] - 2 * CELL_PADDING):
            return value  # drawn by the table in the row's font (below)
        return Para(markup(value), style)

    data: list[list[Flowable | str]] = [[cell(h, col, bold=True) for col, h in enumerate(header)]]
    # Fonts by row, for the plain strings: a notes row's empty cells keep the table's
    # default leading, as they always have (it sets that row's height).
    fonts = plain_font(((0, 0), (-1, 0)), left[True])
    below: list[tuple] = []  # (row index) of rows with a rule under them
    spans: list[tuple] = []
    for index, row in enumerate(rows):
        data.append([cell(v, col) for col, v in enumerate(row)])
        fonts += plain_font(((0, len(data) - 1), (-1, len(data) - 1)), left[False])
        note = notes[index] if notes is not None else None
        if note is None:
            below.append(("LINEBELOW", (0, len(data) - 1), (-1, len(data) - 1), 0.3, RULE))
            continue
        data.append(["", note] + [""] * (len(header) - 2))
        r = len(data) - 1
        spans += [
            ("SPAN", (0, r - 1), (0, r)),
            ("SPAN", (1, r), (-1, r)),
            ("BOTTOMPADDING", (0, r - 1), (-1, r - 1), 1),
            ("TOPPADDING", (0, r), (-1, r), 0),
        ]
        below.append(("LINEBELOW", (0, r), (-1, r), 0.3, RULE))
    table = Table(data, colWidths=list(widths), repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *fonts,
        # A Paragraph fills its cell's width, so ALIGN moves only the plain strings.
        *(("ALIGN", (col, 0), (col, -1), "RIGHT") for col in align_right),
        *below,
        *spans,
    ]
    table.setStyle(TableStyle(commands))
    return table


def key_values(pairs: Sequence[tuple[str, str]], columns: int = 2) -> Table:
    """Label/value pairs laid out in ``columns`` columns, labels small and grey."""
    s = styles()
    label_w = 26 * 72 / 25.4  # 26 mm
    value_w = CONTENT_WIDTH / columns - label_w
    pad = 4  # right padding; none on the left

    def cell(text: str, style: ParagraphStyle, width: float) -> Paragraph | str:
        return text if plain_fits(text, style, width - pad) else Para(markup(text), style)

    cells = [
        [cell(label, s["label"], label_w), cell(value or DASH, s["body"], value_w)]
        for label, value in pairs
    ]
    rows = []
    for start in range(0, len(cells), columns):
        row = [c for pair in cells[start : start + columns] for c in pair]
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    fonts = []
    for column in range(columns):
        fonts += plain_font(((2 * column, 0), (2 * column, -1)), s["label"])
        fonts += plain_font(((2 * column + 1, 0), (2 * column + 1, -1)), s["body"])
    table = Table(rows, colWidths=[label_w, value_w] * columns)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        *fonts,
    ]))  # fmt: skip
    return table


def local(moment: datetime, tz: tzinfo | None = None) -> datetime:
    """A stored (UTC) time as the clinic's local time (the machine's zone by default)."""
    return moment.astimezone(tz)


def when(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """ "24 Nov 2026, 10:42" in local time, or a dash."""
    return DASH if moment is None else f"{local(moment, tz):%d %b %Y, %H:%M}"


def day(value: date) -> str:
    """ "24 Nov 2026"."""
    return f"{value:%d %b %Y}"


def born(patient: Patient, on: date) -> str:
    """ "12 Mar 1980 (age 46)"."""
    return f"{day(patient.date_of_birth)} (age {patient.age_on(on)})"


def score(value: int | None) -> str:
    """An NRS score as "7/10", or a dash."""
    return DASH if value is None else f"{value}/10"
