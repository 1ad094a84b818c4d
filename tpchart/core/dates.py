"""Dates as a doctor types them: day first, in the forms a clinic in Singapore or Europe uses.

One reader for every place a date is typed (the patient form, the patient search), so a
date the search finds is a date the form accepts and the other way round. Day-first
always: 03.04.1985 is the 3rd of April, never March the 4th. Years are written in full:
"85" could be 1985 or 2085 and a wrong century on a date of birth is a wrong patient.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from tpchart.core.errors import ValidationError
from tpchart.core.validation import check_birth_date

# What the entry field shows as its placeholder, and the example every message gives.
DATE_FORMAT_HINT = "dd.mm.yyyy"
EXAMPLE = "15.03.1985"

_MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    _MONTHS[calendar.month_name[_number].casefold()] = _number  # "march"
    _MONTHS[calendar.month_abbr[_number].casefold()] = _number  # "mar"
_MONTHS["sept"] = 9

# 15.03.1985, 15/3/1985, 15-03-1985, 15 03 1985: day, month, year.
_DAY_FIRST = re.compile(r"(\d{1,2})\s*[./\-\s]\s*(\d{1,2})\s*[./\-\s]\s*(\d+)")
# 1985-03-15, 1985/03/15, 1985.03.15: a four-digit year first is ISO order.
_YEAR_FIRST = re.compile(r"(\d{4})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})")
# 15031985: the digits of dd.mm.yyyy without separators (150385 gets the short-year
# message, not "not a date").
_PACKED = re.compile(r"(\d{2})(\d{2})(\d{4}|\d{2})")
# 15 Mar 1985, 15th March 1985, 15-Mar-1985, 15.mar.1985.
_DAY_NAME = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?\s*[./\-\s]?\s*([^\W\d_]+)\.?\s*[,./\-\s]?\s*(\d+)"
)
# March 15, 1985 and Mar 15th 1985: the month's name makes the order unambiguous.
_NAME_DAY = re.compile(
    r"([^\W\d_]+)\.?\s*[./\-\s]?\s*(\d{1,2})(?:st|nd|rd|th)?\s*[,./\-\s]\s*(\d+)"
)


def parse_date(text: str, label: str = "Date") -> date:
    """The date in ``text``, read day first: dd.mm.yyyy, dd/mm/yyyy, d.m.yyyy,
    dd-mm-yyyy, yyyy-mm-dd, ddmmyyyy, "15 Mar 1985", "15 March 1985", "March 15, 1985".

    Raises ValidationError whose message starts with ``label`` and says what is wrong
    in plain words (empty, not a date, a month 13, a 31st of February, a short year)."""
    typed = " ".join(text.split())
    if not typed:
        raise ValidationError(f"{label} is required: type it as {DATE_FORMAT_HINT}")
    # A full stop or comma typed after the year ("15.03.1985.") changes nothing.
    parts = _split(typed.casefold().rstrip(".,;"))
    if parts is None:
        raise ValidationError(
            f"{label}: '{_shorten(typed)}' is not a date; type day, month and year, e.g. {EXAMPLE}"
        )
    day, month, year = parts
    return _checked(label, typed, day, month, year)


def parse_date_of_birth(text: str, today: date | None = None) -> date:
    """A typed date of birth (any form `parse_date` reads), neither in the future nor
    before 1900; ValidationError starting "Date of birth" otherwise."""
    born = parse_date(text, "Date of birth")
    check_birth_date(born, today)  # the record's own rule and words
    return born


def spell_date(day: date) -> str:
    """A date in words nobody can misread, whatever their habit: "15 March 1985"."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def format_date(day: date) -> str:
    """A date as typed back into an entry field: "15.03.1985" (`DATE_FORMAT_HINT`)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def age_on(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def describe_birth_date(born: date, today: date | None = None) -> str:
    """What the form shows beside the date it understood: "15 March 1985 · 41 years"."""
    years = age_on(born, today or date.today())
    age = "under 1 year" if years < 1 else "1 year" if years == 1 else f"{years} years"
    return f"{spell_date(born)} · {age}"


def _split(text: str) -> tuple[int, int | str, str] | None:
    """(day, month as a number or a name, year digits) or None when no form fits."""
    for pattern, order in (
        (_YEAR_FIRST, "ymd"),
        (_DAY_FIRST, "dmy"),
        (_PACKED, "dmy"),
        (_DAY_NAME, "dmy"),
        (_NAME_DAY, "mdy"),
    ):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = dict(zip(order, found.groups(), strict=True))
        month = values["m"]
        return int(values["d"]), int(month) if month.isdigit() else month, values["y"]
    return None


def _checked(label: str, typed: str, day: int, month: int | str, year_digits: str) -> date:
    """The date from its parts, or a message naming the part that is wrong."""
    if len(year_digits) != 4:
        raise ValidationError(
            f"{label}: write the year with all 4 digits (e.g. {EXAMPLE}), not '{_shorten(typed)}'"
        )
    year = int(year_digits)
    if isinstance(month, str):
        number = _MONTHS.get(month.rstrip("."))
        if number is None:
            raise ValidationError(
                f"{label}: '{month}' is not a month; write e.g. 15 Mar 1985 or {EXAMPLE}"
            )
        month = number
    if not 1 <= month <= 12:
        raise ValidationError(
            f"{label}: there is no month {month} in '{_shorten(typed)}'; dates are day "
            f"first ({DATE_FORMAT_HINT})"
        )
    if year < 1:
        raise ValidationError(f"{label}: there is no year {year_digits}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValidationError(
            f"{label}: {calendar.month_name[month]} {year} has no day {day} (it has {days} days)"
        )
    return date(year, month, day)


def _shorten(text: str, limit: int = 30) -> str:
    """Typed text quoted back in a message, cut so a pasted page stays one line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
