"""Is the patient getting better? The change since the first signed session and the
trend over the most recent ones, in words.

The rule, stated the same way on screen and in print (``TREND_RULE``):

- Only signed sessions with a recorded value count; a missing value is skipped, never
  taken as zero or carried forward, and every change names the sessions it spans.
- **Since the first**: the latest value against the first (``judge``: the absolute
  MCID both ways, the relative one, about 30 %, for improvement).
- **Recent**: the latest value against each of the ``RECENT`` - 1 values before it.
  Worse than one of them by the MCID: *worsening since* the date of the best of those.
  Otherwise better than one of them by the MCID: *improving*. Otherwise the values
  are followed back from the latest as long as none differs from it by the MCID: if
  that reaches the first session there was *no clear change*; else the patient has
  *stalled since* the first session of that run (a plateau of at least ``RECENT``
  sessions). Farrar et al. judged change over weeks of treatment, and a plateau over
  the last visits matters as much as the change since the first (clinical.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tpchart.core.progress.measures import (
    OUTCOME_MEASURES,
    PAIN,
    RELATIVE_AT_LEAST,
    RELATIVE_FROM,
    Measure,
    Reading,
    Verdict,
    day_text,
    fmt,
    judge,
    points_text,
    span_text,
)
from tpchart.core.progress.sessions import counts, in_session_order, session_numbers
from tpchart.core.session import Session

# How many of the latest signed sessions with a value the recent trend looks at.
RECENT = 3
TREND_RULE = (
    "Trend: only signed sessions count, and only recorded values (a missing value is "
    "skipped, never taken as zero). The latest value is compared with the first and with "
    f"each of the {RECENT - 1} values before it: worse than one of them by the MCID is "
    "worsening, better is improving; no such change over at least the last "
    f"{RECENT} sessions is stalled (or, when it reaches back to the first session, no clear "
    "change)."
)


class Status(StrEnum):
    """Where a measure is heading, judged by the rule in the module docstring."""

    IMPROVING = "improving"
    STALLED = "stalled"
    WORSENING = "worsening"
    NO_CLEAR_CHANGE = "no_clear_change"
    NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Change:
    """How one measure moved over the signed sessions: since the first and recently."""

    measure: Measure
    readings: tuple[Reading, ...]  # every recorded value at a signed session, oldest first
    missing: tuple[int, ...]  # numbers of signed sessions without a value
    verdict: Verdict  # since the first reading
    sentence: str  # the change since the first, in words
    status: Status
    since: datetime | None  # when the plateau or the worsening began
    status_sentence: str  # the recent trend and its reason

    @property
    def values(self) -> tuple[tuple[datetime, float], ...]:
        """(date, value) of every reading, oldest first."""
        return tuple((r.at, r.value) for r in self.readings)

    @property
    def first(self) -> float | None:
        """The first recorded value."""
        return self.readings[0].value if self.readings else None

    @property
    def last(self) -> float | None:
        """The latest recorded value."""
        return self.readings[-1].value if self.readings else None

    @property
    def delta(self) -> float | None:
        """Last minus first (negative: fell)."""
        if len(self.readings) < 2:
            return None
        return self.readings[-1].value - self.readings[0].value

    @property
    def meaningful(self) -> bool:
        """Improved or worse by at least the MCID since the first."""
        return self.verdict in (Verdict.IMPROVED, Verdict.WORSE)

    @property
    def status_words(self) -> str:
        """ "improving", "stalled since 10 Mar 2025", "worsening since 17 Mar 2025",
        "no clear change" or "not enough signed sessions"."""
        if self.status is Status.NOT_ENOUGH_DATA:
            return "not enough signed sessions"
        if self.since is not None:
            return f"{self.status.value} since {day_text(self.since)}"
        return self.status.value.replace("_", " ")

    @property
    def headline(self) -> str:
        """ "Pain: stalled since 10 Mar 2025"."""
        return f"{self.measure.name}: {self.status_words}"

    @property
    def target(self) -> float | None:
        """The value from which a change since the first reading is clinically
        meaningful, by the same rule as the verdict (`judge`): the absolute MCID, or the
        relative one where it applies and asks less; kept on the scale. The charts
        shade from here, so the band and the sentence above it agree."""
        if self.first is None:
            return None
        m, first = self.measure, self.first
        step = m.mcid
        if m.relative and first >= RELATIVE_FROM:
            step = min(step, max(RELATIVE_AT_LEAST, m.relative * first))
        goal = first + step if m.higher_is_better else first - step
        return min(max(goal, 0.0), m.scale_max)

    @property
    def slope_per_week(self) -> float | None:
        """Least-squares trend in units per week over all readings; None with fewer than
        three or all on one day (two values are just the delta)."""
        return _slope_per_week(self.values)


def change_since_first(measure: Measure, sessions: Sequence[Session]) -> Change:
    """How ``measure`` moved over the signed sessions (drafts left out), in words."""
    numbers = session_numbers(sessions)
    readings, missing = [], []
    for s in in_session_order(sessions):
        if not counts(s):
            continue
        value = measure.value(s)
        if value is None:
            missing.append(numbers[s.id or 0])
        else:
            readings.append(Reading(numbers[s.id or 0], s.started_at, float(value)))
    verdict = (
        judge(measure, readings[0].value, readings[-1].value)
        if len(readings) >= 2
        else Verdict.NOT_ENOUGH_DATA
    )
    status, since, why = _status(measure, readings)
    return Change(
        measure, tuple(readings), tuple(missing), verdict,
        _sentence(measure, readings, missing, verdict), status, since, why,
    )  # fmt: skip


def pain_trend(sessions: Sequence[Session]) -> Change:
    """Pain before needling over the signed sessions. Pain *before* is the patient's
    state on arrival; pain after needling is the immediate effect only."""
    return change_since_first(PAIN, sessions)


def outcome_changes(sessions: Sequence[Session]) -> list[Change]:
    """NDI, ODI and PSFS changes, only for the measures recorded at a signed session."""
    changes = [change_since_first(m, sessions) for m in OUTCOME_MEASURES]
    return [c for c in changes if c.readings]


def immediate_relief(sessions: Sequence[Session]) -> float | None:
    """Mean fall in pain from before to after needling (positive is relief), over the
    signed sessions with both scores."""
    drops = [
        s.pain_before - s.pain_after
        for s in sessions
        if counts(s) and s.pain_before is not None and s.pain_after is not None
    ]
    return sum(drops) / len(drops) if drops else None


def relief_sentence(sessions: Sequence[Session]) -> str:
    """The immediate effect of needling in words, or "" when never both scored."""
    relief = immediate_relief(sessions)
    if relief is None:
        return ""
    return (
        f"Straight after needling, pain was on average {points_text(round(relief, 1))} "
        "lower than before (immediate effect, signed sessions)."
    )


def _moved(m: Measure, a: Reading, b: Reading, named: bool = True) -> str:
    """ "pain 8 → 5 (lower is better)", or without the name "8 → 5 (lower is better)"."""
    name = (m.name.lower() if m is PAIN else m.name) + " " if named else ""
    return f"{name}{fmt(a.value)}{m.unit} → {fmt(b.value)}{m.unit} ({m.direction})"


def _amount(m: Measure, a: float, b: float) -> str:
    """ "3 points", with the share of the start for an improvement on a measure judged
    relatively too (worsening is judged by the absolute MCID alone)."""
    text = points_text(abs(b - a))
    better = b > a if m.higher_is_better else b < a
    if m.relative and a > 0 and better:
        text += f" ({round(abs(b - a) / a * 100)} %)"
    return text


def _sentence(m: Measure, readings: Sequence[Reading], missing: Sequence[int],
              verdict: Verdict) -> str:  # fmt: skip
    what = "pain" if m is PAIN else m.name
    if not readings:
        return f"No {what} scores recorded at a signed session yet."
    first = readings[0]
    if len(readings) == 1:
        return (
            f"{m.name} {fmt(first.value)}{m.unit} at {first.where}, the only signed session "
            "with a score: a change needs a second one."
        )
    last = readings[-1]
    span = (
        f"{first.where} → {last.where}, {len(readings)} signed sessions with a score "
        f"in {span_text(first.at, last.at)}"
    )
    gaps = [n for n in missing if first.number < n < last.number]
    if gaps:
        span += f"; not recorded at {_sessions_text(gaps)}"
    head = f"Since the first: {_moved(m, first, last)}, {span}"
    if first.value == last.value:
        return f"{head}: no change."
    amount = _amount(m, first.value, last.value)
    meaning = {
        Verdict.IMPROVED: f"improved by {amount}, at least the MCID ({m.threshold_text})",
        Verdict.WORSE: f"worse by {amount}, at least the MCID ({fmt(m.mcid)} points)",
        Verdict.POSSIBLY_IMPROVED: f"possibly improved: {amount}, within the MCID range "
        f"({m.threshold_text})",
        Verdict.POSSIBLY_WORSE: f"possibly worse: {amount}, within the MCID range "
        f"({m.threshold_text})",
        Verdict.NO_CLEAR_CHANGE: f"no clear change: {amount} is less than the MCID "
        f"({m.threshold_text})",
    }[verdict]
    return f"{head}: {meaning}."


def _sessions_text(numbers: Sequence[int]) -> str:
    """ "session 2", "sessions 2 and 4", "sessions 2, 3 and 5"."""
    if len(numbers) == 1:
        return f"session {numbers[0]}"
    return "sessions " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _status(m: Measure, readings: Sequence[Reading]) -> tuple[Status, datetime | None, str]:
    """The recent trend, when it began, and the reason in words (module docstring)."""
    if len(readings) < 2:
        return (
            Status.NOT_ENOUGH_DATA,
            None,
            f"{m.name}: a trend needs scores at two signed sessions.",
        )
    latest = readings[-1]
    window = readings[-RECENT:-1]
    better_first = m.higher_is_better
    worse_from = [
        r for r in window if judge(m, r.value, latest.value, relative=False) is Verdict.WORSE
    ]
    if worse_from:
        # From the best of them (the latest of equals): where the worsening began.
        best = max(reversed(worse_from), key=lambda r: r.value if better_first else -r.value)
        return (
            Status.WORSENING,
            best.at,
            (
                f"{m.name} worsening since {day_text(best.at)}: "
                f"{_moved(m, best, latest, False)} from {best.where} to {latest.where}, "
                f"worse by {_amount(m, best.value, latest.value)}, at least the MCID "
                f"({fmt(m.mcid)} points)."
            ),
        )
    better_from = [
        r for r in window if judge(m, r.value, latest.value, relative=False) is Verdict.IMPROVED
    ]
    if better_from:
        worst = min(better_from, key=lambda r: r.value if better_first else -r.value)
        return (
            Status.IMPROVING,
            None,
            (
                f"{m.name} improving: {_moved(m, worst, latest, False)} from {worst.where} to "
                f"{latest.where}, better by {_amount(m, worst.value, latest.value)}, at least "
                f"the MCID ({m.threshold_text}), within the last {len(window) + 1} signed "
                "sessions with a score."
            ),
        )
    start = len(readings) - 1
    while start > 0 and judge(m, readings[start - 1].value, latest.value, relative=False) in (
        Verdict.NO_CLEAR_CHANGE, Verdict.POSSIBLY_IMPROVED, Verdict.POSSIBLY_WORSE,
    ):  # fmt: skip
        start -= 1
    run = readings[start:]
    values = ", ".join(f"{fmt(r.value)}{m.unit}" for r in run)
    if start == 0:
        return (
            Status.NO_CLEAR_CHANGE,
            None,
            (
                f"No clear change in {'pain' if m is PAIN else m.name}: {values} at the "
                f"{len(run)} signed sessions with a score "
                f"({m.direction}), none differing from the latest by the MCID "
                f"({m.threshold_text})."
            ),
        )
    before = readings[start - 1]
    return (
        Status.STALLED,
        run[0].at,
        (
            f"{m.name} stalled since {day_text(run[0].at)}: {values} at the last {len(run)} "
            f"signed sessions with a score ({m.direction}), none differing from the latest by "
            f"the MCID ({m.threshold_text}); it was {fmt(before.value)}{m.unit} at "
            f"{before.where}."
        ),
    )


def _slope_per_week(values: Sequence[tuple[datetime, float]]) -> float | None:
    if len(values) < 3:
        return None
    t0 = values[0][0]
    xs = [(at - t0).total_seconds() / (7 * 86400) for at, _ in values]
    ys = [v for _, v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if math.isclose(sxx, 0.0):
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
