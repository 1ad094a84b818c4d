"""``tpchart export-patient`` and ``import-patient`` with real files and processes: the
round trip passes ``tpchart check`` on both databases, the file is private, a second
import and unsafe targets are refused in one line, and kill -9 during an import
leaves the receiving database as it was."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tpchart.cli import main
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store
from tpchart.store.file.health import check_file

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("patients", "sessions", "trigger_points", "session_versions", "amendments",
          "adverse_events_later", "practitioners", "audit_log")  # fmt: skip


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path, monkeypatch):
    """Logs and default folders under tmp_path, never in the real home folder."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home" / name.lower()))


def _clinic(path: Path, sessions: int = 3) -> int:
    """A database with one patient: ``sessions`` signed sessions of three points, the
    first amended and signed again. Returns the patient's id."""
    with Store.open(path) as store:
        store.practitioner_id = store.practitioners.add(
            Practitioner(name="Dr Ana Souza", registration="CRM 1234")
        ).id
        patient = store.patients.add(
            Patient(record_number="A-001", full_name="Kenji Watanabe",
                    date_of_birth=date(1971, 6, 30), sex=Sex.MALE)
        )  # fmt: skip
        for day in range(1, sessions + 1):
            session = store.sessions.start(
                Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                        started_at=datetime(2026, 9, day, 10, tzinfo=UTC),
                        chief_complaint="Shoulder pain", pain_before=6)
            )  # fmt: skip
            for number in (1, 2, 3):
                store.points.add(
                    TriggerPoint(session_id=session.id, number=number, view=View.BACK,
                                 region_id="back.neck.posterior.right", side=Side.RIGHT,
                                 x=250.0 + number, y=160.0, muscle="Upper trapezius")
                )  # fmt: skip
            store.sessions.update(
                replace(store.sessions.get(session.id), screening_done=True, consent_given=True,
                        consent_by="Patient", adverse_events_asked=True, pain_after=3)
            )  # fmt: skip
            store.sessions.sign(session.id)
            if day == 1:
                store.sessions.amend(session.id, "Pain after was 4")
                store.sessions.update(replace(store.sessions.get(session.id), pain_after=4))
                store.sessions.sign(session.id)
        return patient.id


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    found = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}
    conn.close()
    return found


def _empty(path: Path) -> Path:
    Store.open(path).close()
    return path


