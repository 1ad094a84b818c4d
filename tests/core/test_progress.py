"""Progress metrics on hand-made histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tpchart.core.progress import (
    NDI,
    ODI,
    PAIN,
    PSFS,
    Trend,
    Verdict,
    change_since_first,
    compare_points,
    heat_spots,
    immediate_relief,
    most_treated,
    muscle_progress,
    outcome_changes,
    pain_trend,
    persistence_rate,
    point_tracks,
    session_summaries,
    sessions_in_range,
    span_text,
)
from tpchart.core.regions import Side, View
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint, TwitchStrength

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def history(pains, days=7, **measures):
    """Sessions a week apart (or at the given day offsets) with pain before/after."""
    offsets = days if isinstance(days, list) else [i * days for i in range(len(pains))]
    out = []
    for i, (pain, at) in enumerate(zip(pains, offsets, strict=True)):
        extra = {k: v[i] for k, v in measures.items()}
        before, after = pain if isinstance(pain, tuple) else (pain, None)
        out.append(
            Session(
                id=i + 1, patient_id=1, practitioner_id=1,
                started_at=T0 + timedelta(days=at), pain_before=before, pain_after=after,
                status=SessionStatus.SIGNED, **extra,
            )
        )  # fmt: skip
    return out


def pt(session_id, muscle="upper trapezius", side=Side.RIGHT, x=300.0, y=200.0, **kw):
    kw.setdefault("number", 1)
    kw.setdefault("view", View.BACK)
    kw.setdefault("region_id", f"back.neck.{side.value}")
    return TriggerPoint(session_id=session_id, side=side, x=x, y=y, muscle=muscle, **kw)


# --- pain and outcome measures ----------------------------------------------------------


def test_improving_pain_is_a_meaningful_improvement_in_words():
    change = pain_trend(history([8, 7, 6, 5, 4, 3]))
    assert change.verdict is Verdict.IMPROVED and change.meaningful
    assert change.delta == -5
    assert change.sentence == (
        "Since the first: pain 8 → 3 (lower is better), session 1 (3 Mar 2025) → session 6 "
        "(7 Apr 2025), 6 signed sessions with a score in 5 weeks: improved by 5 points "
        "(62 %), at least the MCID (2 points or 30 %)."
    )
    assert change.target == 6
    assert change.slope_per_week == pytest.approx(-1.0)


def test_worsening_pain():
    change = pain_trend(history([3, 4, 6]))
    assert change.verdict is Verdict.WORSE
    assert change.sentence.startswith("Since the first: pain 3 → 6 (lower is better)")
    # Worsening is judged by the absolute MCID only: no percentage claimed.
    assert change.sentence.endswith("worse by 3 points, at least the MCID (2 points).")


def test_flat_pain_is_no_change():
    change = pain_trend(history([5, 5, 5, 5]))
    assert change.verdict is Verdict.NO_CLEAR_CHANGE
    assert change.sentence.endswith("4 signed sessions with a score in 3 weeks: no change.")
    assert change.slope_per_week == 0


def test_small_and_borderline_changes():
    assert pain_trend(history([6, 5])).verdict is Verdict.NO_CLEAR_CHANGE
    assert "1 point (17 %) is less than the MCID" in pain_trend(history([6, 5])).sentence
    # 1.3-2 points is the published MCID range: possibly meaningful, said so.
    ndi = change_since_first(NDI, history([5, 5], ndi=[40.0, 24.0]))
    assert ndi.verdict is Verdict.POSSIBLY_IMPROVED
    assert "possibly improved: 16 points, within the MCID range (14-19 points)" in ndi.sentence
    assert change_since_first(NDI, history([5, 5], ndi=[40.0, 20.0])).verdict is Verdict.IMPROVED


def test_one_session_only_needs_a_second_session():
    change = pain_trend(history([7]))
    assert change.verdict is Verdict.NOT_ENOUGH_DATA and change.delta is None
    assert change.sentence == (
        "Pain 7 at session 1 (3 Mar 2025), the only signed session with a score: a change "
        "needs a second one."
    )
    assert change.slope_per_week is None


def test_no_sessions_and_no_scores():
    assert pain_trend([]).sentence == "No pain scores recorded at a signed session yet."
    assert pain_trend(history([None, None])).verdict is Verdict.NOT_ENOUGH_DATA


def test_missing_pain_scores_are_skipped_not_zero():
    change = pain_trend(history([8, None, 6, None, 4]))
    assert [v for _, v in change.values] == [8, 6, 4]
    assert "3 signed sessions with a score in 4 weeks; not recorded at sessions 2 and 4" in (
        change.sentence
    )
    assert change.missing == (2, 4)


def test_gaps_of_months_are_said_in_months():
    change = pain_trend(history([7, 6, 3], days=[0, 120, 240]))
    assert "3 signed sessions with a score in 8 months" in change.sentence
    assert change.slope_per_week == pytest.approx(-4 / (240 / 7))
    assert span_text(T0, T0 + timedelta(days=1)) == "1 day"
    assert span_text(T0, T0 + timedelta(days=800)) == "2.2 years"
    assert span_text(T0, T0 + timedelta(days=10)) == "10 days"


def test_outcome_measures_present_and_absent():
    sessions = history([6, 5, 4], ndi=[44.0, 30.0, 22.0], psfs=[3.0, 4.5, 6.0])
    changes = {c.measure: c for c in outcome_changes(sessions)}
    assert set(changes) == {NDI, PSFS}  # ODI never recorded: left out
    assert changes[NDI].sentence.startswith("Since the first: NDI 44% → 22% (lower is better)")
    # PSFS: higher is better, so a rise is the improvement.
    assert changes[PSFS].verdict is Verdict.IMPROVED
    assert changes[PSFS].target == 5
    assert "PSFS 3 → 6 (higher is better)" in changes[PSFS].sentence
    assert outcome_changes(history([6, 5])) == []
    worse = change_since_first(ODI, history([6, 6], odi=[20.0, 34.0]))
    assert worse.verdict is Verdict.WORSE


def test_immediate_relief_and_session_summaries():
    sessions = history([(8, 5), (6, 4), (5, None)])
    assert immediate_relief(sessions) == pytest.approx(2.5)
    points = {1: [pt(1, twitch_elicited=True), pt(1, "levator scapulae", number=2)]}
    summaries = session_summaries(list(reversed(sessions)), points)
    assert [s.number for s in summaries] == [1, 2, 3]
    assert summaries[0].immediate_change == -3
    assert summaries[0].muscles == ("Right upper trapezius", "Right levator scapulae")
    assert summaries[0].twitch_count == 1 and summaries[1].point_count == 0
    assert PAIN.value(sessions[0]) == 8 and PSFS.value(sessions[0]) is None


# --- the muscle table -------------------------------------------------------------------


def test_muscle_table_with_trend_arrows():
    sessions = history([7, 6, 5])
    points = {
        1: [pt(1, pain=8, pressure_threshold=1.5, twitch_elicited=True,
               twitch_count=3, twitch_strength=TwitchStrength.STRONG),
            pt(1, "infraspinatus", number=2, pain=4)],
        2: [pt(2, pain=6, pressure_threshold=2.0),
            pt(2, "infraspinatus", number=2, pain=7)],
        3: [pt(3, pain=5, pressure_threshold=2.4, twitch_elicited=True,
               twitch_strength=TwitchStrength.WEAK)],
    }  # fmt: skip
    rows = muscle_progress(sessions, points)
    trap, infra = rows
    assert trap.label == "Right upper trapezius" and trap.times_treated == 3
    assert (trap.pain_first, trap.pain_last) == (8, 5)
    assert (trap.ppt_first, trap.ppt_last) == (1.5, 2.4)
    assert trap.twitch_sessions == 2 and trap.twitch_total == 3
    assert (trap.twitch_first, trap.twitch_last) == ("strong", "weak")
    assert trap.twitch_text == "2 of 3 · 3× · strong → weak"
    assert trap.trend is Trend.BETTER and trap.trend.words == "Improved"
    assert trap.trend_text == (
        "Improved: pain at point fell 3 points; pressure threshold rose 0.9 kg/cm², more "
        "than the detectable change (0.62)"
    )
    assert infra.trend is Trend.WORSE and infra.trend_text.startswith("Worse: pain at point rose")
    assert most_treated(rows, 1) == [trap]


def test_pressure_threshold_within_measurement_error_is_no_clear_change():
    points = {1: [pt(1, pressure_threshold=2.0)], 2: [pt(2, pressure_threshold=2.5)]}
    (row,) = muscle_progress(history([5, 5]), points)
    assert row.trend is Trend.UNCLEAR and row.trend.words == "No clear change"
    # The reason is given, and the trapezius figure is named as the trapezius's.
    assert "rose 0.5 kg/cm², possibly real but within measurement error (0.45-0.62)" in (
        row.trend_reason
    )
    points = {1: [pt(1, pressure_threshold=2.0)], 2: [pt(2, pressure_threshold=2.7)]}
    assert muscle_progress(history([5, 5]), points)[0].trend is Trend.BETTER


def test_conflicting_measures_and_single_session_are_unclear():
    points = {
        1: [pt(1, pain=8, pressure_threshold=3.0)],
        2: [pt(2, pain=4, pressure_threshold=2.0)],
    }
    (row,) = muscle_progress(history([5, 5]), points)
    assert row.trend is Trend.UNCLEAR and "conflicting" in row.trend_reason
    (row,) = muscle_progress(history([5]), {1: [pt(1, pain=8)]})
    assert row.trend_reason == "pain at point recorded at session 1 only"


def test_a_muscle_on_alternating_sides_is_two_rows():
    sides = [Side.RIGHT, Side.LEFT, Side.RIGHT, Side.LEFT]
    points = {i + 1: [pt(i + 1, side=s, pain=7 - i)] for i, s in enumerate(sides)}
    rows = muscle_progress(history([6, 6, 6, 6]), points)
    assert [(r.label, r.times_treated) for r in rows] == [
        ("Left upper trapezius", 2),
        ("Right upper trapezius", 2),
    ]
    assert rows[1].session_ids == (1, 3) and (rows[1].pain_first, rows[1].pain_last) == (7, 5)
    # Each session's point is on the other side of the last one: nothing persists.
    assert persistence_rate(history([6, 6, 6, 6]), points) == 0


def test_muscle_missing_falls_back_to_the_region():
    (row,) = muscle_progress(history([5]), {1: [pt(1, muscle="", region_id="back.calf.left",
                                                  side=Side.LEFT)]})  # fmt: skip
    assert row.side is Side.LEFT and "left" not in row.muscle.lower()


def test_synonyms_of_one_muscle_are_one_row_with_the_preferred_name():
    # Issue 15: "upper traps" at the first session and "upper trapezius" at the second
    # were two muscles, so progress matching failed. One catalogue id, one row.
    points = {
        1: [pt(1, "upper traps", pain=8)],
        2: [pt(2, "Upper Trapezius", pain=6)],
        3: [pt(3, "UT", pain=4), pt(3, "QL", number=2, pain=5)],
    }
    rows = muscle_progress(history([7, 6, 5]), points)
    trap, ql = rows
    assert trap.muscle == "upper trapezius" and trap.label == "Right upper trapezius"
    assert trap.session_ids == (1, 2, 3) and (trap.pain_first, trap.pain_last) == (8, 4)
    assert trap.trend is Trend.BETTER
    assert ql.muscle == "quadratus lumborum"  # the preferred name, not "QL"


def test_each_other_wording_is_its_own_row_in_the_doctors_words():
    points = {
        1: [pt(1, "the knot under the blade", pain=7), pt(1, "deep lateral rotator", number=2)],
        2: [pt(2, "The knot  under the blade", pain=4)],  # the same words, typed again
    }
    rows = muscle_progress(history([6, 6]), points)
    assert [(r.muscle, r.times_treated) for r in rows] == [
        ("the knot under the blade", 2),
        ("deep lateral rotator", 1),
    ]
    assert all(r.muscle != "other" for r in rows)


def test_an_other_wording_never_joins_a_catalogue_muscle_or_a_region():
    points = {
        1: [pt(1, "soleus-ish", pain=7)],
        2: [pt(2, "soleus", pain=4), pt(2, "", number=2, region_id="back.calf.right")],
    }
    rows = muscle_progress(history([6, 6]), points)
    assert sorted(r.muscle for r in rows) == ["calf", "soleus", "soleus-ish"]
    assert all(r.times_treated == 1 for r in rows)


def test_names_on_summaries_tracks_and_heat_use_the_preferred_name():
    sessions = history([6, 6])
    points = {1: [pt(1, "upper traps")], 2: [pt(2, "upper trapezius", x=305)]}
    assert session_summaries(sessions, points)[0].muscles == ("Right upper trapezius",)
    (track,) = point_tracks(sessions, points)
    assert (track.name, track.sessions) == ("Right upper trapezius", 2)
    (spot,) = heat_spots(points, [1, 2], View.BACK)
    assert spot.names == ("Right upper trapezius",)


def test_compare_matches_synonyms_as_one_muscle_wherever_they_are():
    # Far apart on the diagram (beyond the place-matching distance): only the muscle
    # can pair them, and "lev scap" is levator scapulae.
    earlier = [pt(1, "lev scap", x=100, y=100, pain=7)]
    later = [pt(2, "levator scapulae", x=400, y=400, pain=3)]
    (match,) = compare_points(earlier, later).persisting
    assert match.by_muscle and match.pain_change == -4
    other = compare_points([pt(1, "my knot", x=100, y=100)], [pt(2, "your knot", x=400, y=400)])
    assert not other.persisting


# --- comparing two sessions ---------------------------------------------------------------


def test_compare_matches_by_muscle_and_side_then_by_distance():
    earlier = [
        pt(1, pain=7, twitch_elicited=True, twitch_strength=TwitchStrength.STRONG),
        pt(1, "infraspinatus", number=2, x=350, y=300, pain=5),
        pt(1, "", number=3, x=400, y=500, pain=6),  # no muscle recorded
        pt(1, "rhomboids", number=4, x=100, y=100),
    ]
    later = [
        pt(2, x=310, y=205, pain=4),
        pt(2, "infraspinatus", side=Side.LEFT, number=2, x=650, y=300),
        pt(2, "thoracic erector spinae", number=3, x=420, y=510, pain=3),
    ]
    cmp = compare_points(earlier, later)
    pairs = {(m.before.number, m.after.number): m for m in cmp.persisting}
    assert set(pairs) == {(1, 1), (3, 3)}
    assert pairs[1, 1].by_muscle and pairs[1, 1].pain_change == -3
    assert pairs[1, 1].twitch_text == "Strong → None"
    assert not pairs[3, 3].by_muscle and pairs[3, 3].distance == pytest.approx(22.36, abs=0.01)
    assert [p.muscle for p in cmp.gone] == ["infraspinatus", "rhomboids"]
    assert [(p.muscle, p.side) for p in cmp.new] == [("infraspinatus", Side.LEFT)]


def test_compare_two_points_in_one_muscle_pair_by_place():
    earlier = [pt(1, x=300, y=200, number=1), pt(1, x=400, y=260, number=2)]
    later = [pt(2, x=405, y=262, number=1), pt(2, x=298, y=198, number=2)]
    cmp = compare_points(earlier, later)
    assert {(m.before.number, m.after.number) for m in cmp.persisting} == {(1, 2), (2, 1)}
    assert not cmp.new and not cmp.gone


def test_compare_far_points_without_muscle_do_not_match():
    cmp = compare_points([pt(1, "", x=100, y=100)], [pt(2, "", x=300, y=100)])
    assert not cmp.persisting and len(cmp.new) == len(cmp.gone) == 1


# --- persistence and heat ---------------------------------------------------------------


def test_point_tracks_show_what_keeps_coming_back():
    sessions = history([6, 6, 6])
    points = {
        1: [pt(1), pt(1, "rhomboids", number=2, x=100, y=100)],
        2: [pt(2, x=305)],
        3: [pt(3, x=310), pt(3, "levator scapulae", number=2, x=600, y=100)],
    }
    tracks = point_tracks(sessions, points)
    assert [(t.name, t.sessions, t.still_present) for t in tracks] == [
        ("Right upper trapezius", 3, True),
        ("Right levator scapulae", 1, True),
        ("Right rhomboids", 1, False),
    ]
    assert persistence_rate(sessions, points) == pytest.approx(2 / 3)
    assert persistence_rate(history([6]), {1: [pt(1)]}) is None


def test_heat_spots_are_denser_where_treated_more_often():
    points = {
        1: [pt(1), pt(1, "rhomboids", number=2, x=500, y=500),
            pt(1, number=3, view=View.FRONT, region_id="front.chest.right")],
        2: [pt(2, x=305, y=203)],
        3: [pt(3, x=298, y=199)],
    }  # fmt: skip
    spots = heat_spots(points, [1, 2, 3], View.BACK)
    assert sorted((s.count, s.sessions) for s in spots) == [(1, 1), (3, 3)]
    busy = max(spots, key=lambda s: s.count)
    assert busy.names == ("Right upper trapezius",)
    assert busy.x == pytest.approx(301, abs=0.1)
    assert [s.count for s in heat_spots(points, [2, 3], View.BACK)] == [2]
    assert len(heat_spots(points, [1], View.FRONT)) == 1
    assert len(heat_spots(points, [1], "front")) == 1  # as a Qt item data round trip gives it


def test_sessions_in_range_either_way_round():
    sessions = history([5, 5, 5, 5])
    assert [s.id for s in sessions_in_range(sessions, 3, 2)] == [2, 3]
    assert sessions_in_range(sessions, 1, 99) == []
