"""The progress report: one patient across sessions, standing on its own.

The numbers and the sentences about clinically meaningful change come from
`tpchart.core.progress` (``progress_words``, the same function as the in-app
progress view), so the paper and the screen say the same words. Per session it
lists the presenting complaint, pain, the outcome measures (NDI, ODI, PSFS; "not
recorded" where missing) and the adverse events (at the session, "asked, none" or
"not asked", and those reported later), and charts pain and each recorded measure in
the screen's line styles (``charts``). Drafts are listed, marked as not counted, and
left out of the charts and every figure. This module only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from tpchart.core.progress import (
    NOT_RECORDED,
    OUTCOME_MEASURES,
    Measure,
    MuscleProgress,
    ProgressWords,
    SessionSummary,
    fmt,
    most_treated,
    muscle_progress,
    outcome_changes,
    pain_trend,
    progress_words,
    session_summaries,
)
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.report.blocks import (
    CELL_PADDING,
    DASH,
    born,
    box,
    day,
    grid,
    heading,
    key_values,
    lines_cell,
    local,
    para,
    when,
)
from tpchart.report.charts import pain_chart, score_chart
from tpchart.report.pages import Letterhead, build_pdf
from tpchart.report.records import LaterReport, ProgressRecord
from tpchart.report.styles import CONTENT_WIDTH, MUTED, styles

TITLE = "Progress report"
MOST_TREATED = 8

SIGNED, DRAFT = "Signed", "Draft, not counted"
# Column widths in mm; a full-width table adds up to the A4 content width (180 mm).
SESSION_COLUMNS = (("No.", 9), ("Date", 21), ("Pain before", 14), ("Pain after", 13),
                   ("Points", 12), ("Presenting complaint · regions treated", 92),
                   ("Status", 19))  # fmt: skip
COMPLAINT_COLUMN = 5
OUTCOME_SIDE_COLUMNS = (("No.", 9), ("Date", 24))  # then one per measure, then the status
OUTCOME_STATUS_WIDTH = 27
OUTCOME_MEASURE_WIDTH = 42  # at most: a value never needs more, and rows stay easy to follow
EVENT_COLUMNS = (("No.", 9), ("Date", 21), ("At the session", 84), ("Reported later", 66))
MUSCLE_COLUMNS = (("Muscle", 38), ("Sessions", 15), ("Pain at point", 25),
                  ("Pressure threshold (kg/cm²)", 26), ("Trend", 76))  # fmt: skip
OUTCOME_CHART_HEIGHT = 150.0
# Room a table's heading needs below it (its header row and a first row) to stay on
# the page; with less, the heading starts the next page.
TABLE_START = 35 * mm


def progress_report_pdf(
    record: ProgressRecord, *, printed_at: datetime | None = None, tz: tzinfo | None = None
) -> bytes:
    """The progress report of ``record``'s patient as PDF bytes."""
    patient = record.patient
    sessions = [s for s, _ in record.sessions]
    period = ""
    if sessions:
        period = f"{day(local(sessions[0].started_at, tz).date())} – "
        period += day(local(sessions[-1].started_at, tz).date())
    who = record.practitioner
    head = Letterhead(
        clinic=record.clinic,
        title=TITLE,
        doctor=who.name if who else "",
        doctor_detail=f"Reg. {who.registration}" if who and who.registration else "",
        running=f"{patient.full_name} · {patient.record_number} · {period}",
        footer_note=f"Printed {when(printed_at, tz)}" if printed_at else "",
        metadata={"title": f"{TITLE}: {patient.full_name}", "subject": "Progress across sessions"},
        created=printed_at,
    )
    return build_pdf(progress_story(record, tz), head)


def progress_story(record: ProgressRecord, tz: tzinfo | None = None) -> list[Flowable]:
    """The flowables of the report, in reading order."""
    patient = record.patient
    sessions = [s for s, _ in record.sessions]
    points = {s.id or 0: list(pts) for s, pts in record.sessions}
    summaries = session_summaries(sessions, points)
    today = local(sessions[-1].started_at, tz).date() if sessions else datetime.now().date()
    story: list[Flowable] = [
        para(patient.full_name, "h1"),
        Spacer(0, 3),
        key_values([
            ("Date of birth", born(patient, today)),
            ("Record number", patient.record_number),
            ("Sessions", str(len(sessions))),
            ("Period", _period(summaries, tz)),
        ]),
    ]  # fmt: skip
    if not sessions:
        return [*story, Spacer(0, 8), para("No sessions recorded yet.")]
    muscles = muscle_progress(sessions, points)  # for the words and for the table
    words = progress_words(sessions, points, muscles=muscles)
    story += _change(words)
    trend = pain_trend(sessions)
    signed = [s for s in summaries if s.signed]  # a draft's values may still change
    story.append(KeepTogether([
        heading("Pain before and after needling (signed sessions)"),
        pain_chart(signed, CONTENT_WIDTH, target=trend.target, tz=tz),
    ]))  # fmt: skip
    by_id = {s.id or 0: s for s in sessions}
    story += [*_table_heading("Sessions"), _sessions_table(summaries, by_id, points, tz)]
    story += _outcomes(summaries, sessions, tz)
    story += _adverse_events(summaries, by_id, record.reported_later, tz)
    story += _muscles(muscles)
    story += [Spacer(0, 6), *[para(rule, "small") for rule in words.rules]]
    return story


