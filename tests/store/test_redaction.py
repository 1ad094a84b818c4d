"""Correction and erasure (issue 18): an administrator redacts wrongly entered content
from the audit trail, signed; ``check`` still verifies the chain, the removed bytes are
gone from the file and its -wal, and every forgery of a redaction is named."""

from __future__ import annotations

import os
import shutil
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
from tpchart.core.errors import PermissionRefused, SignInError, ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session
from tpchart.store import Store
from tpchart.store.file.anchor import anchor_folder
from tpchart.store.file.health import check_database
from tpchart.store.records import signatures
from tpchart.store.records.audit import HASHED_COLUMNS, link_hash
from tpchart.store.records.redaction import kept_digest, marker, signed_message
from tpchart.store.records.rows import to_json

from .conftest import make_point

ROOT = Path(__file__).resolve().parent.parent.parent
ANA = "the tide comes in at noon"
BO = "bo walks the long road home"
SECRET = b"SECRET"


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path, monkeypatch):
    """Anchors and backups go under tmp_path, never into the real home folder."""
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home" / name.lower()))


def _session(store, patient_id, **kw):
    return store.sessions.start(
        Session(patient_id=patient_id, practitioner_id=store.practitioner_id,
                started_at=datetime(2026, 3, 1, 9, tzinfo=UTC), chief_complaint="Neck pain",
                **kw)
    )  # fmt: skip


@pytest.fixture
def clinic(db_path):
    """Ana (administrator) and Bo (practitioner); a draft with SECRET in its notes and
    in its point's notes, discarded; closed. Returns the audit rows holding it."""
    with Store.open(db_path) as store:
        store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        store.accounts.create(Practitioner(name="Dr Bo Lin"), BO)
        patient = store.patients.add(
            Patient(record_number="A-001", full_name="Patient One",
                    date_of_birth=date(1980, 1, 1), sex=Sex.FEMALE)
        )  # fmt: skip
        draft = _session(store, patient.id, notes="SECRET wrong patient's history")
        store.points.add(make_point(draft.id, notes="SECRET point note"))
        store.sessions.discard_draft(draft.id)
        rows = store.redactions.holding("sessions", draft.id) + store.redactions.holding(
            "trigger_points", store.audit_trail("trigger_points")[0].row_id
        )
    return sorted(rows)


def _bytes(db_path: Path) -> bytes:
    """Every byte of the database and its working files."""
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


