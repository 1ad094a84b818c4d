"""The page furniture every document shares: header, footer, "Page X of Y", watermark.

The first page carries the clinic's letterhead; later pages a running header with
the patient and the document, so a loose page can always be put back with its
record. Every page has the confidentiality line and "Page X of Y". A draft has a
diagonal DRAFT watermark on every page, so no copy of it passes for a signed record.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from tpchart.core.clinic import ClinicProfile
from tpchart.report.fonts import SANS, SANS_BOLD, draw_text, fit_text, register_fonts
from tpchart.report.styles import (
    CONFIDENTIAL,
    CONTENT_WIDTH,
    DRAFT_RED,
    FOOTER_HEIGHT,
    HEADER_HEIGHT,
    INK,
    MARGIN,
    MUTED,
    PAGE_SIZE,
    RULE,
    RUNNING_HEADER_HEIGHT,
    WATERMARK,
)


@dataclass(frozen=True)
class Letterhead:
    """What the header and footer say on every page of one document."""

    clinic: ClinicProfile
    title: str  # "Clinical record"
    doctor: str = ""  # "Dr Ana Souza"
    doctor_detail: str = ""  # registration number
    running: str = ""  # later pages: "Maria Fernández · DEMO-0001 · 24 Nov 2026"
    draft: bool = False
    footer_note: str = ""  # e.g. "Printed 24 Nov 2026 10:42"
    metadata: dict[str, str] = field(default_factory=dict)  # PDF title, author, subject
    # The PDF's CreationDate and ModDate: the moment printed in the footer, so file and
    # paper agree (now when None).
    created: datetime | None = None


def build_pdf(story: Sequence[Flowable], head: Letterhead) -> bytes:
    """Lay ``story`` out on A4 pages with ``head``'s header and footer; the PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    height = PAGE_SIZE[1]
    bottom = MARGIN + FOOTER_HEIGHT
    first = Frame(
        MARGIN,
        bottom,
        CONTENT_WIDTH,
        height - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        id="first",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    later = Frame(
        MARGIN,
        bottom,
        CONTENT_WIDTH,
        height - 2 * MARGIN - RUNNING_HEADER_HEIGHT - FOOTER_HEIGHT,
        id="later",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=head.metadata.get("title", head.title),
        author=head.metadata.get("author", head.doctor),
        subject=head.metadata.get("subject", ""),
        creator="tpchart",
        # Every page starts in this face: the default, Helvetica, would be named in the
        # PDF without being embedded (an archived record carries every font it names).
        initialFontName=SANS,
        # Same input, same bytes (no random /ID). Invariant mode alone would also date
        # every file 2000-01-01, so the canvas is given the real creation time instead.
        invariant=True,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                "first",
                [first],
                onPage=lambda c, d: _first_page(c, head),
                onPageEnd=lambda c, d: _watermark(c, head),
                autoNextPageTemplate="later",
            ),
            PageTemplate(
                "later",
                [later],
                onPage=lambda c, d: _later_page(c, head),
                onPageEnd=lambda c, d: _watermark(c, head),
            ),
        ]
    )
    created = head.created or datetime.now().astimezone()
    doc.build(list(story), canvasmaker=partial(_CountingCanvas, created=created))
    return buffer.getvalue()


def pdf_date(moment: datetime) -> str:
    """``moment`` as a PDF date string, "D:20261124104200+01'00'" (ISO 32000-1 §7.9.4);
    a naive ``moment`` is taken as this computer's local time."""
    moment = moment.astimezone() if moment.tzinfo is None else moment
    offset = moment.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{rest:02d}'"


