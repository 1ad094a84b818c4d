"""Small checks shared by the record types; each raises ValidationError with plain words."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from tpchart.core.errors import ValidationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Control characters (Unicode category Cc: C0, DEL and C1) other than tab, newline and
# carriage return: NUL and the like come from broken pastes and binary files, print as
# nothing and cut text short in other programs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Session and consent times: nothing before 1900, nothing more than a day ahead (a day of
# slack covers clocks and time zones set wrong by a few hours).
EARLIEST_SESSION = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


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


def check_count(
    label: str, value: int | None, low: int = 0, high: int = 1000, unit: str = ""
) -> None:
    """A whole number within limits, or None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError(f"{label} must be a whole number, got {value!r}")
    check_range(label, value, low, high, unit)


def check_text(label: str, value: str, *, required: bool = False, max_len: int = 20_000) -> None:
    """Text of bounded length; ``required`` refuses empty or blank text."""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text, got {value!r}")
    if required and not value.strip():
        raise ValidationError(f"{label} is required")
    if len(value) > max_len:
        raise ValidationError(f"{label} is too long ({len(value)} characters, at most {max_len})")


# Where the text rules live. ``check_text`` runs in every record's ``__post_init__``,
# that is on every load from the database too, so it holds only the rules every stored
# row has always met (type, length, not blank). The rules below were added later and
# older versions stored text that breaks them: NUL and other control characters are
# stored by SQLite as they are, and the schema's ``length(trim(name)) > 0`` lets a name
# of zero-width spaces through. Lone surrogates cannot be written through Python's
# sqlite3 (strict UTF-8), but a JSON column written by another tool can hold one as a
# "\ud800" escape. So `check_text_for_saving` runs on the write path only: the record
# types call it from their ``check_for_saving`` methods, which the store calls before
# writing, and a chart with old text still opens and prints.


def check_text_for_saving(label: str, value: str, *, required: bool = False) -> None:
    """Text that can be saved: valid Unicode (no lone surrogates), no control characters
    other than tab, newline and carriage return, and, when ``required``, at least one
    visible character (see `has_visible_text`)."""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text, got {value!r}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                f"{label} contains characters that are not valid text; type it again"
            ) from None
    if _CONTROL.search(value):
        raise ValidationError(
            f"{label} contains a hidden control character (such as NUL); type it again"
        )
    if required and not has_visible_text(value):
        if not value.strip():
            raise ValidationError(f"{label} is required")
        raise ValidationError(f"{label} is required: it has only invisible characters")


# Characters Unicode files as letters or symbols that draw nothing: the Hangul fillers
# and the blank braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(value: str) -> bool:
    """True when ``value`` has a character that shows: a letter, number, punctuation mark
    or symbol (Unicode categories L*, N*, P*, S*). Spaces (Z*), controls (Cc), format
    characters such as zero-width spaces, joiners and the soft hyphen (Cf) and combining
    marks on their own (M*) do not count; inside a real name they are kept as typed."""
    return any(unicodedata.category(c)[0] in "LNPS" and c not in _BLANK_LETTERS for c in value)


def check_session_time(label: str, value: datetime | None, now: datetime | None = None) -> None:
    """A session or consent time to save: time-zone aware, not before 1900 and not more
    than a day after ``now`` (the current time when None)."""
    if value is None:
        return
    check_aware(label, value)
    now = now or datetime.now(UTC)
    if value < EARLIEST_SESSION:
        raise ValidationError(f"{label} {value.date().isoformat()} is before 1900")
    if value - now > FUTURE_SLACK:
        raise ValidationError(f"{label} {value.date().isoformat()} is in the future")


def check_email(value: str) -> None:
    """Empty, or something shaped like an e-mail address."""
    if value and not _EMAIL.match(value):
        raise ValidationError(f"E-mail address looks wrong: {value!r}")


# No date of birth before this (the date field's calendar starts there too).
EARLIEST_BIRTH = date(1900, 1, 1)


def check_birth_date(value: date, today: date | None = None) -> None:
    """A date of birth that is a date, not in the future and not before 1900."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"Date of birth must be a date, got {value!r}")
    from tpchart.core.dates import spell_date  # dates reads typed text; it needs nothing here

    today = today or date.today()
    if value > today:
        raise ValidationError(f"Date of birth: {spell_date(value)} is in the future")
    if value < EARLIEST_BIRTH:
        raise ValidationError(f"Date of birth: {spell_date(value)} is before 1900")


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
