"""The per-muscle table: one row per muscle and side across the signed sessions.

Rows match on the muscle vocabulary (``matching_key``: "upper traps" and "upper
trapezius" are one muscle) and on the side: left and right are two rows. Per session
the worst point counts (highest pain, lowest pressure threshold, strongest twitch)
when the muscle was needled at more than one point. A value never recorded is "not
recorded", and a change is computed only between recorded values, naming the
sessions it spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tpchart.core.muscles import catalogue_name, matching_key
from tpchart.core.progress.measures import (
    PAIN,
    PPT_SDC,
    PPT_SDC_LOW,
    Reading,
    Verdict,
    fmt,
    judge,
    points_text,
)
from tpchart.core.progress.sessions import (
    PointsBySession,
    counts,
    in_session_order,
    muscle_label,
    session_numbers,
)
from tpchart.core.regions import REGIONS, Side
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint, TwitchStrength

NOT_RECORDED = "not recorded"
MUSCLE_RULE = (
    "Trend per muscle: improved when pain at the point fell by 2 points or 30 % "
    "(lower is better) or the pressure pain threshold rose by more than 0.62 kg/cm² "
    "(higher is better; smallest detectable change 0.45-0.62 kg/cm², measured on the "
    "trapezius); worse the other way; no clear change when neither moved that much or "
    "they disagree. First and last are the first and last signed sessions with a "
    "recorded value. Twitch responses are shown but not scored: they are not a "
    "validated outcome."
)


class Trend(StrEnum):
    """A muscle's change across signed sessions, in words that say which way is good."""

    BETTER = "better"
    WORSE = "worse"
    UNCLEAR = "unclear"  # no change beyond measurement error, conflicting, or too few values

    @property
    def words(self) -> str:
        """ "Improved", "Worse", "No clear change"."""
        return {Trend.BETTER: "Improved", Trend.WORSE: "Worse",
                Trend.UNCLEAR: "No clear change"}[self]  # fmt: skip


_STRENGTH_ORDER = {TwitchStrength.WEAK: 1, TwitchStrength.MEDIUM: 2, TwitchStrength.STRONG: 3}


@dataclass(frozen=True)
class MuscleProgress:
    """One muscle on one side across the patient's signed sessions."""

    muscle: str  # as shown: the catalogue's preferred name, or the doctor's words
    side: Side
    session_ids: tuple[int, ...]  # signed sessions where it was treated, oldest first
    session_numbers: tuple[int, ...]  # their numbers
    points: int  # points in total (a session may needle a muscle twice)
    twitch_sessions: int  # sessions with a twitch response
    twitch_total: int  # twitches counted, summed over sessions
    strongest_twitch: TwitchStrength | None
    twitch_first: str  # at the first / last session treated: "strong", "none recorded"
    twitch_last: str
    pains: tuple[Reading, ...]  # pain at the point where recorded (the worst point)
    ppts: tuple[Reading, ...]  # pressure pain threshold, kg/cm², where recorded
    on_trapezius: bool  # the pressure threshold's detectable change was measured here
    trend: Trend
    trend_reason: str

    @property
    def label(self) -> str:
        """The muscle with its side, e.g. "Right upper trapezius"."""
        return muscle_label(self.muscle, self.side)

    @property
    def times_treated(self) -> int:
        """Signed sessions where this muscle was needled."""
        return len(self.session_ids)

    @property
    def pain_first(self) -> float | None:
        """The first recorded pain at the point."""
        return self.pains[0].value if self.pains else None

    @property
    def pain_last(self) -> float | None:
        """The latest recorded pain at the point (None when recorded once or never)."""
        return self.pains[-1].value if len(self.pains) > 1 else None

    @property
    def ppt_first(self) -> float | None:
        """The first recorded pressure threshold."""
        return self.ppts[0].value if self.ppts else None

    @property
    def ppt_last(self) -> float | None:
        """The latest recorded pressure threshold (None when recorded once or never)."""
        return self.ppts[-1].value if len(self.ppts) > 1 else None

    @property
    def pain_text(self) -> str:
        """Pain at the point: "8 → 5", "5", "5 at session 1; not recorded at session 3"."""
        return values_text(self.pains, self.session_numbers)

    @property
    def ppt_text(self) -> str:
        """The pressure threshold as ``pain_text``, kg/cm² implied by the heading."""
        return values_text(self.ppts, self.session_numbers)

    @property
    def twitch_text(self) -> str:
        """ "2 of 3 sessions · 5× · strong → none recorded", or "none recorded"."""
        if not self.twitch_sessions:
            return "none recorded"
        count = f" · {self.twitch_total}×" if self.twitch_total else ""
        a, b = self.twitch_first, self.twitch_last
        strengths = a if self.times_treated == 1 or a == b else f"{a} → {b}"
        return f"{self.twitch_sessions} of {self.times_treated}{count} · {strengths}"

    @property
    def trend_text(self) -> str:
        """The trend and its reason, as the screen and the PDF both write it."""
        return f"{self.trend.words}: {self.trend_reason}"


