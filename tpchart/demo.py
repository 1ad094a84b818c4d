"""Realistic demo records: patients in several scripts, weeks of sessions; pain that
improves for most, stalls for one and comes back for one (``COURSES``).

The demo follows the clinic's own rules (issue 15), so that trying tpchart shows
what a real file looks like: muscles from the catalogue; each patient's standing
precautions screened at every session, with a site where they have one (a patient
with lymphoedema of the left arm after an axillary clearance is not needled on that
arm); red flags only with a decision (one patient assessed as safe to proceed with
the reason, one referred with nothing needled); sessions in clinic hours (weekdays
08:00-18:30, Saturday mornings) and signed the same day; a recorded precaution on most
points over the lung; adverse events as records, "asked, none" on most sessions, and
now and then an event reported at the next session; the build recorded for most
patients.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from tpchart.bodymap import load_body_map
from tpchart.core.accounts import Role
from tpchart.core.adverse_events import AdverseEvent, AdverseEventType, Onset, Severity
from tpchart.core.lung import Build, LungPrecaution, lung_risk_reason
from tpchart.core.muscles import MUSCLES
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide, sites_at
from tpchart.core.regions import REGIONS, View
from tpchart.core.safety import needs_both_sides_acknowledgement
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import DEFAULT_AFTERCARE, LikelyCause, Session
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.store import DemoRefused, Store

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


@dataclass(frozen=True)
class Complaint:
    """A presenting complaint, where its trigger points usually are (region id
    prefixes) and the complaint area that decides which red flags are asked."""

    text: str
    cause: LikelyCause
    fragments: tuple[str, ...]
    areas: frozenset[ComplaintArea] = frozenset()


NECK = frozenset({ComplaintArea.NECK})
LOW_BACK = frozenset({ComplaintArea.LOW_BACK})

COMPLAINTS = [
    Complaint(
        "Neck and shoulder pain after desk work",
        LikelyCause.POSTURAL_STRAIN,
        ("back.neck", "back.shoulder", "back.upper"),
        NECK,
    ),
    Complaint(
        "Tension headache, temples and behind the eyes",
        LikelyCause.POSTURAL_STRAIN,
        ("head.temporal", "head.masseter", "head.suboccipital", "back.neck"),
        NECK,
    ),
    Complaint(
        "Low back pain radiating to the buttock",
        LikelyCause.MUSCLE_IMBALANCE,
        ("back.lower", "back.buttock", "back.hip"),
        LOW_BACK,
    ),
    Complaint(
        "Lateral hip pain when running",
        LikelyCause.SPORTS_OVERUSE,
        ("back.buttock", "front.thigh", "front.hip"),
    ),
    Complaint(
        "Forearm and thumb pain from typing",
        LikelyCause.REPETITIVE_STRAIN,
        ("front.forearm", "back.forearm", "front.arm", "back.hand.webspace"),
    ),
    Complaint(
        "Calf tightness and heel pain",
        LikelyCause.SPORTS_OVERUSE,
        ("back.calf", "front.shin"),
    ),
]

# Clinic hours, local time: appointments start on the quarter hour, on weekdays from
# 08:00 to the last at 18:30, on Saturdays from 08:00 to 12:00 (mornings only).
OPENS = time(8, 0)
LAST_WEEKDAY_START = time(18, 30)
LAST_SATURDAY_START = time(12, 0)
# A consultation takes 15-30 minutes (shared/clinical.md); it is signed at its end.
CONSULTATION_MINUTES = (15, 30)

# Diagram units between demo points of one session (markers are about 20 px across).
MIN_GAP = 22.0

# Standing precautions a demo patient may have (any sex, any age): pregnancy is left out
# (a months-long demo history and birth years from 1945 make it implausible) and so is a
# local infection, which belongs to one session, not to the patient.
STANDING = (
    Precaution.NEEDLE_PHOBIA,
    Precaution.ANTICOAGULANTS,
    Precaution.IMMUNOCOMPROMISE,
    Precaution.EPILEPSY,
    Precaution.CARDIAC,
    Precaution.UNSTABLE_DIABETES,
    Precaution.METAL_ALLERGY,
    Precaution.IMPLANTS,
)

# The precaution a doctor would most likely take for a muscle over the lung [AIS
# position statement on dry needling]; others get "shallow, angled away".
_LUNG_PRECAUTION = {
    "upper_trapezius": LungPrecaution.PINCER_GRIP,
    "pectoralis_major": LungPrecaution.PINCER_GRIP,
    "latissimus_dorsi": LungPrecaution.PINCER_GRIP,
    "rhomboids": LungPrecaution.ONTO_RIB,
    "middle_trapezius": LungPrecaution.ONTO_RIB,
    "lower_trapezius": LungPrecaution.ONTO_RIB,
    "intercostals": LungPrecaution.ONTO_RIB,
    "serratus_anterior": LungPrecaution.ONTO_RIB,
    "infraspinatus": LungPrecaution.ONTO_RIB,  # onto the blade, not past its edge
}
# Every point over the lung records a precaution except every fifth: most of the time,
# and the demo shows the chart's caution as well as the calm line of what was done.
UNRECORDED_EVERY = 5

# The two demo stories that show a red flag with its decision.
SAFE_TO_PROCEED_REASON = (
    "Breast cancer 2015, treated and discharged from oncology follow-up in 2022. Pain "
    "mechanical and reproduced on palpation; no night pain, no weight loss."
)
REFERRAL_FOLLOW_UP = (
    "Referred the same day to the emergency department: new saddle numbness and "
    "difficulty passing urine (suspected cauda equina syndrome). No needling. Resume "
    "only once medically cleared."
)


def _regions_matching(fragments: tuple[str, ...]) -> list[str]:
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


def clinic_time(day: date, rng: random.Random) -> datetime:
    """A start time in clinic hours on ``day`` (local time, as an aware datetime): a
    Sunday moves to the Monday after, a Saturday gets a morning slot."""
    if day.weekday() == 6:
        day += timedelta(days=1)
    last = LAST_SATURDAY_START if day.weekday() == 5 else LAST_WEEKDAY_START
    slots = ((last.hour - OPENS.hour) * 60 + last.minute - OPENS.minute) // 15
    start = datetime.combine(day, OPENS) + timedelta(minutes=15 * rng.randint(0, slots))
    # A naive time is the machine's local time; astimezone() gives it its offset, the
    # summer-time one on a summer day.
    return start.astimezone()


@contextmanager
def _at(store: Store, moment: datetime) -> Iterator[None]:
    """Write as if at ``moment``, so a demo session is signed at the end of its
    consultation and its audit entries agree, not stamped with when the demo was made.
    Only a demo database takes made-up times (``Store.clock_at``); written elsewhere
    (tests build clinics with these records), the time of writing is kept."""
    if not store.is_demo:
        yield
        return
    with store.clock_at(moment):
        yield


def write_demo(store: Store, patients: int = 8, seed: int = 7) -> list[Patient]:
    """Add demo patients with 3-8 signed sessions each, in one transaction; returns the
    patients added. Only into a demo database, or an empty file that becomes one
    (``Store.mark_as_demo``): a clinic's database refuses with DemoRefused."""
    with store.transaction():
        store.mark_as_demo()
        return _write_patients(store, patients, random.Random(seed))


