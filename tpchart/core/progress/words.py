"""The words of the Progress tab and the progress report, written once.

The screen and the PDF both call ``progress_words``, so what a doctor reads on the
Progress tab is what the printed report says, word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tpchart.core.progress.matching import persistence_rate
from tpchart.core.progress.measures import MEASURES, PPT_SDC_TEXT
from tpchart.core.progress.muscles import (
    MUSCLE_RULE,
    MuscleProgress,
    most_treated,
    muscle_progress,
)
from tpchart.core.progress.sessions import PointsBySession, drafts_left_out
from tpchart.core.progress.trend import (
    TREND_RULE,
    Change,
    outcome_changes,
    pain_trend,
    relief_sentence,
)
from tpchart.core.session import Session

MCID_RULE = (
    "MCID (minimal clinically important difference), the smallest change a patient "
    "notices as real: " + "; ".join(m.mcid_text for m in MEASURES) + ". Pressure pain "
    f"threshold: {PPT_SDC_TEXT}."
)


@dataclass(frozen=True)
class ProgressWords:
    """Everything the progress view and report say in sentences, in reading order."""

    headline: str  # "Pain: stalled since 10 Mar 2025"
    pain: tuple[str, ...]  # the trend's reason, then the change since the first
    notes: tuple[str, ...]  # drafts left out, immediate relief, most treated, persistence
    outcomes: tuple[tuple[str, str], ...]  # (measure key, its words) for recorded measures
    rules: tuple[str, ...]  # the trend rule, the MCIDs and their sources, the muscle rule


def change_words(change: Change) -> str:
    """A measure's trend with its reason and its change since the first, in one text."""
    if len(change.readings) < 2:
        return change.sentence
    return f"{change.status_sentence} {change.sentence}"


def progress_words(
    sessions: Sequence[Session],
    points: PointsBySession,
    *,
    muscles: Sequence[MuscleProgress] | None = None,
) -> ProgressWords:
    """The sentences about ``sessions`` (a patient's, drafts included: they are left out
    of every figure and said to be). ``muscles`` is ``muscle_progress(sessions, points)``
    when the caller has it already (the progress report shows it as a table too): it
    is the costliest figure of the report, so it is worked out once."""
    pain = pain_trend(sessions)
    pain_lines = (pain.sentence,) if len(pain.readings) < 2 else (
        pain.status_sentence, pain.sentence)  # fmt: skip
    notes = [drafts_left_out(sessions), relief_sentence(sessions)]
    if muscles is None:
        muscles = muscle_progress(sessions, points)
    top = [r for r in most_treated(muscles, 3) if r.times_treated > 1]
    if top:
        names = ", ".join(f"{r.label.lower()} ({r.times_treated} sessions)" for r in top)
        notes.append(f"Most often needled: {names}.")
    rate = persistence_rate(sessions, points)
    if rate is not None:
        notes.append(
            f"{round(rate * 100)}% of each session's trigger points were found again at "
            "the next session."
        )
    headline = pain.headline if pain.readings else pain.sentence
    return ProgressWords(
        headline=headline,
        pain=pain_lines,
        notes=tuple(n for n in notes if n),
        outcomes=tuple((c.measure.key, change_words(c)) for c in outcome_changes(sessions)),
        rules=(TREND_RULE, MCID_RULE, MUSCLE_RULE),
    )
