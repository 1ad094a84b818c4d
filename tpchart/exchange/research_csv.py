"""A de-identified research table of every patient: points.csv (one row per needled
point), sessions.csv (one row per session), data_dictionary.csv and README.txt.

How it is de-identified (README.txt says the same to the researcher):

- each patient gets a random key for this export only (``P`` + 10 hex digits from
  ``secrets``): two exports cannot be linked by key, and the key says nothing about
  the record number or the database id;
- every date of a patient is shifted by one random whole number of days, drawn for
  that patient from -N..-1 and 1..N (N = ``shift_days``, 180 unless told): intervals
  between one patient's sessions are exact, calendar dates are not; times of day are
  left out;
- age in whole years at each session instead of the birth date, 90 and over as
  "90+" (a very old age is rare enough to point at a person);
- no name, phone, e-mail, record number, practitioner name or registration, and no
  free text at all (chief complaint, notes, follow-up, aftercare, red-flag reasons,
  consent-giver, adverse-event notes, a muscle in the doctor's own words): free text
  can hold a name, a place or a date, and no rule finds them all.

Written into a new private folder (0700, files 0600) renamed into place at the end,
so a crash or a cancel leaves no partial table; audited for every patient before
anything is written.
"""

from __future__ import annotations

import csv
import io
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tpchart import __version__
from tpchart.core import coding
from tpchart.core.dates import age_on
from tpchart.core.muscles import MUSCLES, snomed_code
from tpchart.core.patient import Patient
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.exchange.disclosure import (
    Progress,
    audited,
    check_folder_target,
    require_recordable,
    write_folder_atomic,
)
from tpchart.store import Store

DOCUMENT = "de-identified research table"
DEFAULT_SHIFT_DAYS = 180
MAX_SHIFT_DAYS = 3650
OLDEST_AGE = 90  # ages from here on are written "90+"

# (column, type, description) of each file: the data dictionary, and the header order.
SESSION_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("patient_key", "text", "Random key of the patient, new in every export"),
    ("session_number", "integer", "1 for the patient's first session, then 2, 3, ..."),
    ("session_date", "date", "Date of the session, shifted by the patient's offset"),
    ("days_since_first_session", "integer", "Exact days since the patient's first session"),
    ("age_years", "text", "Age in whole years on the session day; 90 and over as 90+"),
    ("sex", "text", "female, male, other or unknown, as recorded"),
    ("practitioner_key", "text", "Random key of the practitioner, new in every export"),
    ("record_status", "text", "signed, draft or amending (a signed session reopened)"),
    ("record_version", "integer", "1, or the version after each amendment"),
    ("likely_cause", "text", "postural_strain, sports_overuse, muscle_imbalance, "
                             "repetitive_strain, other; empty if not recorded"),
    ("complaint_areas", "text", "Areas the complaint concerns (neck, low_back), ';'-separated"),
    ("pain_before", "integer", "Pain before needling, NRS 0-10 (LOINC 72514-3)"),
    ("pain_after", "integer", "Pain after needling, NRS 0-10 (LOINC 72514-3)"),
    ("ndi_percent", "number", "Neck Disability Index, 0-100 %"),
    ("odi_percent", "number", "Oswestry Disability Index, 0-100 %"),
    ("psfs_mean", "number", "Patient-Specific Functional Scale, mean 0-10"),
    ("consent_given", "boolean", "1 if consent was recorded, else 0"),
    ("screening_done", "boolean", "1 if the contraindication screening was done"),
    ("contraindications", "text", "Precautions ticked at screening, ';'-separated codes"),
    ("red_flags", "text", "Red flags ticked, ';'-separated codes"),
    ("red_flag_decision", "text", "referred or safe_to_proceed; empty if none"),
    ("points", "integer", "Number of points needled in the session"),
    ("adverse_events_asked", "boolean", "1 if the patient was asked about adverse events"),
    ("adverse_events", "text", "Events recorded in the session as type:severity, ';'-separated"),
    ("adverse_events_later", "text", "Events reported at a later session, type:severity"),
)  # fmt: skip

