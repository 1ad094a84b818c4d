"""Digital signatures of signed versions (issue 18): signing and amending need the
signed-in practitioner's passphrase or PIN; each signed version carries an Ed25519
signature by its signer's key, which ``check`` verifies; signing as somebody else is
impossible without their passphrase."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tpchart.core.errors import PermissionRefused, SignInError
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session, SessionStatus
from tpchart.store import Store
from tpchart.store.file.health import check_database
from tpchart.store.records import signatures

ANA = "the tide comes in at noon"
BO = "bo walks the long road home"


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "clinic.db"


def _ready_session(store, practitioner_id):
    patient = store.patients.add(
        Patient(record_number=f"R{store.changes()}", full_name="Lee Mei",
                date_of_birth=date(1980, 1, 2), sex=Sex.FEMALE)
    )  # fmt: skip
    session = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=practitioner_id,
                started_at=datetime(2026, 3, 1, 9, tzinfo=UTC), chief_complaint="Neck")
    )  # fmt: skip
    return store.sessions.update(
        replace(session, screening_done=True, consent_given=True, consent_by="Patient")
    )


@pytest.fixture
def clinic(path):
    store = Store.open(path)
    ana, _ = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
    bo = store.accounts.create(Practitioner(name="Dr Bo Lin"), BO).practitioner_id
    yield store, ana.id, bo
    store.close()


def _versions(store, session_id):
    return store._ctx.db.execute(
        "SELECT count(*) FROM session_versions WHERE session_id = ?", [session_id]
    ).fetchone()[0]


def test_signing_needs_the_passphrase_or_pin_and_writes_nothing_without(clinic):
    store, ana, _bo = clinic
    session = _ready_session(store, ana)
    changes = store.changes()
    with pytest.raises(SignInError, match="passphrase or PIN to confirm"):
        store.sessions.sign(session.id)
    with pytest.raises(SignInError, match="Wrong passphrase"):
        store.sessions.sign(session.id, confirm="the tide comes in at one")
    assert store.changes() == changes
    assert store.sessions.get(session.id).status is SessionStatus.DRAFT
    assert _versions(store, session.id) == 0
    store.accounts.set_pin("2580", ANA)
    assert store.sessions.sign(session.id, confirm="2580").status is SessionStatus.SIGNED


def test_the_signed_version_carries_its_signers_signature(clinic):
    store, ana, _bo = clinic
    session = _ready_session(store, ana)
    store.sessions.sign(session.id, confirm=ANA)
    row = store._ctx.rows(
        "SELECT v.*, s.signature, s.snapshot_sha256, k.public_key, k.practitioner_id AS owner"
        " FROM session_versions v JOIN version_signatures s USING (session_id, version)"
        " JOIN practitioner_keys k ON k.id = s.key_id"
    )[0]
    assert row["owner"] == row["signed_by"] == ana
    assert row["snapshot_sha256"] == signatures.snapshot_digest(row["snapshot"])
    message = signatures.signed_message(
        session.id, 1, ana, row["signed_at"], row["snapshot_sha256"]
    )
    public = bytes.fromhex(row["public_key"])
    assert signatures.verify(public, bytes.fromhex(row["signature"]), message)
    forged = signatures.signed_message(session.id, 1, ana, row["signed_at"], "0" * 64)
    assert not signatures.verify(public, bytes.fromhex(row["signature"]), forged)


def test_signing_as_another_practitioner_is_impossible(clinic):
    store, ana, bo = clinic
    store.sign_in(bo, BO)
    session = _ready_session(store, bo)
    with pytest.raises(PermissionRefused):
        store.practitioner_id = ana  # no way to "chart as" Ana
    with pytest.raises(SignInError):
        store.sessions.sign(session.id, confirm=BO.upper())
    with pytest.raises(SignInError):
        store.sign_in(ana, "guessing her passphrase")
    signed = store.sessions.sign(session.id, confirm=BO)
    assert signed.signed_by == bo
    # Even with the file: the database refuses a signature by a key not the signer's.
    conn = sqlite3.connect(store.path)
    ana_key = conn.execute("SELECT id FROM practitioner_keys WHERE practitioner_id = ?", [ana])
    with pytest.raises(sqlite3.IntegrityError, match="current key of its signer"):
        conn.execute(
            "INSERT INTO version_signatures (session_id, version, key_id, snapshot_sha256,"
            " signature) VALUES (?, 2, ?, ?, ?)",
            [session.id, ana_key.fetchone()[0], "0" * 64, "0" * 128],
        )
    conn.close()


def test_amending_needs_confirmation_too(clinic):
    store, ana, _bo = clinic
    session = _ready_session(store, ana)
    store.sessions.sign(session.id, confirm=ANA)
    with pytest.raises(SignInError):
        store.sessions.amend(session.id, "Wrong side", confirm="nope nope nope")
    assert store.sessions.get(session.id).status is SessionStatus.SIGNED
    assert store.sessions.amend(session.id, "Wrong side", confirm=ANA).version == 2
    assert store.sessions.sign(session.id, confirm=ANA).version == 2


def test_signatures_still_verify_after_reset_and_leaving(clinic, path):
    store, ana, bo = clinic
    store.sign_in(bo, BO)
    session = _ready_session(store, bo)
    store.sessions.sign(session.id, confirm=BO)
    store.sign_in(ana, ANA)
    store.accounts.reset_passphrase(bo, "bo has a fresh passphrase")
    store.accounts.deactivate(bo)
    store.close()
    report = check_database(path)
    assert report.ok, report.lines()


def test_versions_signed_before_set_up_are_a_note_not_a_failure(path):
    with Store.open(path) as store:
        old = store.practitioners.add(Practitioner(name="Dr Old Hand"))
        store.practitioner_id = old.id
        session = _ready_session(store, old.id)
        store.sessions.sign(session.id)  # no accounts yet: signed as before
        store.accounts.set_up_clinic(old, ANA)
        later = _ready_session(store, old.id)
        store.sessions.sign(later.id, confirm=ANA)
    report = check_database(path)
    assert report.ok, report.lines()
    assert (
        "Note: 1 signed version(s) were signed before accounts were set up, so they have no "
        "digital signature" in report.lines()
    )


def test_a_version_left_unsigned_after_set_up_is_a_failure(clinic, path):
    store, ana, _bo = clinic
    session = _ready_session(store, ana)
    store.sessions.sign(session.id, confirm=ANA)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER version_signatures_no_delete")
    conn.execute("DELETE FROM version_signatures")
    conn.close()
    findings = check_database(path).audit
    assert (
        f"session {session.id} version 1 has no digital signature, though it was signed after "
        "accounts were set up" in findings
    )


def _imported_signed_session(clinic, tmp_path):
    """Ana's signed session exported, then imported into a database without accounts
    (closed). Returns its path, the imported session's id and the transfer file."""
    store, ana, _bo = clinic
    session = _ready_session(store, ana)
    store.sessions.sign(session.id, confirm=ANA)
    file = tmp_path / "lee.json"
    store.transfer.export(session.patient_id, file.name, file.write_bytes)
    target_path = tmp_path / "receiving.db"
    with Store.open(target_path) as target:
        target.practitioner_id = target.practitioners.add(Practitioner(name="Dr Chen")).id
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        new_session = target.sessions.for_patient(got.patient_id)[0].id
    return target_path, new_session, got.patient_id


