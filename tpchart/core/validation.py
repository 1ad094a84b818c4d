"""Small checks shared by the record types; each raises ValidationError with plain words."""

from __future__ import annotations

import re
from datetime import date, datetime

from tpchart.core.errors import ValidationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_range(label: str, value: float | None, low: float, high: float, unit: str = "") -> None:
    """Raise unless ``value`` is None or within ``low``..``high`` (inclusive)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{label} must be a number, got {value!r}")
    if not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise ValidationError(
            f"{label} must be {_fmt(low)}-{_fmt(high)}{suffix}, got {_fmt(value)}"
        )


def check_score(label: str, value: int | None) -> None:
    """Numeric rating scale 0-10, whole numbers (NRS)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError(f"{label} must be a whole number 0-10, got {value!r}")
    check_range(label, value, 0, 10)


def check_count(label: str, value: int | None, low: int = 0, high: int = 1000) -> None:
    """A whole number within limits, or None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError(f"{label} must be a whole number, got {value!r}")
    check_range(label, value, low, high)


def check_text(label: str, value: str, *, required: bool = False, max_len: int = 20_000) -> None:
    """Text of bounded length; ``required`` refuses empty or blank text."""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text, got {value!r}")
    if required and not value.strip():
        raise ValidationError(f"{label} is required")
    if len(value) > max_len:
        raise ValidationError(f"{label} is too long ({len(value)} characters, at most {max_len})")


def check_email(value: str) -> None:
    """Empty, or something shaped like an e-mail address."""
    if value and not _EMAIL.match(value):
        raise ValidationError(f"E-mail address looks wrong: {value!r}")


def check_birth_date(value: date, today: date | None = None) -> None:
    """A date of birth that is a date, not in the future and not before 1900."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"Date of birth must be a date, got {value!r}")
    today = today or date.today()
    if value > today:
        raise ValidationError(f"Date of birth {value.isoformat()} is in the future")
    if value.year < 1900:
        raise ValidationError(f"Date of birth {value.isoformat()} is before 1900")


def check_aware(label: str, value: datetime | None) -> None:
    """Times carry their time zone so that records compare across clocks."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValidationError(f"{label} must be a date and time, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{label} needs a time zone")


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