def _audit_rows(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def _signed_in(db_path, who=1, secret=ANA) -> Store:
    store = Store.open(db_path)
    store.sign_in(who, secret)
    return store


def test_a_discarded_draft_is_redacted_check_passes_and_no_byte_holds_it(db_path, clinic):
    assert SECRET in _bytes(db_path)  # the trail (and the freed pages) held it
    with _signed_in(db_path) as store:
        assert store.sessions.discarded(1)  # the draft could still be brought back
        done = store.redactions.redact(clinic, "Entered in the wrong patient's file", confirm=ANA)
        assert done.scrubbed
        assert [r.audit_row for r in done.redactions] == clinic
        assert all(r.still_held_in == () for r in done.redactions)
        # While the app still has the file open, after the checkpoint:
        assert SECRET not in _bytes(db_path)
        entry = store.audit_trail("audit_log", clinic[0])[0]
        assert entry.action == "redact"
        assert entry.reason == "Entered in the wrong patient's file"
        assert entry.practitioner_id == 1
        redacted = next(e for e in store.audit_trail() if e.id == clinic[0])
        assert {"redacted": entry.id} in (redacted.before, redacted.after)
        assert store.sessions.discarded(1) == []  # erased: nothing to bring back
        assert [r.entry_id for r in store.redactions.of(clinic[0])] == [entry.id]
    report = check_database(db_path)
    assert report.audit == []
    assert any("redaction(s) by an administrator, signed and verified" in n
               for n in report.notes)  # fmt: skip
    assert main(["check", "--db", str(db_path)]) == 0
    assert SECRET not in _bytes(db_path)


def test_only_a_signed_in_administrator_confirming_redacts(db_path, clinic):
    count = _audit_rows(db_path)
    with Store.open(db_path) as store:
        with pytest.raises(PermissionRefused, match="Sign in"):
            store.redactions.redact(clinic, "Wrong file", confirm=ANA)
        store.sign_in(2, BO)
        with pytest.raises(PermissionRefused, match="Only an administrator"):
            store.redactions.redact(clinic, "Wrong file", confirm=BO)
        count = _audit_rows(db_path)  # Bo's sign-in was audited; nothing else
        store.sign_in(1, ANA)
        count = _audit_rows(db_path)
        with pytest.raises(SignInError, match="Wrong passphrase"):
            store.redactions.redact(clinic, "Wrong file", confirm="not the passphrase")
        with pytest.raises(ValidationError, match="reason"):
            store.redactions.redact(clinic, "  ", confirm=ANA)
        with pytest.raises(ValidationError, match="only says which record"):
            store.redactions.redact(clinic, "Wrong file", confirm=ANA, fields=["patient_id"])
        with pytest.raises(ValidationError, match="only what was entered"):
            store.redactions.redact(1, "Wrong file", confirm=ANA)  # the clinic's set-up
        assert _audit_rows(db_path) == count
    assert SECRET in _bytes(db_path)


def test_a_clinic_without_sign_ins_cannot_redact(store, session):
    with pytest.raises(PermissionRefused, match="set up sign-ins"):
        store.redactions.redact(1, "Wrong file", confirm="")


def test_a_live_value_is_corrected_in_the_record_first_then_the_trail_copies_go(db_path):
    with Store.open(db_path) as store:
        store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        patient = store.patients.add(
            Patient(record_number="A-001", full_name="Patient One",
                    date_of_birth=date(1980, 1, 1), sex=Sex.FEMALE)
        )  # fmt: skip
        draft = _session(store, patient.id, notes="SECRET in the notes")
        (inserted,) = store.redactions.holding("sessions", draft.id)
        with pytest.raises(ValidationError, match=r"Session \d+ still holds this notes"):
            store.redactions.redact(inserted, "Wrong file", confirm=ANA, fields=["notes"])
        with pytest.raises(ValidationError, match="cannot be removed whole"):
            store.redactions.redact(inserted, "Wrong file", confirm=ANA)
        # The doctor corrects the draft as usual; the trail keeps both versions.
        store.sessions.update(replace(store.sessions.get(draft.id), notes="Neck, right side"))
        rows = store.redactions.holding("sessions", draft.id)
        done = store.redactions.redact(rows, "Wrong file", confirm=ANA, fields=["notes"])
        assert [r.fields for r in done.redactions] == [("notes",), ("notes",)]
        update = store.audit_trail("sessions", draft.id)[1]
        assert update.before["notes"] == {"redacted": done.redactions[1].entry_id}
        assert update.after["notes"] == "Neck, right side"  # what the record holds stays
        assert store.sessions.get(draft.id).notes == "Neck, right side"
        assert SECRET not in _bytes(db_path)
    assert check_database(db_path).audit == []


def test_a_signed_version_is_not_redacted(db_path):
    with Store.open(db_path) as store:
        store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        patient = store.patients.add(
            Patient(record_number="A-001", full_name="Patient One",
                    date_of_birth=date(1980, 1, 1), sex=Sex.FEMALE)
        )  # fmt: skip
        draft = _session(store, patient.id, notes="SECRET", screening_done=True,
                         consent_given=True, consent_by="Patient")  # fmt: skip
        store.sessions.sign(draft.id, confirm=ANA)
        store.sessions.amend(draft.id, "Wrong notes", confirm=ANA)
        store.sessions.update(replace(store.sessions.get(draft.id), notes="Corrected"))
        inserted, signed, *_ = store.redactions.holding("sessions", draft.id)
        with pytest.raises(ValidationError, match="version 1 \\(signed\\) still holds this notes"):
            store.redactions.redact(inserted, "Wrong file", confirm=ANA, fields=["notes"])
        with pytest.raises(ValidationError, match="corrected by amendment"):
            store.redactions.redact(signed, "Wrong file", confirm=ANA)


# -- forgeries, with sqlite3 on the closed file --------------------------------------
def _raw(db_path, *statements):
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        for sql, params in statements:
            conn.execute(sql, params)
    finally:
        conn.close()


def _without_guards(db_path, *statements):
    """What an attacker does: drop the append-only guards, change, put them back."""
    conn = sqlite3.connect(db_path)
    guards = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE name IN"
        " ('audit_log_no_update', 'audit_log_no_delete')"
    ).fetchall()
    conn.close()
    _raw(
        db_path,
        *((f"DROP TRIGGER {name}", ()) for name, _ in guards),
        *statements,
        *((sql, ()) for _, sql in guards),
    )


