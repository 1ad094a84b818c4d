"""One patient's dry-needling history as a FHIR R4 Bundle (type collection), in JSON.

What goes where (docs/interoperability.md has the full table):

- Patient, and a Practitioner for everyone who charted or signed;
- an Encounter per session;
- a Procedure per needled point: code ``dry-needling`` (local: no SNOMED CT concept
  for dry needling could be verified), ``bodySite`` the muscle (SNOMED CT where the
  catalogue has it, always the local muscle code), the laterality in a BodyStructure
  (``locationQualifier``, the R4 way to say "left") linked by the core extension
  ``procedure-targetBodyStructure``, and a note with needle, depth, technique and
  stimulation settings;
- Observations: pain before and after (LOINC 72514-3) and NDI, ODI, PSFS (local codes);
- an AdverseEvent for each event recorded in the session or reported later;
- the signed state: a Provenance per signed session (who signed, when, which version,
  what it covers, agent type "attester"), and the status of the session's Procedures
  and Observations ("final", "amended" for a later version, "preliminary" while the
  record is a draft or being amended). A Composition would need a document Bundle
  and a narrative; Provenance is what FHIR has for "who attested this, when".

Built from the store's public API only; no FHIR library is needed to write it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tpchart import __version__
from tpchart.core import coding
from tpchart.core.adverse_events import AdverseEvent, Severity
from tpchart.core.coding import Code
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import REGIONS
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import Technique, TriggerPoint
from tpchart.exchange.disclosure import (
    Progress,
    audited,
    check_file_target,
    require_recordable,
    write_atomic,
)
from tpchart.store import Store

DOCUMENT = "FHIR record for another system"

_EXT_TARGET_BODY_STRUCTURE = "http://hl7.org/fhir/StructureDefinition/procedure-targetBodyStructure"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
_AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
_AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

# Mild / significant / serious (White et al.) onto FHIR's mild / moderate / severe.
_SEVERITY = {Severity.MILD: "mild", Severity.SIGNIFICANT: "moderate", Severity.SERIOUS: "severe"}


def export_fhir(
    store: Store, patient_id: int, path: Path | str, progress: Progress | None = None
) -> Path:
    """Write ``patient_id``'s bundle to ``path`` (JSON, UTF-8, 0600): refused where it
    could not be audited or would overwrite records, audited before the file is
    written, written atomically. NotFoundError for an unknown patient."""
    target = Path(path)
    check_file_target(store, target, "FHIR bundle", b"{")
    require_recordable(store)
    bundle = build_bundle(store, patient_id, progress=progress)
    data = json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8")
    with audited(store, [("patients", patient_id)], DOCUMENT, target.name):
        return write_atomic(target, lambda file: file.write(data))


def build_bundle(
    store: Store,
    patient_id: int,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The FHIR R4 Bundle (a JSON-ready dict) of one patient. ``progress`` is told
    (sessions done, sessions) and may raise ExportCancelled."""
    patient = store.patients.get(patient_id)
    sessions = store.sessions.for_patient(patient_id)
    points = store.points.for_patient(patient_id)
    later = store.later_events.for_patient(patient_id)
    builder = _Builder(store, patient)
    total = len(sessions)
    for done, session in enumerate(sessions, start=1):
        assert session.id is not None
        builder.add_session(session, points.get(session.id, []), later.get(session.id, []))
        if progress is not None:
            progress(done, total)
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "resourceType": "Bundle",
        "meta": {"tag": [{"system": coding.LOCAL_BASE + "CodeSystem/export",
                          "code": f"tpchart-{__version__}",
                          "display": f"tpchart {__version__}, muscle codes "
                                     f"{coding.CATALOGUE_VERSION}"}]},
        "type": "collection",
        "timestamp": stamp,
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in builder.entries()],
    }  # fmt: skip


