"""Issue 18 as the attacker would: someone with the file and sqlite3 (a second
connection, the app closed) alters a clinic set up with accounts. Each tampering is
named by ``tpchart check`` AND at the next start (a plain warning, or a refusal), and
a kill -9 during set-up or sign-in leaves a consistent file. (In tests/store rather
than tests/reliability until docs/reliability.md lists these tests.)"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tpchart.cli import main
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session
from tpchart.store import DatabaseRefused, Store
from tpchart.store.file.anchor import anchor_folder
from tpchart.store.file.health import check_database
from tpchart.store.records.audit import GENESIS, HASHED_COLUMNS, link_hash

from .conftest import make_point

ROOT = Path(__file__).resolve().parent.parent.parent

ANA = "the tide comes in at noon"
BO = "bo walks the long road home"


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path, monkeypatch):
    """Anchors and backups go under tmp_path, never into the real home folder."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home" / name.lower()))


def add_patient(store, n):
    return store.patients.add(
        Patient(record_number=f"A-{n:03}", full_name=f"Patient {n}",
                date_of_birth=date(1980, 1, n), sex=Sex.FEMALE)
    )  # fmt: skip


def start_session(store, patient_id):
    return store.sessions.start(
        Session(patient_id=patient_id, practitioner_id=store.practitioner_id,
                started_at=datetime(2026, 3, 1, 9, tzinfo=UTC), chief_complaint="Neck pain")
    )  # fmt: skip


