"""Progress across sessions: the numbers behind the progress view and the PDF progress report.

Pure functions over core dataclasses (no Qt, no SQL), so the screen and the
printed report always say the same thing. Feed them a patient's sessions
(oldest first, as ``store.sessions.for_patient`` returns them) and the points
by session id (``store.points.for_patient``).

Whether a change is *clinically meaningful* is judged against the minimal
clinically important difference (MCID) of each measure; the figures are the
clinic's (shared/clinical.md, "Outcome thresholds worth knowing") and come
from these studies:

- Pain NRS 0-10, about 1.3-2 points: 1.3 in mechanical neck pain [Cleland,
  Childs, Whitman, Arch Phys Med Rehabil 2008;89:69-74]; 2 points (or 30 %) in
  chronic musculoskeletal pain [Salaffi et al., Eur J Pain 2004;8:283-91;
  Farrar et al., Pain 2001;94:149-58].
- Neck Disability Index as a percentage, about 14-19 points: 7 of 50 (14 %) in
  cervical radiculopathy [Cleland et al., Spine 2006;31:598-602]; 9.5 of 50
  (19 %) in mechanical neck pain [Cleland 2008, above].
- Oswestry Disability Index, about 12 points (percentage scale); consensus
  work puts the smallest important change near 10 points or 30 % [Ostelo et
  al., Spine 2008;33:90-4], so 12 is on the safe side.
- Patient-Specific Functional Scale (mean 0-10), about 2 points [Cleland 2006,
  above]. Higher PSFS is better; for the other three lower is better.

A change of at least the upper figure is called "clinically meaningful"; one
between the lower and upper figures "possibly meaningful", because the
published values differ by population and a doctor should see that nuance.

Pressure pain threshold (algometer, kg/cm²) has a smallest detectable change
of about 0.45-0.62 kg/cm² on the trapezius (clinical.md, from algometry
reliability studies); only a change beyond 0.62 is taken as real.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tpchart.core.muscles import catalogue_name, matching_key
from tpchart.core.regions import REGIONS, Side, View
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint, TwitchStrength

PointsBySession = Mapping[int, Sequence[TriggerPoint]]

# Smallest detectable change of the pressure pain threshold, kg/cm² (module docstring).
PPT_SDC_LOW = 0.45
PPT_SDC = 0.62
# Pain at a single point uses the NRS MCID: it is the same 0-10 scale.
POINT_PAIN_MCID = 2.0
# Two points further apart than this (diagram units; a whole body is ~1000 tall,
# so about 8 cm on an adult) are not the same trigger point.
MATCH_DISTANCE = 50.0
# Points of the heat view closer than this are drawn as one spot with a count.
HEAT_RADIUS = 20.0


# --- Measures and their MCID ------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """An outcome measure, its scale and the change that matters to a patient."""

    key: str  # the Session attribute (pain uses pain_before, see pain_trend)
    name: str  # as written in a sentence: "Pain", "NDI"
    title: str  # full name for headings and legends
    unit: str  # appended to values: "" or "%"
    scale_max: float
    mcid_low: float
    mcid: float  # the upper figure: at least this is clinically meaningful
    higher_is_better: bool
    mcid_text: str  # how the MCID is written in the sentence

    def value(self, session: Session) -> float | None:
        """This measure's value recorded at ``session`` (pain: before needling)."""
        return getattr(session, "pain_before" if self.key == "pain" else self.key)


PAIN = Measure("pain", "Pain", "Pain (NRS 0-10)", "", 10, 1.3, 2.0, False,
               "MCID ≈ 2 points on the NRS")  # fmt: skip
NDI = Measure("ndi", "NDI", "Neck Disability Index (%)", "%", 100, 14, 19, False,
              "MCID ≈ 14-19 points")  # fmt: skip
ODI = Measure("odi", "ODI", "Oswestry Disability Index (%)", "%", 100, 12, 12, False,
              "MCID ≈ 12 points")  # fmt: skip