POINT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("patient_key", "text", "Random key of the patient (as in sessions.csv)"),
    ("session_number", "integer", "The session (as in sessions.csv)"),
    ("point_number", "integer", "Number of the point within the session"),
    ("view", "text", "Body-map view: front, back or head"),
    ("region", "text", "Body-map region id (tpchart's region catalogue)"),
    ("side", "text", "The patient's side: left, right or midline"),
    ("laterality_snomed", "text", "SNOMED CT laterality: 7771000 left, 24028007 right"),
    ("muscle_id", "text", "Catalogue muscle id (local code, muscle codes version below); "
                          "'other' for a muscle in the doctor's own words (left out)"),
    ("muscle", "text", "Catalogue name of the muscle"),
    ("muscle_snomed", "text", "SNOMED CT body-structure code where the catalogue has one"),
    ("kind", "text", "active or latent trigger point"),
    ("taut_band", "boolean", "1 if a taut band was palpable"),
    ("spot_tenderness", "boolean", "1 if spot tenderness"),
    ("referred_pain", "boolean", "1 if referred pain"),
    ("recognised", "boolean", "1 if the patient recognised the pain as theirs"),
    ("twitch_elicited", "boolean", "1 if a local twitch response was elicited"),
    ("twitch_count", "integer", "Number of twitches"),
    ("twitch_strength", "text", "weak, medium or strong"),
    ("pain", "integer", "Pain at the point, NRS 0-10"),
    ("pressure_threshold_kg_cm2", "number", "Pressure pain threshold, kg/cm² (algometer)"),
    ("needle_gauge_mm", "number", "Needle diameter, mm"),
    ("needle_length_mm", "number", "Needle length, mm"),
    ("depth_mm", "number", "Needling depth, mm"),
    ("technique", "text", "pistoning, static or electrical"),
    ("passes", "integer", "Pistoning passes"),
    ("minutes", "integer", "Minutes retained (static or electrical)"),
    ("needles", "integer", "Number of needles"),
    ("stim_frequency_hz", "number", "Electrical stimulation frequency, Hz"),
    ("stim_pulse_width_us", "integer", "Electrical stimulation pulse width, µs"),
    ("stim_intensity_ma", "number", "Electrical stimulation intensity, mA"),
    ("lung_precautions", "text", "Lung precautions recorded, ';'-separated codes"),
    ("diagram_x", "number", "Position on the body-map diagram (its own coordinates)"),
    ("diagram_y", "number", "Position on the body-map diagram (its own coordinates)"),
)  # fmt: skip


@dataclass(frozen=True)
class ResearchExport:
    """What an export wrote: the folder, and how many patients, sessions and points."""

    folder: Path
    patients: int
    sessions: int
    points: int


def export_research_csv(
    store: Store,
    folder: Path | str,
    shift_days: int = DEFAULT_SHIFT_DAYS,
    progress: Progress | None = None,
    rng: random.Random | None = None,
    today: date | None = None,
) -> ResearchExport:
    """Write the research table of every patient (archived ones too) into ``folder``,
    which must be new or empty. Reading comes first (``progress`` is told patients
    done and may raise ExportCancelled: nothing is then audited or written), then the
    disclosure of every patient is audited in one transaction, then the folder is
    written whole or not at all."""
    target = Path(folder)
    if not 1 <= shift_days <= MAX_SHIFT_DAYS:
        raise ValueError(f"The date shift must be 1 to {MAX_SHIFT_DAYS} days, got {shift_days}")
    check_folder_target(store, target)
    require_recordable(store)
    table = _Table(rng or secrets.SystemRandom(), shift_days)
    everyone = max(store.patients.count(include_archived=True), 1)
    patients = store.patients.find("", include_archived=True, limit=everyone)
    patients.sort(key=lambda p: p.id or 0)
    for done, patient in enumerate(patients, start=1):
        table.add_patient(store, patient)
        if progress is not None:
            progress(done, len(patients))
    files = {
        "sessions.csv": _csv(SESSION_COLUMNS, table.sessions),
        "points.csv": _csv(POINT_COLUMNS, table.points),
        "data_dictionary.csv": _dictionary(),
        "README.txt": _readme(shift_days, len(patients), today or date.today()).encode("utf-8"),
    }
    rows = [("patients", p.id) for p in patients if p.id is not None]
    with audited(store, rows, DOCUMENT, target.name):
        write_folder_atomic(target, files)
    return ResearchExport(target, len(patients), len(table.sessions), len(table.points))