class _Builder:
    """Collects the resources of one patient's bundle, each under a ``urn:uuid``."""

    def __init__(self, store: Store, patient: Patient) -> None:
        self._store = store
        self._entries: dict[str, dict[str, Any]] = {}
        self._practitioners: dict[int, str] = {}
        self._body_structures: dict[tuple[str, str, str], str] = {}
        self.patient_url = self._add(_patient(patient))

    def entries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(fullUrl, resource) in the order added: patient first."""
        yield from self._entries.items()

    def _add(self, resource: dict[str, Any]) -> str:
        url = f"urn:uuid:{uuid.uuid4()}"
        self._entries[url] = resource
        return url

    def practitioner(self, practitioner_id: int) -> str:
        """The fullUrl of a practitioner, added on first use."""
        if practitioner_id not in self._practitioners:
            found = self._store.practitioners.get(practitioner_id)
            self._practitioners[practitioner_id] = self._add(_practitioner(found))
        return self._practitioners[practitioner_id]

    def add_session(self, session: Session, points: list[TriggerPoint], later: list) -> None:
        """The Encounter of one session and everything recorded in it."""
        assert session.id is not None
        who = self.practitioner(session.practitioner_id)
        started = session.started_at.isoformat()
        status = _record_status(session)
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "identifier": [_identifier("session", session.id)],
            # The session took place; whether its record is final is the Provenance's
            # and the findings' status, not the encounter's.
            "status": "finished",
            "class": {"system": _ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "subject": {"reference": self.patient_url},
            "participant": [{"individual": {"reference": who}}],
            "period": {"start": started},
        }
        if session.chief_complaint.strip():
            encounter["reasonCode"] = [{"text": session.chief_complaint.strip()}]
        encounter_url = self._add(encounter)
        context = {"subject": {"reference": self.patient_url},
                   "encounter": {"reference": encounter_url}}  # fmt: skip
        covered = [encounter_url]
        for point in points:
            covered.append(self._add(self._procedure(point, session, context, who, status)))
        for label, pain in (("before", session.pain_before), ("after", session.pain_after)):
            if pain is not None:
                covered.append(self._add(_pain(label, pain, started, context, who, status)))
        for code, value, unit in (
            (coding.NDI, session.ndi, "%"),
            (coding.ODI, session.odi, "%"),
            (coding.PSFS, session.psfs, "{score}"),
        ):
            if value is not None:
                covered.append(
                    self._add(_outcome(code, value, unit, started, context, who, status))
                )
        for event in session.adverse_events:
            self._add(_adverse_event(event, started, context, who))
        for reported in later:
            self._add(
                _adverse_event(
                    reported.event,
                    started,
                    context,
                    self.practitioner(reported.recorded_by),
                    recorded=reported.recorded_at.isoformat(),
                )
            )
        if session.status is SessionStatus.SIGNED and session.signed_by is not None:
            self._add(_provenance(session, covered, self.practitioner(session.signed_by)))

    def _procedure(
        self, point: TriggerPoint, session: Session, context: dict, who: str, status: str
    ) -> dict[str, Any]:
        assert point.id is not None
        site = _muscle_concept(point)
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "identifier": [_identifier("point", point.id)],
            "status": "completed" if status != "preliminary" else "in-progress",
            "code": _concept([coding.DRY_NEEDLING], coding.DRY_NEEDLING.display),
            **context,
            "performedDateTime": session.started_at.isoformat(),
            "performer": [{"actor": {"reference": who}}],
        }
        if site is not None:
            procedure["bodySite"] = [site]
            procedure["extension"] = [
                {
                    "url": _EXT_TARGET_BODY_STRUCTURE,
                    "valueReference": {"reference": self._body_structure(point, site)},
                }
            ]
        notes = _point_notes(point)
        if notes:
            procedure["note"] = [{"text": text} for text in notes]
        return procedure

    def _body_structure(self, point: TriggerPoint, site: dict[str, Any]) -> str:
        """One BodyStructure per muscle and side, shared by that patient's points there."""
        key = (point.muscle_id, point.muscle.strip(), point.side.value)
        if key not in self._body_structures:
            structure: dict[str, Any] = {
                "resourceType": "BodyStructure",
                "location": site,
                "patient": {"reference": self.patient_url},
                "description": f"{point.muscle_name or 'Muscle not named'}, {point.side.value}",
            }
            side = coding.laterality(point.side)
            if side is not None:
                structure["locationQualifier"] = [_concept([side], side.display)]
            self._body_structures[key] = self._add(structure)
        return self._body_structures[key]


def _identifier(kind: str, row_id: int) -> dict[str, str]:
    # The record's id in this tpchart database: lets a receiver recognise a re-export.
    return {"system": f"{coding.IDENTIFIER_SYSTEM}/{kind}", "value": str(row_id)}


def _coding(code: Code) -> dict[str, str]:
    return {"system": code.system, "code": code.code, "display": code.display}


def _concept(codes: list[Code], text: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(c) for c in codes]}
    if text:
        concept["text"] = text
    return concept


def _patient(patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": coding.RECORD_NUMBER_SYSTEM, "value": patient.record_number}],
        "active": not patient.archived,
        # The name exactly as written, in any script: no guess at given and family names.
        "name": [{"text": patient.full_name}],
        "gender": patient.sex.value,
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = []
    if patient.phone.strip():
        telecom.append({"system": "phone", "value": patient.phone.strip()})
    if patient.email.strip():
        telecom.append({"system": "email", "value": patient.email.strip()})
    if telecom:
        resource["telecom"] = telecom
    return resource


def _practitioner(practitioner: Practitioner) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "active": practitioner.active,
        "name": [{"text": practitioner.name}],
    }
    if practitioner.registration.strip():
        resource["identifier"] = [
            {"system": coding.REGISTRATION_SYSTEM, "value": practitioner.registration.strip()}
        ]
    return resource


