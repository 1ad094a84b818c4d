"""Clinical rows as the store writes them: the same columns, values and JSON text.

Each builder returns the row as a dict keyed by column, exactly what ``SELECT *`` gives
back (the audit trail stores that dict as its after-image). Building dicts directly,
without the core dataclasses and their validation, is what makes millions of rows
affordable; ``tests/test_bench.py`` reads a synthetic clinic back through the store to
keep these builders honest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from bench.names import random_name
from bench.store_internals import to_json, to_text
from tpchart.bodymap import load_body_map
from tpchart.core.muscles import MUSCLES
from tpchart.core.patient import Sex
from tpchart.core.regions import REGIONS, View
from tpchart.core.screening import Precaution
from tpchart.core.session import DEFAULT_AFTERCARE
from tpchart.demo import COMPLAINTS

# Places sampled inside each region; points of a session are drawn from these.
SPOTS_PER_REGION = 24

_HISTORY = (
    "Desk job; plays tennis at weekends.",
    "Nurse on rotating shifts. Previous whiplash (2019).",
    "Runs 30 km a week. No relevant history.",
    "Hypertension, treated. Two children.",
    "Warehouse work, lifting. Smoker.",
    "",
)
_PRECAUTIONS = tuple(p.value for p in Precaution)


@dataclass(frozen=True)
class Complaint:
    """A reason for sessions and the regions its trigger points are found in."""

    text: str
    cause: str
    regions: tuple[str, ...]
    areas: tuple[str, ...]  # complaint areas (core.screening.ComplaintArea values)


@cache
def complaints() -> tuple[Complaint, ...]:
    """The demo's complaints with their region ids resolved."""
    out = []
    for c in COMPLAINTS:
        regions = tuple(r for r in sorted(REGIONS) if any(r.startswith(f) for f in c.fragments))
        out.append(Complaint(c.text, c.cause.value, regions, tuple(sorted(c.areas))))
    return tuple(out)


@cache
def spots(region_id: str) -> tuple[tuple[float, float], ...]:
    """Places inside a region (the hit test says so), sampled once from its bounds."""
    body = load_body_map(REGIONS[region_id].view)
    x0, y0, width, height = body.bounds(region_id)
    rng = random.Random(region_id)
    found: list[tuple[float, float]] = []
    for _ in range(SPOTS_PER_REGION * 40):
        x, y = round(rng.uniform(x0, x0 + width), 2), round(rng.uniform(y0, y0 + height), 2)
        if body.region_at(x, y) == region_id:
            found.append((x, y))
            if len(found) == SPOTS_PER_REGION:
                break
    return tuple(found) or (tuple(round(v, 2) for v in body.interior_point(region_id)),)  # type: ignore[return-value]


def front_regions() -> tuple[str, ...]:
    """The front view's regions away from the lung (for a session charted on one
    diagram): lung-risk points also drive the caution banner above the map, which
    docs/performance.md measures on its own, not as part of a click."""
    return tuple(
        r for r in sorted(REGIONS) if REGIONS[r].view is View.FRONT and not REGIONS[r].lung_risk
    )


def patient_row(
    rng: random.Random, patient_id: int, created: datetime, name: tuple[str, Sex] | None = None
) -> dict[str, Any]:
    """A patients row; ``name`` (full name, sex) or one drawn from several scripts.
    A few drawn patients are archived; a named one never is (benchmarks select them)."""
    full_name, sex = name or random_name(rng)
    stamp = to_text(created)
    precautions = rng.sample(_PRECAUTIONS, k=rng.choice((0, 0, 0, 1, 1, 2)))
    return {
        "id": patient_id,
        "record_number": f"TP-{patient_id:07d}",
        "full_name": full_name,
        "date_of_birth": date(
            rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)
        ).isoformat(),
        "sex": sex.value,
        "phone": f"+44 20 7946 {rng.randint(0, 9999):04d}",
        "email": f"patient{patient_id}@example.org" if rng.random() < 0.6 else "",
        "medical_history": rng.choice(_HISTORY),
        "precautions": to_json(sorted(precautions)),
        "precaution_sites": "[]",
        "build": rng.choice(("slim", "average", "large", None)),
        "archived": int(name is None and rng.random() < 0.03),
        "created_at": stamp,
        "updated_at": stamp,
    }