def _period(summaries: list[SessionSummary], tz: tzinfo | None) -> str:
    if not summaries:
        return DASH
    first = day(local(summaries[0].started_at, tz).date())
    last = day(local(summaries[-1].started_at, tz).date())
    return first if first == last else f"{first} – {last}"


def _change(words: ProgressWords) -> list[Flowable]:
    lines = [para(words.headline, bold=True)]
    lines += [para(line) for line in words.pain]
    lines += [para(text) for _, text in words.outcomes]
    lines += [para(note) for note in words.notes]
    return [heading("Trend and change since the first session"), box(lines, "note")]


def regions_treated(points: list[TriggerPoint]) -> str:
    """The regions of a session's points, in charting order, without repeats."""
    labels = [REGIONS[p.region_id].label if p.region_id in REGIONS else p.region_id
              for p in sorted(points, key=lambda p: p.number)]  # fmt: skip
    return ", ".join(dict.fromkeys(labels)) or DASH


def _table_heading(title: str) -> list[Flowable]:
    """A heading for a table that may run over pages: kept with the table's first rows
    only (a heading kept with the whole table pushed it to the next page, leaving half
    a page blank)."""
    return [CondPageBreak(TABLE_START), para(title, "h2")]


def _status(summary: SessionSummary) -> str:
    return SIGNED if summary.signed else DRAFT


def _sessions_table(
    summaries: list[SessionSummary], sessions: dict[int, Session],
    points: dict[int, list[TriggerPoint]], tz: tzinfo | None,
):  # fmt: skip
    rows = [
        [str(v.number), day(local(v.started_at, tz).date()),
         DASH if v.pain_before is None else str(v.pain_before),
         DASH if v.pain_after is None else str(v.pain_after),
         str(v.point_count),
         _complaint_and_regions(sessions[v.session_id], points.get(v.session_id, [])),
         _status(v)]
        for v in summaries
    ]  # fmt: skip
    return grid([t for t, _ in SESSION_COLUMNS], rows, [w * mm for _, w in SESSION_COLUMNS],
                align_right=(0, 2, 3, 4))  # fmt: skip


def _complaint_and_regions(session: Session, points: list[TriggerPoint]) -> Flowable:
    # One column for both: two narrow ones wrapped the region names into rows five
    # lines tall. The regions are grey, so the complaint reads first.
    treated = f"Treated: {regions_treated(points)}" if points else "Nothing needled"
    return lines_cell([(complaint(session), None), (treated, MUTED)], styles()["cell"],
                      _room(SESSION_COLUMNS, COMPLAINT_COLUMN))  # fmt: skip


def complaint(session: Session) -> str:
    """The session's presenting complaint as the doctor wrote it, or "not recorded"."""
    return session.chief_complaint.strip() or NOT_RECORDED


def measure_text(measure: Measure, value: float | None) -> str:
    """A recorded value with its unit ("42%", "6.5"), or "not recorded"."""
    return NOT_RECORDED if value is None else f"{fmt(value)}{measure.unit}"