PSFS = Measure("psfs", "PSFS", "Patient-Specific Functional Scale (0-10)", "", 10, 2, 2, True,
               "MCID ≈ 2 points; higher is better")  # fmt: skip
OUTCOME_MEASURES = (NDI, ODI, PSFS)
MEASURES = (PAIN, *OUTCOME_MEASURES)


class Verdict(StrEnum):
    """What a change since the first session means for the patient."""

    IMPROVED = "improved"  # better by at least the MCID
    POSSIBLY_IMPROVED = "possibly_improved"  # within the MCID range
    NO_CLEAR_CHANGE = "no_clear_change"  # smaller than the MCID
    POSSIBLY_WORSE = "possibly_worse"
    WORSE = "worse"
    NOT_ENOUGH_DATA = "not_enough_data"  # fewer than two values


# --- Session summaries --------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    """One session in a line: when, scores, how many points and which muscles."""

    session_id: int
    number: int  # 1 for the first session
    started_at: datetime
    signed: bool
    pain_before: int | None
    pain_after: int | None
    ndi: float | None
    odi: float | None
    psfs: float | None
    point_count: int
    twitch_count: int  # points with a twitch response elicited
    muscles: tuple[str, ...]  # "Right upper trapezius", in charting order, no repeats

    @property
    def immediate_change(self) -> int | None:
        """Pain after minus pain before needling (negative is relief)."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


def in_session_order(sessions: Iterable[Session]) -> list[Session]:
    """Sessions oldest first; two at the same minute in the order they were created."""
    return sorted(sessions, key=lambda s: (s.started_at, s.id or 0))


def session_summaries(sessions: Sequence[Session], points: PointsBySession) -> list[SessionSummary]:
    """One summary per session, oldest first (sessions are sorted by start time)."""
    ordered = in_session_order(sessions)
    summaries = []
    for number, s in enumerate(ordered, start=1):
        pts = list(points.get(s.id or -1, ()))
        summaries.append(
            SessionSummary(
                session_id=s.id or 0, number=number, started_at=s.started_at,
                signed=s.status is SessionStatus.SIGNED,
                pain_before=s.pain_before, pain_after=s.pain_after,
                ndi=s.ndi, odi=s.odi, psfs=s.psfs, point_count=len(pts),
                twitch_count=sum(p.twitch_elicited for p in pts),
                muscles=tuple(dict.fromkeys(point_name(p) for p in pts)),
            )
        )  # fmt: skip
    return summaries


def point_name(point: TriggerPoint) -> str:
    """The point's muscle with the patient's side, e.g. "Right upper trapezius" (the
    catalogue's preferred name, however it was typed); the region's label when no
    muscle was recorded."""
    name = catalogue_name(point.muscle_id, point.muscle)
    if not name:
        region = REGIONS.get(point.region_id)
        return region.label if region else point.region_id
    return muscle_label(name, point.side)


def muscle_label(muscle: str, side: Side) -> str:
    """The muscle with its side, e.g. "Right upper trapezius"."""
    return f"{side.value.capitalize()} {muscle}"


# --- Change since the first session -------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How one measure moved between its first and last recorded value."""

    measure: Measure
    values: tuple[tuple[datetime, float], ...]  # every recorded value, oldest first
    verdict: Verdict
    sentence: str

    @property
    def first(self) -> float | None:
        """The first recorded value."""
        return self.values[0][1] if self.values else None

    @property
    def last(self) -> float | None:
        """The latest recorded value."""
        return self.values[-1][1] if self.values else None

    @property
    def delta(self) -> float | None:
        """Last minus first (negative: fell)."""
        if len(self.values) < 2:
            return None
        return self.values[-1][1] - self.values[0][1]

    @property
    def meaningful(self) -> bool:
        """Improved or worse by at least the MCID."""
        return self.verdict in (Verdict.IMPROVED, Verdict.WORSE)

    @property
    def target(self) -> float | None:
        """The value that would be a clinically meaningful improvement on the first
        session (first - MCID, or + MCID when higher is better), kept on the scale."""
        if self.first is None:
            return None
        m = self.measure
        goal = self.first + m.mcid if m.higher_is_better else self.first - m.mcid
        return min(max(goal, 0.0), m.scale_max)

    @property
    def slope_per_week(self) -> float | None:
        """Least-squares trend in units per week over all values; None with fewer than
        three values or all on one day (two values are just the delta)."""
        return _slope_per_week(self.values)


def change_since_first(measure: Measure, sessions: Sequence[Session]) -> Change:
    """The change of ``measure`` from its first to its last recorded value, in words.

    Sessions without a value are skipped, so a session with a missing score neither
    counts as zero nor breaks the trend.
    """
    values = tuple(
        (s.started_at, float(v))
        for s in in_session_order(sessions)
        if (v := measure.value(s)) is not None
    )
    verdict = _verdict(measure, values)
    return Change(measure, values, verdict, _sentence(measure, values, verdict))


def pain_trend(sessions: Sequence[Session]) -> Change:
    """Pain before needling from the first session to the latest. Pain *before* is the
    patient's state on arrival; pain after needling is the immediate effect only."""
    return change_since_first(PAIN, sessions)


def outcome_changes(sessions: Sequence[Session]) -> list[Change]:
    """NDI, ODI and PSFS changes, only for the measures recorded at least once."""
    changes = [change_since_first(m, sessions) for m in OUTCOME_MEASURES]
    return [c for c in changes if c.values]


def immediate_relief(sessions: Sequence[Session]) -> float | None:
    """Mean fall in pain from before to after needling (positive is relief), over the
    sessions with both scores."""
    drops = [
        s.pain_before - s.pain_after
        for s in sessions
        if s.pain_before is not None and s.pain_after is not None
    ]
    return sum(drops) / len(drops) if drops else None


def _verdict(m: Measure, values: Sequence[tuple[datetime, float]]) -> Verdict:
    if len(values) < 2:
        return Verdict.NOT_ENOUGH_DATA
    gain = values[-1][1] - values[0][1]
    if not m.higher_is_better:
        gain = -gain
    # A tiny epsilon so 8.0 - 6.0 counts as the full 2 points despite float noise.
    size = abs(gain) + 1e-9
    if size >= m.mcid:
        return Verdict.IMPROVED if gain > 0 else Verdict.WORSE
    if size >= m.mcid_low:
        return Verdict.POSSIBLY_IMPROVED if gain > 0 else Verdict.POSSIBLY_WORSE
    return Verdict.NO_CLEAR_CHANGE


def _sentence(m: Measure, values: Sequence[tuple[datetime, float]], verdict: Verdict) -> str:
    if not values:
        return f"No {m.name if m is not PAIN else 'pain'} scores recorded yet."
    first_at, first = values[0]
    if len(values) == 1:
        return (
            f"{m.name} {fmt(first)}{m.unit} on {first_at:%d %b %Y}, the only session with a "
            "score: a change needs a second one."
        )
    last = values[-1][1]
    span = f"over {len(values)} sessions in {span_text(first_at, values[-1][0])}"
    if last == first:
        return f"{m.name} stayed at {fmt(first)}{m.unit} {span}: no change."
    moved = "rose" if last > first else "fell"
    sign = "+" if last > first else "−"
    points = abs(last - first)
    unit = "point" if points == 1 else "points"
    head = f"{m.name} {moved} from {fmt(first)}{m.unit} to {fmt(last)}{m.unit} {span}"
    head += f" ({sign}{fmt(points)} {unit})"
    meaning = {
        Verdict.IMPROVED: f"a clinically meaningful improvement ({m.mcid_text})",
        Verdict.WORSE: f"a clinically meaningful worsening ({m.mcid_text})",
        Verdict.POSSIBLY_IMPROVED: f"possibly a meaningful improvement, within the MCID range "
        f"({m.mcid_text})",
        Verdict.POSSIBLY_WORSE: f"possibly a meaningful worsening, within the MCID range "
        f"({m.mcid_text})",
        Verdict.NO_CLEAR_CHANGE: f"less than the MCID, no clear change ({m.mcid_text})",
    }[verdict]
    return f"{head}: {meaning}."


def fmt(value: float) -> str:
    """A score as written: "8", "4.5", "0.62" (no trailing zeros)."""
    return f"{round(value, 2):g}"


def span_text(start: datetime, end: datetime) -> str:
    """A time span in the unit a clinician would say: "5 days", "7 weeks", "4 months"."""
    days = max(0, (end - start).days)
    if days < 14:
        return f"{days} day" + ("" if days == 1 else "s")
    if days < 92:
        return f"{round(days / 7)} weeks"
    months = round(days / 30.44)
    return f"{months} months" if months < 24 else f"{days / 365.25:.1f} years"


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


# --- Per-muscle table -------------------------------------------------------------------


class Trend(StrEnum):
    """A muscle's direction across sessions: the arrow points to *better*."""

    BETTER = "better"
    WORSE = "worse"
    UNCLEAR = "unclear"  # no change beyond measurement error, conflicting, or one session

    @property
    def arrow(self) -> str:
        """↑ better, ↓ worse, → no clear change."""
        return {Trend.BETTER: "↑", Trend.WORSE: "↓", Trend.UNCLEAR: "→"}[self]


_STRENGTH_ORDER = {TwitchStrength.WEAK: 1, TwitchStrength.MEDIUM: 2, TwitchStrength.STRONG: 3}


@dataclass(frozen=True)
class MuscleProgress:
    """One muscle on one side across the patient's sessions.

    Per session the worst point counts (highest pain, lowest pressure threshold,
    strongest twitch) when the muscle was needled at more than one point.
    """

    muscle: str  # as shown: the catalogue's preferred name, or the doctor's words
    side: Side
    session_ids: tuple[int, ...]  # sessions where it was treated, oldest first
    points: int  # points in total (a session may needle a muscle twice)
    twitch_sessions: int  # sessions with a twitch response
    twitch_total: int  # twitches counted, summed over sessions
    strongest_twitch: TwitchStrength | None
    twitch_first: TwitchStrength | None  # strongest twitch at the first/last session treated
    twitch_last: TwitchStrength | None
    pain_first: int | None
    pain_last: int | None
    ppt_first: float | None  # pressure pain threshold, kg/cm²
    ppt_last: float | None
    trend: Trend
    trend_reason: str

    @property
    def label(self) -> str:
        """The muscle with its side, e.g. "Right upper trapezius"."""
        return muscle_label(self.muscle, self.side)

    @property
    def times_treated(self) -> int:
        """Sessions where this muscle was needled."""
        return len(self.session_ids)


def muscle_progress(sessions: Sequence[Session], points: PointsBySession) -> list[MuscleProgress]:
    """The per-muscle table, most treated first, then by name. Left and right are
    separate rows: a muscle treated on alternating sides is two muscles here."""
    order = [s.id for s in in_session_order(sessions)]
    by_key: dict[tuple[str, Side], dict[int, list[TriggerPoint]]] = {}
    names: dict[tuple[str, Side], str] = {}
    for sid in order:
        for p in points.get(sid or -1, ()):
            # One row per catalogue muscle however it was typed ("upper traps" at one
            # session, "upper trapezius" at the next); each "other" wording its own row.
            key = (matching_key(p.muscle_id, p.muscle) or f"region:{_region_name(p)}", p.side)
            names.setdefault(key, catalogue_name(p.muscle_id, p.muscle) or _region_name(p))
            by_key.setdefault(key, {}).setdefault(sid or 0, []).append(p)
    rows = [_muscle_row(names[key], key[1], by_session) for key, by_session in by_key.items()]
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
    muscle: str, side: Side, by_session: dict[int, list[TriggerPoint]]
) -> MuscleProgress:
    per_session = list(by_session.values())  # insertion order is session order
    pains = [max(ps) for v in per_session if (ps := [p.pain for p in v if p.pain is not None])]
    ppts = [
        min(ts)
        for v in per_session
        if (ts := [p.pressure_threshold for p in v if p.pressure_threshold is not None])
    ]
    strengths = [_strongest(v) for v in per_session]
    all_points = [p for v in per_session for p in v]
    trend, reason = _muscle_trend(pains, ppts)
    return MuscleProgress(
        muscle=muscle, side=side, session_ids=tuple(by_session), points=len(all_points),
        twitch_sessions=sum(any(p.twitch_elicited for p in v) for v in per_session),
        twitch_total=sum(p.twitch_count or 0 for p in all_points),
        strongest_twitch=max(filter(None, strengths), key=_rank, default=None),
        twitch_first=strengths[0], twitch_last=strengths[-1],
        pain_first=pains[0] if pains else None, pain_last=pains[-1] if pains else None,
        ppt_first=ppts[0] if ppts else None, ppt_last=ppts[-1] if ppts else None,
        trend=trend, trend_reason=reason,
    )  # fmt: skip