def test_a_marker_written_with_sqlite3_is_named(db_path, clinic):
    _without_guards(
        db_path, ("UPDATE audit_log SET before = ? WHERE id = ?", [to_json(marker(99)), clinic[-1]])
    )
    findings = check_database(db_path).audit
    assert (
        f"audit_log row {clinic[-1]} had content removed without an administrator's signed "
        "redaction" in findings
    )
    assert main(["check", "--db", str(db_path)]) == 1


def _forge(db_path, audit_row, private_key, key_id, who, signature=None):
    """A redaction entry appended with sqlite3, chained correctly, the row's content
    replaced by its marker, signed by ``private_key`` (or carrying ``signature``)."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM audit_log WHERE id = ?", [audit_row]).fetchone())
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    entry_id = last["id"] + 1
    kept = {c: row[c] for c in HASHED_COLUMNS}
    kept.update({s: to_json(marker(entry_id)) for s in ("before", "after") if row[s]})
    evidence = {
        "audit_row": audit_row, "prev_hash": row["prev_hash"], "link_hash": row["hash"],
        "fields": [], "removed_sha256": "0" * 64, "kept_sha256": kept_digest(kept),
        "signed_at": "2026-11-01T10:00:00+00:00", "practitioner_id": who, "key_id": key_id,
    }  # fmt: skip
    message = signed_message(entry_id, evidence, "Forged")
    evidence["signature"] = signature or signatures.sign(private_key, message).hex()
    content = {"id": entry_id, "at": "2026-11-01T10:00:00+00:00", "practitioner_id": who,
               "action": "redact", "table_name": "audit_log", "row_id": audit_row,
               "before": None, "after": to_json(evidence), "reason": "Forged"}  # fmt: skip
    content["prev_hash"] = last["hash"]
    content["hash"] = link_hash(last["hash"], content)
    _without_guards(
        db_path,
        (f"INSERT INTO audit_log ({', '.join(content)}) VALUES ({', '.join('?' * len(content))})",
         list(content.values())),
        ("UPDATE audit_log SET before = ?, after = ? WHERE id = ?",
         [kept["before"], kept["after"], audit_row]),
    )  # fmt: skip
    return entry_id


def test_a_redaction_without_a_valid_signature_is_named(db_path, clinic):
    entry = _forge(db_path, clinic[-1], None, 1, 1, signature="ab" * 64)
    findings = check_database(db_path).audit
    assert (
        f"the redaction in audit_log row {entry} does not verify: its digital signature does "
        "not match what it says" in findings
    )
    assert f"audit_log row {clinic[-1]} was redacted, but its redaction is not valid" in " ".join(
        findings
    )


def test_a_redaction_signed_by_a_practitioner_who_is_not_an_administrator_is_named(db_path, clinic):
    # Bo, a practitioner, signs one with his own (real) key.
    with _signed_in(db_path, 2, BO) as store:
        key_id, private = store.accounts.private_key()
    entry = _forge(db_path, clinic[-1], private, key_id, 2)
    findings = check_database(db_path).audit
    assert (
        f"the redaction in audit_log row {entry} is signed by practitioner 2, who was not an "
        "administrator then" in findings
    )


def test_a_deleted_redaction_entry_is_named(db_path, clinic):
    with _signed_in(db_path) as store:
        done = store.redactions.redact(clinic[-1], "Wrong file", confirm=ANA)
    entry = done.redactions[0].entry_id
    _without_guards(db_path, ("DELETE FROM audit_log WHERE id = ?", [entry]))
    findings = " ".join(check_database(db_path).audit)
    assert "the audit trail was cut" in findings  # the anchor recorded the redaction
    assert (
        f"audit_log row {clinic[-1]} had content removed without an administrator's signed "
        "redaction" in findings
    )


def test_a_redaction_vouches_for_its_row_as_kept_and_hides_no_other_edit(db_path, clinic):
    with _signed_in(db_path) as store:
        store.redactions.redact(clinic[-1], "Wrong file", confirm=ANA)
    assert check_database(db_path).audit == []
    _without_guards(
        db_path, ("UPDATE audit_log SET reason = 'nothing to see' WHERE id = ?", [clinic[-1]])
    )
    assert (
        f"audit_log row {clinic[-1]} differs from what its redaction kept: it was altered since"
        in check_database(db_path).audit
    )


def test_the_command_line_redacts_as_an_administrator(db_path, clinic, tmp_path, capsys):
    ana, bo = tmp_path / "ana.txt", tmp_path / "bo.txt"
    ana.write_text(ANA + "\n")
    bo.write_text(BO + "\n")
    rows = [a for n in clinic[:2] for a in ("--audit-row", str(n))]
    base = ["redact", "--db", str(db_path), *rows, "--reason", "Wrong patient's file"]
    count = _audit_rows(db_path)
    assert main([*base, "--practitioner", "2", "--passphrase-file", str(bo)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "tpchart: Only an administrator can redact the audit trail"
    assert _audit_rows(db_path) == count + 1  # Bo's sign-in, nothing else
    assert main([*base, "--practitioner", "1", "--passphrase-file", str(ana)]) == 0
    out = capsys.readouterr().out
    assert f"Redacted audit row {clinic[0]} (its whole content)" in out
    # The discard's entries still hold the same notes: the command says so, and how.
    assert f"Audit rows {', '.join(map(str, clinic[2:]))} of the same record" in out
    assert "no longer hold the removed content" in out
    assert main(["check", "--db", str(db_path)]) == 0
    scrub = ["redact", "--db", str(db_path), "--scrub", "--practitioner", "1"]
    assert main([*scrub, "--passphrase-file", str(ana)]) == 0
    assert "no removed content is left" in capsys.readouterr().out


KILLED = """
import sys
from tpchart.store import Store
rows = [int(n) for n in sys.argv[2].split(",")]
with Store.open(sys.argv[1]) as store:
    store.sign_in(1, {ana!r})
    print("ready", flush=True)
    store.redactions.redact(rows, "Wrong file", confirm={ana!r})