class _Table:
    """The rows of both files, built patient by patient."""

    def __init__(self, rng: random.Random, shift_days: int) -> None:
        self._rng = rng
        self._shift_days = shift_days
        self._keys: set[str] = set()
        self._practitioners: dict[int, str] = {}
        self.sessions: list[dict[str, Any]] = []
        self.points: list[dict[str, Any]] = []

    def _key(self, prefix: str) -> str:
        while True:  # a clash in 16**10 is unlikely, but two patients must never share one
            key = f"{prefix}{self._rng.getrandbits(40):010x}"
            if key not in self._keys:
                self._keys.add(key)
                return key

    def _shift(self) -> timedelta:
        days = self._rng.randint(1, self._shift_days) * self._rng.choice((-1, 1))
        return timedelta(days=days)

    def add_patient(self, store: Store, patient: Patient) -> None:
        """Rows for one patient's sessions and points, under a new key and date shift."""
        assert patient.id is not None
        key, shift = self._key("P"), self._shift()
        sessions = store.sessions.for_patient(patient.id)
        points = store.points.for_patient(patient.id)
        later = store.later_events.for_patient(patient.id)
        first: date | None = None
        for number, session in enumerate(sessions, start=1):
            assert session.id is not None
            day = _local_day(session.started_at)
            first = first or day
            marked = points.get(session.id, [])
            self.sessions.append(
                self._session_row(patient, session, key, number, day, first, shift, marked,
                                  later.get(session.id, []))
            )  # fmt: skip
            self.points.extend(_point_row(p, key, number) for p in marked)

    def _session_row(self, patient: Patient, session: Session, key: str, number: int,
                     day: date, first: date, shift: timedelta, marked: list[TriggerPoint],
                     later: list) -> dict[str, Any]:  # fmt: skip
        practitioner = self._practitioners.get(session.practitioner_id)
        if practitioner is None:
            practitioner = self._practitioners[session.practitioner_id] = self._key("C")
        age = age_on(patient.date_of_birth, day)
        return {
            "patient_key": key,
            "session_number": number,
            "session_date": (day + shift).isoformat(),
            "days_since_first_session": (day - first).days,
            "age_years": f"{OLDEST_AGE}+" if age >= OLDEST_AGE else age,
            "sex": patient.sex.value,
            "practitioner_key": practitioner,
            "record_status": session.status.value,
            "record_version": session.version,
            "likely_cause": session.likely_cause.value if session.likely_cause else "",
            "complaint_areas": _codes(session.complaint_areas),
            "pain_before": session.pain_before,
            "pain_after": session.pain_after,
            "ndi_percent": session.ndi,
            "odi_percent": session.odi,
            "psfs_mean": session.psfs,
            "consent_given": session.consent_given,
            "screening_done": session.screening_done,
            "contraindications": _codes(session.contraindications),
            "red_flags": _codes(session.red_flags),
            "red_flag_decision": session.red_flag_decision.value
            if session.red_flag_decision
            else "",
            "points": len(marked),
            "adverse_events_asked": session.adverse_events_asked,
            "adverse_events": ";".join(
                f"{e.kind.value}:{e.severity.value}" for e in session.adverse_events
            ),
            "adverse_events_later": ";".join(
                f"{r.event.kind.value}:{r.event.severity.value}" for r in later
            ),
        }


def _local_day(moment: datetime) -> date:
    # The day as the clinic saw it (its local time), before shifting.
    return moment.astimezone().date()


def _codes(values: Any) -> str:
    return ";".join(sorted(v.value for v in values))


