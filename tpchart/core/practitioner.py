"""The practitioner using the app: the "who" of every record and audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from tpchart.core.validation import check_text, check_text_for_saving


@dataclass(frozen=True)
class Practitioner:
    """A doctor or therapist who charts, signs and amends sessions."""

    name: str
    registration: str = ""
    active: bool = True
    id: int | None = None

    def __post_init__(self) -> None:
        check_text("Practitioner name", self.name, required=True, max_len=200)
        check_text("Registration number", self.registration, max_len=100)

    def check_for_saving(self) -> None:
        """Raise ValidationError unless name and registration may be written
        (`check_text_for_saving`; the name needs a visible character)."""
        check_text_for_saving("Practitioner name", self.name, required=True)
        check_text_for_saving("Registration number", self.registration)
