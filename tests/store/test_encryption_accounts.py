"""Key slots follow the accounts (issue 18): on an encrypted database a practitioner's
passphrase change, reset or recovery re-wraps their slot, closing their sign-in removes
it, a new account and a first sign-in get one, and a new clinic is set up encrypted.
Real SQLCipher files, real scrypt; every check closes the store, forgets the key (as a
new process would) and opens the file again."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from tpchart.core.accounts import Role
from tpchart.core.errors import SignInError
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.store import DatabaseRefused, Store
from tpchart.store.file import database as database_module
from tpchart.store.file import encryption
from tpchart.store.file.encryption import WrongPassphrase, encrypt_in_place, read_slots, unlock

ANA = "the tide comes in at noon"
ANA_NEW = "kettle whistles at seven"
BO = "bo walks the long road home"
BO_NEW = "bo found a quieter road"
NAME = "Wilhelmina Quigley"


@pytest.fixture(autouse=True)
def private_places(tmp_path, monkeypatch):
    """Anchors and default backups under tmp_path; no key survives a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database_module._KEYS.clear()
    yield
    database_module._KEYS.clear()


def _patient():
    return Patient(
        record_number="A-001", full_name=NAME, date_of_birth=date(1980, 1, 2), sex=Sex.FEMALE
    )


def _restart():
    """What the end of the process does to the key: it is gone."""
    database_module._KEYS.clear()


def _opens(path, secret, practitioner_id=None):
    """Whether ``secret`` opens the closed file at ``path`` (the key forgotten after)."""
    try:
        unlock(path, secret, practitioner_id)
    except WrongPassphrase:
        return False
    finally:
        _restart()
    return True


@pytest.fixture
def encrypted(tmp_path):
    """A clinic with Ana (admin) and Bo, one patient, encrypted by Ana with the CLI's
    conversion; Bo has no slot yet. The key is forgotten, as after the process ends."""
    path = tmp_path / "clinic.db"
    with Store.open(path) as store:
        ana, _code = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        bo = store.accounts.create(Practitioner(name="Dr Bo Lim"), BO, Role.PRACTITIONER)
        store.patients.add(_patient())
    encrypt_in_place(path, ANA, practitioner_id=ana.id, label="Dr Ana Souza")
    _restart()
    return path, ana.id, bo.practitioner_id


def _open_as(path, practitioner_id, passphrase):
    unlock(path, passphrase, practitioner_id)
    store = Store.open(path)
    store.sign_in(practitioner_id, passphrase)
    return store


def test_a_changed_passphrase_opens_the_file_at_the_next_start(encrypted):
    path, ana, _bo = encrypted
    with _open_as(path, ana, ANA) as store:
        store.accounts.change_passphrase(ANA, ANA_NEW)
    _restart()
    # The next start: the new passphrase opens the file and signs in; the old one does not.
    assert not _opens(path, ANA, ana)
    with _open_as(path, ana, ANA_NEW) as store:
        assert store.patients.count() == 1
        assert store.signed_in.practitioner_id == ana
    # One slot for Ana, not a trail of old ones.
    assert [s.practitioner_id for s in read_slots(path) if s.kind == "passphrase"] == [ana]


def test_a_wrong_old_passphrase_changes_neither_the_account_nor_the_key_file(encrypted):
    path, ana, _bo = encrypted
    before = path.with_name("clinic.db.keys").read_bytes()
    with _open_as(path, ana, ANA) as store, pytest.raises(SignInError):
        store.accounts.change_passphrase("not my passphrase at all", ANA_NEW)
    assert path.with_name("clinic.db.keys").read_bytes() == before
    assert _opens(path, ANA, ana)


def test_a_first_sign_in_gives_a_slot_and_a_reset_and_closing_follow(encrypted):
    path, ana, bo = encrypted
    assert not _opens(path, BO, bo)  # converted by Ana: Bo has no slot yet
    with _open_as(path, ana, ANA) as store:
        store.sign_in(bo, BO)  # Bo signs in at the lock screen once
    _restart()
    assert _opens(path, BO, bo)
    with _open_as(path, ana, ANA) as store:
        store.accounts.reset_passphrase(bo, BO_NEW)  # Bo forgot it; the admin resets
    _restart()
    assert not _opens(path, BO, bo)
    assert _opens(path, BO_NEW, bo)
    with _open_as(path, ana, ANA) as store:
        store.accounts.deactivate(bo)  # Bo left the clinic
    _restart()
    assert not _opens(path, BO_NEW, bo)
    assert not _opens(path, BO_NEW)  # not through any other slot either
    assert bo not in {s.practitioner_id for s in read_slots(path)}


