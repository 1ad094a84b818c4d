"""The progress report: one patient across sessions, standing on its own.

The numbers and the sentences about clinically meaningful change come from
`tpchart.core.progress` (``progress_words``, the same function as the in-app
progress view), so the paper and the screen say the same words. Drafts are listed in
the sessions table as not counted and left out of the chart and every figure. This
module only lays them out.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from tpchart.core.progress import (
    ProgressWords,
    SessionSummary,
    most_treated,
    muscle_progress,
    pain_trend,
    progress_words,
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
                 ("Regions treated", 80), ("Status", 25))  # fmt: skip
MUSCLE_COLUMNS = (("Muscle", 38), ("Sessions", 15), ("Pain at point", 25),
                  ("Pressure threshold (kg/cm²)", 26), ("Trend", 76))  # fmt: skip


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
    words = progress_words(sessions, points)
    story += _change(words)
    trend = pain_trend(sessions)
    signed = [s for s in summaries if s.signed]  # a draft's values may still change
    story.append(KeepTogether([
        heading("Pain before and after needling (signed sessions)"),
        pain_chart(signed, CONTENT_WIDTH, target=trend.target, tz=tz),
    ]))  # fmt: skip
    story += [heading("Sessions"), _sessions_table(summaries, points, tz)]
    story += _muscles(sessions, points)
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


def _sessions_table(
    summaries: list[SessionSummary], points: dict[int, list[TriggerPoint]], tz: tzinfo | None
):
    rows = [
        [day(local(v.started_at, tz).date()),
         DASH if v.pain_before is None else str(v.pain_before),
         DASH if v.pain_after is None else str(v.pain_after),
         str(v.point_count), regions_treated(points.get(v.session_id, [])),
         "Signed" if v.signed else "Draft, not counted"]
        for v in summaries
    ]  # fmt: skip
    return grid([t for t, _ in SESSION_COLUMNS], rows, [w * mm for _, w in SESSION_COLUMNS],
                align_right=(1, 2, 3))  # fmt: skip


def _muscles(sessions: list, points: dict[int, list[TriggerPoint]]) -> list[Flowable]:
    rows = most_treated(muscle_progress(sessions, points), limit=MOST_TREATED)
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
