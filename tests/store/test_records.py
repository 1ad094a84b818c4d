"""Every field survives the trip to disk and back, and each change leaves an audit row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tpchart.core.adverse_events import AdverseEvent, Severity
from tpchart.core.errors import NotFoundError, ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.regions import Side, View
from tpchart.core.screening import Precaution, RedFlag
from tpchart.core.session import LikelyCause, Session
from tpchart.core.trigger_point import PointKind, Technique, TwitchStrength
from tpchart.store import DemoRefused, Store

from .conftest import make_point

LONG_NOTE = ("Ελληνικά, русский, 中文, Ünïcödé. " * 400)[:10_000]


def full_patient() -> Patient:
    return Patient(
        record_number="Б-77",
        full_name="Ирина Петрова-Müller",
        date_of_birth=date(1975, 12, 31),
        sex=Sex.FEMALE,
        phone="+49 30 1234567",
        email="irina@example.org",
        medical_history=LONG_NOTE,
        precautions=frozenset({Precaution.ANTICOAGULANTS, Precaution.PREGNANCY}),
    )


def full_session(patient_id: int, practitioner_id: int) -> Session:
    tz = timezone(timedelta(hours=-3))
    return Session(
        patient_id=patient_id,
        practitioner_id=practitioner_id,
        started_at=datetime(2026, 10, 1, 14, 5, tzinfo=tz),
        chief_complaint="Headache behind the right eye, worse at the desk",
        likely_cause=LikelyCause.POSTURAL_STRAIN,
        pain_before=8,
        pain_after=3,
        consent_given=True,
        consent_by="Patient",
        consent_at=datetime(2026, 10, 1, 14, 10, tzinfo=tz),
        screening_done=True,
        contraindications=frozenset({Precaution.ANTICOAGULANTS}),
        red_flags=frozenset({RedFlag.NUMBNESS}),
        skin_prepared=True,
        adverse_events=(AdverseEvent("Bruising", Severity.MILD, "small, right trapezius"),),
        aftercare_given=True,
        aftercare_text="Stretch twice a day",
        follow_up="Review in one week",
        notes=LONG_NOTE,
        ndi=34.0,
        odi=12.5,
        psfs=4.3,
    )


def test_patient_round_trip_every_field(store, db_path):
    saved = store.patients.add(full_patient())
    store.close()
    reopened = Store.open(db_path)
    got = reopened.patients.get(saved.id)
    assert replace(got, created_at=None, updated_at=None) == replace(full_patient(), id=saved.id)
    assert got.medical_history == LONG_NOTE
    reopened.close()


def test_session_round_trip_every_field(store, patient, db_path):
    saved = store.sessions.start(full_session(patient.id, store.practitioner_id))
    store.close()
    got = Store.open(db_path).sessions.get(saved.id)
    expected = replace(full_session(patient.id, got.practitioner_id), id=saved.id)
    assert got == expected  # aware datetimes compare equal across time zones
    assert got.started_at.utcoffset() == timedelta(0)


def test_point_round_trip_every_field(store, session, db_path):
    point = make_point(
        session.id,
        view=View.FRONT,
        region_id="front.chest.left",
        side=Side.LEFT,
        x=312.5,
        y=250.25,
        muscle="Pectoralis major",
        kind=PointKind.LATENT,
        taut_band=True,
        spot_tenderness=True,
        referred_pain=True,
        recognised=True,
        twitch_elicited=True,
        twitch_count=3,
        twitch_strength=TwitchStrength.STRONG,
        pain=6,
        pressure_threshold=2.35,
        needle_gauge_mm=0.25,
        needle_length_mm=30,
        depth_mm=12.5,
        technique=Technique.PISTONING,
        passes=8,
        minutes=None,
        needles=2,
        notes=LONG_NOTE,
    )
    saved = store.points.add(point)
    store.close()
    got = Store.open(db_path).points.get(saved.id)
    assert got == replace(point, id=saved.id)


def test_missing_records_say_so(store):
    with pytest.raises(NotFoundError, match="Patient 999 does not exist"):
        store.patients.get(999)


def test_record_numbers_are_unique_ignoring_case(store, patient):
    with pytest.raises(ValidationError, match="already used by 王小明"):
        store.patients.add(replace(full_patient(), record_number="a-001"))


def test_audit_rows_for_each_change(store, patient, session):
    point = store.points.add(make_point(session.id))
    store.points.update(replace(point, pain=4))
    store.points.delete(point.id)
    store.patients.update(replace(patient, phone="555"))
    store.sessions.update(replace(session, pain_after=2))
    trail = [(e.action, e.table, e.row_id) for e in store.audit_trail()]
    assert ("insert", "patients", patient.id) in trail
    assert ("insert", "sessions", session.id) in trail
    assert trail[-5:] == [
        ("insert", "trigger_points", point.id),
        ("update", "trigger_points", point.id),
        ("delete", "trigger_points", point.id),
        ("update", "patients", patient.id),
        ("update", "sessions", session.id),
    ]
    update = store.audit_trail("trigger_points", point.id)[1]
    assert update.before["pain"] is None and update.after["pain"] == 4
    assert update.practitioner_id == store.practitioner_id
    assert update.at.tzinfo is not None and update.at.utcoffset() == timedelta(0)
    assert datetime.now(UTC) - update.at < timedelta(minutes=1)


def test_unchanged_save_writes_no_audit_row(store, patient):
    before = len(store.audit_trail())
    store.patients.update(patient)
    assert len(store.audit_trail()) == before


def test_changes_need_a_practitioner(db_path):
    store = Store.open(db_path)
    with pytest.raises(ValidationError, match="Choose the practitioner"):
        store.patients.add(full_patient())
    store.close()


def test_archived_patients_are_hidden_not_deleted(store, patient):
    store.patients.archive(patient.id)
    assert store.patients.find("") == []
    assert store.patients.find("", include_archived=True)[0].id == patient.id
    assert store.patients.get(patient.id).archived


def test_a_carried_forward_point_keeps_where_and_what(store, patient, session):
    first = store.points.add(make_point(session.id, pain=7, twitch_elicited=True, twitch_count=2))
    later = store.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=store.practitioner_id,
            started_at=session.started_at + timedelta(days=7),
        )
    )
    copy = store.points.add(first.carried_to(later.id, store.points.next_number(later.id)))
    assert (copy.region_id, copy.side, copy.x, copy.y, copy.muscle) == (
        first.region_id,
        first.side,
        first.x,
        first.y,
        first.muscle,
    )
    assert copy.session_id == later.id and copy.number == 1
    assert copy.pain is None and not copy.twitch_elicited


def test_undone_delete_restores_the_same_point(store, session):
    point = store.points.add(make_point(session.id))
    gone = store.points.delete(point.id)
    assert store.points.add(gone) == point


def test_only_a_demo_database_takes_made_up_times(store, session):
    with pytest.raises(DemoRefused), store.clock_at(datetime(2020, 1, 6, 9, tzinfo=UTC)):
        pass
    assert store.sessions.get(session.id).started_at == session.started_at