def python(*args):
    """A child Python process of this virtualenv, with the same private folders."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT)


@pytest.fixture
def signed_clinic(db_path):
    """A clinic set up with two accounts, a session signed, amended and signed again,
    closed: the file an attacker finds."""
    with Store.open(db_path) as store:
        store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        store.accounts.create(Practitioner(name="Dr Bo Lin"), BO)
        patient = add_patient(store, 1)
        session = start_session(store, patient.id)
        store.points.add(make_point(session.id, notes="Tender band"))
        ready = store.sessions.update(
            replace(
                store.sessions.get(session.id),
                screening_done=True,
                consent_given=True,
                consent_by="Patient",
            )
        )
        store.sessions.sign(ready.id, confirm=ANA)
        store.sessions.amend(ready.id, "Wrong side recorded", confirm=ANA)
        store.sessions.sign(ready.id, confirm=ANA)
        store.disclosures.record("sessions", ready.id, "session summary", file_name="s.pdf")
    return db_path


def _raw(db_path, *sql, params=()):
    conn = sqlite3.connect(db_path, isolation_level=None)
    for statement in sql:
        conn.execute(statement, params) if "?" in statement else conn.execute(statement)
    conn.close()


def _findings(db_path):
    return check_database(db_path).audit or []


def _start_warnings(db_path):
    with Store.open(db_path) as store:
        return "\n".join(store.warnings)


def test_an_untouched_clinic_checks_clean_and_is_anchored(signed_clinic, capsys):
    assert _findings(signed_clinic) == []
    assert main(["check", "--db", str(signed_clinic)]) == 0
    assert "Audit trail: ok" in capsys.readouterr().out
    assert _start_warnings(signed_clinic) == ""
    (anchor,) = anchor_folder().glob("*.json")
    claim = json.loads(anchor.read_text())
    conn = sqlite3.connect(signed_clinic)
    assert (claim["rows"], claim["hash"]) == conn.execute(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert anchor.stat().st_mode & 0o777 == 0o600
    assert anchor.parent.stat().st_mode & 0o777 == 0o700


def test_dropped_chain_columns_are_named(signed_clinic, capsys):
    _raw(
        signed_clinic,
        "DROP TRIGGER audit_log_chained",
        "ALTER TABLE audit_log DROP COLUMN hash",
        "ALTER TABLE audit_log DROP COLUMN prev_hash",
    )
    findings = _findings(signed_clinic)
    assert "audit_log has no hash column: the hash chain was removed outside tpchart" in findings
    assert (
        "the protective trigger audit_log_chained is missing: it was dropped outside tpchart"
        in findings
    )
    assert main(["check", "--db", str(signed_clinic)]) == 1
    assert "Audit trail: ok" not in capsys.readouterr().out
    assert "Audit_log has no hash column" in _start_warnings(signed_clinic)


def test_a_dropped_protective_trigger_is_named(signed_clinic):
    _raw(signed_clinic, "DROP TRIGGER session_versions_no_update")
    expected = "the protective trigger session_versions_no_update is missing"
    assert any(f.startswith(expected) for f in _findings(signed_clinic))
    assert "The protective trigger session_versions_no_update is missing" in _start_warnings(
        signed_clinic
    )


def test_truncating_the_tail_is_named_by_the_anchor(signed_clinic):
    last = sqlite3.connect(signed_clinic).execute("SELECT max(id) FROM audit_log").fetchone()[0]
    # The attacker deletes the export entry and puts the trigger back as it was.
    _raw(
        signed_clinic,
        "DROP TRIGGER audit_log_no_delete",
        f"DELETE FROM audit_log WHERE id = {last}",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
        "    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    )
    findings = _findings(signed_clinic)
    assert findings[0].startswith(f"the audit trail was cut after row {last - 1}")
    warning = _start_warnings(signed_clinic)
    assert f"The audit trail was cut after row {last - 1}" in warning
    # The app does not move the anchor over the evidence: the next check still says so.
    assert _findings(signed_clinic)[0].startswith("the audit trail was cut")


def test_a_recomputed_unkeyed_chain_is_named_by_the_anchor(signed_clinic):
    conn = sqlite3.connect(signed_clinic, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER sessions_update_signed")
    conn.execute("UPDATE sessions SET chief_complaint = 'Forged' WHERE id = 1")
    (entry,) = conn.execute(
        "SELECT max(id) FROM audit_log WHERE table_name = 'sessions' AND row_id = 1"
    ).fetchone()
    after = json.loads(
        conn.execute("SELECT after FROM audit_log WHERE id = ?", [entry]).fetchone()[0]
    )
    after["chief_complaint"] = "Forged"
    conn.execute("UPDATE audit_log SET after = ? WHERE id = ?", [json.dumps(after), entry])
    # Recompute the whole chain with tpchart's own (public, keyless) algorithm.
    previous = GENESIS
    rows = conn.execute(f"SELECT {', '.join(HASHED_COLUMNS)} FROM audit_log ORDER BY id")
    for values in rows.fetchall():
        row = dict(zip(HASHED_COLUMNS, values, strict=True))
        digest = link_hash(previous, row)
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
            [previous, digest, row["id"]],
        )
        previous = digest
    conn.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
        "    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )
    conn.close()
    findings = _findings(signed_clinic)
    assert any(f.startswith("the audit trail was rewritten at or before row") for f in findings)
    assert "The audit trail was rewritten" in _start_warnings(signed_clinic)


def test_an_edited_signed_snapshot_is_named_by_its_signature(signed_clinic):
    conn = sqlite3.connect(signed_clinic, isolation_level=None)
    (snapshot,) = conn.execute(
        "SELECT snapshot FROM session_versions WHERE session_id = 1 AND version = 1"
    ).fetchone()
    forged = snapshot.replace("Tender band", "Nothing found")
    assert forged != snapshot
    conn.execute("DROP TRIGGER session_versions_no_update")
    conn.execute(
        "UPDATE session_versions SET snapshot = ? WHERE session_id = 1 AND version = 1", [forged]
    )
    conn.execute(
        "CREATE TRIGGER session_versions_no_update BEFORE UPDATE ON session_versions\n"
        "    BEGIN SELECT RAISE(ABORT, 'signed versions are permanent'); END"
    )
    conn.close()
    expected = "session 1 version 1: the signed snapshot was changed after signing"
    assert expected in _findings(signed_clinic)
    assert "Session 1 version 1: the signed snapshot was changed" in _start_warnings(signed_clinic)


def test_a_downgraded_user_version_is_refused_never_re_chained(signed_clinic):
    _raw(
        signed_clinic,
        "DELETE FROM _sqlite_migrations WHERE name = 'm002_audit_hash_chain'",
        "PRAGMA user_version = 1",
    )
    findings = _findings(signed_clinic)
    assert any("schema record was altered outside tpchart" in f for f in findings)
    before = signed_clinic.read_bytes()
    with pytest.raises(DatabaseRefused, match="schema record was altered"):
        Store.open(signed_clinic)
    # Refused before the migration: the trail was not re-chained (a backup may be taken).
    conn = sqlite3.connect(signed_clinic)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    assert len(signed_clinic.read_bytes()) == len(before)


def test_user_version_lowered_alone_is_refused(signed_clinic):
    _raw(signed_clinic, "PRAGMA user_version = 5")
    with pytest.raises(DatabaseRefused, match="user_version is 5, but 6 migrations are recorded"):
        Store.open(signed_clinic)


def test_a_forged_key_for_another_practitioner_is_named(signed_clinic):
    """Re-signing an edited snapshot with a key the forger made for Dr Ana: the key
    was added to the trail after the signing, and the chain is longer than anchored
    (fine), so the check names the key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tpchart.store.records import signatures

    conn = sqlite3.connect(signed_clinic, isolation_level=None)
    private = Ed25519PrivateKey.generate()
    public = signatures.public_bytes(private).hex()
    key_id = conn.execute(
        "INSERT INTO practitioner_keys (practitioner_id, public_key, wrapped_key, created_at)"
        " VALUES (1, ?, '', '2020-01-01')",
        [public],
    ).lastrowid
    session_id, version, signed_by, signed_at, snapshot = conn.execute(
        "SELECT session_id, version, signed_by, signed_at, snapshot FROM session_versions"
        " WHERE session_id = 1 AND version = 1"
    ).fetchone()
    digest = signatures.snapshot_digest(snapshot)
    message = signatures.signed_message(session_id, version, signed_by, signed_at, digest)
    conn.execute("DROP TRIGGER version_signatures_no_update")
    conn.execute(
        "UPDATE version_signatures SET key_id = ?, signature = ? WHERE session_id = 1"
        " AND version = 1",
        [key_id, signatures.sign(private, message).hex()],
    )
    conn.close()
    findings = _findings(signed_clinic)
    assert any("practitioner_keys row" in f and "no audit entry" in f for f in findings)