def _first_page(canvas: Canvas, head: Letterhead) -> None:
    width, height = PAGE_SIZE
    top = height - MARGIN
    clinic = head.clinic
    # No placeholder on paper: without a clinic name (the app asks for the profile
    # before printing; a command-line export may not have one) the line stays empty.
    name = clinic.name.strip()
    canvas.setFillColor(INK)
    if name:
        width_left = CONTENT_WIDTH * 0.6
        draw_text(
            canvas, MARGIN, top - 12, fit_text(name, SANS_BOLD, 14, width_left), SANS_BOLD, 14
        )
    canvas.setFillColor(MUTED)
    y = top - 24
    lines = [line for line in clinic.address.splitlines() if line.strip()][:4]
    if clinic.contact_line():
        lines.append(clinic.contact_line())
    for line in lines[:5]:
        draw_text(canvas, MARGIN, y, fit_text(line, SANS, 8.5, CONTENT_WIDTH * 0.6), SANS, 8.5)
        y -= 10
    right = width - MARGIN
    canvas.setFillColor(INK)
    draw_text(canvas, right, top - 12, head.title, SANS_BOLD, 12, align="right")
    canvas.setFillColor(MUTED)
    if head.doctor:
        draw_text(
            canvas,
            right,
            top - 25,
            fit_text(head.doctor, SANS, 9.5, CONTENT_WIDTH * 0.38),
            SANS,
            9.5,
            align="right",
        )
    if head.doctor_detail:
        draw_text(canvas, right, top - 36, head.doctor_detail, SANS, 8.5, align="right")
    if head.draft:
        canvas.setFillColor(DRAFT_RED)
        draw_text(canvas, right, top - 48, "DRAFT – not signed", SANS_BOLD, 10, align="right")
    _rule(canvas, height - MARGIN - HEADER_HEIGHT + 3 * mm)
    _footer(canvas, head)


def _later_page(canvas: Canvas, head: Letterhead) -> None:
    width, height = PAGE_SIZE
    y = height - MARGIN - 10
    canvas.setFillColor(INK)
    draw_text(
        canvas, MARGIN, y, fit_text(head.running, SANS_BOLD, 9, CONTENT_WIDTH * 0.65), SANS_BOLD, 9
    )
    canvas.setFillColor(DRAFT_RED if head.draft else MUTED)
    title = f"{head.title} – DRAFT" if head.draft else head.title
    draw_text(canvas, width - MARGIN, y, title, SANS_BOLD if head.draft else SANS, 9, align="right")
    _rule(canvas, height - MARGIN - RUNNING_HEADER_HEIGHT + 3 * mm)
    _footer(canvas, head)


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y, PAGE_SIZE[0] - MARGIN, y)


def _footer(canvas: Canvas, head: Letterhead) -> None:
    canvas.saveState()
    _rule(canvas, MARGIN + FOOTER_HEIGHT - 4 * mm)
    canvas.setFillColor(MUTED)
    text_width = CONTENT_WIDTH - 30 * mm  # leave room for "Page 12 of 12"
    draw_text(
        canvas,
        MARGIN,
        MARGIN + FOOTER_HEIGHT - 8 * mm,
        fit_text(CONFIDENTIAL, SANS, 7.5, text_width),
        SANS,
        7.5,
    )
    if head.footer_note:
        draw_text(canvas, MARGIN, MARGIN + FOOTER_HEIGHT - 11.5 * mm, head.footer_note, SANS, 7.5)
    canvas.restoreState()


def _watermark(canvas: Canvas, head: Letterhead) -> None:
    """DRAFT across the page, drawn last and translucent: on top of every box and
    table, so no part of a draft can be copied out looking signed."""
    if not head.draft:
        return
    width, height = PAGE_SIZE
    canvas.saveState()
    canvas.setFillColor(WATERMARK)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(50)
    draw_text(canvas, 0, -40, "DRAFT", SANS_BOLD, 150, align="centre")
    canvas.restoreState()


class _CountingCanvas(Canvas):
    """Holds pages back until the end, when the total is known, to write "Page X of Y";
    dates the file ``created``."""

    def __init__(self, *args, created: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        # reportlab asks this formatter for CreationDate and ModDate (one stamp for both:
        # the file is written once). It is handed the invariant 2000-01-01 and ignores it.
        stamp = pdf_date(created)
        self.setDateFormatter(lambda *_ignored: stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFillColor(MUTED)
            draw_text(
                self,
                PAGE_SIZE[0] - MARGIN,
                MARGIN + FOOTER_HEIGHT - 8 * mm,
                f"Page {number} of {total}",
                SANS,
                8,
                align="right",
            )
            super().showPage()
        super().save()
