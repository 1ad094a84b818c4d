"""What is screened before needling: contraindications, precautions and neck red flags.

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


class RedFlag(StrEnum):
    """Neck-pain red flags: any one means referral for medical assessment."""

    FEVER = "fever"
    SEVERE_HEADACHE = "severe_headache"
    NUMBNESS = "numbness"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _RED_FLAG_LABELS[self]


_RED_FLAG_LABELS = {
    RedFlag.FEVER: "Fever",
    RedFlag.SEVERE_HEADACHE: "Severe headache",
    RedFlag.NUMBNESS: "Numbness",
}

REFERRAL_ADVICE = "Red flag with neck pain: refer for medical assessment before needling."


def precautions_for(sex: Sex | None) -> list[Precaution]:
    """The precautions worth asking a patient of this sex about (``core.patient.Sex``):
    pregnancy is not offered for a male patient, so the list stays short and the
    doctor never ticks an impossible item. Kept on the record if already recorded."""
    male = sex is not None and sex.value == "male"
    return [p for p in Precaution if not (male and p is Precaution.PREGNANCY)]


def referral_needed(red_flags: frozenset[RedFlag] | set[RedFlag]) -> bool:
    """Any neck red flag present means the patient is referred, not needled."""
    return bool(red_flags)


def parse_precautions(values: Iterable[str] | None) -> frozenset[Precaution]:
    """Turn stored or entered values into a set of precautions (ValidationError if unknown)."""
    try:
        return frozenset(Precaution(v) for v in (values or ()))
    except ValueError as exc:
        raise ValidationError(f"Unknown precaution: {exc}") from None


def parse_red_flags(values: Iterable[str] | None) -> frozenset[RedFlag]:
    """Turn stored or entered values into a set of red flags (ValidationError if unknown)."""
    try:
        return frozenset(RedFlag(v) for v in (values or ()))
    except ValueError as exc:
        raise ValidationError(f"Unknown red flag: {exc}") from None
