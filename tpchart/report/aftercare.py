"""The aftercare sheet: what the patient takes home after a session, in everyday words.

It says what was treated (body areas, never muscle names or depths), what to expect,
what to do, when to call the clinic and when the next appointment is, tailored to
the session: an emergency box when a point over the lung was needled, bruising
advice when the patient takes blood thinners, the doctor's own advice when they
wrote any. Nothing meant for the clinician reaches it (lung-risk reasons, red-flag
decisions, adverse-event grading, notes): that is the clinical record's job.

Wording aims at a 12-year-old reader: Flesch reading ease 70 or more, grade 7 or
less (``tpchart.report.readability``; tests/report/test_aftercare.py measures it).
The advice itself follows shared/clinical.md ("After"): soreness, heaviness or
tiredness for a day or two, bruising; light stretching, fluids, no strenuous
exercise or heavy lifting for 24 hours; relief within hours up to 1 to 3 days.
Lung symptoms can start hours later, when the clinic is shut (issue 16), so the
emergency box sends the patient to an emergency department, not to the clinic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from types import MappingProxyType

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from tpchart.core.clinic import ClinicProfile
from tpchart.core.errors import TpchartError
from tpchart.core.regions import REGIONS, Side
from tpchart.core.screening import Precaution
from tpchart.core.session import DEFAULT_AFTERCARE
from tpchart.core.trigger_point import TriggerPoint
from tpchart.report.blocks import box, local, when
from tpchart.report.fonts import SANS, SANS_BOLD, markup
from tpchart.report.pages import Letterhead, build_pdf
from tpchart.report.records import SessionRecord
from tpchart.report.styles import ACCENT, CONTENT_WIDTH, MUTED, styles

TITLE = "Aftercare sheet"

# Where each body-map region is, in words a patient uses: (one side, both sides or
# the midline). "{side}" becomes "right" or "left", the patient's own side. Regions
# that read the same (the top of the shoulder from the front and from the back) share
# their words, so the list names the place once.
AREA_WORDS = MappingProxyType(
    {
        "front.head": ("your {side} temple and forehead", "both temples and your forehead"),
        "front.jaw": ("your {side} jaw", "both sides of your jaw"),
        "front.neck.anterior": ("the front of your neck on the {side}", "the front of your neck"),
        "front.shoulder.upper": ("the top of your {side} shoulder", "the top of both shoulders"),
        "front.shoulder": ("the front of your {side} shoulder", "the front of both shoulders"),
        "front.chest": ("the {side} side of your chest", "both sides of your chest"),
        "front.axilla": ("your {side} armpit", "both armpits"),
        "front.chest.lateral": (
            "your {side} side below the armpit",
            "both sides below the armpits",
        ),
        "front.abdomen.upper": ("your upper belly on the {side}", "your upper belly"),
        "front.abdomen.lower": ("your lower belly on the {side}", "your lower belly"),
        "front.hip": ("the front of your {side} hip", "the front of both hips"),
        "front.groin": ("your {side} groin", "both sides of your groin"),
        "front.arm.upper": ("the front of your {side} upper arm", "the front of both upper arms"),
        "front.elbow": ("the front of your {side} elbow", "the front of both elbows"),
        "front.forearm": ("the palm side of your {side} forearm", "the palm side of both forearms"),
        "front.hand": ("the palm of your {side} hand", "both palms"),
        "front.hand.thumb": ("the base of your {side} thumb", "the base of both thumbs"),
        "front.thigh": ("the front of your {side} thigh", "the front of both thighs"),
        "front.thigh.lateral": ("the outside of your {side} thigh", "the outside of both thighs"),
        "front.thigh.inner": ("the inside of your {side} thigh", "the inside of both thighs"),
        "front.knee": ("the front of your {side} knee", "the front of both knees"),
        "front.shin": ("your {side} shin", "both shins"),
        "front.foot": ("the top of your {side} foot", "the top of both feet"),
        "back.head": ("the back of your head on the {side}", "the back of your head"),
        "back.neck.posterior": ("the back of your neck on the {side}", "the back of your neck"),
        "back.shoulder.upper": ("the top of your {side} shoulder", "the top of both shoulders"),
        "back.shoulder": ("the back of your {side} shoulder", "the back of both shoulders"),
        "back.scapula": ("your {side} shoulder blade", "both shoulder blades"),
        "back.upper": (
            "your upper back between the shoulder blades on the {side}",
            "your upper back between the shoulder blades",
        ),
        "back.mid": ("your middle back on the {side}", "your middle back"),
        "back.lower": ("your lower back on the {side}", "your lower back"),
        "back.hip": ("the side of your {side} hip", "the sides of both hips"),
        "back.buttock": ("your {side} buttock", "both buttocks"),
        "back.arm.upper": ("the back of your {side} upper arm", "the back of both upper arms"),
        "back.elbow": ("the back of your {side} elbow", "the back of both elbows"),
        "back.forearm": ("the back of your {side} forearm", "the back of both forearms"),
        "back.hand": ("the back of your {side} hand", "the back of both hands"),
        "back.hand.webspace": (
            "the web between your {side} thumb and first finger",
            "the web between thumb and first finger on both hands",
        ),
        "back.thigh": ("the back of your {side} thigh", "the back of both thighs"),
        "back.knee": ("the back of your {side} knee", "the back of both knees"),
        "back.calf": ("your {side} calf", "both calves"),
        "back.foot": ("the sole of your {side} foot", "the soles of both feet"),
        "head.crown": ("the top of your head on the {side}", "the top of your head"),
        "head.forehead": ("your forehead on the {side}", "your forehead"),
        "head.temporal": ("your {side} temple", "both temples"),
        "head.occiput": ("the back of your head on the {side}", "the back of your head"),
        "head.face": ("your {side} cheek", "both cheeks"),
        "head.tmj": ("your {side} jaw joint in front of the ear", "both jaw joints"),
        "head.masseter": ("your {side} jaw", "both sides of your jaw"),
        "head.chin": ("your chin and under your jaw on the {side}", "your chin and under your jaw"),
        "head.suboccipital": ("the base of your skull on the {side}", "the base of your skull"),
        "head.neck.posterior": ("the back of your neck on the {side}", "the back of your neck"),
        "head.neck.anterior": ("the front of your neck on the {side}", "the front of your neck"),
    }
)
# A region this version does not know (a record from a later catalogue) still prints.
_UNKNOWN_AREA = ("one more place on your {side} side", "one more place")

# This many places read better as a list than as one long sentence, and a list this
# long in two columns.
_LIST_FROM = 4
_TWO_COLUMNS_FROM = 8

# The standard advice, the clinic's for everyone after dry needling (clinical.md, "After").
EXPECT = (
    "Your muscles may feel sore, heavy or tired for a day or two. This is normal and "
    "will pass. You may get a small bruise where a needle went in. Many people feel "
    "better within hours. For others it takes one to three days."
)
TO_DO = (
    "Stretch the treated muscles gently. Drink plenty of water. For the next 24 hours, "
    "do not do hard exercise or lift heavy things. Gentle walking is fine."
)
EMERGENCY = (
    "Go to an emergency department now (call your local emergency number) if you "
    "become short of breath or have chest pain, even hours after your treatment."
)
EMERGENCY_WHY = (
    "Some of the muscles we treated today lie over your lungs. A problem with a lung "
    "is rare, but it needs help at once. Do not wait for the clinic to open. Tell them "
    "you had needle treatment today, and where."
)
BLOOD_THINNERS = (
    "You told us you take medicine that thins your blood, or that you bleed easily. "
    "So a bruise may be bigger and last longer. If a needle spot bleeds, press on it "
    "firmly with a clean tissue for ten minutes. Do not stop your medicine unless your "
    "doctor tells you to."
)


STANDARD_NOTE = "Our standard advice for everyone after this treatment."


class NothingNeedled(TpchartError):
    """A session with no needled point has no aftercare sheet (a referral, a talk)."""


@dataclass(frozen=True)
class Section:
    """One part of the sheet: a heading and its paragraphs; ``kind`` "emergency" is
    set in a red box, "standard" is the clinic's standard advice, "" the session's own."""

    heading: str
    paragraphs: tuple[str, ...]
    kind: str = ""
    items: tuple[str, ...] = ()  # a list after the paragraphs (many treated places)


def treated_areas(points: Iterable[TriggerPoint]) -> list[str]:
    """The places needled, in plain words, in the order of their first point; a place
    needled on both sides is named once ("the top of both shoulders")."""
    sides: dict[tuple[str, str], set[Side]] = {}
    for p in sorted(points, key=lambda p: p.number):
        stem = p.region_id.rsplit(".", 1)[0]
        words = AREA_WORDS.get(stem, _UNKNOWN_AREA)
        # The region's side: a point set to the midline in the inspector still lies in
        # a left or right region, and "both sides" would claim a side never needled.
        region = REGIONS.get(p.region_id)
        sides.setdefault(words, set()).add(region.side if region else p.side)
    out = []
    for (one, both), found in sides.items():
        if found == {Side.RIGHT}:
            out.append(one.format(side="right"))
        elif found == {Side.LEFT}:
            out.append(one.format(side="left"))
        else:
            out.append(both)
    return list(dict.fromkeys(out))


def needs_emergency_box(points: Iterable[TriggerPoint]) -> bool:
    """Whether a needled point lies over the lung (core's lung-risk rule)."""
    return any(p.lung_risk_reason for p in points)


def takes_blood_thinners(record: SessionRecord) -> bool:
    """Whether the session's screening found anticoagulants or a bleeding disorder."""
    return Precaution.ANTICOAGULANTS in record.session.contraindications


def contact(clinic: ClinicProfile) -> str:
    """How to reach the clinic, to follow "please": "call us on +49 89 1234 5678",
    the e-mail when there is no phone, else the clinic's name; never a placeholder."""
    if clinic.phone.strip():
        return f"call us on {clinic.phone.strip()}"
    if clinic.email.strip():
        return f"e-mail us at {clinic.email.strip()}"
    return f"contact {clinic.name.strip() or 'the clinic'}"


def doctors_advice(record: SessionRecord) -> str:
    """The advice the doctor wrote for this session, or "" when none was written. The
    standard text the form fills in is not the doctor's own: the sheet gives it, in
    plainer words, as the clinic's standard advice."""
    text = record.session.aftercare_text.strip()
    return "" if text == DEFAULT_AFTERCARE.strip() else text


def handout_sections(record: SessionRecord) -> list[Section]:
    """The sheet's content in reading order (NothingNeedled without a needled point)."""
    points = record.points
    if not points:
        raise NothingNeedled(
            "Nothing was needled in this session, so there is no aftercare sheet for it."
        )
    call = contact(record.clinic)
    areas = treated_areas(points)
    lead = "We put fine needles into tight, sore spots in the muscles of"
    if len(areas) < _LIST_FROM:
        treated = Section("What we treated today", (f"{lead} {_join(areas)}.",))
    else:
        treated = Section("What we treated today", (f"{lead} these places:",), items=tuple(areas))
    sections = []
    if needs_emergency_box(points):
        # First, under the name: the one danger that matters must not be pushed down
        # the page by a long list of treated places.
        sections.append(Section(EMERGENCY, (EMERGENCY_WHY,), kind="emergency"))
    sections.append(treated)
    sections.append(Section("What you may feel", (EXPECT,), kind="standard"))
    sections.append(Section("What to do", (TO_DO,), kind="standard"))
    if takes_blood_thinners(record):
        bruise = f"Please {call} if a bruise keeps growing, or is very swollen or painful."
        sections.append(Section("If you bruise or bleed easily", (BLOOD_THINNERS, bruise)))
    own = doctors_advice(record)
    if own:
        doctor = record.practitioner.name if record.practitioner else "your doctor"
        sections.append(Section(f"Advice from {doctor} for you", (own,)))
    when_to_call = [
        f"Please {call} if the pain is very bad, or if it gets worse after two days "
        "instead of better. Call us too if a needle spot turns red, hot or swollen, or "
        "if you get a fever."
    ]
    if needs_emergency_box(points):
        when_to_call.append(
            "If you are short of breath or have chest pain, do not wait for us: go to an "
            "emergency department."
        )
    sections.append(Section("When to call us", tuple(when_to_call)))
    plan = record.session.follow_up.strip()
    nxt = plan or f"No next appointment was set today. Please {call} if you would like one."
    sections.append(Section("Your next appointment", (nxt,)))
    return sections


def handout_text(record: SessionRecord) -> str:
    """The sheet's words as plain text, one paragraph or list item a line (what the
    readability check reads)."""
    lines = []
    for s in handout_sections(record):
        lines += [s.heading, *s.paragraphs, *s.items]
    return "\n".join(lines)


def aftercare_pdf(
    record: SessionRecord, *, printed_at: datetime | None = None, tz: tzinfo | None = None
) -> bytes:
    """The aftercare sheet of ``record`` as PDF bytes (A4; one page for an ordinary
    session). No DRAFT watermark: the patient takes it home straight after the
    session, often before the record is signed, and it is advice, not the record."""
    session, patient = record.session, record.patient
    started = local(session.started_at, tz)
    doctor = record.practitioner.name if record.practitioner else ""
    printed = f"Printed {when(printed_at, tz)} · " if printed_at else ""
    head = Letterhead(
        clinic=record.clinic,
        title=TITLE,
        doctor=doctor,
        running=f"{patient.full_name} · {started:%d %b %Y}",
        footer_note=f"{printed}Session {session.id}",
        metadata={
            "title": f"{TITLE}: {patient.full_name}, {started:%d %b %Y}",
            "subject": "Aftercare advice after dry needling",
        },
        created=printed_at,
    )
    return build_pdf(handout_story(record, tz), head)


def handout_story(record: SessionRecord, tz: tzinfo | None = None) -> list[Flowable]:
    """The flowables of the sheet, in reading order."""
    s = _styles()
    started = local(record.session.started_at, tz)
    doctor = record.practitioner.name if record.practitioner else ""
    with_whom = f" with {doctor}" if doctor else ""
    story: list[Flowable] = [
        _p(record.patient.full_name, s["title"]),
        _p(f"Your treatment on {started:%d %B %Y}{with_whom}.", s["lead"]),
        Spacer(0, 4),
    ]
    for section in handout_sections(record):
        if section.kind == "emergency":
            lines = [_p(section.heading, s["alarm"])]
            lines += [_p(t, s["text"]) for t in section.paragraphs]
            story += [Spacer(0, 8), box(lines, "warning"), Spacer(0, 2)]
            continue
        part: list[Flowable] = [_p(section.heading, s["heading"])]
        if section.kind == "standard":
            # Not written for this patient today, and the sheet must not pass it off
            # as such (issue 16: the summary printed the default as advice given).
            part.append(_p(STANDARD_NOTE, s["note"]))
        part += [_p(t, s["text"]) for t in section.paragraphs]
        part += bulleted(section.items, s["item"])
        story.append(KeepTogether(part))
    return story


def bulleted(items: Sequence[str], style: ParagraphStyle) -> list[Flowable]:
    """A bulleted list, in two columns when it is long (a visit over the whole body
    still leaves room on the page for the advice). Plain flowables, never a nested
    KeepTogether: reportlab then moves the whole section to the next page."""
    bullets: list[Flowable] = [Paragraph(markup(item), style, bulletText="•") for item in items]
    if len(bullets) < _TWO_COLUMNS_FROM:
        return bullets
    half = (len(bullets) + 1) // 2
    rows = [[bullets[i], bullets[i + half] if i + half < len(bullets) else ""] for i in range(half)]
    table = Table(rows, colWidths=[CONTENT_WIDTH / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]


def _join(parts: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text), style)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    """Larger than the record's type: many patients read it without their glasses."""
    body = styles()["body"]
    text = ParagraphStyle("handout", body, fontSize=11, leading=15, spaceAfter=3)
    return {
        "text": text,
        "title": ParagraphStyle("handout_title", text, fontName=SANS_BOLD, fontSize=16,
                                leading=20, spaceAfter=2),
        "lead": ParagraphStyle("handout_lead", text, fontSize=11.5),
        "heading": ParagraphStyle("handout_heading", text, fontName=SANS_BOLD, fontSize=12.5,
                                  leading=16, spaceBefore=8, spaceAfter=2, textColor=ACCENT),
        "note": ParagraphStyle("handout_note", text, fontSize=9.5, leading=12,
                               textColor=MUTED),
        "alarm": ParagraphStyle("handout_alarm", text, fontName=SANS_BOLD, fontSize=12.5,
                                leading=16.5, spaceAfter=4),
        # bulletFontName: reportlab's default bullet face is Helvetica, named in the
        # PDF without being embedded.
        "item": ParagraphStyle("handout_item", text, leftIndent=14, bulletIndent=3,
                               bulletFontName=SANS, spaceAfter=1),
    }  # fmt: skip