def test_an_account_added_by_the_admin_opens_the_file_with_its_first_passphrase(encrypted):
    path, ana, _bo = encrypted
    with _open_as(path, ana, ANA) as store:
        cy = store.accounts.create(Practitioner(name="Dr Cy Tan"), "cy reads the morning paper")
    _restart()
    assert _opens(path, "cy reads the morning paper", cy.practitioner_id)
    labels = {s.practitioner_id: s.label for s in read_slots(path)}
    assert labels[cy.practitioner_id] == "Dr Cy Tan"


def test_a_new_clinic_set_up_encrypted_and_its_recovery(tmp_path):
    path = tmp_path / "new.db"
    with Store.open(path) as store:
        assert not store.encrypted
        ana, code = store.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA, encrypt=True)
        assert store.encrypted
        store.patients.add(_patient())
    _restart()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM patients").fetchall()
    assert NAME.encode() not in path.read_bytes()
    assert not list(tmp_path.glob("new.plain-*"))  # nothing plain was ever kept
    slots = read_slots(path)
    assert sorted(s.slot_id for s in slots) == [f"practitioner-{ana.id}", "recovery"]
    assert _opens(path, ANA, ana.id)
    assert _opens(path, code)  # the clinic's one recovery code opens the file too
    # Ana forgot her passphrase: the recovery code unlocks the file and resets it.
    unlock(path, code)
    with Store.open(path) as store:
        new_code = store.accounts.recover(code, ana.id, ANA_NEW)
    _restart()
    assert not _opens(path, ANA, ana.id)
    assert not _opens(path, code)
    assert _opens(path, new_code)
    with _open_as(path, ana.id, ANA_NEW) as store:
        assert store.patients.count() == 1


def test_encrypting_at_set_up_is_refused_for_a_database_holding_records(tmp_path):
    path = tmp_path / "old.db"
    with Store.open(path) as store:
        doctor = store.practitioners.add(Practitioner(name="Dr Ana Souza"))
        store.practitioner_id = doctor.id
        store.patients.add(_patient())
        with pytest.raises(DatabaseRefused, match="Only a new, empty database"):
            store.set_up_clinic(Practitioner(name="Dr Bo Lim"), BO, encrypt=True)
        assert not store.encrypted and not store.accounts.any()
    assert not path.with_name("old.db.keys").exists()


def test_killed_after_the_new_slot_before_the_commit_the_old_passphrase_opens(encrypted):
    path, ana, _bo = encrypted
    # The new slot is written, then the process dies before the database commits.
    unlock(path, ANA, ana)
    encryption.stage_slot(path, database_module.key_for(path), ANA_NEW, practitioner_id=ana)
    _restart()
    assert _opens(path, ANA, ana) and _opens(path, ANA_NEW, ana)
    with _open_as(path, ana, ANA) as store:  # the database still has the old one
        assert store.signed_in.practitioner_id == ana
    _restart()
    # That sign-in kept only the slot of the passphrase the database accepts.
    assert not _opens(path, ANA_NEW, ana)
    assert len([s for s in read_slots(path) if s.practitioner_id == ana]) == 1


def test_killed_after_the_commit_before_the_old_slot_goes_the_new_one_opens(encrypted, monkeypatch):
    path, ana, _bo = encrypted

    def killed(*_args, **_kwargs):
        raise SystemExit("killed")

    with _open_as(path, ana, ANA) as store:
        monkeypatch.setattr(encryption, "settle_slot", killed)
        with pytest.raises(SystemExit):
            store.accounts.change_passphrase(ANA, ANA_NEW)
        monkeypatch.undo()
    _restart()
    with _open_as(path, ana, ANA_NEW) as store:  # committed: the new one signs in
        assert store.patients.count() == 1
    _restart()
    assert not _opens(path, ANA, ana)  # and the old slot is gone since that sign-in