def test_forged_evidence_appended_to_the_trail_cannot_launder_an_edited_imported_version(
    clinic, tmp_path
):
    """Someone with the receiving file edits an imported signed snapshot, signs the
    edit with a key of their own and appends a well-chained "transfer in" entry
    vouching for it (a longer chain is no finding by itself). Only the import that
    created the session speaks for its versions, so the edit is still named."""
    from sqlite_utils import Database

    from tpchart.store.records import audit
    from tpchart.store.records.transfer import ImportEvidence

    target_path, session_id, patient_id = _imported_signed_session(clinic, tmp_path)
    conn = sqlite3.connect(target_path, isolation_level=None)
    genuine, _source = ImportEvidence(conn).for_version(session_id, 1)
    (trigger,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'session_versions_no_update'"
    ).fetchone()
    conn.execute("DROP TRIGGER session_versions_no_update")
    row = conn.execute("SELECT * FROM session_versions WHERE session_id = ?", [session_id])
    names = [c[0] for c in row.description]
    stored = dict(zip(names, row.fetchone(), strict=True))
    snapshot = json.loads(stored["snapshot"])
    snapshot["session"]["chief_complaint"] = "Nothing"
    edited = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    conn.execute("UPDATE session_versions SET snapshot = ? WHERE session_id = ?",
                 [edited, session_id])  # fmt: skip
    conn.execute(trigger)
    conn.close()
    # Evidence that vouches for the edit: the edited text "as signed", ids unchanged.
    private, public = signatures.new_key_pair()
    signed = {
        **genuine["signed"], "session_id": session_id, "snapshot": edited,
        "signed_by": stored["signed_by"], "snapshot_sha256": signatures.snapshot_digest(edited),
    }  # fmt: skip
    message = signatures.signed_message(
        session_id, 1, stored["signed_by"], stored["signed_at"], signed["snapshot_sha256"]
    )
    forged = {
        **genuine, "signed": signed, "public_key": public.hex(),
        "signature": signatures.sign(private, message).hex(), "key_owner": stored["signed_by"],
        "key": signatures.key_fingerprint(public), "ids": {}, "refs": genuine["refs"],
    }  # fmt: skip
    forged.pop("ids")  # "as signed here": nothing renumbered
    db = Database(target_path)
    with db.atomic():
        after = {"source": {"clinic": "Clínica Fantasma"}, "signatures": [forged]}
        audit.record(db, None, "transfer in", "patients", patient_id, after=after)
    db.close()
    findings = check_database(target_path).audit
    assert (
        f"session {session_id} version 1: the signed snapshot was changed after it was imported "
        "from another tpchart database" in findings
    )


def test_evidence_altered_in_place_is_named(clinic, tmp_path):
    """The import's own entry rewritten to vouch for an edit breaks the chain."""
    target_path, session_id, _patient_id = _imported_signed_session(clinic, tmp_path)
    conn = sqlite3.connect(target_path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    ).fetchall()
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER [{name}]")
    (entry_id, after) = conn.execute(
        "SELECT id, after FROM audit_log WHERE action = 'transfer in'"
    ).fetchone()
    changed = json.loads(after)
    changed["signatures"][0]["signed"]["signed_at"] = "2000-01-01T00:00:00+00:00"
    conn.execute("UPDATE audit_log SET after = ? WHERE id = ?", [json.dumps(changed), entry_id])
    for _name, sql in triggers:
        conn.execute(sql)
    conn.close()
    findings = check_database(target_path).audit
    assert f"audit_log row {entry_id} was altered after it was written" in findings
    assert (
        f"session {session_id} version 1: the evidence kept when it was imported from another "
        "tpchart database was altered (the signature it carries no longer verifies)" in findings
    )


def test_a_key_fingerprint_is_the_keys_sha256_in_groups():
    _private, public = signatures.new_key_pair()
    fingerprint = signatures.key_fingerprint(public)
    assert fingerprint.replace(":", "") == hashlib.sha256(public).hexdigest()[:32]
    assert len(fingerprint.split(":")) == 8