def values_text(readings: Sequence[Reading], treated: Sequence[int]) -> str:
    """Recorded values first → last, "not recorded" where missing, naming the sessions
    when the values do not cover every session treated."""
    if not readings:
        return NOT_RECORDED
    recorded = {r.number for r in readings}
    gaps = [n for n in treated if n not in recorded]
    if len(readings) == 1:
        text = fmt(readings[0].value)
        if gaps:
            text += f" at session {readings[0].number}; {NOT_RECORDED} at {_numbers(gaps)}"
        return text
    text = f"{fmt(readings[0].value)} → {fmt(readings[-1].value)}"
    if gaps:
        text += (
            f" (sessions {readings[0].number} → {readings[-1].number}); "
            f"{NOT_RECORDED} at {_numbers(gaps)}"
        )
    return text


def _numbers(numbers: Sequence[int]) -> str:
    return ("session " if len(numbers) == 1 else "sessions ") + ", ".join(map(str, numbers))


def muscle_progress(sessions: Sequence[Session], points: PointsBySession) -> list[MuscleProgress]:
    """The per-muscle table over the signed sessions, most treated first, then by name.
    Left and right are separate rows: a muscle treated on alternating sides is two
    muscles here."""
    numbers = session_numbers(sessions)
    dates = {s.id or 0: s.started_at for s in sessions}
    order = [s.id or 0 for s in in_session_order(sessions) if counts(s)]
    by_key: dict[tuple[str, Side], dict[int, list[TriggerPoint]]] = {}
    names: dict[tuple[str, Side], str] = {}
    for sid in order:
        for p in points.get(sid, ()):
            # One row per catalogue muscle however it was typed ("upper traps" at one
            # session, "upper trapezius" at the next); each "other" wording its own row.
            key = (matching_key(p.muscle_id, p.muscle) or f"region:{_region_name(p)}", p.side)
            names.setdefault(key, catalogue_name(p.muscle_id, p.muscle) or _region_name(p))
            by_key.setdefault(key, {}).setdefault(sid, []).append(p)
    rows = [
        _muscle_row(names[key], key[1], by_session, numbers, dates)
        for key, by_session in by_key.items()
    ]
    rows.sort(key=lambda r: (-r.times_treated, r.muscle, r.side.value))
    return rows


def most_treated(rows: Sequence[MuscleProgress], limit: int = 5) -> list[MuscleProgress]:
    """The muscles needled at the most sessions (ties by name), at most ``limit``."""
    return sorted(rows, key=lambda r: (-r.times_treated, r.muscle, r.side.value))[:limit]


def _region_name(p: TriggerPoint) -> str:
    """What a row without a muscle is called: its region, without the side."""
    region = REGIONS.get(p.region_id)
    # The region label carries its side ("Left calf"); drop it, the side is its own column.
    label = region.label if region else p.region_id
    for word in ("Left ", "Right "):
        label = label.removeprefix(word)
    return label.lower()