# The demo's sign-ins (issue 18). Made up and printed on purpose: a demo database holds
# no clinical record, and whoever tries tpchart must be able to sign in. The
# administrator is the practitioner who charted the demo sessions.
DEMO_ADMIN = "Dr Demo Example"
DEMO_COLLEAGUE = "Dr Demo Colleague"
DEMO_PASSPHRASE = "demo passphrase for trying tpchart"
DEMO_PIN = "2580"


def add_demo_accounts(store: Store) -> None:
    """Give a demo database its two sign-ins, both with ``DEMO_PASSPHRASE`` and the PIN
    ``DEMO_PIN``: the administrator (the practitioner of the demo sessions, who stays
    signed in) and a colleague. On a demo that has them already, signs the
    administrator in (to write more demo patients). After the demo records are
    written: those sessions were signed before the clinic had accounts, so they carry
    no digital signature (``check`` calls that a note), and writing them stays fast."""
    if not store.is_demo:
        raise DemoRefused("Demo sign-ins go only into a demo database")
    admin = next((p for p in store.practitioners.all() if p.name == DEMO_ADMIN), None)
    if store.accounts.any():
        if admin is not None and store.signed_in is None:
            store.sign_in(admin.id, DEMO_PASSPHRASE)  # type: ignore[arg-type]
        return
    if admin is None:
        admin = Practitioner(name=DEMO_ADMIN, registration="DEMO-1")
    store.accounts.set_up_clinic(admin, DEMO_PASSPHRASE)
    store.accounts.set_pin(DEMO_PIN, DEMO_PASSPHRASE)
    store.accounts.create(
        Practitioner(name=DEMO_COLLEAGUE, registration="DEMO-2"), DEMO_PASSPHRASE, Role.PRACTITIONER
    )