def _rank(strength: TwitchStrength) -> int:
    return _STRENGTH_ORDER[strength]


def _strongest(points: Iterable[TriggerPoint]) -> TwitchStrength | None:
    found = [p.twitch_strength or TwitchStrength.WEAK for p in points if p.twitch_elicited]
    return max(found, key=_rank) if found else None


def _muscle_trend(pains: Sequence[int], ppts: Sequence[float]) -> tuple[Trend, str]:
    """Better when pain at the point fell by the NRS MCID or the pressure threshold
    rose beyond its smallest detectable change; worse the other way; unclear when the
    two disagree or neither moved enough. Twitch responses are shown but not scored:
    they are not a validated outcome."""
    votes: list[int] = []
    reasons: list[str] = []
    if len(pains) >= 2:
        d = pains[-1] - pains[0]
        if abs(d) >= POINT_PAIN_MCID:
            votes.append(-1 if d > 0 else 1)
            reasons.append(f"pain {'rose' if d > 0 else 'fell'} {abs(d)} points")
    if len(ppts) >= 2:
        rise = ppts[-1] - ppts[0]
        if abs(rise) > PPT_SDC:
            votes.append(1 if rise > 0 else -1)
            reasons.append(
                f"pressure threshold {'rose' if rise > 0 else 'fell'} {fmt(abs(rise))} kg/cm²"
            )
    if len(pains) < 2 and len(ppts) < 2:
        return Trend.UNCLEAR, "measured at one session only"
    if not votes:
        return Trend.UNCLEAR, "no change beyond the MCID or measurement error"
    if all(v > 0 for v in votes):
        return Trend.BETTER, "; ".join(reasons)
    if all(v < 0 for v in votes):
        return Trend.WORSE, "; ".join(reasons)
    return Trend.UNCLEAR, "; ".join(reasons) + " (conflicting)"


