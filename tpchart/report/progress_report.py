"""The progress report: one patient across sessions, standing on its own.

The numbers and the sentences about clinically meaningful change come from
`tpchart.core.progress` (the same functions as the in-app progress view), so the
paper and the screen never disagree. This module only lays them out.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from tpchart.core.progress import (
    SessionSummary,
    immediate_relief,
    most_treated,
    muscle_progress,
    outcome_changes,
    pain_trend,
    session_summaries,
)
from tpchart.core.regions import REGIONS
from tpchart.core.trigger_point import TriggerPoint
from tpchart.report.blocks import DASH, born, box, day, grid, heading, key_values, local, para, when
from tpchart.report.charts import pain_chart
from tpchart.report.pages import Letterhead, build_pdf
from tpchart.report.records import ProgressRecord
from tpchart.report.styles import CONTENT_WIDTH

TITLE = "Progress report"
MOST_TREATED = 8

SESSION_COLUMNS = (("Date", 26), ("Pain before", 19), ("Pain after", 17), ("Points", 13),
                 ("Regions treated", 90), ("Status", 15))  # fmt: skip
MUSCLE_COLUMNS = (("Muscle", 52), ("Sessions", 14), ("Points", 14), ("Pain at point", 26),
                  ("Trend", 74))  # fmt: skip


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
    story += _change(sessions)
    trend = pain_trend(sessions)
    story.append(KeepTogether([
        heading("Pain before and after needling"),
        pain_chart(summaries, CONTENT_WIDTH, target=trend.target, tz=tz),
    ]))  # fmt: skip
    story += [heading("Sessions"), _sessions_table(summaries, points, tz)]
    story += _muscles(sessions, points)
    return story


def _period(summaries: list[SessionSummary], tz: tzinfo | None) -> str:
    if not summaries:
        return DASH
    first = day(local(summaries[0].started_at, tz).date())
    last = day(local(summaries[-1].started_at, tz).date())
    return first if first == last else f"{first} – {last}"


def _change(sessions: list) -> list[Flowable]:
    trend = pain_trend(sessions)
    lines = [para(trend.sentence, bold=True)]
    lines += [para(change.sentence) for change in outcome_changes(sessions)]
    relief = immediate_relief(sessions)
    if relief is not None:
        lines.append(para(f"During a session, pain fell by {relief:.1f} points on average "
                          "from before to after needling (immediate effect)."))  # fmt: skip
    lines.append(para(
        "MCID: minimal clinically important difference, the smallest change a patient "
        "notices as real. Pain (NRS 0–10) about 1.3–2 points; NDI about 14–19 points; "
        "ODI about 12 points; PSFS about 2 points.", "small",
    ))  # fmt: skip
    return [heading("Change since the first session"), box(lines, "note")]


def regions_treated(points: list[TriggerPoint]) -> str:
    """The regions of a session's points, in charting order, without repeats."""
    labels = [REGIONS[p.region_id].label if p.region_id in REGIONS else p.region_id
              for p in sorted(points, key=lambda p: p.number)]  # fmt: skip
    return ", ".join(dict.fromkeys(labels)) or DASH


def _sessions_table(
    summaries: list[SessionSummary], points: dict[int, list[TriggerPoint]], tz: tzinfo | None
):
    rows = [
        [day(local(v.started_at, tz).date()),
         DASH if v.pain_before is None else str(v.pain_before),
         DASH if v.pain_after is None else str(v.pain_after),
         str(v.point_count), regions_treated(points.get(v.session_id, [])),
         "Signed" if v.signed else "Draft"]
        for v in summaries
    ]  # fmt: skip
    return grid([t for t, _ in SESSION_COLUMNS], rows, [w * mm for _, w in SESSION_COLUMNS],
                align_right=(1, 2, 3))  # fmt: skip


def _muscles(sessions: list, points: dict[int, list[TriggerPoint]]) -> list[Flowable]:
    rows = most_treated(muscle_progress(sessions, points), limit=MOST_TREATED)
    if not rows:
        return [heading("Most treated muscles"), para("No trigger points recorded.")]
    table_rows = []
    for m in rows:
        pain = DASH
        if m.pain_first is not None:
            pain = f"{m.pain_first} → {m.pain_last}" if m.times_treated > 1 else str(m.pain_first)
        trend = f"{m.trend.arrow} {m.trend.value.capitalize()}: {m.trend_reason}"
        table_rows.append([m.label, str(m.times_treated), str(m.points), pain, trend])
    return [
        heading("Most treated muscles"),
        grid([t for t, _ in MUSCLE_COLUMNS], table_rows, [w * mm for _, w in MUSCLE_COLUMNS],
             align_right=(1, 2)),
        Spacer(0, 3),
        para("Trend per muscle: better when pain at the point fell by at least 2 points or "
             "the pressure pain threshold rose beyond 0.62 kg/cm²; twitch responses are "
             "not scored.", "small"),
    ]  # fmt: skip
