"""A patient: identity, history and the standing precautions list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tpchart.core.dates import age_on
from tpchart.core.lung import Build
from tpchart.core.precaution_sites import PrecautionSite, check_sites_ticked
from tpchart.core.screening import Precaution
from tpchart.core.validation import (
    check_aware,
    check_birth_date,
    check_email,
    check_text,
    check_text_for_saving,
)

# (label, field, required) of every text a patient record holds.
_TEXTS = (
    ("Record number", "record_number", True),
    ("Full name", "full_name", True),
    ("Phone", "phone", False),
    ("E-mail", "email", False),
    ("Medical history", "medical_history", False),
)


class Sex(StrEnum):
    """Sex as recorded by the clinic."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Patient:
    """One patient. ``full_name`` is kept exactly as written, in any script."""

    record_number: str
    full_name: str
    date_of_birth: date
    sex: Sex = Sex.UNKNOWN
    phone: str = ""
    email: str = ""
    medical_history: str = ""
    precautions: frozenset[Precaution] = field(default_factory=frozenset)
    precaution_sites: tuple[PrecautionSite, ...] = ()
    build: Build | None = None  # sets how deep the pleura may lie (core.lung)
    archived: bool = False
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        check_text("Record number", self.record_number, required=True, max_len=40)
        check_text("Full name", self.full_name, required=True, max_len=200)
        check_birth_date(self.date_of_birth)
        object.__setattr__(self, "sex", Sex(self.sex))
        check_text("Phone", self.phone, max_len=40)
        check_text("E-mail", self.email, max_len=200)
        check_email(self.email)
        check_text("Medical history", self.medical_history, max_len=100_000)
        object.__setattr__(self, "precautions", frozenset(Precaution(p) for p in self.precautions))
        object.__setattr__(self, "precaution_sites", tuple(self.precaution_sites))
        if self.build is not None:
            object.__setattr__(self, "build", Build(self.build))
        check_aware("Created", self.created_at)
        check_aware("Updated", self.updated_at)

    def check_for_saving(self, before: Patient | None = None) -> None:
        """Raise ValidationError unless this patient's text may be written
        (`check_text_for_saving`). ``before`` is the stored record being updated: a text
        left as it was is not judged again, since older versions stored text these rules
        refuse and such a patient must still be archived or corrected."""
        for label, name, required in _TEXTS:
            value = getattr(self, name)
            if before is None or getattr(before, name) != value:
                check_text_for_saving(label, value, required=required)
        if before is None or (before.precaution_sites, before.precautions) != (
            self.precaution_sites,
            self.precautions,
        ):
            check_sites_ticked(self.precaution_sites, self.precautions)

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        return age_on(self.date_of_birth, day)
