"""Typed dates: every usual form read day first, and refusals in plain words."""

from __future__ import annotations

from datetime import date

import pytest

from tpchart.core.dates import (
    describe_birth_date,
    format_date,
    parse_date,
    parse_date_of_birth,
    spell_date,
)
from tpchart.core.errors import ValidationError

MARCH_15 = date(1985, 3, 15)


@pytest.mark.parametrize(
    "typed",
    [
        "15.03.1985",
        "15/03/1985",
        "15-03-1985",
        "15 03 1985",
        "1985-03-15",
        "1985/03/15",
        "15031985",
        "15 Mar 1985",
        "15 mar 1985",
        "15 March 1985",
        "15 MARCH 1985",
        "15-Mar-1985",
        "15th March 1985",
        "March 15, 1985",
        "Mar 15 1985",
        "  15.03.1985  ",
        "15.03.1985.",
    ],
)
def test_usual_forms_are_read(typed):
    assert parse_date(typed) == MARCH_15


def test_day_and_month_without_leading_zeros():
    assert parse_date("5.3.1985") == date(1985, 3, 5)
    assert parse_date("5/3/1985") == date(1985, 3, 5)


def test_day_comes_first_when_both_could_be_a_month():
    # 03.04 is the 3rd of April in Singapore and Europe, never March the 4th.
    assert parse_date("03.04.1985") == date(1985, 4, 3)
    assert parse_date("03/04/1985") == date(1985, 4, 3)


def test_september_abbreviated_either_way():
    assert parse_date("1 Sep 1990") == parse_date("1 Sept 1990") == date(1990, 9, 1)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Date is required: type it as dd.mm.yyyy"),
        ("   ", "Date is required"),
        ("yesterday", "'yesterday' is not a date"),
        ("15.03", "'15.03' is not a date"),
        ("15.03.85", "write the year with all 4 digits"),
        ("150385", "write the year with all 4 digits"),
        ("03/15/1985", "there is no month 15 in '03/15/1985'; dates are day first"),
        ("31.02.1985", "February 1985 has no day 31 (it has 28 days)"),
        ("29.02.2023", "February 2023 has no day 29"),
        ("00.01.1985", "January 1985 has no day 0"),
        ("15 Foo 1985", "'foo' is not a month"),
        ("1.1.0000", "there is no year 0000"),
    ],
)
def test_refusals_say_what_is_wrong(typed, message):
    with pytest.raises(ValidationError, match=r"^Date") as refused:
        parse_date(typed)
    assert message in str(refused.value)


def test_leap_day_is_a_date():
    assert parse_date("29.02.2024") == date(2024, 2, 29)


def test_label_starts_the_message():
    with pytest.raises(ValidationError, match=r"^Date of birth: 'x' is not a date"):
        parse_date("x", "Date of birth")


def test_a_pasted_page_is_quoted_short():
    with pytest.raises(ValidationError) as refused:
        parse_date("x" * 5000)
    assert len(str(refused.value)) < 120


def test_date_of_birth_not_in_the_future_nor_before_1900():
    today = date(2026, 3, 14)
    assert parse_date_of_birth("14.03.2026", today) == today
    with pytest.raises(ValidationError, match="Date of birth: 15 March 2026 is in the future"):
        parse_date_of_birth("15.03.2026", today)
    with pytest.raises(ValidationError, match="Date of birth: 31 December 1899 is before 1900"):
        parse_date_of_birth("31.12.1899", today)
    assert parse_date_of_birth("01.01.1900", today) == date(1900, 1, 1)
    with pytest.raises(ValidationError, match=r"^Date of birth is required"):
        parse_date_of_birth("", today)


def test_what_the_form_shows_beside_the_date():
    today = date(2026, 3, 14)
    assert describe_birth_date(MARCH_15, today) == "15 March 1985 · 40 years"
    assert describe_birth_date(date(1985, 3, 14), today) == "14 March 1985 · 41 years"
    assert describe_birth_date(date(2025, 3, 14), today) == "14 March 2025 · 1 year"
    assert describe_birth_date(date(2026, 1, 1), today) == "1 January 2026 · under 1 year"


def test_format_reads_back():
    for day in (MARCH_15, date(1900, 1, 1), date(2024, 2, 29)):
        assert parse_date(format_date(day)) == day
        assert parse_date(spell_date(day)) == day