def test_kill_during_set_up_and_sign_in_leaves_a_consistent_file(db_path, tmp_path):
    """kill -9 at three moments of a first start: set-up, then sign-in after sign-in."""
    script = tmp_path / "set_up.py"
    script.write_text(
        "import sys\n"
        "from tpchart.store import Store\n"
        "from tpchart.core.practitioner import Practitioner\n"
        "s = Store.open(sys.argv[1])\n"
        f"s.accounts.set_up_clinic(Practitioner(name='Dr Ana Souza'), {ANA!r})\n"
        "print('set up', flush=True)\n"
        "while True:\n"
        "    s.sign_out()\n"
        f"    s.sign_in(1, {ANA!r})\n"
    )
    for delay in (0.3, 0.6, 1.2):
        db_path = tmp_path / f"killed-after-{delay}.db"  # each its own first start
        child = python(str(script), str(db_path))
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        report = check_database(db_path) if db_path.exists() and db_path.stat().st_size else None
        if report is not None and not report.refused:
            assert report.ok, report.lines()
        with Store.open(db_path) as store:
            if store.accounts.any():
                # Whole: the account, its key and the recovery code, or nothing at all.
                assert store.accounts.get(1) is not None
                store.sign_in(1, ANA)
                assert store.signed_in is not None
            else:
                assert store.practitioners.all(include_inactive=True) == []


def test_a_restored_backup_is_not_taken_for_a_cut_trail(signed_clinic, tmp_path):
    """A restore makes the chain shorter than the anchor claims; it is the doctor's
    choice, so the anchor follows it and the next start warns of nothing."""
    from tpchart.store.file import backup_to, restore_backup
    from tpchart.store.file.rotation import Retention, rotate

    folder = tmp_path / "backups"
    backup = backup_to(signed_clinic, folder)
    with Store.open(signed_clinic) as store:
        store.sign_in(1, ANA)
        add_patient(store, 2)  # the chain grows past the backup, and is anchored so
    restore_backup(signed_clinic, backup, folder)
    assert _start_warnings(signed_clinic) == ""

    anchor = backup.with_name(backup.name + ".anchor")
    assert anchor.exists()
    rotate(folder, Retention(recent=0, daily=0, weekly=0, monthly=0, cap=0))
    assert not backup.exists() and not anchor.exists()
