"""What the documents issue records survives the store: the consent wording a session
used, notes kept off the patient's copy, and electrical stimulation settings; and a
database written before schema 5 opens, checks clean and is amended as before."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from tpchart.core.errors import ValidationError
from tpchart.core.trigger_point import Technique
from tpchart.store import Store
from tpchart.store.file.health import check_file

from .conftest import audit_findings, make_point

FIXTURE = Path(__file__).parent / "fixtures" / "tpchart_30b5201.db"


def _findings(path) -> list[str]:
    return check_file(path, audit=True).audit or []


def test_new_fields_round_trip_and_sign_into_the_snapshot(store, session):
    point = store.points.add(
        make_point(
            session.id,
            technique=Technique.ELECTRICAL,
            minutes=10,
            stim_frequency_hz=2.0,
            stim_pulse_width_us=250,
            stim_intensity_ma=12.5,
            notes="Patient anxious about needles",
            notes_internal=True,
        )
    )
    saved = store.sessions.update(
        replace(
            session,
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
            consent_text_version="2026-11",
            notes="Query fibromyalgia",
            notes_internal=True,
        )
    )
    assert store.points.get(point.id) == point
    assert store.sessions.get(session.id) == saved
    store.sessions.sign(session.id)
    snapshot = store.sessions.signed_versions(session.id)[-1].snapshot
    assert snapshot["session"]["consent_text_version"] == "2026-11"
    assert snapshot["session"]["notes_internal"] == 1
    assert snapshot["points"][0]["stim_pulse_width_us"] == 250
    assert audit_findings(store) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stim_frequency_hz": 300.0}, "Stimulation frequency must be 0.5-250 Hz"),
        ({"stim_pulse_width_us": 5}, "Pulse width must be 20-1000 µs"),
        ({"stim_intensity_ma": -1.0}, "Stimulation intensity must be 0-100 mA"),
    ],
)
def test_stimulation_settings_out_of_range_are_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        make_point(1, technique=Technique.ELECTRICAL, **change)


def test_stimulation_settings_need_the_electrical_technique(store, session):
    with pytest.raises(ValidationError, match="need the electrical stimulation technique"):
        make_point(session.id, technique=Technique.STATIC, stim_frequency_hz=2.0)
    assert make_point(session.id, technique=Technique.ELECTRICAL, stim_frequency_hz=2.0)


@pytest.mark.file_only  # the server's twin: tests/server
@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("UPDATE trigger_points SET stim_frequency_hz = ?", 1000.0),
        ("UPDATE trigger_points SET stim_pulse_width_us = ?", 2),
        ("UPDATE trigger_points SET stim_intensity_ma = ?", 500.0),
        ("UPDATE trigger_points SET notes_internal = ?", 2),
        ("UPDATE sessions SET notes_internal = ?", 7),
        ("UPDATE sessions SET consent_text_version = ?", "x" * 41),
    ],
)
def test_another_tool_cannot_write_what_the_app_would_refuse(store, session, sql, value):
    store.points.add(make_point(session.id))
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(sql, [value])
    conn.close()


def test_a_schema_4_database_opens_checks_clean_and_amends(tmp_path):
    path = tmp_path / "clinic.db"
    shutil.copyfile(FIXTURE, path)
    store = Store.open(path)
    try:
        signed = store.sessions.get(1)
        assert signed.consent_given and signed.consent_text_version == ""
        assert not signed.notes_internal
        (point,) = store.points.for_session(1)
        assert point.technique is Technique.ELECTRICAL and not point.stimulation_recorded
        assert _findings(path) == []

        store.practitioner_id = signed.practitioner_id
        store.sessions.amend(1, "Stimulation settings were not recorded")
        store.points.update(
            replace(point, stim_frequency_hz=2.0, stim_pulse_width_us=200, stim_intensity_ma=8.0)
        )
        store.sessions.sign(1)
        changes = store.sessions.amendments(1)[-1]
        assert store.points.get(point.id).stim_intensity_ma == 8.0
        assert changes.reason == "Stimulation settings were not recorded"
        assert _findings(path) == []
    finally:
        store.close()


def test_a_new_column_changed_behind_the_app_is_named_by_the_check(tmp_path):
    path = tmp_path / "clinic.db"
    shutil.copyfile(FIXTURE, path)
    Store.open(path).close()
    conn = sqlite3.connect(path)
    # The draft session (not signed, so no trigger stops it) written before schema 5.
    conn.execute("UPDATE sessions SET notes_internal = 1 WHERE id = 2")
    conn.commit()
    conn.close()
    findings = _findings(path)
    assert findings and any("session" in f.lower() for f in findings), findings
