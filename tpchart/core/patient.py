"""A patient: identity, history and the standing precautions list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tpchart.core.screening import Precaution
from tpchart.core.validation import (
    check_aware,
    check_birth_date,
    check_email,
    check_text,
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
        check_aware("Created", self.created_at)
        check_aware("Updated", self.updated_at)

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
