"""The session summary: one session on A4, for the patient to take home and the file.

Order follows the consultation (shared/clinical.md): who and when, status,
assessment and pain, screening and consent, what was found and needled (body
maps and a table of points), adverse events, aftercare and follow-up.

What the safety rules record is printed as recorded (issue 15): the complaint area,
red flags with the decision taken and its reason, precautions with their site, the
lung precautions taken per point, adverse events with "asked, none" told apart from
"not asked", and events the patient reported at a later session.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table

from tpchart.core.patient import Sex
from tpchart.core.precaution_sites import PrecautionSite
from tpchart.core.regions import REGIONS
from tpchart.core.safety import Caution, Level, lung_cautions, site_cautions
from tpchart.core.screening import REFERRAL_ADVICE, ComplaintArea, RedFlagDecision
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint
from tpchart.core.versions import version_changes
from tpchart.report.blocks import (
    DASH,
    born,
    box,
    grid,
    heading,
    key_values,
    local,
    para,
    rich,
    score,
    when,
)
from tpchart.report.diagrams import DiagramPanel
from tpchart.report.pages import Letterhead, build_pdf
from tpchart.report.records import SessionRecord
from tpchart.report.styles import FOOTER_HEIGHT, MARGIN, PAGE_SIZE, RUNNING_HEADER_HEIGHT

# The record of one session, complete, for the file and for colleagues (issue 16 renamed
# it from "treatment summary": the patient takes the aftercare sheet home).
TITLE = "Clinical record"

# Points table: column titles and widths in mm (they add up to the 180 mm text width).
POINT_COLUMNS = (
    ("No.", 9),
    ("Region", 30),
    # Wide enough for "sternocleidomastoid" whole: a muscle name never breaks mid-word.
    ("Muscle", 36),
    ("Side", 12),
    ("Type", 13),
    ("Twitch", 18),
    ("Needle", 20),
    ("Technique", 32),
    ("Pain", 10),
)


def session_summary_pdf(
    record: SessionRecord, *, printed_at: datetime | None = None, tz: tzinfo | None = None
) -> bytes:
    """The session summary of ``record`` as PDF bytes. ``tz`` is the zone times are
    shown in (the machine's local zone by default)."""
    session, patient = record.session, record.patient
    started = local(session.started_at, tz)
    doctor = record.practitioner
    printed = f"Printed {when(printed_at, tz)} · " if printed_at else ""
    head = Letterhead(
        clinic=record.clinic,
        title=TITLE,
        doctor=doctor.name if doctor else "",
        doctor_detail=f"Reg. {doctor.registration}" if doctor and doctor.registration else "",
        running=f"{patient.full_name} · {patient.record_number} · {started:%d %b %Y}",
        draft=session.status is not SessionStatus.SIGNED,
        footer_note=f"{printed}Session {session.id}, version {session.version}",
        metadata={
            "title": f"{TITLE}: {patient.full_name}, {started:%d %b %Y}",
            "subject": "Dry needling clinical record",
        },
        created=printed_at,
    )
    return build_pdf(session_story(record, tz=tz), head)


def session_story(record: SessionRecord, tz: tzinfo | None = None) -> list[Flowable]:
    """The flowables of the summary, in reading order."""
    story: list[Flowable] = []
    story += _identity(record, tz)
    story += _status(record, tz)
    story += _assessment(record)
    story += _history(record)
    story += _screening(record, tz)
    story += _points(record)
    story += _after(record, tz)
    story += _amendments(record, tz)
    story += _attestation(record, tz)
    return story


def _identity(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    patient, session = record.patient, record.session
    started = local(session.started_at, tz)
    return [
        para(patient.full_name, "h1"),
        Spacer(0, 3),
        key_values(
            [
                ("Date of birth", born(patient, started.date())),
                ("Record number", patient.record_number),
                ("Sex", SEX_TEXT[patient.sex]),
                ("Session", when(session.started_at, tz)),
                ("Practitioner", record.practitioner.name if record.practitioner else DASH),
            ]
        ),
    ]


SEX_TEXT = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.OTHER: "Other", Sex.UNKNOWN: "Not recorded"}


def status_text(record: SessionRecord, tz: tzinfo | None = None) -> str:
    """The status line: DRAFT, amendment in progress, or who signed and when."""
    s = record.session
    if s.status is SessionStatus.DRAFT:
        return "DRAFT – not signed. This is not a signed clinical record."
    if s.status is SessionStatus.AMENDING:
        return f"DRAFT – amendment in progress (version {s.version}), not signed."
    who = record.signer.name if record.signer else "unknown practitioner"
    signed = f"Signed by {who} on {when(s.signed_at, tz)}"
    if s.version > 1:
        return f"Amended, version {s.version}. {signed}."
    return f"{signed}."


def _status(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    signed = record.session.status is SessionStatus.SIGNED
    lines: list[Flowable] = [para(status_text(record, tz), bold=True)]
    if record.amendments:
        count = len(record.amendments)
        times = "once" if count == 1 else f"{count} times"
        lines.append(para(f"Reopened for amendment {times}: each reason, and what it "
                          "changed, is listed under Amendments at the end."))  # fmt: skip
    return [Spacer(0, 6), box(lines, "note" if signed else "warning"), Spacer(0, 2)]


def _assessment(record: SessionRecord) -> list[Flowable]:
    s = record.session
    change = ""
    if s.pain_before is not None and s.pain_after is not None:
        change = f" (change {s.pain_after - s.pain_before:+d})"
    areas = ", ".join(a.label for a in ComplaintArea if a in s.complaint_areas)
    pairs = [
        ("Chief complaint", s.chief_complaint),
        ("Complaint area", areas or "Neither neck nor low back"),
        ("Likely cause", s.likely_cause.label if s.likely_cause else ""),
        ("Pain before", f"{score(s.pain_before)} (NRS 0–10)"),
        ("Pain after", f"{score(s.pain_after)}{change}"),
    ]
    measures = [
        ("Neck Disability Index", s.ndi, " %"),
        ("Oswestry Disability Index", s.odi, " %"),
        ("PSFS (mean 0–10)", s.psfs, ""),
    ]
    pairs += [(label, f"{value:g}{unit}") for label, value, unit in measures if value is not None]
    return [heading("Assessment"), key_values(pairs)]


def _history(record: SessionRecord) -> list[Flowable]:
    history = record.patient.medical_history.strip()
    # The standing precautions are not printed from the patient's record here: the
    # session copied them in when it was screened, and Screening prints that copy with
    # its sites, so a precaution added to the patient later never appears in this record.
    return [
        heading("Medical history"),
        para(history or "No medical history recorded."),
        # The patient's record is kept current, not versioned per session: say which.
        para("From the patient's record as it stands when this was printed.", "small"),
    ]


def sites_of(record: SessionRecord) -> list[PrecautionSite]:
    """The sited precautions screened at this session, each once. The session's own,
    not the patient's standing list as it is today: a reprint of a signed session must
    say what was recorded then (the session form copies the standing sites in)."""
    return list(dict.fromkeys(record.session.precaution_sites))


def precautions_text(record: SessionRecord) -> str:
    """The screening result in a sentence, a sited precaution with its site."""
    s = record.session
    sites = sites_of(record)
    sited = {site.precaution for site in sites}
    found = [site.text for site in sites]
    found += sorted(p.label for p in s.contraindications if p not in sited)
    if not found:
        return "Screened for contraindications and precautions: none found."
    return "Contraindications and precautions found: " + "; ".join(found) + "."


def red_flag_lines(session: Session, needled: bool) -> list[tuple[str, bool]]:
    """The red flags and the decision taken, as (text, bold) lines; empty without a flag.

    Never the advice to decide "before needling" above points already needled: a
    session recorded before decisions were asked for says plainly that none was."""
    if not session.red_flags:
        return []
    flags = "; ".join(sorted(f.label for f in session.red_flags))
    lines = [(f"Red flags: {flags}.", True)]
    decision = session.red_flag_decision
    if decision is RedFlagDecision.REFERRED:
        lines.append((f"Decision: {decision.label}. No needling after the referral.", True))
    elif decision is RedFlagDecision.SAFE_TO_PROCEED:
        reason = session.red_flag_reason.strip() or "no reason recorded"
        lines.append((f"Decision: {decision.label}. Reason: {reason}", False))
    elif needled:
        lines.append(("No decision on the red flags was recorded.", True))
    else:
        lines.append((REFERRAL_ADVICE, False))
    return lines


def _screening(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    s = record.session
    out: list[Flowable] = [heading("Screening and consent")]
    if s.screening_done:
        out.append(para(precautions_text(record)))
    else:
        out.append(para("Screening for contraindications was not recorded.", bold=True))
    flags = red_flag_lines(s, needled=bool(record.points))
    if flags:
        kind = "warning" if s.red_flag_undecided or s.referred else "caution"
        out.append(box([para(text, bold=bold) for text, bold in flags], kind))
    elif s.screening_done:
        out.append(para("Red flags: none found."))
    if s.consent_given:
        at = f" on {when(s.consent_at, tz)}" if s.consent_at else ""
        out.append(
            para(
                f"Consent given by {s.consent_by}{at}, after the procedure and the "
                "needle sites were explained."
            )
        )
    elif record.points:
        out.append(para("Consent was not recorded.", bold=True))
    else:
        out.append(para("Nothing was needled; no consent to needling was recorded."))
    if s.skin_prepared:
        out.append(para("Skin was cleaned at each needle site. No anaesthetic was used."))
    elif record.points:
        out.append(para("Skin preparation was not recorded."))
    lung = lung_cautions(record.points, record.patient.build, s.both_sides_acknowledged)
    if lung:
        out += [Spacer(0, 4), caution_box("Lung risk", lung)]
    at_sites = site_cautions(record.points, sites_of(record))
    if at_sites:
        out += [Spacer(0, 4), caution_box("Points on the site of a precaution", at_sites)]
    return out


def caution_box(title: str, cautions: list[Caution]) -> Table:
    """A titled box of cautions: red with a warning among them, yellow with a caution,
    grey when every line says what was done."""
    strongest = max(c.level for c in cautions)
    lines = [para(title, bold=True)]
    lines += [para(text, bold=level is Level.WARNING) for level, text in caution_lines(cautions)]
    kind = {Level.WARNING: "warning", Level.CAUTION: "caution", Level.DONE: "note"}[strongest]
    return box(lines, kind)


def caution_lines(cautions: list[Caution]) -> list[tuple[Level, str]]:
    """The cautions with the same wording merged into one line listing their points:
    a session with nine points between the shoulder blades needs one line, not nine."""
    merged: dict[tuple[Level, str], list[int]] = {}
    for c in cautions:
        text = c.message
        if len(c.points) == 1:
            text = text.removeprefix(f"Point {c.points[0]}, ")
        merged.setdefault((c.level, text), []).extend(c.points if len(c.points) == 1 else [])
    lines = []
    for (level, text), numbers in merged.items():
        if numbers:
            label = "Point" if len(numbers) == 1 else "Points"
            text = f"{label} {', '.join(map(str, sorted(numbers)))}: {text}"
        lines.append((level, text))
    return lines


def _points(record: SessionRecord) -> list[Flowable]:
    points = sorted(record.points, key=lambda p: p.number)
    title = heading(f"Trigger points treated ({len(points)})")
    if not points:
        return [title, para("No trigger points were charted in this session.")]
    return [MapsWithTable(DiagramPanel(points, title=title), points_table(points))]


# The room for the story on a page after the first (pages.build_pdf's later frame).
LATER_PAGE_HEIGHT = PAGE_SIZE[1] - 2 * MARGIN - RUNNING_HEADER_HEIGHT - FOOTER_HEIGHT


class MapsWithTable(Flowable):
    """The body maps and the points table on one page when both fit there.

    The diagram panel shrinks to the room it is given; offered the page less the
    table, a few points' maps and table stay together instead of the table going alone
    to the next page. When they cannot share a page (many points), the panel goes first
    and the table follows, split by rows, as before."""

    GAP = 8.0

    def __init__(self, panel: DiagramPanel, table: Table) -> None:
        super().__init__()
        self._panel, self._table = panel, table
        self._table_height = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, self._table_height = self._table.wrap(available_width, available_height)
        room = max(available_height - self._table_height - self.GAP, 0.0)
        _, panel_height = self._panel.wrap(available_width, room)
        self.width = available_width
        self.height = panel_height + self.GAP + self._table_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        # Both fit on a fresh page: go there whole (nothing split) rather than leave the
        # maps on one page and their numbers' table on the next. Not from the top of a
        # page, where a refusal to split would be a layout error.
        if available_height < LATER_PAGE_HEIGHT - 1 and self._fits(available_width):
            return []
        if self._panel.wrap(available_width, available_height)[1] > available_height:
            return []  # the panel is never split: it starts the next page
        # never a lone header row at the foot of a page
        return [self._panel, Spacer(0, self.GAP), CondPageBreak(60), self._table]

    def _fits(self, width: float) -> bool:
        """Whether maps and table fit together on a page after the first."""
        return self.wrap(width, LATER_PAGE_HEIGHT)[1] <= LATER_PAGE_HEIGHT

    def draw(self) -> None:
        self._panel.drawOn(self.canv, 0, self._table_height + self.GAP)
        self._table.drawOn(self.canv, 0, 0)


def point_row(p: TriggerPoint) -> list[str]:
    """One row of the points table, as text."""
    region = REGIONS[p.region_id].label if p.region_id in REGIONS else p.region_id
    return [
        str(p.number),
        region,
        p.muscle_name or DASH,
        p.side.value.capitalize(),
        p.kind.value.capitalize(),
        p.twitch_text,
        p.needle or DASH,
        p.technique_text or DASH,
        score(p.pain),
    ]


FINDINGS = (
    ("taut_band", "taut band"),
    ("spot_tenderness", "spot tenderness"),
    ("referred_pain", "referred pain"),
    ("recognised", "pain recognised by the patient"),
)


def point_details(p: TriggerPoint) -> list[tuple[str, str]]:
    """The rest of what was recorded for a point, as (label, value) pairs: findings,
    depth and needles always (a reader checking the lung or a bruise needs to know
    they were not recorded), the pressure threshold, lung precautions and notes when
    recorded."""
    findings = [label for name, label in FINDINGS if getattr(p, name)]
    depth = f"{p.depth_mm:g} mm" if p.depth_mm is not None else "not recorded"
    parts = [
        ("Findings", ", ".join(findings) if findings else "none recorded"),
        ("Depth", depth),
        ("Needles", str(p.needles)),
    ]
    if p.pressure_threshold is not None:
        parts.append(("Pressure pain threshold", f"{p.pressure_threshold:g} kg/cm²"))
    if p.lung_precautions:
        taken = "; ".join(sorted(lp.label for lp in p.lung_precautions))
        parts.append(("Lung precautions", taken))
    if p.notes.strip():
        parts.append(("Notes", p.notes.strip()))
    return parts


def point_details_text(p: TriggerPoint) -> str:
    """`point_details` as one line of text."""
    return " · ".join(f"{label}: {value}" for label, value in point_details(p))


def _details_cell(p: TriggerPoint) -> Flowable:
    fragments: list[tuple[str, bool]] = []
    for label, value in point_details(p):
        if fragments:
            fragments.append((" · ", False))  # spaces alone collapse in a paragraph
        fragments += [(f"{label}: ", True), (value, False)]
    return rich(fragments, "cell")


def points_table(points: list[TriggerPoint]) -> Table:
    """Every point: number, region, muscle, side, type, twitch, needle, technique, pain,
    and under it a full-width line of its findings, depth, needles, threshold, notes."""
    return grid(
        [title for title, _ in POINT_COLUMNS],
        [point_row(p) for p in points],
        [width * mm for _, width in POINT_COLUMNS],
        align_right=(0, 8),
        notes=[_details_cell(p) for p in points],
    )


def _after(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    s = record.session
    out: list[Flowable] = [heading("Adverse events")]
    if s.adverse_events:
        out += [para(e.text) for e in s.adverse_events]
    else:
        out.append(para(f"{s.adverse_events_answer}."))
    for later in record.reported_later:
        r = later.reported
        out.append(
            para(
                f"Reported later, recorded on {when(r.recorded_at, tz)} by {later.by}: "
                f"{r.event.text}"
            )
        )
    out.append(heading("Aftercare advice"))
    text = s.aftercare_text.strip()
    if not (text or s.aftercare_given or record.points):
        # A session with nothing needled (a referral) gets no needling aftercare.
        out.append(para("Nothing was needled: no aftercare advice for needling was given."))
    else:
        # The record says what was recorded: an empty field is never filled with the
        # standard text, which would show advice nobody wrote down as given.
        out.append(para(text or "No aftercare advice was recorded."))
        if not s.aftercare_given:
            out.append(para("Aftercare advice was not recorded as given at the session.", "small"))
    out.append(heading("Follow-up plan"))
    out.append(para(s.follow_up.strip() or "No follow-up plan recorded."))
    out.append(heading("Session notes"))
    out.append(para(s.notes.strip() or "No session notes recorded."))
    return out


def amendment_lines(record: SessionRecord, tz: tzinfo | None = None) -> list[tuple[str, bool]]:
    """Each amendment as (text, bold) lines: when, who and why, then what changed
    between the signed version it reopened and the version signed after it."""
    versions = {v.version: v for v in record.versions}
    lines: list[tuple[str, bool]] = []
    for note in record.amendments:
        a = note.amendment
        lines.append((f"Version {a.from_version} reopened on {when(a.at, tz)} by {note.by}. "
                      f"Reason: {a.reason}", True))  # fmt: skip
        before, after = versions.get(a.from_version), versions.get(a.from_version + 1)
        if before is None:
            lines.append(("The signed version it reopened was not kept.", False))
        elif after is None:
            lines.append((f"Version {a.from_version + 1} is not signed yet: its changes are "
                          "not final.", False))  # fmt: skip
        else:
            changes = version_changes(before, after, tz, record.names)
            lines.append((f"Changed from version {before.version} to {after.version} "
                          f"(signed {when(after.signed_at, tz)}):", False))  # fmt: skip
            lines += [(f"• {line}", False) for line in changes.lines]
    return lines


def _amendments(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    if not record.amendments:
        return []
    out: list[Flowable] = [heading("Amendments")]
    for text, bold in amendment_lines(record, tz):
        out.append(para(text, bold=bold))
    return out


def signature_lines(record: SessionRecord, tz: tzinfo | None = None) -> list[str]:
    """The signature block's lines: who signed, their registration, when, which version."""
    s, signer = record.session, record.signer
    version = f"Version {s.version}"
    if s.version > 1:
        kept = "version 1 is" if s.version == 2 else f"versions 1 to {s.version - 1} are"
        version += f" (amended; {kept} kept as signed)"
    return [
        f"Electronically signed by {signer.name if signer else 'unknown practitioner'}",
        f"Registration: {signer.registration if signer and signer.registration else DASH}",
        f"Signed on {when(s.signed_at, tz)}",
        version,
    ]


def _attestation(record: SessionRecord, tz: tzinfo | None) -> list[Flowable]:
    if record.session.status is SessionStatus.SIGNED:
        lines = signature_lines(record, tz)
        block = box([para(lines[0], bold=True)] + [para(line) for line in lines[1:]], "note")
    else:
        block = box([para("DRAFT – not signed: this document is not a clinical record.",
                          bold=True)], "warning")  # fmt: skip
    # The block is one piece: never its first line at the foot of a page.
    return [Spacer(0, 10), KeepTogether([heading("Signature"), block])]