def _record_status(session: Session) -> str:
    """The status of a session's findings: final once signed ("amended" for a later
    version), preliminary while a draft or an amendment is open."""
    if session.status is not SessionStatus.SIGNED:
        return "preliminary"
    return "amended" if session.version > 1 else "final"


def _muscle_concept(point: TriggerPoint) -> dict[str, Any] | None:
    codes = coding.muscle_codes(point.muscle_id, point.muscle)
    region = REGIONS.get(point.region_id)
    words = point.muscle_name or (region.label if region is not None else point.region_id)
    if not codes:
        return {"text": f"{words} (muscle not recorded)"} if words else None
    return _concept(codes, words)


def _point_notes(point: TriggerPoint) -> list[str]:
    """What the receiving clinician needs to repeat or judge the needling, in words."""
    dose = []
    if point.needle:
        dose.append(f"needle {point.needle}")
    if point.depth_mm is not None:
        dose.append(f"depth {point.depth_mm:g} mm")
    if point.technique_text:
        dose.append(f"technique: {point.technique_text}")
    if point.technique is Technique.ELECTRICAL and point.stimulation_recorded:
        settings = [
            f"{value:g} {unit}"
            for value, unit in (
                (point.stim_frequency_hz, "Hz"),
                (point.stim_pulse_width_us, "µs pulse width"),
                (point.stim_intensity_ma, "mA"),
            )
            if value is not None
        ]
        dose.append("stimulation " + ", ".join(settings))
    dose.append(f"{point.needles} needle{'s' if point.needles != 1 else ''}")
    findings = [f"{point.kind.value} trigger point", f"twitch response: {point.twitch_text}"]
    if point.pain is not None:
        findings.append(f"pain at the point {point.pain}/10")
    if point.pressure_threshold is not None:
        findings.append(f"pressure pain threshold {point.pressure_threshold:g} kg/cm²")
    notes = [_sentence("; ".join(dose)), _sentence("; ".join(findings))]
    if point.notes.strip():
        notes.append(point.notes.strip())
    return notes


def _sentence(text: str) -> str:
    # str.capitalize would lower the rest ("Pistoning" inside the line).
    return text[:1].upper() + text[1:]


def _observation(code: Code, text: str, value: dict, started: str, context: dict, who: str,
                 status: str) -> dict[str, Any]:  # fmt: skip
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [{"coding": [{"system": _OBS_CATEGORY, "code": "survey",
                                  "display": "Survey"}]}],
        "code": _concept([code], text),
        **context,
        "effectiveDateTime": started,
        "performer": [{"reference": who}],
        **value,
    }  # fmt: skip


def _pain(label: str, value: int, started: str, context: dict, who: str, status: str) -> dict:
    # valueInteger: FHIR R4 Observation has no decimal value, and NRS is whole numbers.
    text = f"Pain {label} needling (NRS 0-10)"
    return _observation(coding.PAIN_SEVERITY, text, {"valueInteger": value}, started, context,
                        who, status)  # fmt: skip


def _outcome(code: Code, value: float, unit: str, started: str, context: dict, who: str,
             status: str) -> dict:  # fmt: skip
    quantity = {"value": value, "unit": unit, "system": coding.UCUM_SYSTEM, "code": unit}
    return _observation(code, code.display, {"valueQuantity": quantity}, started, context, who,
                        status)  # fmt: skip


def _adverse_event(
    event: AdverseEvent, started: str, context: dict, who: str, recorded: str | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": _concept(
            [Code(coding.ADVERSE_EVENT_SYSTEM, event.kind.value, event.kind.label)], event.text
        ),
        **context,
        # When it happened is known to the day of the session it followed, no closer.
        "date": started,
        "severity": {"coding": [{"system": _AE_SEVERITY, "code": _SEVERITY[event.severity]}]},
        "seriousness": {
            "coding": [
                {
                    "system": _AE_SERIOUSNESS,
                    "code": "serious" if event.severity is Severity.SERIOUS else "non-serious",
                }
            ]
        },
        "recorder": {"reference": who},
    }
    if recorded is not None:
        resource["recordedDate"] = recorded
    if event.resolved is not None:
        outcome = "resolved" if event.resolved else "ongoing"
        resource["outcome"] = {"coding": [{"system": _AE_OUTCOME, "code": outcome}]}
    return resource


def _provenance(session: Session, targets: list[str], signer: str) -> dict[str, Any]:
    assert session.signed_at is not None
    return {
        "resourceType": "Provenance",
        "target": [{"reference": url} for url in targets],
        "recorded": session.signed_at.isoformat(),
        "reason": [{"text": f"Session record signed, version {session.version}"}],
        "agent": [
            {
                "type": {"coding": [{"system": _PROVENANCE_AGENT, "code": "attester",
                                     "display": "Attester"}]},
                "who": {"reference": signer},
            }
        ],
    }  # fmt: skip
