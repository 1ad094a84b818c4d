"""What is screened before needling: contraindications, precautions and red flags.

Source: the clinic's patient information on dry needling, summarised in
shared/clinical.md ("Safety the app should help with").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from tpchart.core.errors import ValidationError

if TYPE_CHECKING:
    from tpchart.core.patient import Sex


class Precaution(StrEnum):
    """A contraindication or precaution to dry needling, screened at every session."""

    NEEDLE_PHOBIA = "needle_phobia"
    ANTICOAGULANTS = "anticoagulants"
    IMMUNOCOMPROMISE = "immunocompromise"
    PREGNANCY = "pregnancy"
    EPILEPSY = "epilepsy"
    LYMPHOEDEMA = "lymphoedema"
    CARDIAC = "cardiac"
    UNSTABLE_DIABETES = "unstable_diabetes"
    LOCAL_INFECTION = "local_infection"
    METAL_ALLERGY = "metal_allergy"
    IMPLANTS = "implants"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _PRECAUTION_LABELS[self]


_PRECAUTION_LABELS = {
    Precaution.NEEDLE_PHOBIA: "Needle phobia",
    Precaution.ANTICOAGULANTS: "Anticoagulants or bleeding disorder",
    Precaution.IMMUNOCOMPROMISE: "Immunocompromise",
    Precaution.PREGNANCY: "Pregnancy",
    Precaution.EPILEPSY: "Epilepsy",
    Precaution.LYMPHOEDEMA: "Lymphoedema in the limb",
    Precaution.CARDIAC: "Heart valve disease or recent cardiac surgery",
    Precaution.UNSTABLE_DIABETES: "Unstable diabetes",
    Precaution.LOCAL_INFECTION: "Local infection or open wound",
    Precaution.METAL_ALLERGY: "Metal (nickel / chromium) allergy",
    Precaution.IMPLANTS: "Implants in the area",
}


class ComplaintArea(StrEnum):
    """Where the complaint is: it decides which red flags are asked."""

    NECK = "neck"
    LOW_BACK = "low_back"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        # A head, face or jaw complaint is asked the neck's flags: cervical arterial
        # dysfunction presents as headache and facial symptoms.
        return {ComplaintArea.NECK: "Head/neck", ComplaintArea.LOW_BACK: "Low back"}[self]


class RedFlag(StrEnum):
    """A sign of serious pathology: any one needs a recorded decision (refer, or
    assessed and safe to proceed, with the reason) before needling.

    Sources: cervical arterial dysfunction and the worst-ever headache, the IFOMPT
    international framework for examination of the cervical region (Rushton et al.,
    JOSPT 2023;53:7); myelopathy, the clinician's review in shared/clinical.md; low
    back and any region, the international framework for red flags for serious spinal
    pathology (Finucane et al., JOSPT 2020;50:350).

    The first version asked three flags with neck pain (fever, severe headache,
    numbness). Their values and wording are kept so that stored sessions read as they
    were recorded; "severe headache" and "numbness" are no longer asked (`legacy`):
    the worst-ever headache and the arterial signs (which include facial numbness) ask
    what they were for, and numbness of one arm is usually a nerve root, not a flag.
    """

    # Any region [Finucane 2020]
    CANCER_HISTORY = "cancer_history"
    WEIGHT_LOSS = "weight_loss"
    TRAUMA = "trauma"
    NIGHT_PAIN = "night_pain"
    FEVER = "fever"
    # Neck [Rushton 2023]
    ARTERIAL_SIGNS = "arterial_signs"
    MYELOPATHY = "myelopathy"
    WORST_HEADACHE = "worst_headache"
    SEVERE_HEADACHE = "severe_headache"  # first version, no longer asked
    NUMBNESS = "numbness"  # first version, no longer asked
    # Low back: cauda equina [Finucane 2020]
    SADDLE_NUMBNESS = "saddle_numbness"
    BLADDER_BOWEL = "bladder_bowel"
    LEG_WEAKNESS = "leg_weakness"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _RED_FLAG_LABELS[self]

    @property
    def short(self) -> str:
        """A few words for a header line or a table cell."""
        return _RED_FLAG_SHORT[self]

    @property
    def legacy(self) -> bool:
        """Asked by the first version only: shown when recorded, never offered."""
        return self in (RedFlag.SEVERE_HEADACHE, RedFlag.NUMBNESS)

    @property
    def area(self) -> ComplaintArea | None:
        """The complaint it is asked for, or None when asked for every complaint."""
        return _RED_FLAG_AREAS.get(self)


_RED_FLAG_LABELS = {
    RedFlag.CANCER_HISTORY: "History of cancer",
    RedFlag.WEIGHT_LOSS: "Unexplained weight loss",
    RedFlag.TRAUMA: "Significant recent trauma (fall, accident)",
    RedFlag.NIGHT_PAIN: "Constant pain at night, not eased by rest",
    RedFlag.FEVER: "Fever",
    RedFlag.ARTERIAL_SIGNS: (
        "Dizziness, double vision, slurred speech, difficulty swallowing, drop attacks, "
        "nausea, facial numbness or nystagmus (cervical arterial signs)"
    ),
    RedFlag.MYELOPATHY: "Clumsy hands, unsteady walking or tingling in both arms (myelopathy)",
    RedFlag.WORST_HEADACHE: "Sudden severe or worst-ever headache",
    RedFlag.SEVERE_HEADACHE: "Severe headache",
    RedFlag.NUMBNESS: "Numbness",
    RedFlag.SADDLE_NUMBNESS: "Numbness around the back passage or genitals (saddle area)",
    RedFlag.BLADDER_BOWEL: "New difficulty passing or holding urine or stools",
    RedFlag.LEG_WEAKNESS: "Weakness in both legs, getting worse",
}

_RED_FLAG_SHORT = {
    RedFlag.CANCER_HISTORY: "History of cancer",
    RedFlag.WEIGHT_LOSS: "Unexplained weight loss",
    RedFlag.TRAUMA: "Recent trauma",
    RedFlag.NIGHT_PAIN: "Constant night pain",
    RedFlag.FEVER: "Fever",
    RedFlag.ARTERIAL_SIGNS: "Cervical arterial signs",
    RedFlag.WORST_HEADACHE: "Worst-ever headache",
    RedFlag.MYELOPATHY: "Myelopathy",
    RedFlag.SEVERE_HEADACHE: "Severe headache",
    RedFlag.NUMBNESS: "Numbness",
    RedFlag.SADDLE_NUMBNESS: "Saddle numbness",
    RedFlag.BLADDER_BOWEL: "Bladder or bowel change",
    RedFlag.LEG_WEAKNESS: "Weakness in both legs",
}

_RED_FLAG_AREAS = {
    RedFlag.ARTERIAL_SIGNS: ComplaintArea.NECK,
    RedFlag.MYELOPATHY: ComplaintArea.NECK,
    RedFlag.WORST_HEADACHE: ComplaintArea.NECK,
    RedFlag.SEVERE_HEADACHE: ComplaintArea.NECK,
    RedFlag.NUMBNESS: ComplaintArea.NECK,
    RedFlag.SADDLE_NUMBNESS: ComplaintArea.LOW_BACK,
    RedFlag.BLADDER_BOWEL: ComplaintArea.LOW_BACK,
    RedFlag.LEG_WEAKNESS: ComplaintArea.LOW_BACK,
}


def red_flags_for(
    areas: Iterable[ComplaintArea], recorded: Iterable[RedFlag] = ()
) -> list[RedFlag]:
    """The red flags to ask for this complaint: those of every region, then those of
    each complaint area, and any already recorded (never hidden, even of another area
    or no longer asked)."""
    wanted = set(areas)
    kept = set(recorded)
    return [
        f for f in RedFlag if f in kept or (not f.legacy and (f.area is None or f.area in wanted))
    ]


class RedFlagDecision(StrEnum):
    """What the doctor decided about a positive red flag."""

    REFERRED = "referred"
    SAFE_TO_PROCEED = "safe_to_proceed"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return {
            RedFlagDecision.REFERRED: "Referred for medical assessment",
            RedFlagDecision.SAFE_TO_PROCEED: "Assessed: safe to proceed",
        }[self]


def decision_after(
    before: Iterable[RedFlag],
    after: Iterable[RedFlag],
    decision: RedFlagDecision | None,
    reason: str,
) -> tuple[RedFlagDecision | None, str]:
    """The decision that still stands once the ticked flags went from ``before`` to
    ``after``: none without a flag, and none when a flag was added, since the doctor
    decided on the flags ticked then, not on the new one (saddle numbness ticked after
    "safe to proceed" for a known migraine must be decided again). The store refuses
    a decision kept across an added flag (`Session.check_for_saving`)."""
    after = frozenset(after)
    if not after or not after <= frozenset(before):
        return None, ""
    return decision, reason


REFERRAL_ADVICE = (
    "Red flag: decide before needling. Refer for medical assessment, or record why "
    "it is safe to proceed."
)


def precautions_for(sex: Sex | None) -> list[Precaution]:
    """The precautions worth asking a patient of this sex about (``core.patient.Sex``):
    pregnancy is not offered for a male patient, so the list stays short and the
    doctor never ticks an impossible item. Kept on the record if already recorded."""
    male = sex is not None and sex.value == "male"
    return [p for p in Precaution if not (male and p is Precaution.PREGNANCY)]


def parse_precautions(values: Iterable[str] | None) -> frozenset[Precaution]:
    """Turn stored or entered values into a set of precautions (ValidationError if unknown)."""
    try:
        return frozenset(Precaution(v) for v in (values or ()))
    except ValueError as exc:
        raise ValidationError(f"Unknown precaution: {exc}") from None


def parse_complaint_areas(values: Iterable[str] | None) -> frozenset[ComplaintArea]:
    """Stored or entered complaint areas (ValidationError if unknown)."""
    try:
        return frozenset(ComplaintArea(v) for v in (values or ()))
    except ValueError as exc:
        raise ValidationError(f"Unknown complaint area: {exc}") from None


def parse_red_flags(values: Iterable[str] | None) -> frozenset[RedFlag]:
    """Turn stored or entered values into a set of red flags (ValidationError if unknown)."""
    try:
        return frozenset(RedFlag(v) for v in (values or ()))
    except ValueError as exc:
        raise ValidationError(f"Unknown red flag: {exc}") from None
