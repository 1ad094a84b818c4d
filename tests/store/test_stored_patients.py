"""Patients read from the patients table are built without validating them again (issue
19: a search keystroke and the list's first page build up to 200): they must be exactly
the patients validation would build, and rows older versions wrote that today's rules
refuse must still load. On both engines (the store's contract suite)."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date
from typing import Any

import pytest

from tests.store.test_bad_input import STAMP, insert
from tpchart.core.errors import ValidationError
from tpchart.core.lung import Build
from tpchart.core.patient import Patient, Sex
from tpchart.core.precaution_sites import SITED_PRECAUTIONS, BodyArea, PrecautionSite, SiteSide
from tpchart.core.screening import Precaution
from tpchart.store.records.patients import patient_from_row, stored_patient

NAMES = ["Ana Souza", "王小明", "Ирина Иванова", "Μαρία Οικονόμου", "فاطمة حداد", "O'Neil-Smith"]


def table_row(store, patient_id: int) -> dict[str, Any]:
    (row,) = store._ctx.rows("SELECT * FROM patients WHERE id = ?", [patient_id])
    return row


def assert_same_patient(read: Patient, validated: Patient) -> None:
    """Equal, and equal field by field in type too (an enum, not its text; a bool, not 0;
    a tuple, not a list), and printed the same."""
    assert read == validated
    assert hash(read) == hash(validated)
    for f in fields(Patient):
        a, b = getattr(read, f.name), getattr(validated, f.name)
        assert (type(a), a) == (type(b), b), f.name
        if isinstance(a, frozenset | tuple):
            assert list(map(repr, a)) == list(map(repr, b)), f.name  # members, in order
    assert repr(read) == repr(validated)


def random_patient(rng: random.Random, n: int) -> Patient:
    precautions = frozenset(rng.sample(list(Precaution), rng.randint(0, 4)))
    sites = tuple(
        PrecautionSite(p, rng.choice(list(BodyArea)), rng.choice(list(SiteSide)))
        for p in sorted(precautions & SITED_PRECAUTIONS)[: rng.randint(0, 2)]
    )
    return Patient(
        record_number=f"R-{n}",
        full_name=f"{rng.choice(NAMES)} {n}",
        date_of_birth=date(1930 + rng.randint(0, 90), rng.randint(1, 12), rng.randint(1, 28)),
        sex=rng.choice(list(Sex)),
        phone=rng.choice(["", "+55 11 5555-0101"]),
        email=rng.choice(["", "ana@example.org"]),
        medical_history=rng.choice(["", "Hypertension\nline two", "糖尿病"]),
        precautions=precautions,
        precaution_sites=sites,
        build=rng.choice([None, *Build]),
    )


def test_patients_read_are_the_patients_validation_builds(store):
    rng = random.Random(19)
    added = [store.patients.add(random_patient(rng, n)) for n in range(40)]
    for patient in added:  # what a write returns is what validation builds from its row
        assert_same_patient(patient, patient_from_row(table_row(store, patient.id)))
    archived = store.patients.archive(added[0].id)
    renamed = store.patients.update(replace(added[1], full_name="Ana Souza Lima"))
    for changed in (archived, renamed):
        assert_same_patient(changed, patient_from_row(table_row(store, changed.id)))
    reads = [
        [store.patients.get(p.id) for p in added],
        store.patients.find(""),
        store.patients.find("a"),
        store.patients.find("R-1"),
        store.patients.archived(),
        store.patients.same_person(added[2].full_name, added[2].date_of_birth),
    ]
    assert all(reads)
    for read in reads:
        for patient in read:
            assert_same_patient(patient, patient_from_row(table_row(store, patient.id)))
    assert {p.sex for p in reads[0]} == set(Sex)
    # Each change still builds a patient anew, which validates.
    with pytest.raises(ValidationError, match="Full name"):
        replace(reads[0][0], full_name="")
    with pytest.raises(ValidationError, match="Phone"):
        replace(reads[0][0], phone="5" * 41)


@pytest.mark.file_only  # such rows exist only in files older versions wrote
def test_old_rows_that_todays_patient_refuses_still_load(store):
    """A row the table's CHECKs accept but today's Patient refuses (a record number
    longer than it allows) is found and opened; validated, it broke the search that
    listed it. (A change to it is judged, as any change is.)"""
    row_id = insert(store, "patients", {
        "record_number": "R" * 45, "full_name": "Old Patient", "date_of_birth": "1950-05-05",
        "sex": "female", "created_at": STAMP, "updated_at": STAMP,
    })  # fmt: skip
    with pytest.raises(ValidationError, match="Record number"):
        patient_from_row(table_row(store, row_id))  # today's rules refuse it
    (found,) = store.patients.find("RRRR")  # by record number: no name index was written
    assert (found.id, found.record_number) == (row_id, "R" * 45)
    assert store.patients.get(row_id).full_name == "Old Patient"


def test_a_value_this_version_does_not_know_is_refused_as_before(store):
    patient = store.patients.add(random_patient(random.Random(7), 1))
    row = table_row(store, patient.id)
    for column, value, message in (
        ("sex", "by_moonlight", "by_moonlight"),
        ("build", "by_moonlight", "by_moonlight"),
        ("precautions", '["by_moonlight"]', "Unknown precaution"),
        ("created_at", "2020-01-01T09:00:00", "Created needs a time zone"),
    ):
        for build in (stored_patient, patient_from_row):
            with pytest.raises((ValidationError, ValueError), match=message):
                build({**row, column: value})
