"""Practitioner accounts (issue 18): set-up, sign-in, who may write, roles, PINs,
passphrase changes and resets, the recovery code; nothing secret is stored."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

from tpchart.core.accounts import (
    DEFAULT_IDLE_LOCK_MINUTES,
    Role,
    check_new_passphrase,
    check_new_pin,
)
from tpchart.core.errors import PermissionRefused, SignInError, ValidationError
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store

ANA = "the tide comes in at noon"
BO = "bo walks the long road home"


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """Anchors go under tmp_path, never into the real config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def clinic(tmp_path):
    store = Store.open(tmp_path / "clinic.db")
    ana, code = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
    yield store, ana, code
    store.close()


def _audit_rows(store):
    return store._ctx.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def _patient(n=1):
    return Patient(
        record_number=f"A-{n:03}",
        full_name="Lee Mei",
        date_of_birth=date(1980, 1, 2),
        sex=Sex.FEMALE,
    )


def test_set_up_makes_a_signed_in_admin_and_a_recovery_code(clinic):
    store, ana, code = clinic
    assert re.fullmatch(r"([ACDEFGHJKMNPQRTUVWXY34679]{4}-){5}[ACDEFGHJKMNPQRTUVWXY34679]{4}", code)
    assert store.accounts.any()
    assert store.signed_in == store.accounts.get(ana.id)
    assert store.signed_in.role is Role.ADMIN and store.practitioner_id == ana.id
    with pytest.raises(PermissionRefused, match="already set up"):
        store.accounts.set_up_clinic(Practitioner(name="Dr Eve"), "another long passphrase")


def test_set_up_uses_an_existing_practitioner(tmp_path):
    with Store.open(tmp_path / "old.db") as store:
        old = store.practitioners.add(Practitioner(name="Dr Old Hand"))
        saved, _ = store.accounts.set_up_clinic(old, ANA)
        assert saved.id == old.id and len(store.practitioners.all()) == 1


def test_weak_passphrases_and_pins_are_refused_in_plain_words():
    for weak, words in [
        ("short", "at least 10 characters"),
        ("Dr Ana Souza", "cannot be your name"),
        ("qwertyuiop", "first ones anybody would try"),
        ("aaaaaaaaaaaa", "first ones anybody would try"),
    ]:
        with pytest.raises(ValidationError, match=words):
            check_new_passphrase(weak, "Dr Ana Souza")
    check_new_passphrase("  a sentence with spaces and ünïcode  ", "Dr Ana Souza")
    for pin in ("123", "123456789", "12a4", "1111", "1234", "9876", "7890"):
        with pytest.raises(ValidationError):
            check_new_pin(pin)
    check_new_pin("2580")


def test_nothing_is_written_without_a_signed_in_practitioner(clinic):
    store, ana, _ = clinic
    store.sign_out()
    assert store.practitioner_id is None and store.signed_in is None
    before = _audit_rows(store)
    with pytest.raises(PermissionRefused, match="Sign in"):
        store.patients.add(_patient())
    with pytest.raises(PermissionRefused):
        store.settings.set_many({"clinic.name": "Anything"})
    with pytest.raises(PermissionRefused):
        store.practitioner_id = ana.id  # the old "Charting as" way is closed
    assert _audit_rows(store) == before
    assert store.patients.count(include_archived=True) == 0


def test_a_wrong_passphrase_says_one_line_and_writes_nothing(clinic):
    store, ana, _ = clinic
    store.sign_out()
    changes = store.changes()
    with pytest.raises(SignInError) as refused:
        store.sign_in(ana.id, "the tide comes in at one")
    assert str(refused.value) == "Wrong passphrase. Try again."
    assert store.changes() == changes and store.signed_in is None
    assert store.sign_in(ana.id, ANA).practitioner_id == ana.id