def _write_patients(store: Store, patients: int, rng: random.Random) -> list[Patient]:
    if store.practitioner_id is None:
        doctor = store.practitioners.add(
            Practitioner(name="Dr Demo Example", registration="DEMO-1")
        )
        store.practitioner_id = doctor.id
    added = []
    lung_points = itertools.count(1)  # points over the lung so far, across patients
    start_number = store.patients.count(include_archived=True) + 1
    for index in range(patients):
        name, sex = NAMES[index % len(NAMES)]
        if index >= len(NAMES):
            name = f"{name} {index // len(NAMES) + 1}"
        patient = store.patients.add(
            _patient(f"DEMO-{start_number + index:04d}", name, sex, index, rng)
        )
        _write_sessions(store, patient, index, rng, lung_points)
        added.append(patient)
    return added


def _patient(record_number: str, name: str, sex: Sex, index: int, rng: random.Random) -> Patient:
    """A patient with standing precautions, their sites and (mostly) a recorded build."""
    history = ["Demo record. Desk job; plays tennis at weekends."]
    precautions = set(rng.sample(STANDING, k=rng.choice([0, 0, 1, 2])))
    sites: list[PrecautionSite] = []
    if index == 0:
        # The lymphoedema story: axillary clearance on the left, arm swollen since.
        precautions.add(Precaution.LYMPHOEDEMA)
        sites.append(PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT))
        history.append(
            "Left breast cancer 2015: mastectomy and axillary node clearance; lymphoedema "
            "of the left arm since."
        )
    if Precaution.IMPLANTS in precautions:
        area = rng.choice([BodyArea.KNEE, BodyArea.HIP])
        side = rng.choice([SiteSide.RIGHT, SiteSide.LEFT])
        sites.append(PrecautionSite(Precaution.IMPLANTS, area, side))
        history.append(f"Total {area.value} replacement ({side.value}), 2019.")
    return Patient(
        record_number=record_number,
        full_name=name,
        date_of_birth=date(rng.randint(1945, 2004), rng.randint(1, 12), rng.randint(1, 28)),
        sex=sex,
        phone=f"+44 20 7946 {rng.randint(0, 9999):04d}",
        medical_history=" ".join(history),
        precautions=frozenset(precautions),
        precaution_sites=tuple(sites),
        # Recorded for most patients; one in eleven not yet (treated as slim).
        build=rng.choices([Build.SLIM, Build.AVERAGE, Build.LARGE, None], [3, 5, 2, 1])[0],
    )


