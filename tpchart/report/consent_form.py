"""The consent form: what dry needling is, where the needles will go and what can go
wrong, in the patient's words, with room for the patient (or guardian) and the
practitioner to sign.

The wording is ``tpchart.core.consent``'s, by version: the form prints the version
recorded on the session when consent was ticked, else the current one (a form
printed before consent is ticked is the one being explained), and names it in the
footer, so the filed paper and the record agree on which words the patient read. The
session adds only what is its own: the patient, the doctor, and the sites planned (its
marked points as body areas, in the aftercare sheet's plain words; when nothing is
marked yet, the complaint area and a line that the sites will be explained). The lung
section appears exactly when a planned site lies over the lung (``core.lung``, as the
aftercare sheet's emergency box does), set in a red box like that one.

Like the aftercare sheet, nothing meant for the clinician reaches it (muscles, depths,
lung-risk reasons), there is no DRAFT watermark (consent is signed before needling,
long before the record is), and it is a disclosure, audited like every export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from tpchart.core.consent import CURRENT_VERSION, ConsentSection, ConsentText, consent_text
from tpchart.core.screening import ComplaintArea
from tpchart.core.session import Session
from tpchart.report.aftercare import bulleted, needs_emergency_box, treated_areas
from tpchart.report.blocks import box, day, local, when
from tpchart.report.fonts import SANS, SANS_BOLD, markup
from tpchart.report.pages import Letterhead, build_pdf
from tpchart.report.records import SessionRecord
from tpchart.report.styles import ACCENT, CONTENT_WIDTH, INK, MUTED, styles

#: The document's name in the audit trail and in "The consent form was saved."

# The complaint area in the patient's words, for a form printed before any point is
# marked ("You told us your pain is in {area}.").
COMPLAINT_WORDS = {
    ComplaintArea.NECK: "your head or neck",
    ComplaintArea.LOW_BACK: "your low back",
}

# The space between two lines to write on.
_GAP = 8 * mm


def consent_version(session: Session) -> str:
    """The wording this session's form prints: the version recorded when consent was
    given, else the current one (the one explained to a patient not yet asked)."""
    return session.consent_text_version or CURRENT_VERSION


def wording_for(record: SessionRecord) -> ConsentText:
    """The consent wording of ``record`` (ValidationError for a version this copy of
    the app never issued: a session from a newer app is not reprinted in other words)."""
    return consent_text(consent_version(record.session))


def planned_sites(record: SessionRecord) -> list[str]:
    """The places the needles will go, in plain words, from the session's marked points."""
    return treated_areas(record.points)


def complaint_area(session: Session) -> str:
    """Where the pain is, in the patient's words ("your low back"), or "" if not recorded."""
    areas = [COMPLAINT_WORDS[a] for a in ComplaintArea if a in session.complaint_areas]
    return " and ".join(areas)


def site_lines(record: SessionRecord, wording: ConsentText) -> tuple[list[str], list[str]]:
    """(lines, listed sites) under the sites heading: the planned sites as a list, or,
    with no point marked yet, the wording's lines saying they will be explained (the
    complaint-area line only when an area was recorded)."""
    sites = planned_sites(record)
    if sites:
        return [], sites
    area = complaint_area(record.session)
    lines = [
        line.format(area=area) for line in wording.sites_not_marked if area or "{area}" not in line
    ]
    return lines, []


def form_sections(record: SessionRecord) -> list[ConsentSection]:
    """The sections printed for ``record``, in reading order, the sites filled in and
    the lung section only when a planned site lies over the lung."""
    wording = wording_for(record)
    out = []
    for section in wording.sections_for(over_lung=needs_emergency_box(record.points)):
        if section.lists_sites:
            lines, sites = site_lines(record, wording)
            if sites:
                section = ConsentSection(section.heading, section.paragraphs, tuple(sites))
            else:
                section = ConsentSection(section.heading, tuple(lines))
        out.append(section)
    return out


def consent_form_text(record: SessionRecord) -> str:
    """The form's words as plain text, one paragraph or list item a line (what the
    readability check reads)."""
    wording = wording_for(record)
    lines = [wording.title]
    for s in form_sections(record):
        lines += [s.heading, *s.paragraphs, *s.items]
    return "\n".join([*lines, *wording.agreement, wording.explained])


def consent_form_pdf(
    record: SessionRecord, *, printed_at: datetime | None = None, tz: tzinfo | None = None
) -> bytes:
    """The consent form of ``record`` as PDF bytes: one A4 page for a few sites, two
    with the lung section and a long plan."""
    session, patient = record.session, record.patient
    wording = wording_for(record)
    started = local(session.started_at, tz)
    doctor = record.practitioner.name if record.practitioner else ""
    printed = f" · Printed {when(printed_at, tz)}" if printed_at else ""
    head = Letterhead(
        clinic=record.clinic,
        title=wording.title,
        doctor=doctor,
        running=f"{patient.full_name} · {patient.record_number} · {started:%d %b %Y}",
        # The version on every page: a loose page still says which words it carries.
        footer_note=f"Consent wording {wording.version} · Session {session.id}{printed}",
        metadata={
            "title": f"{wording.title}: {patient.full_name}, {started:%d %b %Y}",
            "subject": f"Consent to dry needling (wording {wording.version})",
        },
        created=printed_at,
    )
    return build_pdf(consent_story(record, tz), head)