def test_repeated_failures_pause_sign_in_audited_even_after_a_restart(clinic, tmp_path):
    store, ana, _ = clinic
    store.sign_out()
    for _ in range(4):
        with pytest.raises(SignInError, match="Wrong passphrase"):
            store.sign_in(ana.id, "not the passphrase")
    with pytest.raises(SignInError, match="wait 30 seconds"):
        store.sign_in(ana.id, "not the passphrase")
    with pytest.raises(SignInError, match="Too many wrong passphrases"):
        store.sign_in(ana.id, ANA)  # even the right one, during the pause
    (paused,) = [e for e in store.audit_trail("accounts") if e.action == "sign_in_paused"]
    assert paused.practitioner_id is None and "5 wrong passphrases" in paused.reason
    store.close()
    with Store.open(tmp_path / "clinic.db") as again, pytest.raises(SignInError, match="wait"):
        again.sign_in(ana.id, ANA)


def test_another_practitioner_signing_in_switches_who_charts_audited(clinic):
    store, ana, _ = clinic
    bo = store.accounts.create(Practitioner(name="Dr Bo Lin"), BO)
    assert bo.role is Role.PRACTITIONER and not bo.has_pin
    store.sign_in(bo.practitioner_id, BO)
    assert store.practitioner_id == bo.practitioner_id
    patient = store.patients.add(_patient())
    assert store.audit_trail("patients", patient.id)[0].practitioner_id == bo.practitioner_id
    sign_ins = [e for e in store.audit_trail("accounts") if e.action == "sign_in"]
    assert sign_ins[-1].practitioner_id == bo.practitioner_id
    assert sign_ins[-1].reason == f"Signed in, taking over from practitioner {ana.id}"


def test_only_an_admin_manages_accounts(clinic):
    store, ana, _ = clinic
    bo = store.accounts.create(Practitioner(name="Dr Bo Lin"), BO)
    store.sign_in(bo.practitioner_id, BO)
    for action in (
        lambda: store.accounts.create(Practitioner(name="Dr Cy"), "cy has a passphrase"),
        lambda: store.accounts.set_role(bo.practitioner_id, Role.ADMIN),
        lambda: store.accounts.deactivate(ana.id),
        lambda: store.accounts.reset_passphrase(ana.id, "a brand new passphrase"),
        lambda: store.accounts.set_idle_lock_minutes(5),
    ):
        with pytest.raises(PermissionRefused, match="administrator"):
            action()
    assert store.accounts.get(ana.id).active


def test_the_clinic_keeps_an_active_admin(clinic):
    store, ana, _ = clinic
    with pytest.raises(ValidationError, match="at least one active administrator"):
        store.accounts.deactivate(ana.id)
    with pytest.raises(ValidationError, match="at least one active administrator"):
        store.accounts.set_role(ana.id, Role.PRACTITIONER)


def test_a_closed_account_cannot_sign_in_and_its_key_is_retired(clinic):
    store, _ana, _ = clinic
    bo = store.accounts.create(Practitioner(name="Dr Bo Lin"), BO).practitioner_id
    assert not store.accounts.deactivate(bo).active
    with pytest.raises(SignInError, match="closed by an administrator"):
        store.sign_in(bo, BO)
    keys = store._ctx.rows("SELECT * FROM practitioner_keys WHERE practitioner_id = ?", [bo])
    assert [(k["retired_at"] is not None, k["wrapped_key"]) for k in keys] == [(True, "")]


def test_changing_the_passphrase_keeps_the_key(clinic):
    store, ana, _ = clinic
    keys = store._ctx.rows("SELECT id, public_key FROM practitioner_keys")
    with pytest.raises(SignInError, match="Wrong passphrase"):
        store.accounts.change_passphrase("not it at all", "the new long passphrase")
    store.accounts.change_passphrase(ANA, "the new long passphrase")
    store.sign_out()
    with pytest.raises(SignInError):
        store.sign_in(ana.id, ANA)
    store.sign_in(ana.id, "the new long passphrase")
    assert store._ctx.rows("SELECT id, public_key FROM practitioner_keys") == keys


