"""Realistic demo records: patients in several scripts, weeks of sessions, improving pain."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tpchart.bodymap import load_body_map
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import REGIONS, View
from tpchart.core.screening import Precaution
from tpchart.core.session import DEFAULT_AFTERCARE, AdverseEvent, LikelyCause, Session
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.store import Store

NAMES = [
    ("Maria Fernández", Sex.FEMALE),
    ("王小明", Sex.MALE),
    ("Ирина Петрова", Sex.FEMALE),
    ("Γιώργος Παπαδόπουλος", Sex.MALE),
    ("Anne-Marie O'Brien", Sex.FEMALE),
    ("Thomas Müller", Sex.MALE),
    ("佐藤 花子", Sex.FEMALE),
    ("Kwame Mensah", Sex.MALE),
    ("Zofia Wójcik", Sex.FEMALE),
    ("Ahmed Hassan", Sex.MALE),
    ("李娜", Sex.FEMALE),
    ("Olav Håkonsen", Sex.MALE),
]

# Complaints and where their trigger points usually are (region id fragments).
COMPLAINTS = [
    (
        "Neck and shoulder pain after desk work",
        LikelyCause.POSTURAL_STRAIN,
        ["back.neck", "back.shoulder", "back.upper"],
    ),
    (
        "Tension headache, temples and behind the eyes",
        LikelyCause.POSTURAL_STRAIN,
        ["head.temporal", "head.masseter", "head.suboccipital", "back.neck"],
    ),
    (
        "Low back pain radiating to the buttock",
        LikelyCause.MUSCLE_IMBALANCE,
        ["back.lower", "back.buttock", "back.hip"],
    ),
    (
        "Lateral hip pain when running",
        LikelyCause.SPORTS_OVERUSE,
        ["back.buttock", "front.thigh", "front.hip"],
    ),
    (
        "Forearm pain from typing",
        LikelyCause.REPETITIVE_STRAIN,
        ["front.forearm", "back.forearm", "front.arm"],
    ),
    ("Calf tightness and heel pain", LikelyCause.SPORTS_OVERUSE, ["back.calf", "front.shin"]),
]


# Diagram units between demo points of one session (markers are about 20 px across).
MIN_GAP = 22.0


def _regions_matching(fragments: list[str]) -> list[str]:
    found = [rid for rid in REGIONS if any(rid.startswith(f) for f in fragments)]
    return found or [rid for rid in REGIONS if rid.startswith("back.")]


def _spot_in(
    region_id: str, rng: random.Random, taken: list[tuple[float, float]]
) -> tuple[float, float]:
    """A random place inside a region, found by sampling its bounding box, kept apart
    from the points already placed so the demo markers do not hide each other."""
    body = load_body_map(REGIONS[region_id].view)
    x0, y0, width, height = body.bounds(region_id)
    for _ in range(300):
        x, y = rng.uniform(x0, x0 + width), rng.uniform(y0, y0 + height)
        apart = all((x - tx) ** 2 + (y - ty) ** 2 > MIN_GAP**2 for tx, ty in taken)
        if apart and body.region_at(x, y) == region_id:
            return round(x, 1), round(y, 1)
    return body.interior_point(region_id)


def write_demo(store: Store, patients: int = 8, seed: int = 7) -> list[Patient]:
    """Add demo patients with 3-8 signed sessions each, in one transaction; returns the
    patients added. Only into a demo database, or an empty file that becomes one
    (``Store.mark_as_demo``): a clinic's database refuses with DemoRefused."""
    with store.transaction():
        store.mark_as_demo()
        return _write_patients(store, patients, random.Random(seed))


