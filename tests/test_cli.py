"""The command line: demo, check and backup, and clear one-line errors; the demo data
follows the clinic's rules."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from tpchart.cli import main
from tpchart.core.adverse_events import AdverseEventType, Onset
from tpchart.core.muscles import MUSCLES
from tpchart.core.precaution_sites import SITED_PRECAUTIONS, sites_at
from tpchart.core.safety import needs_both_sides_acknowledgement
from tpchart.core.screening import Precaution, RedFlagDecision, red_flags_for
from tpchart.core.session import SessionStatus
from tpchart.demo import write_demo
from tpchart.store import Store
from tpchart.store.records.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_demo_writes_patients_in_several_scripts_with_sessions(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--patients", "4"]) == 0
    assert "Added 4 demo patients" in capsys.readouterr().out
    with Store.open(db) as store:
        patients = store.patients.find("")
        assert len(patients) == 4
        assert any(not p.full_name.isascii() for p in patients)
        for patient in patients:
            sessions = store.sessions.for_patient(patient.id)
            assert 3 <= len(sessions) <= 8
            assert sessions[-1].pain_before <= sessions[0].pain_before
            # Every session needled, except one ending in a referral for a red flag.
            assert all(store.points.for_session(s.id) or s.referred for s in sessions)
    tables = sqlite_utils.Database(db).table_names()
    assert {"patients", "sessions", "trigger_points", "audit_log"} <= set(tables)


# --- the demo follows the clinic's rules (issue 15) ----------------------------------------


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def demo_records(tmp_path_factory):
    """Eight demo patients written on a machine in Berlin (an hour or two from UTC, with
    summer time), each with their sessions, points and events reported later."""
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        with Store.open(tmp_path_factory.mktemp("demo") / "demo.db") as store:
            patients = write_demo(store, patients=8)
            return [
                (
                    patient,
                    [
                        (s, store.points.for_session(s.id), store.later_events.for_session(s.id))
                        for s in store.sessions.for_patient(patient.id)
                    ],
                )
                for patient in patients
            ]
    finally:
        if zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = zone
        time.tzset()


def all_sessions(demo_records):
    return [session for _, sessions in demo_records for session in sessions]


def test_demo_muscles_come_from_the_catalogue(demo_records):
    points = [p for _, pts, _ in all_sessions(demo_records) for p in pts]
    assert len(points) > 100
    for p in points:
        assert p.muscle_id in MUSCLES, p.muscle
        assert p.muscle == p.muscle_name == MUSCLES[p.muscle_id].name


def test_demo_screening_reflects_the_standing_precautions_and_their_sites(demo_records):
    lymphoedema = [
        patient for patient, _ in demo_records if Precaution.LYMPHOEDEMA in patient.precautions
    ]
    assert lymphoedema, "no demo patient has lymphoedema"
    for patient in lymphoedema:
        assert any(s.precaution is Precaution.LYMPHOEDEMA for s in patient.precaution_sites)
    for patient, sessions in demo_records:
        # A sited precaution always has its site, and a site its precaution.
        sited = {s.precaution for s in patient.precaution_sites}
        assert sited == patient.precautions & SITED_PRECAUTIONS
        for session, points, _ in sessions:
            assert session.screening_done
            assert patient.precautions <= session.contraindications
            assert set(patient.precaution_sites) <= set(session.precaution_sites)
            # The doctor kept the needle off the lymphoedematous arm and the implant.
            assert not [p.number for p in points if sites_at(p.region_id, patient.precaution_sites)]


def test_demo_red_flags_always_have_a_decision(demo_records):
    decided = {}
    for _, sessions in demo_records:
        for session, points, _ in sessions:
            assert set(session.red_flags) <= set(red_flags_for(session.complaint_areas))
            if not session.red_flags:
                assert session.red_flag_decision is None
                continue
            assert session.red_flag_decision is not None
            assert session.red_flag_decision_problem == ""
            decided.setdefault(session.red_flag_decision, []).append((session, points))
            if session.referred:
                assert points == [] and "Referred" in session.follow_up
    assert set(decided) == set(RedFlagDecision)
    (safe, points), *_ = decided[RedFlagDecision.SAFE_TO_PROCEED]
    assert safe.red_flag_reason.strip() and points


def test_demo_sessions_start_in_clinic_hours_local_time(demo_records):
    # Weekdays 08:00 to the last start at 18:30, Saturdays 08:00-12:00, no Sundays.
    for _, sessions in demo_records:
        for session, _, _ in sessions:
            local = session.started_at.astimezone(BERLIN)
            start = local.time()
            assert local.weekday() != 6, local
            last = dtime(12, 0) if local.weekday() == 5 else dtime(18, 30)
            assert dtime(8, 0) <= start <= last, local
            assert local.minute % 15 == 0 and local.second == 0
            assert session.started_at < datetime.now(UTC) - timedelta(hours=12)


def test_demo_sessions_are_signed_the_same_day(demo_records):
    for _, sessions in demo_records:
        for session, _, _ in sessions:
            assert session.status is SessionStatus.SIGNED
            started = session.started_at.astimezone(BERLIN)
            signed = session.signed_at.astimezone(BERLIN)
            assert started < signed <= started + timedelta(minutes=45)
            assert signed.date() == started.date()


def test_demo_lung_risk_points_mostly_record_a_precaution(demo_records):
    over_lung = [
        p for _, points, _ in all_sessions(demo_records) for p in points if p.lung_risk_reason
    ]
    assert len(over_lung) >= 10
    share = sum(bool(p.lung_precautions) for p in over_lung) / len(over_lung)
    assert 0.7 <= share < 1  # most of the time, not always: the chart must show both
    # Both sides of the thorax in one session: acknowledged, as the chart asks.
    for session, points, _ in all_sessions(demo_records):
        if needs_both_sides_acknowledgement(points):
            assert session.both_sides_acknowledged


def test_demo_adverse_events_are_records_and_mostly_asked(demo_records):
    needled = [(s, later) for s, points, later in all_sessions(demo_records) if points]
    asked = [s for s, _ in needled if s.adverse_events_answer == "Asked, none"]
    with_events = [s for s, _ in needled if s.adverse_events]
    assert len(asked) >= 0.7 * len(needled)
    assert with_events and any(s.adverse_events_answer == "Not asked" for s, _ in needled)
    for session in with_events:
        assert session.adverse_events_asked
        for event in session.adverse_events:
            assert event.kind is not AdverseEventType.OTHER
            assert event.onset is not None and event.action and event.resolved is not None
    reported = [r for _, later in needled for r in later]
    assert reported and all(r.event.onset is Onset.DELAYED for r in reported)


def test_demo_has_an_improving_a_stalled_and_a_worsening_patient(demo_records):
    # Issue 17: the Progress tab must be seen telling the three courses apart.
    from tpchart.core.progress import Status, pain_trend

    found = {}
    for patient, sessions in demo_records:
        found.setdefault(pain_trend([s for s, _, _ in sessions]).status, patient.full_name)
    assert {Status.IMPROVING, Status.STALLED, Status.WORSENING} <= set(found), found
    # The first four are the stories: improving, referred (pain back up), stalled, relapse.
    statuses = [pain_trend([s for s, _, _ in sessions]).status for _, sessions in demo_records]
    assert statuses[0] is Status.IMPROVING and statuses[2] is Status.STALLED
    assert statuses[3] is Status.WORSENING


def test_demo_records_the_build_of_most_patients(demo_records):
    builds = [patient.build for patient, _ in demo_records]
    assert sum(b is not None for b in builds) >= 0.6 * len(builds)
    assert len({b for b in builds if b is not None}) >= 2


def test_check_reports_ok_and_problems(tmp_path, capsys):
    db = tmp_path / "c.db"
    main(["demo", "--db", str(db), "--patients", "1"])
    capsys.readouterr()
    assert main(["check", "--db", str(db)]) == 0
    assert "Integrity: ok" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TRIGGER trigger_points_update_signed")
    conn.execute("UPDATE trigger_points SET session_id = 999 WHERE id = 1")
    conn.commit()
    conn.close()
    assert main(["check", "--db", str(db)]) == 1
    assert "trigger_points row 1 points to a missing sessions row" in capsys.readouterr().out


def test_backup_is_a_consistent_copy(tmp_path, capsys):
    db = tmp_path / "b.db"
    main(["demo", "--db", str(db), "--patients", "2"])
    assert main(["backup", "--db", str(db), "--to", str(tmp_path / "backups")]) == 0
    (copy,) = (tmp_path / "backups").glob("tpchart-*.db")
    assert not list((tmp_path / "backups").glob("*.partial"))
    with Store.open(copy) as restored, Store.open(db) as original:
        assert restored.patients.find("") == original.patients.find("")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--db", "{tmp}/missing.db"], "There is no database at"),
        (["backup", "--db", "{tmp}/missing.db", "--to", "{tmp}/b"], "There is no database at"),
        (["demo", "--db", "{tmp}/newer.db"], "newer version of tpchart"),
    ],
)
def test_expected_errors_are_one_clear_line(tmp_path, capsys, argv, message):
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_bad_argument_exits_non_zero_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "demo",
            "--db",
            str(tmp_path / "x.db"),
            "--patients",
            "many",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "expected a whole number" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["export-pdf", "--session", "99999999999999999999999", "-o", "x.pdf"],
        ["export-pdf", "--patient", "9" * 5000, "--progress", "-o", "x.pdf"],
        ["export-pdf", "--session", "-3", "-o", "x.pdf"],
        ["export-pdf", "--session", "١٢", "-o", "x.pdf"],
        ["demo", "--patients", "99999999999999999999"],
        ["demo", "--patients", "2001"],
    ],
)
def test_out_of_range_numbers_are_refused_before_anything_runs(tmp_path, capsys, argv):
    # Issue 11: huge ids printed an OverflowError traceback; a huge demo filled the disk.
    db = tmp_path / "clinic.db"
    with pytest.raises(SystemExit) as stopped:
        main([*argv[:1], "--db", str(db), *argv[1:]])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and ("must be from 1 to" in err or "whole number" in err)
    assert not db.exists()


def test_a_path_that_is_not_valid_text_is_refused_plainly(tmp_path, capsys):
    # Bytes from another system's disk (os.fsdecode makes them lone surrogates) failed
    # with a UnicodeEncodeError deep in SQLite, leaving a stray lock file behind.
    db = os.fsdecode(bytes(tmp_path) + b"/\xff.db")
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--db", db])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "not valid text" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