def test_a_pin_confirms_but_does_not_sign_in(clinic):
    store, ana, _ = clinic
    with pytest.raises(SignInError):
        store.accounts.set_pin("2580", "wrong passphrase here")
    assert store.accounts.set_pin("2580", ANA).has_pin
    store.confirm("2580")
    store.confirm(ANA)
    with pytest.raises(SignInError, match="Wrong passphrase or PIN"):
        store.confirm("2581")
    store.sign_out()
    with pytest.raises(SignInError):
        store.sign_in(ana.id, "2580")


def test_confirming_wrong_five_times_signs_out(clinic):
    store, _ana, _ = clinic
    for _ in range(4):
        with pytest.raises(SignInError):
            store.confirm("no")
    with pytest.raises(SignInError, match="signed out"):
        store.confirm("no")
    assert store.signed_in is None and store.practitioner_id is None


def test_an_admin_reset_gives_a_new_key_and_keeps_the_old_public_one(clinic):
    store, _ana, _ = clinic
    bo = store.accounts.create(Practitioner(name="Dr Bo Lin"), BO).practitioner_id
    store.accounts.reset_passphrase(bo, "bo has a fresh passphrase")
    keys = store._ctx.rows("SELECT * FROM practitioner_keys WHERE practitioner_id = ?", [bo])
    assert [k["retired_at"] is None for k in keys] == [False, True]
    store.sign_in(bo, "bo has a fresh passphrase")
    assert store.signed_in.practitioner_id == bo


def test_the_recovery_code_rescues_the_admin_once(clinic, tmp_path):
    store, ana, code = clinic
    store.sign_out()
    changes = store.changes()
    with pytest.raises(SignInError, match="not this clinic's"):
        store.accounts.recover("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", ana.id, "forgot and reset it")
    assert store.changes() == changes
    typed = code.lower().replace("-", " ")  # read from paper, typed loosely
    new_code = store.accounts.recover(typed, ana.id, "forgot and reset it")
    assert new_code != code
    with pytest.raises(SignInError):
        store.accounts.recover(code, ana.id, "and once more again")
    store.sign_in(ana.id, "forgot and reset it")


def test_idle_lock_minutes(clinic):
    store, _ana, _ = clinic
    assert store.idle_lock_minutes == DEFAULT_IDLE_LOCK_MINUTES == 10
    store.accounts.set_idle_lock_minutes(15)
    assert store.idle_lock_minutes == 15
    for wrong in (0, 121):
        with pytest.raises(ValidationError, match="1 to 120 minutes"):
            store.accounts.set_idle_lock_minutes(wrong)


def test_no_passphrase_pin_or_recovery_code_is_stored(clinic, tmp_path):
    store, _ana, code = clinic
    store.accounts.set_pin("2580", ANA)
    store.accounts.change_passphrase(ANA, "the new long passphrase")
    store.close()
    conn = sqlite3.connect(tmp_path / "clinic.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    raw = (tmp_path / "clinic.db").read_bytes()
    for secret in (ANA, "the new long passphrase", code, code.replace("-", "")):
        assert secret not in dump and secret.encode() not in raw
    assert '"pin_hash": "sha256:' in dump.replace("''", "'")  # the audit keeps a digest only


def test_a_clinic_without_accounts_works_as_before(tmp_path):
    with Store.open(tmp_path / "legacy.db") as store:
        assert not store.accounts.any() and store.accounts.all() == []
        store.practitioner_id = store.practitioners.add(Practitioner(name="Dr Old")).id
        store.patients.add(_patient())


def test_the_app_hashes_passphrases_at_the_real_scrypt_cost():
    """The suite lowers the cost for speed (tests/conftest.py); the app never does."""
    import subprocess
    import sys

    code = "from tpchart.store.records import signatures as s; print(s.SCRYPT_N, s.hash_text('x'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n, stored = out.stdout.split()
    assert int(n) == 2**15 and stored.startswith("scrypt$32768$8$1$")
