"""The clinical record: one session on A4, for the file, and its patient's copy.

Order follows the consultation (shared/clinical.md): who and when, status,
assessment and pain, screening and consent, what was found and needled (body
maps and a table of points), adverse events, aftercare and follow-up.

The clinic files the whole record: a note the doctor chose to keep off the patient's
copy (``notes_internal``, per note) is printed there, marked as internal. The patient's
copy (``patient_copy=True``) is the same record with each such note replaced by a line
saying it was left out, a count of them at the top, and the amendment trail saying that
an internal note changed without saying what it says.

What the safety rules record is printed as recorded (issue 15): the complaint area,
red flags with the decision taken and its reason, precautions with their site, the
lung precautions taken per point, adverse events with "asked, none" told apart from
"not asked", and events the patient reported at a later session.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table

from tpchart.core.audit import SignedVersion
from tpchart.core.patient import Sex
from tpchart.core.precaution_sites import PrecautionSite
from tpchart.core.regions import REGIONS
from tpchart.core.safety import Caution, Level, lung_cautions, site_cautions
from tpchart.core.screening import REFERRAL_ADVICE, ComplaintArea, RedFlagDecision
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import Technique, TriggerPoint
from tpchart.core.versions import VersionChanges, version_changes
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
# The same record for the patient to keep, less the notes marked internal.
PATIENT_COPY_TITLE = "Clinical record — patient's copy"
# How the filed record marks a note kept off the patient's copy, and what the patient's
# copy prints in its place.
INTERNAL_NOTE = "Internal note — kept off the patient's copy"
LEFT_OUT = "Internal note — not included in this copy."

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
    record: SessionRecord,
    *,
    printed_at: datetime | None = None,
    tz: tzinfo | None = None,
    patient_copy: bool = False,
) -> bytes:
    """The clinical record of ``record`` as PDF bytes: the clinic's filed record, or
    with ``patient_copy`` the patient's copy (notes marked internal left out, and said
    to be). ``tz`` is the zone times are shown in (the machine's local zone by default)."""
    session, patient = record.session, record.patient
    title = PATIENT_COPY_TITLE if patient_copy else TITLE
    started = local(session.started_at, tz)
    doctor = record.practitioner
    printed = f"Printed {when(printed_at, tz)} · " if printed_at else ""
    head = Letterhead(
        clinic=record.clinic,
        title=title,
        doctor=doctor.name if doctor else "",
        doctor_detail=f"Reg. {doctor.registration}" if doctor and doctor.registration else "",
        running=f"{patient.full_name} · {patient.record_number} · {started:%d %b %Y}",
        draft=session.status is not SessionStatus.SIGNED,
        footer_note=f"{printed}Session {session.id}, version {session.version}",
        metadata={
            "title": f"{title}: {patient.full_name}, {started:%d %b %Y}",
            "subject": f"Dry needling {title.lower()}",
        },
        created=printed_at,
    )
    return build_pdf(session_story(record, tz=tz, patient_copy=patient_copy), head)


def session_story(
    record: SessionRecord, tz: tzinfo | None = None, *, patient_copy: bool = False
) -> list[Flowable]:
    """The flowables of the record (or of its patient's copy), in reading order."""
    shown = for_the_patient(record) if patient_copy else record
    story: list[Flowable] = []
    story += _identity(shown, tz)
    story += _status(shown, tz)
    if patient_copy:
        story.append(para(left_out_text(record.internal_notes), bold=True))
    story += _assessment(shown)
    story += _history(shown)
    story += _screening(shown, tz)
    story += _points(shown)
    story += _after(shown, tz)
    # The amendment trail compares the signed versions as stored, so it is given the
    # record itself and told to leave internal notes out.
    story += _amendments(record, tz, patient_copy=patient_copy)
    story += _attestation(shown, tz)
    return story


def for_the_patient(record: SessionRecord) -> SessionRecord:
    """``record`` as the patient's copy prints it: each note marked internal (the
    session's, each point's) replaced by the line saying it was left out."""

    def kept_off(notes: str, internal: bool) -> bool:
        return internal and bool(notes.strip())

    session = record.session
    if kept_off(session.notes, session.notes_internal):
        session = replace(session, notes=LEFT_OUT, notes_internal=False)
    points = tuple(
        replace(p, notes=LEFT_OUT, notes_internal=False) if kept_off(p.notes, p.notes_internal)
        else p
        for p in record.points
    )  # fmt: skip
    return replace(record, session=session, points=points)


def left_out_text(count: int) -> str:
    """The patient's copy's line under the status: how many internal notes it leaves out."""
    if count == 0:
        return "Patient's copy: every note recorded at this session is included."
    notes = "1 internal note is" if count == 1 else f"{count} internal notes are"
    return f"Patient's copy: {notes} not included in this copy."


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
        # Sessions before the version was kept say so, rather than guess a wording.
        wording = s.consent_text_version or "not recorded"
        out.append(
            para(
                f"Consent given by {s.consent_by}{at}, after the procedure and the "
                f"needle sites were explained. Consent wording: {wording}."
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
    panel = DiagramPanel(points, title=title, min_height=MAPS_SQUEEZED_HEIGHT)
    lead = points_table(points[:LEAD_POINTS]) if len(points) > SHORT_TABLE else None
    return [MapsWithTable(panel, points_table(points), lead)]


# The room for the story on a page after the first (pages.build_pdf's later frame).
LATER_PAGE_HEIGHT = PAGE_SIZE[1] - 2 * MARGIN - RUNNING_HEADER_HEIGHT - FOOTER_HEIGHT
# A table of up to this many points stays whole with its maps: split, it would leave a
# row or two alone on the next page. A longer one keeps its first LEAD_POINTS rows with
# the maps and carries on over the page.
SHORT_TABLE, LEAD_POINTS = 5, 3
# The least height of the body diagrams: 220 pt (7.8 cm) to keep a long table whole
# beside them; 160 pt (5.6 cm) only to keep them with a short table, or with the first
# rows of a long one, on a page that would otherwise be left half empty. Crowded
# markers are parted in insets at any size.
MAPS_LEAST_HEIGHT, MAPS_SQUEEZED_HEIGHT = 220.0, 160.0


class MapsWithTable(Flowable):
    """The body maps and their points table: never apart, and on the page they start on
    where that page has room for the maps and the table's first rows.

    The diagram panel shrinks, down to its least size, to the room the table leaves,
    so a few points' maps and table share a page (a long table is not worth maps
    smaller than MAPS_LEAST_HEIGHT: it may go on over the page). A table too long for
    that keeps its header and its first rows (``lead``: a table of the first points,
    to measure them) with the maps, and the rest follows, split by rows, with the
    header repeated. Only when the maps and those rows do not fit at all do they move
    to the next page, together: a page is left partly empty only for what could not
    go on it."""

    GAP = 8.0

    def __init__(self, panel: DiagramPanel, table: Table, lead: Table | None = None) -> None:
        super().__init__()
        self._panel, self._table, self._lead = panel, table, lead
        self._table_height = 0.0
        # A table measures every cell's paragraphs again at each wrap, and the frame
        # asks on every page tried: the height depends on the width alone.
        self._heights: dict[tuple[int, float], float] = {}

    def _measured(self, table: Table, width: float) -> float:
        key = (id(table), round(width, 3))
        if key not in self._heights:
            self._heights[key] = table.wrap(width, LATER_PAGE_HEIGHT)[1]
        return self._heights[key]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._table_height = self._measured(self._table, available_width)
        room = max(available_height - self._table_height - self.GAP, 0.0)
        least = MAPS_LEAST_HEIGHT if self._lead is not None else None
        _, panel_height = self._panel.fit(available_width, room, least)
        self.width = available_width
        self.height = panel_height + self.GAP + self._table_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        at_top = available_height >= LATER_PAGE_HEIGHT - 1
        lead = self._lead if self._lead is not None else self._table
        room = available_height - self._measured(lead, available_width) - self.GAP
        _, panel_height = self._panel.wrap(available_width, max(room, 0.0))
        parts = []
        if panel_height <= room:
            parts = self._table.split(available_width, available_height - panel_height - self.GAP)
        if len(parts) == 2:
            return [MapsWithTable(self._panel, parts[0]), parts[1]]
        if not at_top:
            return []  # maps and first rows start the next page, together
        # Taller than a page even at their least (many insets): the maps alone, the
        # table after them, never a lone header row at the foot of a page.
        return [self._panel, Spacer(0, self.GAP), CondPageBreak(60), self._table]

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
    if p.technique is Technique.ELECTRICAL or p.stimulation_recorded:
        parts.append(("Stimulation", stimulation_text(p)))
    if p.pressure_threshold is not None:
        parts.append(("Pressure pain threshold", f"{p.pressure_threshold:g} kg/cm²"))
    if p.lung_precautions:
        taken = "; ".join(sorted(lp.label for lp in p.lung_precautions))
        parts.append(("Lung precautions", taken))
    if p.notes.strip():
        parts.append((INTERNAL_NOTE if p.notes_internal else "Notes", p.notes.strip()))
    return parts


def stimulation_text(p: TriggerPoint) -> str:
    """The electrical stimulation settings in words, each one not recorded said to be
    (points needled before tpchart recorded them have none)."""
    if not p.stimulation_recorded:
        return "settings not recorded"
    hz, us, ma = p.stim_frequency_hz, p.stim_pulse_width_us, p.stim_intensity_ma
    return ", ".join((
        f"{hz:g} Hz" if hz is not None else "frequency not recorded",
        f"pulse width {us} µs" if us is not None else "pulse width not recorded",
        f"{ma:g} mA" if ma is not None else "intensity not recorded",
    ))  # fmt: skip


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
    if s.notes_internal and s.notes.strip():
        out.append(para(f"{INTERNAL_NOTE}:", bold=True))
    out.append(para(s.notes.strip() or "No session notes recorded."))
    return out


def amendment_lines(
    record: SessionRecord, tz: tzinfo | None = None, *, patient_copy: bool = False
) -> list[tuple[str, bool]]:
    """Each amendment as (text, bold) lines: when, who and why, then what changed
    between the signed version it reopened and the version signed after it. On the
    patient's copy a note marked internal in either version is said to have changed,
    never quoted."""
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
            shown = patient_change_lines(changes, before, after) if patient_copy else changes.lines
            lines += [(f"• {line}", False) for line in shown]
    return lines


# What the patient's copy says in place of an internal note's old and new words.
_NOTE_CHANGED = "changed (an internal note, not included in this copy)"


def patient_change_lines(
    changes: VersionChanges, before: SignedVersion, after: SignedVersion
) -> list[str]:
    """``changes`` as lines for the patient's copy: a note that either version marked
    internal reads "changed", without its words."""

    def internal(row: dict[str, Any] | None) -> bool:
        return bool(row and row.get("notes_internal"))

    old_points = list(before.snapshot.get("points", ()))
    new_points = {p.get("number"): p for p in after.snapshot.get("points", ())}

    def earlier(row: dict[str, Any] | None, number: int) -> dict[str, Any] | None:
        # Matched by id as core.versions matches them (an amendment may renumber).
        for old in old_points:
            if row and row.get("id") is not None and old.get("id") == row.get("id"):
                return old
        return next((old for old in old_points if old.get("number") == number), None)

    sessions = (before.snapshot.get("session"), after.snapshot.get("session"))
    session_hidden = any(internal(row) for row in sessions)
    lines = [
        f"{c.label}: {_NOTE_CHANGED}" if c.label == "Session notes" and session_hidden
        else c.text
        for c in changes.session
    ]  # fmt: skip
    for change in changes.points:
        row = new_points.get(change.number)
        hidden = internal(row) or internal(earlier(row, change.number))
        if not (hidden and any(f.label == "notes" for f in change.fields)):
            lines.append(change.text)
            continue
        fields = [f"notes {_NOTE_CHANGED}" if f.label == "notes" else f.text
                  for f in change.fields]  # fmt: skip
        lines.append(f"Point {change.number} ({change.description}) {change.what}: "
                     + "; ".join(fields))  # fmt: skip
    return lines or ["No recorded value changed."]


def _amendments(
    record: SessionRecord, tz: tzinfo | None, *, patient_copy: bool = False
) -> list[Flowable]:
    if not record.amendments:
        return []
    # Each amendment starts with its bold "reopened ... Reason" line: that line and the
    # first two after it never part (nor the heading from the first amendment), so no
    # page ends on a reason whose changes are overleaf.
    groups: list[list[Flowable]] = []
    for text, bold in amendment_lines(record, tz, patient_copy=patient_copy):
        if bold or not groups:
            groups.append([])
        groups[-1].append(para(text, bold=bold))
    groups[0].insert(0, heading("Amendments"))
    out: list[Flowable] = []
    for group in groups:
        lead = 4 if group is groups[0] else 3
        out += [KeepTogether(group[:lead]), *group[lead:]]
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
