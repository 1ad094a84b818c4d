"""The database itself refuses bad data, whatever tool writes it, with a clear error."""

from __future__ import annotations

import sqlite3

import pytest

from tpchart.core.errors import ValidationError
from tpchart.core.patient import Patient
from tpchart.core.session import Session

from .conftest import make_point

# The SQLite schema's own refusals; the server's twins are in tests/server/test_guards.py
# and test_schema.py (each CHECK has a twin there).
pytestmark = pytest.mark.file_only


def raw(store):
    return store._ctx.db.conn


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("pain_before", 11),
        ("pain_before", -1),
        ("pain_after", 12),
        ("ndi", 101.0),
        ("odi", -0.5),
        ("psfs", 10.5),
        ("status", "deleted"),
        ("likely_cause", "gravity"),
        ("red_flags", "not json"),
        ("contraindications", '{"a": 1}'),
        ("consent_given", 2),
        ("version", 0),
    ],
)
def test_session_checks(store, session, column, value):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        raw(store).execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", [value, session.id])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("pain", 11),
        ("x", -1.0),
        ("y", 1000.5),
        ("view", "side"),
        ("side", "both"),
        ("kind", "dormant"),
        ("twitch_strength", "huge"),
        ("twitch_count", 101),
        ("pressure_threshold", 25.0),
        ("needle_gauge_mm", 0.9),
        ("needle_length_mm", 2.0),
        ("depth_mm", 200.0),
        ("technique", "dancing"),
        ("passes", -1),
        ("minutes", 500),
        ("needles", 0),
        ("taut_band", 3),
        ("region_id", ""),
    ],
)
def test_point_checks(store, session, column, value):
    point = store.points.add(make_point(session.id))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        raw(store).execute(
            f"UPDATE trigger_points SET {column} = ? WHERE id = ?", [value, point.id]
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [("sex", "x"), ("date_of_birth", "31/12/1975"), ("full_name", "  "), ("precautions", "[")],
)
def test_patient_checks(store, patient, column, value):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        raw(store).execute(f"UPDATE patients SET {column} = ? WHERE id = ?", [value, patient.id])


def test_strict_tables_refuse_wrong_types(store, session):
    with pytest.raises(sqlite3.IntegrityError, match="cannot store TEXT value in INTEGER"):
        raw(store).execute("UPDATE sessions SET pain_before = 'seven' WHERE id = ?", [session.id])


def test_foreign_keys_refuse_orphans_and_deletes(store, patient, session):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        raw(store).execute(
            "INSERT INTO sessions (patient_id, practitioner_id, started_at, created_at, updated_at)"
            " VALUES (999, 1, 'x', 'x', 'x')"
        )
    store.points.add(make_point(session.id))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        raw(store).execute("DELETE FROM patients WHERE id = ?", [patient.id])
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        raw(store).execute("DELETE FROM sessions WHERE id = ?", [session.id])


def test_audit_log_is_append_only(store, patient):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(store).execute("DELETE FROM audit_log")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw(store).execute("UPDATE audit_log SET action = 'x'")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: make_point(1, pain=12), "Pain at point must be 0-10, got 12"),
        (lambda: make_point(1, x=1200.0), "Diagram x must be 0-1000, got 1200"),
        (lambda: make_point(1, depth_mm=40.0, needle_length_mm=30.0), "more than the needle"),
        (lambda: make_point(1, twitch_count=2), "need a twitch response elicited"),
        (lambda: make_point(1, needle_gauge_mm=3.0), "Needle gauge must be 0.1-0.5 mm"),
    ],
)
def test_core_validation_messages(build, message):
    with pytest.raises(ValidationError, match=message):
        build()


def test_patient_validation_messages():
    from datetime import date

    with pytest.raises(ValidationError, match="Full name is required"):
        Patient(record_number="1", full_name=" ", date_of_birth=date(1990, 1, 1))
    with pytest.raises(ValidationError, match="in the future"):
        Patient(record_number="1", full_name="A", date_of_birth=date(2990, 1, 1))
    with pytest.raises(ValidationError, match="E-mail address looks wrong"):
        Patient(record_number="1", full_name="A", date_of_birth=date(1990, 1, 1), email="nope")


def test_session_validation_messages(store, patient):
    from datetime import datetime

    with pytest.raises(ValidationError, match="Pain before must be a whole number 0-10"):
        Session(
            patient_id=1, practitioner_id=1, started_at=datetime.now().astimezone(), pain_before=7.5
        )
    with pytest.raises(ValidationError, match="needs a time zone"):
        Session(patient_id=1, practitioner_id=1, started_at=datetime(2026, 1, 1))