def _write_patients(store: Store, patients: int, rng: random.Random) -> list[Patient]:
    if store.practitioner_id is None:
        doctor = store.practitioners.add(
            Practitioner(name="Dr Demo Example", registration="DEMO-1")
        )
        store.practitioner_id = doctor.id
    added = []
    start_number = store.patients.count(include_archived=True) + 1
    for index in range(patients):
        name, sex = NAMES[index % len(NAMES)]
        if index >= len(NAMES):
            name = f"{name} {index // len(NAMES) + 1}"
        precautions = frozenset(rng.sample(list(Precaution), k=rng.choice([0, 0, 1, 2])))
        patient = store.patients.add(
            Patient(
                record_number=f"DEMO-{start_number + index:04d}",
                full_name=name,
                date_of_birth=date(rng.randint(1945, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                sex=sex,
                phone=f"+44 20 7946 {rng.randint(0, 9999):04d}",
                medical_history="Demo record. Desk job; plays tennis at weekends.",
                precautions=precautions,
            )
        )
        _write_sessions(store, patient, rng)
        added.append(patient)
    return added


def _write_sessions(store: Store, patient: Patient, rng: random.Random) -> None:
    complaint, cause, fragments = rng.choice(COMPLAINTS)
    regions = _regions_matching(fragments)
    count = rng.randint(3, 8)
    # Sessions every 5-14 days, the last one at least a day ago.
    when = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(
        days=15 * count + rng.randint(1, 20)
    )
    pain = rng.randint(6, 9)
    for n in range(count):
        when += timedelta(days=rng.choice([5, 7, 7, 10, 14]), hours=rng.randint(0, 8))
        after = max(0, pain - rng.randint(1, 3))
        session = store.sessions.start(
            Session(
                patient_id=patient.id,  # type: ignore[arg-type]
                practitioner_id=store.practitioner_id,  # type: ignore[arg-type]
                started_at=when,
                chief_complaint=complaint,
                likely_cause=cause,
                pain_before=pain,
            )
        )
        taken: list[tuple[float, float]] = []
        for number in range(1, rng.randint(3, 9)):
            region_id = rng.choice(regions)
            region = REGIONS[region_id]
            x, y = _spot_in(region_id, rng, taken)
            taken.append((x, y))
            twitch = rng.random() < 0.7
            store.points.add(
                TriggerPoint(
                    session_id=session.id,  # type: ignore[arg-type]
                    number=number,
                    view=region.view,
                    region_id=region_id,
                    side=region.side,
                    x=x,
                    y=y,
                    muscle=rng.choice(region.muscles) if region.muscles else "",
                    kind=PointKind.ACTIVE if rng.random() < 0.6 else PointKind.LATENT,
                    taut_band=True,
                    spot_tenderness=True,
                    referred_pain=rng.random() < 0.5,
                    recognised=rng.random() < 0.6,
                    twitch_elicited=twitch,
                    twitch_count=rng.randint(1, 4) if twitch else None,
                    twitch_strength=rng.choice(list(TwitchStrength)) if twitch else None,
                    pain=min(10, max(0, pain + rng.randint(-2, 1))),
                    pressure_threshold=round(rng.uniform(1.5, 4.5), 2),
                    needle_gauge_mm=0.25,
                    needle_length_mm=30.0 if region.view != View.HEAD else 25.0,
                    depth_mm=round(rng.uniform(5, 20), 1),
                    technique=Technique.PISTONING,
                    passes=rng.randint(4, 10),
                )
            )
        events = (AdverseEvent("Bruising", note="small"),) if rng.random() < 0.2 else ()
        session = store.sessions.update(
            replace(
                session,
                pain_after=after,
                screening_done=True,
                skin_prepared=True,
                consent_given=True,
                consent_by="Patient",
                consent_at=when + timedelta(minutes=5),
                adverse_events=events,
                aftercare_given=True,
                aftercare_text=DEFAULT_AFTERCARE,
                follow_up="Review in one week" if n < count - 1 else "Review as needed",
                ndi=round(max(0.0, 40 - n * 5 + rng.uniform(-3, 3)), 1)
                if "Neck" in complaint or "headache" in complaint
                else None,
            )
        )
        store.sessions.sign(session.id)  # type: ignore[arg-type]
        pain = max(1, pain - rng.randint(0, 2))
