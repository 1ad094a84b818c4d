"""Progress across sessions: the numbers and words behind the Progress tab and the
PDF progress report.

Pure functions over core dataclasses (no Qt, no SQL), so the screen and the printed
report always say the same thing. Feed them a patient's sessions (as
``store.sessions.for_patient`` returns them, drafts included) and the points by
session id (``store.points.for_patient``). Only signed sessions count towards a
figure; drafts are listed and said to be left out.

Modules: ``measures`` (the measures, which way is better, their MCIDs and sources),
``sessions`` (sessions in order, which count), ``trend`` (since the first and
recently: improving, stalled, worsening), ``muscles`` (the per-muscle table),
``matching`` (the same point at two sessions, and across sessions), ``heat`` (where
needled), ``words`` (the sentences both the screen and the PDF show).
"""

from tpchart.core.progress.heat import HEAT_RADIUS, HeatSpot, heat_spots, sessions_in_range
from tpchart.core.progress.matching import (
    MATCH_DISTANCE,
    Comparison,
    PointMatch,
    PointTrack,
    compare_points,
    compare_sessions,
    persistence_rate,
    point_tracks,
)
from tpchart.core.progress.measures import (
    MEASURES,
    NDI,
    ODI,
    OUTCOME_MEASURES,
    PAIN,
    POINT_PAIN_MCID,
    PPT_SDC,
    PPT_SDC_LOW,
    PSFS,
    RELATIVE_MCID,
    Measure,
    Reading,
    Verdict,
    day_text,
    fmt,
    judge,
    span_text,
)
from tpchart.core.progress.muscles import (
    MUSCLE_RULE,
    NOT_RECORDED,
    MuscleProgress,
    Trend,
    most_treated,
    muscle_progress,
    values_text,
)
from tpchart.core.progress.sessions import (
    PointsBySession,
    SessionSummary,
    counts,
    drafts_left_out,
    in_session_order,
    muscle_label,
    point_name,
    session_numbers,
    session_summaries,
    signed_only,
)
from tpchart.core.progress.trend import (
    RECENT,
    TREND_RULE,
    Change,
    Status,
    change_since_first,
    immediate_relief,
    outcome_changes,
    pain_trend,
    relief_sentence,
)
from tpchart.core.progress.words import MCID_RULE, ProgressWords, change_words, progress_words

__all__ = [
    "HEAT_RADIUS", "MATCH_DISTANCE", "MCID_RULE", "MEASURES", "MUSCLE_RULE", "NDI",
    "NOT_RECORDED", "ODI", "OUTCOME_MEASURES", "PAIN", "POINT_PAIN_MCID", "PPT_SDC",
    "PPT_SDC_LOW", "PSFS", "RECENT", "RELATIVE_MCID", "TREND_RULE", "Change", "Comparison",
    "HeatSpot", "Measure", "MuscleProgress", "PointMatch", "PointTrack", "PointsBySession",
    "ProgressWords", "Reading", "SessionSummary", "Status", "Trend", "Verdict",
    "change_since_first", "change_words", "compare_points", "compare_sessions", "counts",
    "day_text", "drafts_left_out", "fmt", "heat_spots", "immediate_relief",
    "in_session_order", "judge", "most_treated", "muscle_label", "muscle_progress",
    "outcome_changes", "pain_trend", "persistence_rate", "point_name", "point_tracks",
    "progress_words", "relief_sentence", "session_numbers", "session_summaries",
    "sessions_in_range", "signed_only", "span_text", "values_text",
]  # fmt: skip