def session_row(
    rng: random.Random,
    session_id: int,
    patient_id: int,
    practitioner_id: int,
    started: datetime,
    complaint: Complaint,
    pain_before: int,
    session: int,
) -> dict[str, Any]:
    """A draft session with screening, consent and outcome measures recorded."""
    stamp = to_text(started)
    neck = "Neck" in complaint.text or "headache" in complaint.text
    back = "back" in complaint.text
    events = (
        '[{"action": "", "description": "", "kind": "bruising", "note": "small", '
        '"onset": "during", "resolved": true, "severity": "mild"}]'
    )
    return {
        "id": session_id,
        "patient_id": patient_id,
        "practitioner_id": practitioner_id,
        "started_at": stamp,
        "chief_complaint": complaint.text,
        "likely_cause": complaint.cause,
        "pain_before": pain_before,
        "pain_after": max(0, pain_before - rng.randint(1, 3)),
        "consent_given": 1,
        "consent_by": "Patient",
        "consent_at": to_text(started + timedelta(minutes=5)),
        "screening_done": 1,
        "contraindications": "[]",
        "red_flags": "[]",
        "complaint_areas": to_json(list(complaint.areas)),
        "red_flag_decision": None,
        "red_flag_reason": "",
        "precaution_sites": "[]",
        "skin_prepared": 1,
        "adverse_events": events if rng.random() < 0.1 else "[]",
        "adverse_events_asked": 1,
        "both_sides_acknowledged": 0,
        "aftercare_given": 1,
        "aftercare_text": DEFAULT_AFTERCARE,
        "follow_up": "Review in one week",
        "notes": "",
        "notes_internal": 0,
        "consent_text_version": "2026-11",
        "ndi": round(max(0.0, 44 - session * 4 + rng.uniform(-3, 3)), 1) if neck else None,
        "odi": round(max(0.0, 40 - session * 4 + rng.uniform(-3, 3)), 1) if back else None,
        "psfs": round(min(10.0, 3 + session * 0.6 + rng.uniform(-0.5, 0.5)), 1)
        if rng.random() < 0.3
        else None,
        "status": "draft",
        "version": 1,
        "signed_by": None,
        "signed_at": None,
        "created_at": stamp,
        "updated_at": stamp,
    }


def signed(row: dict[str, Any], practitioner_id: int, at: datetime) -> dict[str, Any]:
    """The session row after ``Sessions.sign``."""
    stamp = to_text(at)
    return {
        **row,
        "status": "signed",
        "signed_by": practitioner_id,
        "signed_at": stamp,
        "updated_at": stamp,
    }


def point_row(
    rng: random.Random, point_id: int, session_id: int, number: int, region_id: str, pain: int
) -> dict[str, Any]:
    """A trigger point with findings and needling, placed inside ``region_id``."""
    region = REGIONS[region_id]
    x, y = rng.choice(spots(region_id))
    twitch = rng.random() < 0.7
    muscle_id = rng.choice(region.muscles) if region.muscles else ""
    return {
        "id": point_id,
        "session_id": session_id,
        "number": number,
        "view": region.view.value,
        "region_id": region_id,
        "side": region.side.value,
        "x": x,
        "y": y,
        "muscle": MUSCLES[muscle_id].name if muscle_id else "",
        "muscle_id": muscle_id,
        "kind": "active" if rng.random() < 0.6 else "latent",
        "taut_band": 1,
        "spot_tenderness": 1,
        "referred_pain": int(rng.random() < 0.5),
        "recognised": int(rng.random() < 0.6),
        "twitch_elicited": int(twitch),
        "twitch_count": rng.randint(1, 4) if twitch else None,
        "twitch_strength": rng.choice(("weak", "medium", "strong")) if twitch else None,
        "pain": min(10, max(0, pain + rng.randint(-2, 1))),
        "pressure_threshold": round(rng.uniform(1.5, 4.5), 2),
        "needle_gauge_mm": 0.25,
        "needle_length_mm": 25.0 if region.view is View.HEAD else 30.0,
        "depth_mm": round(rng.uniform(5, 20), 1),
        "technique": "pistoning",
        "passes": rng.randint(4, 10),
        "minutes": None,
        "needles": 1,
        "notes": "",
        "lung_precautions": "[]",
        "notes_internal": 0,
        "stim_frequency_hz": None,
        "stim_pulse_width_us": None,
        "stim_intensity_ma": None,
    }
