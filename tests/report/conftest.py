"""Stores with sessions worth printing: a long draft, a signed and an amended one."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tpchart.bodymap import load_body_map
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.clinic import ClinicProfile
from tpchart.core.muscles import MUSCLES
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import REGIONS, View
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import LikelyCause, Session
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.store import Store

CLINIC = ClinicProfile(
    name="Klinik Schmerzfrei · 无痛诊所",
    address="Hauptstraße 12\n80331 München",
    phone="+49 89 1234 5678",
    email="praxis@example.org",
)
START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
SAFE_REASON = "Numbness in both hands since carpal tunnel surgery 2019, unchanged; no new signs."


def spot(region_id: str, rng: random.Random) -> tuple[float, float]:
    """A place inside a region, sampled from its bounding box."""
    body = load_body_map(REGIONS[region_id].view)
    x0, y0, width, height = body.bounds(region_id)
    for _ in range(500):
        x, y = rng.uniform(x0, x0 + width), rng.uniform(y0, y0 + height)
        if body.region_at(x, y) == region_id:
            return round(x, 2), round(y, 2)
    return body.interior_point(region_id)


def add_points(store: Store, session_id: int, count: int, seed: int = 3) -> list[TriggerPoint]:
    """``count`` varied points spread over all three views, muscles from the catalogue."""
    rng = random.Random(seed)
    regions = sorted(REGIONS)
    points = []
    strengths = [None, TwitchStrength.WEAK, TwitchStrength.MEDIUM, TwitchStrength.STRONG]
    for number in range(1, count + 1):
        region_id = regions[(number * 7) % len(regions)]
        region = REGIONS[region_id]
        x, y = spot(region_id, rng)
        strength = strengths[number % 4]
        technique = [Technique.PISTONING, Technique.STATIC, Technique.ELECTRICAL][number % 3]
        points.append(store.points.add(TriggerPoint(
            session_id=session_id, number=number, view=region.view, region_id=region_id,
            side=region.side, x=x, y=y,
            muscle=MUSCLES[region.muscles[number % len(region.muscles)]].name,
            kind=PointKind.ACTIVE if number % 3 else PointKind.LATENT,
            twitch_elicited=strength is not None, twitch_strength=strength,
            twitch_count=number % 5 + 1 if strength else None,
            pain=number % 11, needle_gauge_mm=0.25, needle_length_mm=30.0 + 10 * (number % 3),
            depth_mm=10.0 + number % 20, technique=technique,
            passes=5 + number % 6 if technique is Technique.PISTONING else None,
            minutes=10 if technique is not Technique.PISTONING else None,
        )))  # fmt: skip
    return points


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "report.db")
    doctor = s.practitioners.add(Practitioner(name="Dr Ana Souza", registration="CRM 1234"))
    s.practitioner_id = doctor.id
    s.clinic.save(CLINIC)
    yield s
    s.close()


@pytest.fixture
def patient(store):
    return store.patients.add(Patient(
        record_number="A-001", full_name="王小明 (Wang Xiaoming)", date_of_birth=date(1980, 3, 12),
        sex=Sex.MALE,
    ))  # fmt: skip


def start_session(store: Store, patient: Patient, when: datetime = START, **kw) -> Session:
    values = dict(
        patient_id=patient.id, practitioner_id=store.practitioner_id, started_at=when,
        chief_complaint="Nackenschmerzen nach Büroarbeit; Ирина says it is worse in the evening",
        likely_cause=LikelyCause.POSTURAL_STRAIN, pain_before=7, pain_after=3,
        screening_done=True, consent_given=True, consent_by="Patient", consent_at=when,
        skin_prepared=True, aftercare_given=True, adverse_events_asked=True,
        adverse_events=(AdverseEvent(AdverseEventType.BRUISING, Severity.MILD, "small, point 4",
                                     onset=Onset.DURING, action="pressure applied",
                                     resolved=True),),
        follow_up="Review in one week; home stretches for the upper trapezius.",
    )  # fmt: skip
    values.update(kw)
    return store.sessions.start(Session(**values))


@pytest.fixture
def long_draft(store, patient):
    """A draft session with 40 points on all three views."""
    session = start_session(
        store,
        patient,
        contraindications=frozenset({Precaution.ANTICOAGULANTS}),
        complaint_areas=frozenset({ComplaintArea.NECK}),
        red_flags=frozenset({RedFlag.NUMBNESS}),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
        red_flag_reason=SAFE_REASON,
    )
    add_points(store, session.id, 40)
    return session


@pytest.fixture
def signed(store, patient):
    """A signed session with five points."""
    session = start_session(store, patient)
    add_points(store, session.id, 5, seed=9)
    return store.sessions.sign(session.id)


@pytest.fixture
def amended(store, signed):
    """The signed session amended for a reason and signed again (version 2)."""
    store.sessions.amend(signed.id, "Pain after corrected: patient re-scored at 2")
    current = store.sessions.get(signed.id)
    from dataclasses import replace

    store.sessions.update(replace(current, pain_after=2))
    return store.sessions.sign(signed.id)


def history(store: Store, patient: Patient, count: int = 6) -> list[Session]:
    """``count`` signed weekly sessions with falling pain."""
    out = []
    for i in range(count):
        s = start_session(store, patient, START - timedelta(weeks=count - i),
                          pain_before=8 - i, pain_after=max(0, 5 - i))  # fmt: skip
        add_points(store, s.id, 3 + i % 3, seed=i)
        out.append(store.sessions.sign(s.id))
    return out


MEDICAL_HISTORY = "Hypertension, treated; appendectomy 2004. Allergic to latex."
SESSION_NOTES = "Patient prefers the left side lying; sleeps badly since the move."


@pytest.fixture
def rich_visit(store, patient):
    """A signed and amended session with every field filled: 30 points on all three
    views with findings, depth, needles, threshold and notes; a red-flag decision, an
    adverse event, scores and notes. Version 2 adds depth to points 5 and 6, changes
    the pain after and the notes, and removes point 30."""
    from dataclasses import replace

    store.patients.update(replace(store.patients.get(patient.id),
                                  medical_history=MEDICAL_HISTORY))  # fmt: skip
    session = start_session(
        store, patient, notes=SESSION_NOTES, ndi=32.0, odi=18.0, psfs=4.5,
        complaint_areas=frozenset({ComplaintArea.NECK}),
        red_flags=frozenset({RedFlag.NUMBNESS}),
        red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED, red_flag_reason=SAFE_REASON,
        both_sides_acknowledged=True,
    )  # fmt: skip
    for p in add_points(store, session.id, 30, seed=5):
        store.points.update(replace(
            p, taut_band=p.number % 2 == 0, spot_tenderness=True, referred_pain=p.number % 3 == 0,
            recognised=p.number % 4 == 0, needles=1 + p.number % 3,
            pressure_threshold=round(2.0 + p.number / 10, 1),
            depth_mm=None if p.number in (5, 6) else p.depth_mm,
            notes=f"note for point {p.number}",
        ))  # fmt: skip
    store.sessions.sign(session.id)
    store.sessions.amend(session.id, "Added depth for points 5 and 6")
    for p in store.points.for_session(session.id):
        if p.number in (5, 6):
            store.points.update(replace(p, depth_mm=9.0))
        if p.number == 30:
            store.points.delete(p.id)
    current = store.sessions.get(session.id)
    store.sessions.update(replace(current, pain_after=2, notes=SESSION_NOTES + " Reviewed."))
    return store.sessions.sign(session.id)


__all__ = [
    "CLINIC", "MEDICAL_HISTORY", "SAFE_REASON", "SESSION_NOTES", "START", "View", "add_points",
    "history", "start_session",
]  # fmt: skip
