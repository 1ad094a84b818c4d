"""The clinic profile: who issued a printed document, edited once in Settings."""

from __future__ import annotations

from dataclasses import dataclass

from tpchart.core.errors import ValidationError
from tpchart.core.validation import check_email, check_text


@dataclass(frozen=True)
class ClinicProfile:
    """Name, postal address, phone and e-mail printed at the head of every document.

    Every field may be empty (a fresh install has no profile yet); documents then
    fall back to a plain heading rather than refusing to print.
    """

    name: str = ""
    address: str = ""  # may span lines
    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        check_text("Clinic name", self.name, max_len=200)
        check_text("Clinic address", self.address, max_len=1000)
        check_text("Clinic phone", self.phone, max_len=40)
        check_text("Clinic e-mail", self.email, max_len=200)
        check_email(self.email)
        if self.address.count("\n") > 5:
            # The header has room for a few address lines, not a letter.
            raise ValidationError("Clinic address has too many lines (at most 6)")

    @property
    def is_empty(self) -> bool:
        """Nothing entered yet."""
        return not any(v.strip() for v in (self.name, self.address, self.phone, self.email))

    def contact_line(self) -> str:
        """Phone and e-mail on one line, e.g. "Tel. +44 20 7946 0000 · clinic@example.org"."""
        parts = []
        if self.phone.strip():
            parts.append(f"Tel. {self.phone.strip()}")
        if self.email.strip():
            parts.append(self.email.strip())
        return " · ".join(parts)