def consent_story(record: SessionRecord, tz: tzinfo | None = None) -> list[Flowable]:
    """The flowables of the form, in reading order."""
    s = _styles()
    patient = record.patient
    started = local(record.session.started_at, tz)
    doctor = record.practitioner.name if record.practitioner else ""
    with_whom = f" with {doctor}" if doctor else ""
    story: list[Flowable] = [
        _p(patient.full_name, s["title"]),
        _p(
            f"Born {day(patient.date_of_birth)} · Record {patient.record_number} · "
            f"Session on {started:%d %B %Y}{with_whom}",
            s["lead"],
        ),
        Spacer(0, 2),
    ]
    sections = form_sections(record)
    for index, section in enumerate(sections):
        if section.over_lung_only and index < len(sections) - 1:
            lines = [_p(section.heading, s["alarm"])]
            lines += [_p(t, s["text"]) for t in section.paragraphs]
            story += [Spacer(0, 6), box(lines, "warning"), Spacer(0, 2)]
            continue
        part: list[Flowable] = [_p(section.heading, s["heading"])]
        part += [_p(t, s["text"]) for t in section.paragraphs]
        part += bulleted(section.items, s["item"])
        if index == len(sections) - 1:
            # The last section (the right to say no) goes with the signatures: a form
            # that runs onto a second page never has a page of bare signature lines.
            part += signatures(record)
        story.append(KeepTogether(part))
    return story


def signatures(record: SessionRecord) -> list[Flowable]:
    """What each signer states, and lines to sign on: the patient (or a parent or
    guardian, with their relationship) on the left, the practitioner (name and
    registration printed) on the right. Side by side: a form with a few sites and no
    lung section stays on one page."""
    s = _styles()
    wording = wording_for(record)
    doctor = record.practitioner
    column = (CONTENT_WIDTH - _GAP) / 2
    agreement = [_p(line, s["item"], bullet=True) for line in wording.agreement]
    rows = [
        [_p("Patient, or parent or guardian", s["signer"]), "", _p("Practitioner", s["signer"])],
        [agreement, "", _p(wording.explained, s["text"])],
        [
            _lines([("Signature of patient or guardian", 0.66), ("Date", 0.34)], column),
            "",
            _lines([("Signature of practitioner", 0.66), ("Date", 0.34)], column),
        ],
        [
            _lines([("Parent or guardian's name", 0.6), ("Relationship", 0.4)], column),
            "",
            _lines(
                [("Name", 0.6), ("Registration", 0.4)],
                column,
                [doctor.name, doctor.registration] if doctor else (),
            ),
        ],
    ]
    table = Table(rows, colWidths=[column, _GAP, column])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [Spacer(0, 2), _p("Your agreement", s["heading"]), table]


def _lines(
    fields: Sequence[tuple[str, float]], width: float, filled: Sequence[str] = ()
) -> Table:  # fmt: skip
    """A row of lines to write on, each with its label underneath (``fields``: label and
    share of ``width``), pre-filled with ``filled`` where the app knows the answer. A
    narrow gap column keeps neighbouring lines from joining into one."""
    s = _styles()
    values = list(filled) or [""] * len(fields)
    gap = _GAP / 2
    row: list[Flowable | str] = []
    labels: list[Flowable | str] = []
    widths: list[float] = []
    lines = []
    for index, ((label, share), value) in enumerate(zip(fields, values, strict=True)):
        if index:
            row.append("")
            labels.append("")
            widths.append(gap)
        lines.append(("LINEBELOW", (len(row), 0), (len(row), 0), 0.6, INK))
        row.append(_p(value, s["filled"]) if value else "")
        labels.append(_p(label, s["label"]))
        widths.append((width - gap * (len(fields) - 1)) * share)
    # The first row is the writing space: tall enough for a signature.
    table = Table([row, labels], colWidths=widths, rowHeights=[9 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 1),
                ("TOPPADDING", (0, 1), (-1, 1), 1),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 2),
                *lines,
            ]
        )
    )
    return table


def _p(text: str, style: ParagraphStyle, *, bullet: bool = False) -> Paragraph:
    return Paragraph(markup(text), style, bulletText="•" if bullet else None)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    """The aftercare sheet's sizes, a half point smaller: the same reader, more words."""
    body = styles()["body"]
    text = ParagraphStyle("consent", body, fontSize=10.5, leading=14, spaceAfter=2.5)
    return {
        "text": text,
        "title": ParagraphStyle("consent_title", text, fontName=SANS_BOLD, fontSize=15,
                                leading=19, spaceAfter=1),
        "lead": ParagraphStyle("consent_lead", text, fontSize=10, textColor=MUTED),
        "heading": ParagraphStyle("consent_heading", text, fontName=SANS_BOLD, fontSize=12,
                                  leading=15, spaceBefore=7, spaceAfter=2, textColor=ACCENT),
        "alarm": ParagraphStyle("consent_alarm", text, fontName=SANS_BOLD, fontSize=12,
                                leading=15.5, spaceAfter=3),
        "signer": ParagraphStyle("consent_signer", text, fontName=SANS_BOLD, spaceBefore=2),
        "label": ParagraphStyle("consent_label", text, fontSize=8.5, leading=10,
                                textColor=MUTED),
        "filled": ParagraphStyle("consent_filled", text, fontSize=10.5, leading=12),
        # bulletFontName: reportlab's default bullet face is Helvetica, named in the
        # PDF without being embedded.
        "item": ParagraphStyle("consent_item", text, leftIndent=14, bulletIndent=3,
                               bulletFontName=SANS, spaceAfter=1),
    }  # fmt: skip