# --- Comparing two sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class PointMatch:
    """The same trigger point found at an earlier and a later session."""

    before: TriggerPoint
    after: TriggerPoint
    distance: float | None  # diagram units; None when charted on different views
    by_muscle: bool  # matched by muscle and side (else only by place)

    @property
    def pain_change(self) -> int | None:
        """Later pain at the point minus earlier (negative is better)."""
        if self.before.pain is None or self.after.pain is None:
            return None
        return self.after.pain - self.before.pain

    @property
    def ppt_change(self) -> float | None:
        """Later pressure threshold minus earlier, kg/cm² (positive is better)."""
        a, b = self.before.pressure_threshold, self.after.pressure_threshold
        return None if a is None or b is None else b - a

    @property
    def twitch_text(self) -> str:
        """Twitch then and now, e.g. "Strong ×3 → Weak"; one text when unchanged."""
        a, b = self.before.twitch_text, self.after.twitch_text
        return a if a == b else f"{a} → {b}"


@dataclass(frozen=True)
class Comparison:
    """Points of an earlier and a later session, sorted into new, gone and persisting."""

    new: tuple[TriggerPoint, ...]  # in the later session only
    gone: tuple[TriggerPoint, ...]  # in the earlier session only
    persisting: tuple[PointMatch, ...]


