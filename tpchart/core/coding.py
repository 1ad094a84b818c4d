"""Code systems for records that travel: SNOMED CT, LOINC and tpchart's own local codes.

Data and small helpers only (no FHIR library): ``tpchart.exchange`` builds FHIR and
research tables from them. Every code here is either verified against a published
source (docs/interoperability.md, "Sources") or in a local code system, said to be
local: a receiving system must never mistake a tpchart code for a standard one.

The local systems live under ``https://tpchart.example/fhir/CodeSystem/``. The
``.example`` domain is reserved (RFC 2606) and resolves nowhere: the URIs name
tpchart's own vocabulary without pretending to be a published terminology.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tpchart.core.muscles import CODES_VERSION, MUSCLES, OTHER, catalogue_name, snomed_code
from tpchart.core.regions import Side

SNOMED_SYSTEM = "http://snomed.info/sct"
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"

LOCAL_BASE = "https://tpchart.example/fhir/"
MUSCLE_SYSTEM = LOCAL_BASE + "CodeSystem/muscle"
PROCEDURE_SYSTEM = LOCAL_BASE + "CodeSystem/procedure"
OUTCOME_SYSTEM = LOCAL_BASE + "CodeSystem/outcome-measure"
ADVERSE_EVENT_SYSTEM = LOCAL_BASE + "CodeSystem/adverse-event"
RECORD_NUMBER_SYSTEM = LOCAL_BASE + "NamingSystem/record-number"
REGISTRATION_SYSTEM = LOCAL_BASE + "NamingSystem/practitioner-registration"
IDENTIFIER_SYSTEM = LOCAL_BASE + "NamingSystem/record-id"


@dataclass(frozen=True)
class Code:
    """One code in one system, with the words a person reads."""

    system: str
    code: str
    display: str

    @property
    def local(self) -> bool:
        """True for tpchart's own codes (not a published terminology)."""
        return self.system.startswith(LOCAL_BASE)


# Laterality, SNOMED CT qualifier values (DICOM PS3.16 CID 244 "Laterality").
LEFT = Code(SNOMED_SYSTEM, "7771000", "Left")
RIGHT = Code(SNOMED_SYSTEM, "24028007", "Right")
BOTH_SIDES = Code(SNOMED_SYSTEM, "51440002", "Right and left")

# Pain severity, 0-10 verbal numeric rating [Score] - Reported.
PAIN_SEVERITY = Code(LOINC_SYSTEM, "72514-3", "Pain severity - 0-10 verbal numeric rating")

# No LOINC code for these total scores could be verified (docs/interoperability.md):
# local codes, until one is.
NDI = Code(OUTCOME_SYSTEM, "ndi", "Neck Disability Index, total (%)")
ODI = Code(OUTCOME_SYSTEM, "odi", "Oswestry Disability Index, total (%)")
PSFS = Code(OUTCOME_SYSTEM, "psfs", "Patient-Specific Functional Scale, mean (0-10)")

# There is no SNOMED CT concept for dry needling that we could verify; acupuncture
# concepts mean something else (meridian points, another rationale), so a local code.
DRY_NEEDLING = Code(PROCEDURE_SYSTEM, "dry-needling", "Dry needling of a myofascial trigger point")


def laterality(side: Side | str) -> Code | None:
    """The SNOMED CT laterality of a point's side; None for the midline, which is not a
    side (a midline point is coded by its muscle and region alone)."""
    return {Side.LEFT: LEFT, Side.RIGHT: RIGHT}.get(Side(side))


def muscle_codes(muscle_id: str, words: str = "") -> list[Code]:
    """The codes of a point's muscle, SNOMED CT first where the catalogue has one, then
    the local code (always: it keeps a trapezius part that SNOMED codes as the whole
    muscle). A muscle in the doctor's own words has the local code ``other`` only;
    no muscle at all, no code."""
    if not muscle_id:
        return []
    codes: list[Code] = []
    snomed = snomed_code(muscle_id)
    if snomed is not None:
        codes.append(Code(SNOMED_SYSTEM, snomed.code, snomed.display))
    name = catalogue_name(muscle_id, words) if muscle_id in MUSCLES else "Other muscle"
    codes.append(Code(MUSCLE_SYSTEM, muscle_id if muscle_id in MUSCLES else OTHER, name))
    return codes


CATALOGUE_VERSION = CODES_VERSION

# SNOMED CT identifiers: 6 to 18 digits, no leading zero, the last being a Verhoeff
# check digit; the two before it are the partition identifier, "00" (a concept in the
# international release) or "10" (a concept with a namespace, long format).
_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")
CONCEPT_PARTITIONS = ("00", "10")

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def is_snomed_concept_id(text: str) -> bool:
    """A well-formed SNOMED CT concept identifier: digits of the right length, a concept
    partition and a valid check digit. (Well-formed is not the same as existing: that
    is what the sources in docs/interoperability.md are for.)"""
    return bool(_SCTID.match(text)) and text[-3:-1] in CONCEPT_PARTITIONS and verhoeff_valid(text)