def test_export_and_import_round_trip_passes_check_on_both(tmp_path, capsys):
    source, target = tmp_path / "clinic.db", _empty(tmp_path / "other.db")
    patient = _clinic(source)
    file = tmp_path / "kenji.json"
    assert main(["export-patient", "--db", str(source), "--patient", str(patient),
                 "-o", str(file)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Kenji Watanabe (record A-001), 3 sessions, 9 trigger points" in out
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert main(["import-patient", "--db", str(target), str(file)]) == 0
    assert "Imported Kenji Watanabe (record A-001)" in capsys.readouterr().out
    counts = _counts(target)
    assert (counts["sessions"], counts["trigger_points"], counts["session_versions"]) == (3, 9, 4)
    for db in (source, target):
        assert main(["check", "--db", str(db)]) == 0, capsys.readouterr().out
        assert check_file(db, audit=True).ok


def test_a_second_import_is_refused_in_one_line_and_writes_nothing(tmp_path, capsys):
    source, target = tmp_path / "clinic.db", _empty(tmp_path / "other.db")
    file = tmp_path / "kenji.json.gz"
    main(
        ["export-patient", "--db", str(source), "--patient", str(_clinic(source)), "-o", str(file)]
    )
    assert main(["import-patient", "--db", str(target), str(file)]) == 0
    before = _counts(target)
    capsys.readouterr()
    assert main(["import-patient", "--db", str(target), str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already imported" in err and "Traceback" not in err
    assert _counts(target) == before


@pytest.mark.parametrize("what", ["database", "wal", "other file"])
def test_an_export_never_replaces_records_or_other_files(tmp_path, capsys, what):
    source = tmp_path / "clinic.db"
    patient = _clinic(source)
    target = {"database": source, "wal": Path(f"{source}-wal"),
              "other file": tmp_path / "letter.txt"}[what]  # fmt: skip
    if what == "other file":
        target.write_text("Dear colleague")
    before = target.read_bytes() if target.exists() else None
    trail = _counts(source)["audit_log"]
    assert main(["export-patient", "--db", str(source), "--patient", str(patient),
                 "-o", str(target)]) == 2  # fmt: skip
    assert "nothing was written" in capsys.readouterr().err.lower()
    assert (target.read_bytes() if target.exists() else None) == before
    assert _counts(source)["audit_log"] == trail  # refused before anything was recorded


def test_a_file_that_is_not_a_transfer_is_refused_plainly(tmp_path, capsys):
    target = _empty(tmp_path / "other.db")
    notes = tmp_path / "notes.json"
    notes.write_text('{"patients": []}')
    assert main(["import-patient", "--db", str(target), str(notes)]) == 2
    assert "not a tpchart patient transfer file" in capsys.readouterr().err


PASSPHRASE = "the tide comes in at noon"


def _signing_clinic(path: Path) -> int:
    """A clinic with accounts whose doctor signs two sessions (their passphrase typed
    again each time), one amended and signed again. Returns the patient's id."""
    with Store.open(path) as store:
        store.accounts.set_up_clinic(
            Practitioner(name="Dr Ana Souza", registration="CRM 1234"), PASSPHRASE
        )
        patient = store.patients.add(
            Patient(record_number="S-100", full_name="Amara Okafor",
                    date_of_birth=date(1988, 2, 14), sex=Sex.FEMALE)
        )  # fmt: skip
        for day in (1, 2):
            session = store.sessions.start(
                Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                        started_at=datetime(2026, 9, day, 10, tzinfo=UTC),
                        chief_complaint="Shoulder pain", pain_before=6)
            )  # fmt: skip
            store.points.add(
                TriggerPoint(session_id=session.id, number=1, view=View.BACK,
                             region_id="back.neck.posterior.right", side=Side.RIGHT,
                             x=251.0, y=160.0, muscle="Upper trapezius")
            )  # fmt: skip
            store.sessions.update(
                replace(store.sessions.get(session.id), screening_done=True, consent_given=True,
                        consent_by="Patient", adverse_events_asked=True, pain_after=3)
            )  # fmt: skip
            store.sessions.sign(session.id, confirm=PASSPHRASE)
        store.sessions.amend(session.id, "Pain after was 4", confirm=PASSPHRASE)
        store.sessions.update(replace(store.sessions.get(session.id), pain_after=4))
        store.sessions.sign(session.id, confirm=PASSPHRASE)
        # The command line has no sign-in: a clinic with accounts exports in the app.
        file = path.with_name("amara.json")
        store.transfer.export(patient.id, file.name, file.write_bytes)
        return patient.id


def test_signed_versions_imported_on_the_command_line_pass_check(tmp_path, capsys):
    source, target = tmp_path / "clinic.db", _empty(tmp_path / "other.db")
    _signing_clinic(source)
    file = tmp_path / "amara.json"
    assert main(["import-patient", "--db", str(target), str(file)]) == 0
    assert "3 signed versions, 3 digital signatures" in capsys.readouterr().out
    assert main(["check", "--db", str(target)]) == 0
    out = capsys.readouterr().out
    assert "3 signed version(s) imported from another tpchart database: signature verified" in out


def test_a_file_whose_signature_was_tampered_with_is_refused_in_one_line(tmp_path, capsys):
    import json

    from tpchart.store.records.transfer import _digest

    source, target = tmp_path / "clinic.db", _empty(tmp_path / "other.db")
    _signing_clinic(source)
    file = tmp_path / "amara.json"
    document = json.loads(file.read_bytes())
    document["signatures"][-1]["signed"]["signed_at"] = "2026-09-02T09:00:00+00:00"
    document["digest"] = _digest(document)
    file.write_text(json.dumps(document))
    before = _counts(target)
    assert main(["import-patient", "--db", str(target), str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "digital signature of signed version 2 of the session of 02 Sep 2026" in err
    assert _counts(target) == before


# The child imports with the audit writer slowed after its fifth entry: the parent
# knows the import's transaction is open when "inside" is printed, and kills it.
PAUSED_IMPORT = """
import sys, time
from tpchart.store.records import audit
real, calls = audit.record, [0]
def record(*args, **kw):
    real(*args, **kw)
    calls[0] += 1
    if calls[0] == int(sys.argv[1]):
        print("inside", flush=True)
        time.sleep(60)
audit.record = record
from tpchart.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _child(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_kill_9_during_an_import_leaves_the_database_as_it_was(tmp_path):
    source, target = tmp_path / "clinic.db", tmp_path / "other.db"
    file = tmp_path / "kenji.json"
    main(["export-patient", "--db", str(source), "--patient", str(_clinic(source, 6)),
          "-o", str(file)])  # fmt: skip
    with Store.open(target) as store:  # a clinic with a record of its own
        store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Chen")).id
        store.patients.add(Patient(record_number="Z-9", full_name="Li Wei",
                                   date_of_birth=date(1988, 2, 2), sex=Sex.FEMALE))  # fmt: skip
    before = _counts(target)
    rng = random.Random(20)
    for pause_at in (5, 20, rng.randint(2, 40)):
        child = _child(str(pause_at), "import-patient", "--db", str(target), str(file))
        assert child.stdout.readline() == "inside\n"  # the import's transaction is open
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        assert _counts(target) == before
        assert check_file(target, audit=True).ok
    # Nothing half-done stands in the way: the import then succeeds whole.
    assert main(["import-patient", "--db", str(target), str(file)]) == 0
    after = _counts(target)
    assert after["patients"] == before["patients"] + 1 and after["sessions"] == 6
    assert check_file(target, audit=True).ok