def _muscle_row(
    muscle: str,
    side: Side,
    by_session: dict[int, list[TriggerPoint]],
    numbers: dict[int, int],
    dates: dict[int, datetime],
) -> MuscleProgress:
    pains: list[Reading] = []
    ppts: list[Reading] = []
    for sid, pts in by_session.items():  # insertion order is session order
        at = dates[sid]
        number = numbers.get(sid, 0)
        if found := [p.pain for p in pts if p.pain is not None]:
            pains.append(Reading(number, at, float(max(found))))
        if found_t := [p.pressure_threshold for p in pts if p.pressure_threshold is not None]:
            ppts.append(Reading(number, at, min(found_t)))
    per_session = list(by_session.values())
    strengths = [_strongest(v) for v in per_session]
    all_points = [p for v in per_session for p in v]
    on_trapezius = all("trapezius" in p.muscle_id for p in all_points)
    treated = [numbers.get(sid, 0) for sid in by_session]
    trend, reason = _muscle_trend(pains, ppts, treated, on_trapezius)
    return MuscleProgress(
        muscle=muscle, side=side, session_ids=tuple(by_session),
        session_numbers=tuple(numbers.get(sid, 0) for sid in by_session),
        points=len(all_points),
        twitch_sessions=sum(any(p.twitch_elicited for p in v) for v in per_session),
        twitch_total=sum(p.twitch_count or 0 for p in all_points),
        strongest_twitch=max(
            (s for v in per_session for p in v if p.twitch_elicited
             and (s := p.twitch_strength) is not None), key=_rank, default=None,
        ),
        twitch_first=strengths[0], twitch_last=strengths[-1],
        pains=tuple(pains), ppts=tuple(ppts), on_trapezius=on_trapezius,
        trend=trend, trend_reason=reason,
    )  # fmt: skip


def _rank(strength: TwitchStrength) -> int:
    return _STRENGTH_ORDER[strength]


def _strongest(points: Iterable[TriggerPoint]) -> str:
    """The strongest twitch at one session in words; a twitch without a recorded
    strength is "twitch, strength not recorded", never taken as weak. No twitch
    elicited is "none recorded": the record cannot tell "tested, none" from "not
    tested"."""
    found = [p for p in points if p.twitch_elicited]
    if not found:
        return "none recorded"
    known = [p.twitch_strength for p in found if p.twitch_strength is not None]
    if not known:
        return "strength not recorded"
    return max(known, key=_rank).value


def _muscle_trend(
    pains: Sequence[Reading], ppts: Sequence[Reading], treated: Sequence[int], on_trapezius: bool
) -> tuple[Trend, str]:
    """Improved when pain at the point fell by the NRS MCID (2 points or 30 %) or the
    pressure threshold rose beyond its smallest detectable change; worse the other
    way; no clear change when the two disagree or neither moved enough. The sessions a
    change spans are named when they are not the first and last treated."""
    votes: list[int] = []
    reasons: list[str] = []

    def span(a: Reading, b: Reading) -> str:
        whole = (a.number, b.number) == (treated[0], treated[-1])
        return "" if whole else f" (sessions {a.number} → {b.number})"

    if len(pains) >= 2:
        a, b = pains[0], pains[-1]
        verdict = judge(PAIN, a.value, b.value)
        moved = "fell" if b.value < a.value else "rose"
        amount = points_text(abs(b.value - a.value))
        if verdict in (Verdict.IMPROVED, Verdict.WORSE):
            votes.append(1 if verdict is Verdict.IMPROVED else -1)
            reasons.append(f"pain at point {moved} {amount}{span(a, b)}")
        elif a.value == b.value:
            reasons.append(f"pain at point unchanged{span(a, b)}")
        else:
            reasons.append(f"pain at point {moved} {amount}{span(a, b)}, under 2 points or 30 %")
    elif pains:
        reasons.append(f"pain at point recorded at session {pains[0].number} only")
    else:
        reasons.append(f"pain at point {NOT_RECORDED}")
    where = "" if on_trapezius else ", measured on the trapezius"
    if len(ppts) >= 2:
        a, b = ppts[0], ppts[-1]
        rise = b.value - a.value
        moved = "rose" if rise > 0 else "fell"
        head = f"pressure threshold {moved} {fmt(abs(rise))} kg/cm²{span(a, b)}"
        if abs(rise) > PPT_SDC:
            votes.append(1 if rise > 0 else -1)
            reasons.append(f"{head}, more than the detectable change (0.62{where})")
        elif rise == 0:
            reasons.append(f"pressure threshold unchanged{span(a, b)}")
        else:
            maybe = "possibly real but " if abs(rise) >= PPT_SDC_LOW else ""
            reasons.append(f"{head}, {maybe}within measurement error (0.45-0.62{where})")
    elif ppts:
        reasons.append(f"pressure threshold recorded at session {ppts[0].number} only")
    reason = "; ".join(reasons)
    if len(pains) < 2 and len(ppts) < 2:
        return Trend.UNCLEAR, reason
    if votes and all(v > 0 for v in votes):
        return Trend.BETTER, reason
    if votes and all(v < 0 for v in votes):
        return Trend.WORSE, reason
    if votes:
        return Trend.UNCLEAR, reason + " (conflicting)"
    return Trend.UNCLEAR, reason
