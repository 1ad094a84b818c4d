"""Patient search: any script, any case, prefixes, record numbers and birth dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tpchart.core.patient import Patient

NAMES = [
    ("R1", "José Álvarez", date(1970, 1, 2)),
    ("R2", "Ирина Петрова", date(1985, 5, 6)),
    ("R3", "王小明", date(1980, 3, 12)),
    ("R4", "Γιώργος Παπαδόπουλος", date(1990, 7, 8)),
    ("R5", "Anne-Marie O'Brien", date(1962, 11, 30)),
    ("X-100", "Thomas Müller", date(1955, 4, 4)),
]


@pytest.fixture
def clinic(store):
    for number, name, born in NAMES:
        store.patients.add(Patient(record_number=number, full_name=name, date_of_birth=born))
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jos", ["José Álvarez"]),
        ("alvarez", ["José Álvarez"]),
        ("ИРИНА", ["Ирина Петрова"]),
        ("пет", ["Ирина Петрова"]),
        ("王", ["王小明"]),
        ("小明", ["王小明"]),
        ("γιώργος", ["Γιώργος Παπαδόπουλος"]),
        ("ΠΑΠΑ", ["Γιώργος Παπαδόπουλος"]),
        ("marie", ["Anne-Marie O'Brien"]),
        ("o'brien", ["Anne-Marie O'Brien"]),
        ("brien anne", ["Anne-Marie O'Brien"]),
        ("muller", ["Thomas Müller"]),
        ("x-1", ["Thomas Müller"]),
        ("r3", ["王小明"]),
        ("12.03.1980", ["王小明"]),
        ("1980-03-12", ["王小明"]),
        ("zzz", []),
        ("%", []),
    ],
)
def test_find(clinic, query, expected):
    assert [p.full_name for p in clinic.patients.find(query)] == expected


def test_renamed_patient_is_found_by_the_new_name_only(clinic):
    (jose,) = clinic.patients.find("josé")

    clinic.patients.update(replace(jose, full_name="María Alvarez"))
    assert [p.full_name for p in clinic.patients.find("maria")] == ["María Alvarez"]
    assert [p.full_name for p in clinic.patients.find("álvarez")] == ["María Alvarez"]
    assert clinic.patients.find("josé") == []