"""


def _redacted_rows(db_path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM audit_log WHERE action = 'redact'").fetchone()[0]
    finally:
        conn.close()


def test_kill_during_a_redaction_leaves_before_or_after_and_checks_sound(db_path, clinic):
    base = db_path.with_name("base.db")
    shutil.copy(db_path, base)
    # The anchor outside the file goes back with it: each run starts from the same past.
    anchors = anchor_folder()
    kept_anchors = db_path.with_name("anchors")
    shutil.copytree(anchors, kept_anchors)
    script = KILLED.format(ana=ANA)
    seen = set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6):
        for stale in db_path.parent.glob(db_path.name + "*"):
            stale.unlink()
        shutil.copy(base, db_path)
        shutil.rmtree(anchors)
        shutil.copytree(kept_anchors, anchors)
        child = subprocess.Popen(
            [sys.executable, "-c", script, str(db_path), ",".join(map(str, clinic))],
            env=env, cwd=ROOT, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert child.stdout is not None
        child.stdout.readline()  # signed in: the redaction's confirmation starts now
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        redacted = _redacted_rows(db_path)
        assert redacted in (0, len(clinic))  # all of the one action, or none of it
        seen.add(redacted)
        report = check_database(db_path)
        assert report.audit == [], (delay, report.audit)
        if redacted == 0:
            assert SECRET in _bytes(db_path)
    assert seen == {0, len(clinic)}  # killed before the commit, and after it
    with Store.open(db_path) as store:  # the file opens and a redaction runs after a kill
        store.sign_in(1, ANA)
        if _redacted_rows(db_path) == 0:
            store.redactions.redact(clinic, "Wrong file", confirm=ANA)
        else:  # killed after the commit, maybe during the rewrite: it can be run again
            assert store.redactions.scrub()
    assert SECRET not in _bytes(db_path)
    assert check_database(db_path).audit == []