def _write_sessions(
    store: Store,
    patient: Patient,
    index: int,
    rng: random.Random,
    lung_points: Iterator[int],
) -> None:
    # The two red-flag stories need a complaint that asks their flags.
    complaint = {0: COMPLAINTS[0], 1: COMPLAINTS[2]}.get(index) or rng.choice(COMPLAINTS)
    # A doctor avoids needling on the site of a sited precaution (the lymphoedematous arm).
    regions = [
        r
        for r in _regions_matching(complaint.fragments)
        if not sites_at(r, patient.precaution_sites)
    ]
    count = rng.randint(3, 8)
    first_pain = rng.randint(6, 9)
    if index in COURSES:
        count = max(count, 5)  # a plateau or a relapse needs a few sessions to show
    if COURSES.get(index) == IMPROVING:
        count = min(count, first_pain)  # a point a session, still above 0 at the end
    pains = _pain_course(index, count, first_pain, rng)
    # Sessions every 5-14 days, the last one at least a day ago.
    day = datetime.now(UTC).date() - timedelta(days=15 * count + rng.randint(1, 20))
    previous: Session | None = None
    for n, pain in enumerate(pains):
        day += timedelta(days=rng.choice([5, 7, 7, 10, 14]))
        when = clinic_time(day, rng)
        day = when.date()
        referred = index == 1 and n == count - 1
        if referred:  # back as bad as at the start, with new symptoms
            pain = first_pain
        with _at(store, when):
            session = store.sessions.start(
                _screened(store, patient, complaint, when, pain, index, referred)
            )
        if previous is not None and rng.random() < 0.15:
            with _at(store, when + timedelta(minutes=2)):
                store.later_events.report(previous.id, _reported_later(rng))  # type: ignore[arg-type]
        minutes = rng.randint(*CONSULTATION_MINUTES)
        ended = when + timedelta(minutes=minutes)
        points = [] if referred else _add_points(store, session, regions, pain, rng, lung_points)
        with _at(store, ended):
            session = store.sessions.update(
                _finished(session, points, pain, n, count, complaint, referred, rng)
            )
            # A demo that has its sign-ins already (more patients added later): each
            # signature is confirmed with the demo PIN, as a doctor would.
            confirm = DEMO_PIN if store.signed_in is not None else None
            store.sessions.sign(session.id, confirm=confirm)  # type: ignore[arg-type]
        previous = session


# The three courses the Progress tab must tell apart (issue 17), one demo patient each
# (the first patients, so that a small demo has all three): steadily better; better,
# then the same for the last three sessions or more; better, then worse again. Every
# other patient improves at a random pace. The referred patient (index 1) comes back as
# bad as at the start: worsening too, for a reason the record gives.
IMPROVING, STALLED, WORSENING = "improving", "stalled", "worsening"
COURSES = {0: IMPROVING, 2: STALLED, 3: WORSENING}


def _pain_course(index: int, count: int, first: int, rng: random.Random) -> list[int]:
    """Pain before needling at each of ``count`` sessions, starting at ``first`` (6-9)."""
    course = COURSES.get(index)
    if course == IMPROVING:  # one point a session: 2 points over the last three
        return [max(1, first - n) for n in range(count)]
    if course == STALLED:  # two sessions of relief, then a plateau within a point
        # At least 3: a point's wobble there is under 30 % (Farrar), so it stays a plateau.
        level = max(3, first - 4)
        plateau = [level + rng.choice([0, 0, 1]) for _ in range(count - 3)]
        return [first, first - 2, *plateau, level]
    if course == WORSENING:  # relief, then back up by 3 over the last two sessions
        best = first - 3 - (count - 5) // 2
        falling = [max(best, first - 2 * n) for n in range(count - 2)]
        return [*falling, best + 1, best + 3]
    pains = [first]
    for _ in range(count - 1):
        pains.append(max(1, pains[-1] - rng.randint(0, 2)))
    return pains


def _screened(
    store: Store,
    patient: Patient,
    complaint: Complaint,
    when: datetime,
    pain: int,
    index: int,
    referred: bool,
) -> Session:
    """A session as it stands after screening and consent, before any needle."""
    red_flags: frozenset[RedFlag] = frozenset()
    decision, reason = None, ""
    if index == 0:
        red_flags = frozenset({RedFlag.CANCER_HISTORY})
        decision, reason = RedFlagDecision.SAFE_TO_PROCEED, SAFE_TO_PROCEED_REASON
    elif referred:
        red_flags = frozenset({RedFlag.SADDLE_NUMBNESS, RedFlag.BLADDER_BOWEL})
        decision = RedFlagDecision.REFERRED
    return Session(
        patient_id=patient.id,  # type: ignore[arg-type]
        practitioner_id=store.practitioner_id,  # type: ignore[arg-type]
        started_at=when,
        chief_complaint=complaint.text,
        likely_cause=complaint.cause,
        pain_before=pain,
        screening_done=True,
        # The patient's standing precautions and their sites, screened again today.
        contraindications=patient.precautions,
        precaution_sites=patient.precaution_sites,
        complaint_areas=complaint.areas,
        red_flags=red_flags,
        red_flag_decision=decision,
        red_flag_reason=reason,
        # Nothing is needled after a referral, so no consent to needling is taken.
        consent_given=not referred,
        consent_by="" if referred else "Patient",
        consent_at=None if referred else when + timedelta(minutes=5),
    )


