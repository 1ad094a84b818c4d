"""Points read from the trigger_points table are built without validating them again
(issue 19, part 5: validation was an eighth of a progress report): they must be exactly
the points validation would build, and rows older versions wrote that today's rules
refuse must still load."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from typing import Any

import pytest

from tests.store.conftest import make_point
from tests.store.test_bad_input import insert
from tpchart.core.errors import ValidationError
from tpchart.core.lung import LungPrecaution
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.report.documents import progress_pdf
from tpchart.store.records.points import point_from_row, stored_point


def table_row(store, point_id: int) -> dict[str, Any]:
    (row,) = store._ctx.rows("SELECT * FROM trigger_points WHERE id = ?", [point_id])
    return row


def assert_same_point(read: TriggerPoint, validated: TriggerPoint) -> None:
    """Equal, and equal field by field in type too (an enum, not its text; a bool, not 0)."""
    assert read == validated
    assert hash(read) == hash(validated)
    for f in fields(TriggerPoint):
        a, b = getattr(read, f.name), getattr(validated, f.name)
        assert (type(a), a) == (type(b), b), f.name
    assert repr(read) == repr(validated)


def random_point(rng: random.Random, session_id: int, number: int) -> TriggerPoint:
    twitch = rng.random() < 0.5
    technique = rng.choice([None, *Technique])
    electrical = technique is Technique.ELECTRICAL and rng.random() < 0.7
    length = rng.choice([None, 25.0, 30.0, 40.0])
    return make_point(
        session_id,
        number,
        muscle=rng.choice(["Upper trapezius", "upper traps", "my own words", ""]),
        kind=rng.choice(list(PointKind)),
        taut_band=rng.random() < 0.5,
        spot_tenderness=rng.random() < 0.5,
        referred_pain=rng.random() < 0.5,
        recognised=rng.random() < 0.5,
        twitch_elicited=twitch,
        twitch_count=rng.choice([None, 0, 3]) if twitch else None,
        twitch_strength=rng.choice([None, *TwitchStrength]) if twitch else None,
        pain=rng.choice([None, 0, 4, 10]),
        pressure_threshold=rng.choice([None, 0.5, 3.25]),
        needle_gauge_mm=rng.choice([None, 0.25, 0.3]),
        needle_length_mm=length,
        depth_mm=rng.choice([None, 10.0]) if length else None,
        technique=technique,
        passes=rng.choice([None, 0, 5]),
        minutes=rng.choice([None, 10]),
        needles=rng.randint(1, 3),
        notes=rng.choice(["", "Tender; 王小明 reports relief", "line\nbreak"]),
        notes_internal=rng.random() < 0.3,
        stim_frequency_hz=2.0 if electrical else None,
        stim_pulse_width_us=250 if electrical else None,
        stim_intensity_ma=rng.choice([None, 4.5]) if electrical else None,
        lung_precautions=frozenset(rng.sample(list(LungPrecaution), rng.randint(0, 2))),
    )


def test_points_read_are_the_points_validation_builds(store, session):
    rng = random.Random(5)
    added = [store.points.add(random_point(rng, session.id, n)) for n in range(1, 41)]
    by_reads = {
        "get": [store.points.get(p.id) for p in added],
        "for_session": store.points.for_session(session.id),
        "for_patient": store.points.for_patient(session.patient_id)[session.id],
    }
    for read in by_reads.values():
        assert [p.id for p in read] == [p.id for p in added]
        for point in read:
            assert_same_point(point, point_from_row(table_row(store, point.id)))
    for point, wrote in zip(by_reads["get"], added, strict=True):
        assert_same_point(point, wrote)  # what add returned is what is read
    # Each change still builds a point anew, which validates.
    with pytest.raises(ValidationError, match="Pain at point"):
        replace(by_reads["get"][0], pain=11)


@pytest.mark.file_only  # such rows exist only in files older versions wrote
def test_old_rows_that_todays_point_refuses_still_load(store, session):
    """Rows the table's CHECKs accept but today's TriggerPoint refuses (a twitch count
    without a twitch, deeper than the needle, stimulation without its technique, a
    region name longer than allowed now), and one stored before muscles had ids."""
    base = {"session_id": session.id, "view": "back", "side": "right", "kind": "active",
            "region_id": "back.neck.posterior.right", "x": 270.0, "y": 160.0}  # fmt: skip
    odd = [
        {"number": 1, "twitch_count": 3, "twitch_elicited": 0},
        {"number": 2, "depth_mm": 60.0, "needle_length_mm": 30.0},
        {"number": 3, "stim_frequency_hz": 2.0, "technique": "static"},
        {"number": 4, "region_id": "back." + "x" * 120},
    ]
    ids = [insert(store, "trigger_points", {**base, **values}) for values in odd]
    for point_id in ids:
        with pytest.raises(ValidationError):
            point_from_row(table_row(store, point_id))  # today's rules refuse it
    points = store.points.for_patient(session.patient_id)[session.id]
    assert [(p.twitch_count, p.depth_mm, p.stim_frequency_hz) for p in points[:3]] == [
        (3, None, None),
        (None, 60.0, None),
        (None, None, 2.0),
    ]
    assert points[3].region_id == "back." + "x" * 120
    assert progress_pdf(store, session.patient_id).startswith(b"%PDF")

    # Before schema 4 a point had only its words: its muscle id is found from them.
    words = insert(store, "trigger_points", {**base, "number": 5, "muscle": "upper traps"})
    store._ctx.db.execute("UPDATE trigger_points SET muscle_id = '' WHERE id = ?", [words])
    store._ctx.db.conn.commit()
    read = store.points.get(words)
    assert read.muscle_id == "upper_trapezius"
    assert_same_point(read, point_from_row(table_row(store, words)))


def test_a_precaution_this_version_does_not_know_is_refused_as_before(store, session):
    point = store.points.add(make_point(session.id))
    row = {**table_row(store, point.id), "lung_precautions": '["by_moonlight"]'}
    with pytest.raises(ValidationError, match="Unknown lung precaution"):
        stored_point(row)
    with pytest.raises(ValidationError, match="Unknown lung precaution"):
        point_from_row(row)