def compare_points(
    earlier: Sequence[TriggerPoint],
    later: Sequence[TriggerPoint],
    max_distance: float = MATCH_DISTANCE,
) -> Comparison:
    """Match the points of two sessions: first same muscle and side (nearest pairs first,
    so two points in one muscle pair up by place), then the rest by nearest distance
    on the same diagram and side within ``max_distance`` (a muscle missing or
    renamed at one session). Greedy nearest-first matching is
    enough for the handful of points a session has and is easy to explain."""
    left, right = list(earlier), list(later)
    matches: list[PointMatch] = []

    def take(candidates: list[tuple[float, int, int]], by_muscle: bool) -> None:
        used_a: set[int] = set()
        used_b: set[int] = set()
        for dist, i, j in sorted(candidates):
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            d = None if math.isinf(dist) else dist
            matches.append(PointMatch(left[i], right[j], d, by_muscle))
        for i in sorted(used_a, reverse=True):
            left.pop(i)
        for j in sorted(used_b, reverse=True):
            right.pop(j)

    take(
        [
            (_distance(a, b), i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            if _same_muscle(a, b) and a.side is b.side
        ],
        by_muscle=True,
    )
    take(
        [
            (d, i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            # A point does not change sides: left and right are different muscles.
            if a.side is b.side and (d := _distance(a, b)) <= max_distance
        ],
        by_muscle=False,
    )
    matches.sort(key=lambda m: m.after.number)
    return Comparison(new=tuple(right), gone=tuple(left), persisting=tuple(matches))


def compare_sessions(points: PointsBySession, earlier_id: int, later_id: int) -> Comparison:
    """``compare_points`` for two session ids."""
    return compare_points(points.get(earlier_id, ()), points.get(later_id, ()))


def _same_muscle(a: TriggerPoint, b: TriggerPoint) -> bool:
    """Both points name one muscle: the same catalogue id, or the same "other" words."""
    key = matching_key(a.muscle_id, a.muscle)
    return bool(key) and key == matching_key(b.muscle_id, b.muscle)


def _distance(a: TriggerPoint, b: TriggerPoint) -> float:
    if a.view is not b.view:
        return math.inf
    return math.hypot(a.x - b.x, a.y - b.y)


# --- Persistence across sessions ----------------------------------------------------------


@dataclass(frozen=True)
class PointTrack:
    """One trigger point followed from session to consecutive session."""

    name: str  # "Right upper trapezius"
    session_ids: tuple[int, ...]  # consecutive sessions where it was found
    still_present: bool  # found at the latest session

    @property
    def sessions(self) -> int:
        """How many consecutive sessions the point was found at."""
        return len(self.session_ids)


def point_tracks(sessions: Sequence[Session], points: PointsBySession) -> list[PointTrack]:
    """Chains of the same point across consecutive sessions (matched as in
    ``compare_points``), longest first: the points that keep coming back."""
    order = [s.id or 0 for s in in_session_order(sessions)]
    open_tracks: dict[int, list[int]] = {}  # point id -> session ids of its chain
    names: dict[int, str] = {}
    done: list[tuple[list[int], str]] = []
    previous: Sequence[TriggerPoint] = ()
    for sid in order:
        current = points.get(sid, ())
        cmp = compare_points(previous, current)
        carried: dict[int, list[int]] = {}
        for m in cmp.persisting:
            chain = open_tracks.pop(id(m.before), [])
            carried[id(m.after)] = [*chain, sid]
            names[id(m.after)] = point_name(m.after)
        for p in cmp.gone:
            done.append((open_tracks.pop(id(p)), names[id(p)]))
        for p in cmp.new:
            carried[id(p)] = [sid]
            names[id(p)] = point_name(p)
        open_tracks, previous = carried, current
    last = order[-1] if order else None
    tracks = [PointTrack(n, tuple(c), False) for c, n in done]
    tracks += [PointTrack(names[k], tuple(c), c[-1] == last) for k, c in open_tracks.items()]
    tracks.sort(key=lambda t: (-t.sessions, t.name))
    return tracks


def persistence_rate(sessions: Sequence[Session], points: PointsBySession) -> float | None:
    """Share of each session's points found again at the next session, over all pairs of
    consecutive sessions; None with fewer than two sessions with points."""
    order = [s.id or 0 for s in in_session_order(sessions)]
    found = total = 0
    for a, b in itertools.pairwise(order):
        earlier = points.get(a, ())
        if not earlier:
            continue
        total += len(earlier)
        found += len(compare_points(earlier, points.get(b, ())).persisting)
    return found / total if total else None


# --- Heat map ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatSpot:
    """Points close together on one diagram over the selected sessions."""

    x: float  # mean position, diagram coordinates
    y: float
    count: int  # points merged here
    sessions: int  # distinct sessions among them
    names: tuple[str, ...]  # muscles, most frequent first


def heat_spots(
    points: PointsBySession,
    session_ids: Iterable[int],
    view: View,
    radius: float = HEAT_RADIUS,
) -> list[HeatSpot]:
    """The points of ``session_ids`` on ``view``, close ones merged into spots; the
    more often a place was treated, the higher its count. Greedy clustering in session
    order: each point joins the nearest spot whose centre is within ``radius``."""
    view = View(view)
    clusters: list[list[TriggerPoint]] = []
    centres: list[tuple[float, float]] = []
    sums: list[list[float]] = []  # running x and y sums: a centre moves in O(1)
    for sid in session_ids:
        for p in points.get(sid, ()):
            if p.view is not view:
                continue
            best, best_d = None, radius
            for k, (cx, cy) in enumerate(centres):
                d = math.hypot(p.x - cx, p.y - cy)
                if d <= best_d:
                    best, best_d = k, d
            if best is None:
                clusters.append([p])
                centres.append((p.x, p.y))
                sums.append([p.x, p.y])
            else:
                clusters[best].append(p)
                total = sums[best]
                total[0] += p.x
                total[1] += p.y
                count = len(clusters[best])
                centres[best] = (total[0] / count, total[1] / count)
    spots = []
    for members, (cx, cy) in zip(clusters, centres, strict=True):
        counts: dict[str, int] = {}
        for q in members:
            counts[point_name(q)] = counts.get(point_name(q), 0) + 1
        names = tuple(sorted(counts, key=lambda n: (-counts[n], n)))
        sessions = len({q.session_id for q in members})
        spots.append(HeatSpot(round(cx, 1), round(cy, 1), len(members), sessions, names))
    return spots


def sessions_in_range(sessions: Sequence[Session], first_id: int, last_id: int) -> list[Session]:
    """The sessions from ``first_id`` to ``last_id`` inclusive, in session order (the two
    may be given either way round)."""
    ordered = in_session_order(sessions)
    ids = [s.id for s in ordered]
    if first_id not in ids or last_id not in ids:
        return []
    i, j = sorted((ids.index(first_id), ids.index(last_id)))
    return ordered[i : j + 1]
