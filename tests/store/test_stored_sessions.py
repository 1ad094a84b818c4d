"""Sessions read from the sessions table are built without validating them again (issue
19, part 6: opening a patient builds all their sessions for the list): they must be
exactly the sessions validation would build, and rows older versions wrote that
today's rules refuse must still load."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.store.test_bad_input import STAMP, insert
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.errors import ValidationError
from tpchart.core.precaution_sites import (
    SITED_PRECAUTIONS,
    BodyArea,
    PrecautionSite,
    SiteSide,
)
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import LikelyCause, Session, SessionStatus
from tpchart.report.documents import progress_pdf
from tpchart.store.records.sessions import session_from_row, stored_session


def table_row(store, session_id: int) -> dict[str, Any]:
    (row,) = store._ctx.rows("SELECT * FROM sessions WHERE id = ?", [session_id])
    return row


def assert_same_session(read: Session, validated: Session) -> None:
    """Equal, and equal field by field in type too (an enum, not its text; a bool, not 0;
    a tuple, not a list)."""
    assert read == validated
    assert hash(read) == hash(validated)
    for f in fields(Session):
        a, b = getattr(read, f.name), getattr(validated, f.name)
        assert (type(a), a) == (type(b), b), f.name
        if isinstance(a, frozenset | tuple):
            assert sorted(map(repr, a)) == sorted(map(repr, b)), f.name  # members' types
    assert repr(read) == repr(validated)


def random_session(rng: random.Random, patient_id: int, practitioner_id: int, n: int) -> Session:
    zone = rng.choice([UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=8))])
    started = datetime(2026, 1, 1, 8, tzinfo=zone) + timedelta(days=n, minutes=rng.randint(0, 600))
    precautions = frozenset(rng.sample(list(Precaution), rng.randint(0, 4)))
    sites = tuple(
        PrecautionSite(p, rng.choice(list(BodyArea)), rng.choice(list(SiteSide)))
        for p in sorted(precautions & SITED_PRECAUTIONS)[: rng.randint(0, 2)]
    )
    flags = frozenset(rng.sample(list(RedFlag), rng.choice([0, 0, 1, 2])))
    decision = rng.choice([None, *RedFlagDecision]) if flags else None
    consent = rng.random() < 0.7
    events = tuple(
        AdverseEvent(
            kind=rng.choice([t for t in AdverseEventType if t is not AdverseEventType.OTHER]),
            severity=rng.choice(list(Severity)),
            note=rng.choice(["", "settled in a day"]),
            onset=rng.choice([None, *Onset]),
            resolved=rng.choice([None, True, False]),
        )
        for _ in range(rng.choice([0, 0, 1, 2]))
    )
    return Session(
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        started_at=started,
        chief_complaint=rng.choice(["", "Neck pain", "左肩痛 after work", "line\nbreak"]),
        likely_cause=rng.choice([None, *LikelyCause]),
        pain_before=rng.choice([None, 0, 7, 10]),
        pain_after=rng.choice([None, 0, 3]),
        consent_given=consent,
        consent_by=rng.choice(["Patient", "பிரியா (mother)"]) if consent else "",
        consent_at=started + timedelta(minutes=5) if consent else None,
        consent_text_version=rng.choice(["", "2026-1"]),
        screening_done=rng.random() < 0.8,
        contraindications=precautions,
        red_flags=flags,
        complaint_areas=frozenset(rng.sample(list(ComplaintArea), rng.randint(0, 2))),
        red_flag_decision=decision,
        red_flag_reason="Assessed: no neurological signs" if decision else "",
        precaution_sites=sites,
        skin_prepared=rng.random() < 0.5,
        adverse_events=events,
        adverse_events_asked=rng.random() < 0.5,
        both_sides_acknowledged=rng.random() < 0.5,
        aftercare_given=rng.random() < 0.5,
        aftercare_text=rng.choice(["", "Stretch gently"]),
        follow_up=rng.choice(["", "In a week"]),
        notes=rng.choice(["", "Tender; 王小明 reports relief"]),
        notes_internal=rng.random() < 0.3,
        ndi=rng.choice([None, 0.0, 42.5, 100.0]),
        odi=rng.choice([None, 12.0]),
        psfs=rng.choice([None, 0.0, 6.5]),
    )


def test_sessions_read_are_the_sessions_validation_builds(store, patient):
    rng = random.Random(19)
    who = store.practitioner_id

    def check(returned: Session) -> Session:
        # What a write returns is what validation builds from the row it wrote.
        assert_same_session(returned, session_from_row(table_row(store, returned.id)))
        return returned

    started = [
        check(store.sessions.start(random_session(rng, patient.id, who, n))) for n in range(30)
    ]
    signed = [
        check(store.sessions.sign(s.id)) for s in started[:16] if not s.missing_for_signature(0)
    ]
    assert len(signed) >= 4
    check(store.sessions.amend(signed[0].id, "Wrong side recorded"))
    check(store.sessions.update(replace(started[-1], pain_after=2, notes="Better")))
    by_reads = {
        "get": [store.sessions.get(s.id) for s in started],
        "for_patient": store.sessions.for_patient(patient.id),
    }
    assert sorted(s.id for s in by_reads["for_patient"]) == sorted(s.id for s in started)
    unsigned = store.sessions.unsigned()
    assert {s.id for s in unsigned} == {
        s.id for s in by_reads["get"] if s.status is not SessionStatus.SIGNED
    }
    assert {s.status for s in by_reads["get"]} == set(SessionStatus)
    for read in [*by_reads.values(), unsigned]:
        for session in read:
            assert_same_session(session, session_from_row(table_row(store, session.id)))
    # Each change still builds a session anew, which validates.
    with pytest.raises(ValidationError, match="Pain before"):
        replace(by_reads["get"][0], pain_before=11)
    with pytest.raises(ValidationError, match="Notes"):
        replace(by_reads["get"][0], notes="x" * 100_001)


@pytest.mark.file_only  # such rows exist only in files older versions wrote
def test_old_rows_that_todays_session_refuses_still_load(store, patient):
    """Rows the table's CHECKs accept but today's Session refuses: text longer than
    today's limits, consent given with no name."""
    base = {"patient_id": patient.id, "practitioner_id": store.practitioner_id,
            "created_at": STAMP, "updated_at": STAMP}  # fmt: skip
    odd = [
        {"started_at": "2020-01-01T09:00:00+00:00", "chief_complaint": "x" * 2_500},
        {"started_at": "2020-01-02T09:00:00+00:00", "consent_given": 1, "consent_by": ""},
        {"started_at": "2020-01-03T09:00:00+00:00", "red_flag_reason": "y" * 2_001},
    ]
    ids = [insert(store, "sessions", {**base, **values}) for values in odd]
    for session_id in ids:
        with pytest.raises(ValidationError):
            session_from_row(table_row(store, session_id))  # today's rules refuse it
    sessions = store.sessions.for_patient(patient.id)
    assert [s.id for s in sessions] == ids
    assert len(sessions[0].chief_complaint) == 2_500
    assert (sessions[1].consent_given, sessions[1].consent_by) == (True, "")
    assert store.sessions.get(ids[2]).red_flag_reason == "y" * 2_001
    assert progress_pdf(store, patient.id).startswith(b"%PDF")


@pytest.mark.file_only  # SQLite stores any text; the server's column is typed
def test_a_time_without_its_zone_is_refused_as_before(store, patient):
    row_id = insert(store, "sessions", {
        "patient_id": patient.id, "practitioner_id": store.practitioner_id,
        "started_at": "2020-01-01T09:00:00", "created_at": STAMP, "updated_at": STAMP,
    })  # fmt: skip
    for build in (stored_session, session_from_row):
        with pytest.raises(ValidationError, match="Session start needs a time zone"):
            build(table_row(store, row_id))


def test_a_value_this_version_does_not_know_is_refused_as_before(store, session):
    row = table_row(store, session.id)
    for column, value, message in (
        ("red_flags", '["by_moonlight"]', "Unknown red flag"),
        ("contraindications", '["by_moonlight"]', "Unknown precaution"),
        ("red_flag_decision", "by_moonlight", "by_moonlight"),
    ):
        for build in (stored_session, session_from_row):
            with pytest.raises((ValidationError, ValueError), match=message):
                build({**row, column: value})