def _point_row(point: TriggerPoint, key: str, session_number: int) -> dict[str, Any]:
    catalogued = point.muscle_id in MUSCLES
    snomed = snomed_code(point.muscle_id) if catalogued else None
    side = coding.laterality(point.side)
    return {
        "patient_key": key,
        "session_number": session_number,
        "point_number": point.number,
        "view": point.view.value,
        "region": point.region_id,
        "side": point.side.value,
        "laterality_snomed": side.code if side else "",
        "muscle_id": point.muscle_id,
        # The doctor's own words for an uncatalogued muscle are free text: left out.
        "muscle": MUSCLES[point.muscle_id].name if catalogued else "",
        "muscle_snomed": snomed.code if snomed else "",
        "kind": point.kind.value,
        "taut_band": point.taut_band,
        "spot_tenderness": point.spot_tenderness,
        "referred_pain": point.referred_pain,
        "recognised": point.recognised,
        "twitch_elicited": point.twitch_elicited,
        "twitch_count": point.twitch_count,
        "twitch_strength": point.twitch_strength.value if point.twitch_strength else "",
        "pain": point.pain,
        "pressure_threshold_kg_cm2": point.pressure_threshold,
        "needle_gauge_mm": point.needle_gauge_mm,
        "needle_length_mm": point.needle_length_mm,
        "depth_mm": point.depth_mm,
        "technique": point.technique.value if point.technique else "",
        "passes": point.passes,
        "minutes": point.minutes,
        "needles": point.needles,
        "stim_frequency_hz": point.stim_frequency_hz,
        "stim_pulse_width_us": point.stim_pulse_width_us,
        "stim_intensity_ma": point.stim_intensity_ma,
        "lung_precautions": _codes(point.lung_precautions),
        "diagram_x": round(point.x, 1),
        "diagram_y": round(point.y, 1),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _csv(columns: tuple[tuple[str, str, str], ...], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, what spreadsheets expect
    writer.writerow(name for name, _type, _text in columns)
    for row in rows:
        writer.writerow(_cell(row[name]) for name, _type, _text in columns)
    # A byte-order mark, so that spreadsheet programs read UTF-8 (µs, kg/cm²) correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _dictionary() -> bytes:
    rows = [
        {"file": file, "column": name, "type": kind, "description": text}
        for file, columns in (("sessions.csv", SESSION_COLUMNS), ("points.csv", POINT_COLUMNS))
        for name, kind, text in columns
    ]
    spec = (("file", "", ""), ("column", "", ""), ("type", "", ""), ("description", "", ""))
    return _csv(spec, rows)


def _readme(shift_days: int, patients: int, today: date) -> str:
    return f"""De-identified research table from tpchart {__version__}
Exported {today.isoformat()}: {patients} patients. Muscle codes version {coding.CATALOGUE_VERSION}.

Files
  sessions.csv         one row per session
  points.csv           one row per needled trigger point
  data_dictionary.csv  every column of both files: type and meaning

How the data were de-identified
  - Each patient has a random key (patient_key) made for this export only; it is not
    the clinic's record number and cannot be linked to another export.
  - Every date of a patient is shifted by the same random number of days, between
    {shift_days} days back and {shift_days} days forward (never 0), drawn separately
    for each patient. Intervals between one patient's sessions are exact
    (days_since_first_session); calendar dates, weekdays and seasons are not.
    Times of day are left out.
  - Age is given in whole years on the session day, 90 and over as "90+"; the birth
    date is left out.
  - Left out entirely: names, phone numbers, e-mail addresses, record numbers,
    practitioners' names and registrations (each practitioner has a random key),
    and every free-text field (chief complaint, notes, follow-up plan, aftercare
    advice, red-flag reasons, who gave consent, adverse-event notes, and a muscle
    written in the doctor's own words, coded "other"). Free text can hold a name,
    a place or a date, and no rule finds them all.

What remains can still be sensitive (rare combinations of age, sex and findings):
keep the folder private, as tpchart wrote it (only its owner may read it).

Codes
  Muscles: muscle_id is tpchart's local code (system
  {coding.MUSCLE_SYSTEM}); muscle_snomed is the SNOMED CT
  body-structure concept where one was verified. Laterality: SNOMED CT 7771000 left,
  24028007 right. Pain: LOINC 72514-3 (0-10 numeric rating). NDI, ODI and PSFS are
  the instruments' own scores (no LOINC code verified).
"""
