"""Encryption at rest (issue 18): SQLCipher files, key slots, backup, check, restore,
the plain copy, and the command line. Real scrypt, real SQLCipher, real files."""

from __future__ import annotations

import os
import sqlite3
from datetime import date

import pytest

from tpchart.cli import main
from tpchart.core.accounts import Role
from tpchart.core.errors import SignInError
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.store.file import Verdict, backup_to, check_database, restore_backup
from tpchart.store.file import database as database_module
from tpchart.store.file.database import DatabaseLocked
from tpchart.store.file.encryption import (
    WrongPassphrase,
    add_slot,
    encrypt_in_place,
    read_slots,
    remove_slot,
    unlock,
)

ANA = "the tide comes in at noon"
BO = "bo walks the long road home"
NAME = "Wilhelmina Quigley"


@pytest.fixture(autouse=True)
def private_places(tmp_path, monkeypatch):
    """Anchors and default backups under tmp_path; no key survives a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    database_module._KEYS.clear()
    yield
    database_module._KEYS.clear()


def _patient(n=1, name=NAME):
    return Patient(
        record_number=f"A-{n:03}", full_name=name, date_of_birth=date(1980, 1, 2), sex=Sex.FEMALE
    )


@pytest.fixture
def encrypted(tmp_path):
    """A clinic with an admin (Ana) and a practitioner (Bo), one patient, encrypted
    by Ana; the key is then forgotten, as after the process ends."""
    path = tmp_path / "clinic.db"
    with Store.open(path) as store:
        ana, _code = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        bo = store.accounts.create(Practitioner(name="Dr Bo Lim"), BO, Role.PRACTITIONER)
        store.patients.add(_patient())
    done = encrypt_in_place(path, ANA, practitioner_id=ana.id, label="Dr Ana Souza")
    database_module._KEYS.clear()
    return path, ana.id, bo.practitioner_id, done


def _all_bytes(path):
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_sqlite3_cannot_read_the_encrypted_database_and_no_name_is_in_its_bytes(encrypted):
    path, ana, _bo, done = encrypted
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT full_name FROM patients").fetchall()
    assert NAME.encode() not in _all_bytes(path)
    # The plain file kept aside until the doctor confirms still holds everything, 0600.
    assert NAME.encode() in done.plain_kept.read_bytes()
    assert os.stat(done.plain_kept).st_mode & 0o777 == 0o600
    assert os.stat(path.with_name("clinic.db.keys")).st_mode & 0o777 == 0o600
    # Opened with the passphrase, the records are all there, and writes stay encrypted.
    unlock(path, ANA)
    with Store.open(path) as store:
        store.sign_in(ana, ANA)
        assert [p.full_name for p in store.patients.find("")] == [NAME]
        store.patients.add(_patient(2, "Zebedee Fairweather"))
        assert b"Zebedee" not in _all_bytes(path)
    assert b"Zebedee" not in _all_bytes(path)


def test_without_the_passphrase_it_does_not_open_and_nothing_changes(encrypted):
    path, *_ = encrypted
    before = path.read_bytes()
    with pytest.raises(DatabaseLocked, match="passphrase"):
        Store.open(path)
    with pytest.raises(WrongPassphrase) as refused:
        unlock(path, "not the right passphrase at all")
    assert "\n" not in str(refused.value) and "nothing was changed" in str(refused.value)
    with pytest.raises(DatabaseLocked):
        Store.open(path)
    assert path.read_bytes() == before
    report = check_database(path)
    assert report.verdict is Verdict.UNREADABLE and "encrypted" in report.refused


def test_a_second_practitioners_slot_opens_it_and_a_removed_ones_does_not(encrypted):
    path, ana, bo, _done = encrypted
    with pytest.raises(WrongPassphrase):
        unlock(path, BO)  # Bo has no slot yet
    key = unlock(path, ANA).key  # an admin who unlocked it adds Bo's slot
    add_slot(path, key, BO, practitioner_id=bo, label="Dr Bo Lim")
    database_module._KEYS.clear()
    opened = unlock(path, BO)
    assert opened.practitioner_id == bo
    with Store.open(path) as store:
        assert store.patients.count() == 1
    assert remove_slot(path, bo)
    database_module._KEYS.clear()
    with pytest.raises(WrongPassphrase):
        unlock(path, BO)
    with pytest.raises(DatabaseLocked):
        Store.open(path)
    assert unlock(path, ANA).practitioner_id == ana
    with pytest.raises(Exception, match="last passphrase"):
        remove_slot(path, ana)
    assert [s.slot_id for s in read_slots(path)] == [f"practitioner-{ana}", "recovery"]


def test_a_slot_moved_to_another_practitioner_does_not_open(encrypted):
    path, ana, bo, _done = encrypted
    text = path.with_name("clinic.db.keys").read_text()
    forged = text.replace(f'"practitioner_id": {ana}', f'"practitioner_id": {bo}')
    path.with_name("clinic.db.keys").write_text(forged)
    with pytest.raises(WrongPassphrase):
        unlock(path, ANA)


def test_the_recovery_code_opens_it(encrypted):
    path, _ana, _bo, done = encrypted
    opened = unlock(path, done.recovery_code.lower().replace("-", " "))
    assert opened.slot.kind == "recovery"
    with Store.open(path) as store:
        assert store.patients.count() == 1


def test_backup_check_and_restore_round_trip_encrypted(encrypted, tmp_path):
    path, ana, _bo, _done = encrypted
    unlock(path, ANA)
    folder = tmp_path / "backups"
    with Store.open(path) as store:
        store.sign_in(ana, ANA)
        store.patients.add(_patient(2, "Zebedee Fairweather"))
    backup = backup_to(path, folder)
    # The backup is encrypted, carries the key slots beside it, and holds no name.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(backup).execute("SELECT * FROM patients").fetchall()
    assert NAME.encode() not in backup.read_bytes() and b"Zebedee" not in backup.read_bytes()
    assert backup.with_name(backup.name + ".keys").exists()
    assert check_database(path).verdict is Verdict.SOUND
    assert check_database(backup).verdict is Verdict.SOUND
    with Store.open(path) as store:
        store.sign_in(ana, ANA)
        store.patients.add(_patient(3, "Third Patient"))
    result = restore_backup(path, backup, folder)
    assert result.safety_backup is not None
    # A fresh process: the backup's own key file opens it with Ana's passphrase.
    database_module._KEYS.clear()
    unlock(backup, ANA)
    database_module._KEYS.clear()
    unlock(path, ANA)
    with Store.open(path) as store:
        assert store.patients.count() == 2
        assert not store.warnings, store.warnings
    assert check_database(path).verdict is Verdict.SOUND
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM patients").fetchall()


def test_constraint_errors_are_the_standard_ones_on_an_encrypted_file(encrypted):
    path, *_ = encrypted
    unlock(path, ANA)
    with Store.open(path) as store:
        conn = store._ctx.db.conn
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO patients (id) VALUES (1)")


PASSPHRASE_FILE = "passphrase.txt"


def _file(tmp_path, secret):
    target = tmp_path / PASSPHRASE_FILE
    target.write_text(secret + "\n")
    return str(target)


def test_cli_encrypt_check_decrypt_copy_and_forget_plain(tmp_path, capsys):
    path = tmp_path / "clinic.db"
    with Store.open(path) as store:
        store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
        store.patients.add(_patient())
    secret = _file(tmp_path, ANA)
    assert main(["encrypt", "--db", str(path), "--passphrase-file", secret]) == 0
    out = capsys.readouterr().out
    assert "Recovery code" in out and "--forget-plain" in out
    database_module._KEYS.clear()
    assert main(["check", "--db", str(path)]) == 2
    assert "encrypted" in capsys.readouterr().err
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the right passphrase\n")
    assert main(["check", "--db", str(path), "--passphrase-file", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not open" in err
    assert main(["--passphrase-file", secret, "check", "--db", str(path)]) == 0
    capsys.readouterr()
    database_module._KEYS.clear()
    plain = tmp_path / "plain.db"
    args = ["decrypt-copy", "--db", str(path), "--passphrase-file", secret]
    assert main([*args, "--to", str(path)]) == 2  # never over the database
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    assert main([*args, "--to", str(notes)]) == 2  # never over another file
    assert notes.read_text() == "mine"
    assert main([*args, "--to", str(plain)]) == 0
    assert sqlite3.connect(plain).execute("SELECT full_name FROM patients").fetchall() == [(NAME,)]
    unlock(path, ANA)
    with Store.open(path) as store:
        disclosed = [e for e in store.audit_trail("patients") if e.action == "export"]
    assert disclosed and "plain" in str(disclosed[-1].after)
    database_module._KEYS.clear()
    assert list(tmp_path.glob("clinic.plain-*.db"))
    assert main(["encrypt", "--db", str(path), "--forget-plain", "--passphrase-file", secret]) == 0
    assert not list(tmp_path.glob("clinic.plain-*.db"))


def test_cli_demo_encrypt_opens_with_the_printed_passphrase(tmp_path, capsys):
    from tpchart.demo import DEMO_PASSPHRASE

    demo = tmp_path / "demo.db"
    assert main(["demo", "--db", str(demo), "--encrypt", "--patients", "2"]) == 0
    assert DEMO_PASSPHRASE in capsys.readouterr().out
    database_module._KEYS.clear()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(demo).execute("SELECT * FROM patients").fetchall()
    unlock(demo, DEMO_PASSPHRASE)
    with Store.open(demo) as store:
        assert store.is_demo and store.patients.count() == 2


def test_cli_encrypt_leaves_the_clinic_one_recovery_code(tmp_path, capsys):
    """The code printed by `encrypt` opens the file AND recovers the admin's account;
    the code shown at set-up stops working."""
    path = tmp_path / "clinic.db"
    with Store.open(path) as store:
        ana, first_code = store.accounts.set_up_clinic(Practitioner(name="Dr Ana Souza"), ANA)
    assert main(["encrypt", "--db", str(path), "--passphrase-file", _file(tmp_path, ANA)]) == 0
    code = capsys.readouterr().out.rsplit("it is shown only now): ", 1)[1].strip()
    database_module._KEYS.clear()
    unlock(path, code)  # the printed code opens the file
    with Store.open(path) as store:
        with pytest.raises(SignInError, match="not this clinic's"):
            store.accounts.recover(first_code, ana.id, "a new harbour in the morning")
        store.accounts.recover(code, ana.id, "a new harbour in the morning")