def _add_points(
    store: Store,
    session: Session,
    regions: list[str],
    pain: int,
    rng: random.Random,
    lung_points: Iterator[int],
) -> list[TriggerPoint]:
    taken: list[tuple[float, float]] = []
    points = []
    for number in range(1, rng.randint(3, 9)):
        region_id = rng.choice(regions)
        region = REGIONS[region_id]
        x, y = _spot_in(region_id, rng, taken)
        taken.append((x, y))
        muscle_id = rng.choice(region.muscles)
        over_lung = bool(lung_risk_reason(region_id, muscle_id))
        precautions: frozenset[LungPrecaution] = frozenset()
        if over_lung and next(lung_points) % UNRECORDED_EVERY:
            precautions = frozenset(
                {_LUNG_PRECAUTION.get(muscle_id, LungPrecaution.SHALLOW_ANGLED)}
            )
        twitch = rng.random() < 0.7
        points.append(
            store.points.add(
                TriggerPoint(
                    session_id=session.id,  # type: ignore[arg-type]
                    number=number,
                    view=region.view,
                    region_id=region_id,
                    side=region.side,
                    x=x,
                    y=y,
                    # The catalogue's preferred name: its id follows from the words.
                    muscle=MUSCLES[muscle_id].name,
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
                    # Over the lung, well short of where the pleura may lie in a slim
                    # patient (2 cm); elsewhere as deep as the muscle needs.
                    depth_mm=round(rng.uniform(8, 15) if over_lung else rng.uniform(5, 20), 1),
                    technique=Technique.PISTONING,
                    passes=rng.randint(4, 10),
                    lung_precautions=precautions,
                )
            )
        )
    return points


def _events(points: list[TriggerPoint], rng: random.Random) -> tuple[AdverseEvent, ...]:
    """Adverse events at about the rates Brady et al. found (bruising most often),
    with now and then a faint."""
    events = []
    if points and rng.random() < 0.15:
        where = rng.choice(points).number
        events.append(
            AdverseEvent(
                AdverseEventType.BRUISING,
                Severity.MILD,
                note=f"Small bruise at point {where}.",
                onset=rng.choice([Onset.DURING, Onset.AFTER]),
                action="pressure applied for a minute",
                resolved=True,
            )
        )
    if points and rng.random() < 0.04:
        events.append(
            AdverseEvent(
                AdverseEventType.VASOVAGAL,
                Severity.MILD,
                onset=Onset.DURING,
                action="needles removed, lay flat with legs raised, observed 20 minutes",
                resolved=True,
            )
        )
    return tuple(events)


def _reported_later(rng: random.Random) -> AdverseEvent:
    """An event the patient mentions at the next session, recorded against the last."""
    if rng.random() < 0.5:
        return AdverseEvent(
            AdverseEventType.PAIN_AFTER,
            Severity.MILD,
            onset=Onset.DELAYED,
            action="advised heat and gentle stretching",
            resolved=True,
            note="Sore for two days after the session.",
        )
    return AdverseEvent(
        AdverseEventType.BRUISING,
        Severity.MILD,
        onset=Onset.DELAYED,
        action="none needed",
        resolved=True,
        note="Noticed a bruise at home the next day.",
    )


def _finished(
    session: Session,
    points: list[TriggerPoint],
    pain: int,
    n: int,
    count: int,
    complaint: Complaint,
    referred: bool,
    rng: random.Random,
) -> Session:
    """The session at the end of the consultation, ready to sign."""
    if referred:
        return replace(session, follow_up=REFERRAL_FOLLOW_UP)
    events = _events(points, rng)
    return replace(
        session,
        pain_after=max(0, pain - rng.randint(1, 3)),
        skin_prepared=True,
        adverse_events=events,
        # Most sessions record the answer "asked, none"; a few leave the question out.
        adverse_events_asked=bool(events) or rng.random() < 0.9,
        both_sides_acknowledged=needs_both_sides_acknowledgement(points),
        aftercare_given=True,
        aftercare_text=DEFAULT_AFTERCARE,
        follow_up="Review in one week" if n < count - 1 else "Review as needed",
        ndi=round(max(0.0, 40 - n * 5 + rng.uniform(-3, 3)), 1)
        if ComplaintArea.NECK in complaint.areas
        else None,
    )