def _outcomes(
    summaries: list[SessionSummary], sessions: list[Session], tz: tzinfo | None
) -> list[Flowable]:
    """Every session's NDI, ODI and PSFS in a table (drafts marked), then a chart per
    measure recorded at a signed session, drawn as on the Progress tab."""
    recorded = [m for m in OUTCOME_MEASURES
                if any(getattr(v, m.key) is not None for v in summaries)]  # fmt: skip
    out: list[Flowable] = _table_heading("Outcome measures per session")
    if not recorded:
        names = ", ".join(m.name for m in OUTCOME_MEASURES)
        return [*out, para(f"No outcome measure ({names}) recorded at any session.")]
    side = sum(w for _, w in OUTCOME_SIDE_COLUMNS)
    # The measures share what the session and status columns leave.
    width = min(OUTCOME_MEASURE_WIDTH,
                (CONTENT_WIDTH / mm - side - OUTCOME_STATUS_WIDTH) / len(recorded))  # fmt: skip
    columns = [*OUTCOME_SIDE_COLUMNS, *((m.title, width) for m in recorded),
               ("Status", OUTCOME_STATUS_WIDTH)]  # fmt: skip
    rows = [
        [str(v.number), day(local(v.started_at, tz).date()),
         *(measure_text(m, getattr(v, m.key)) for m in recorded), _status(v)]
        for v in summaries
    ]  # fmt: skip
    table = grid([t for t, _ in columns], rows, [w * mm for _, w in columns],
                 align_right=(0, *range(2, 2 + len(recorded))))  # fmt: skip
    table.hAlign = "LEFT"  # narrower than the page with one or two measures
    out.append(table)
    never = [m.name for m in OUTCOME_MEASURES if m not in recorded]
    if never:
        out.append(para(f"Not recorded at any session: {', '.join(never)}.", "small"))
    signed = [v for v in summaries if v.signed]  # a draft's values may still change
    for change in outcome_changes(sessions):
        m = change.measure
        title = para(f"{m.title}, signed sessions", bold=True)
        out.append(KeepTogether([
            Spacer(0, 6), title,
            score_chart(m, signed, CONTENT_WIDTH, OUTCOME_CHART_HEIGHT, change.target, tz),
        ]))  # fmt: skip
    return out


def _adverse_events(
    summaries: list[SessionSummary], sessions: dict[int, Session],
    later: Mapping[int, Sequence[LaterReport]], tz: tzinfo | None,
) -> list[Flowable]:  # fmt: skip
    """A line per session: its adverse events, "Asked, none" or "Not asked", and the
    events the patient reported after it."""
    rows = []
    for v in summaries:
        s = sessions[v.session_id]
        at_session = [e.text for e in s.adverse_events] or [s.adverse_events_answer]
        reported = [
            f"Recorded {when(r.reported.recorded_at, tz)} by {r.by}: {r.reported.event.text}"
            for r in later.get(v.session_id, ())
        ]
        date = day(local(v.started_at, tz).date())
        rows.append([str(v.number), _lines([date] if v.signed else [date, "draft"], 1),
                     _lines(at_session, 2), _lines(reported or [DASH], 3)])  # fmt: skip
    return [
        *_table_heading("Adverse events"),
        para(_adverse_summary(summaries, sessions, later)),
        Spacer(0, 3),
        grid([t for t, _ in EVENT_COLUMNS], rows, [w * mm for _, w in EVENT_COLUMNS],
             align_right=(0,)),
    ]  # fmt: skip


def _adverse_summary(
    summaries: list[SessionSummary], sessions: dict[int, Session],
    later: Mapping[int, Sequence[LaterReport]],
) -> str:  # fmt: skip
    """E.g. "Adverse events at 2 of 6 sessions; asked, none at 3; not asked at 1; 1 event
    reported later." (every session, drafts too: a draft's events happened)."""
    listed = [sessions[v.session_id] for v in summaries]
    events = sum(bool(s.adverse_events) for s in listed)
    none = sum(not s.adverse_events and s.adverse_events_asked for s in listed)
    unasked = len(listed) - events - none
    parts = [f"Adverse events at {events} of {len(listed)} sessions"]
    if none:
        parts.append(f"asked, none at {none}")
    if unasked:
        parts.append(f"not asked at {unasked}")
    reported = sum(len(later.get(v.session_id, ())) for v in summaries)
    if reported:
        parts.append(f"{reported} event{'' if reported == 1 else 's'} reported later")
    return "; ".join(parts) + "."


def _lines(texts: Sequence[str], column: int) -> Flowable:
    """A cell of the adverse-event table of one or more lines."""
    return lines_cell([(t, None) for t in texts], styles()["cell"], _room(EVENT_COLUMNS, column))


def _room(columns: Sequence[tuple[str, float]], column: int) -> float:
    """The width in points a column's text has inside the cell padding."""
    return columns[column][1] * mm - 2 * CELL_PADDING


def _muscles(muscles: Sequence[MuscleProgress]) -> list[Flowable]:
    rows = most_treated(muscles, limit=MOST_TREATED)
    if not rows:
        return [heading("Most treated muscles"), para("No trigger points recorded.")]
    # The same texts as the Progress tab's muscle table (MuscleProgress properties).
    table_rows = [
        [m.label, str(m.times_treated), m.pain_text, m.ppt_text, m.trend_text] for m in rows
    ]
    return [
        heading("Most treated muscles (signed sessions)"),
        grid([t for t, _ in MUSCLE_COLUMNS], table_rows, [w * mm for _, w in MUSCLE_COLUMNS],
             align_right=(1,)),
    ]  # fmt: skip
