"""The single-writer lock holds whatever name the database is reached by (issue 11,
finding 9). Before: a symlink, a hard link or a deleted lock file let a second writer
in; the hard-linked one got SQLITE_CORRUPT on every write."""

from __future__ import annotations

import hashlib
import os
import signal

import pytest

from tpchart.cli import main
from tpchart.store import DatabaseInUse, Store
from tpchart.store.file.lock import lock_path

from .conftest import held_open


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def holder(clinic):
    """Another process with the database open for writing."""
    with held_open(clinic) as process:
        yield process


def _other_name(clinic, how: str):
    other = clinic.parent / "elsewhere" / "same.db"
    other.parent.mkdir()
    if how == "symlink":
        other.symlink_to(clinic)
    elif how == "hard link":
        os.link(clinic, other)
    return other


@pytest.mark.parametrize("how", ["symlink", "hard link"])
def test_a_second_writer_through_another_name_is_refused(clinic, holder, how, capsys):
    other = _other_name(clinic, how)
    before = _digest(clinic)
    with pytest.raises(DatabaseInUse, match="already open"):
        Store.open(other)
    assert main(["demo", "--db", str(other), "--patients", "1"]) == 2
    assert "already open" in capsys.readouterr().err
    assert _digest(clinic) == before


def test_deleting_the_lock_file_does_not_let_a_second_writer_in(clinic, holder):
    lock_path(clinic).unlink()
    before = _digest(clinic)
    with pytest.raises(DatabaseInUse, match="already open"):
        Store.open(clinic)
    assert _digest(clinic) == before


def test_the_identity_lock_goes_with_the_process(clinic, holder):
    os.link(clinic, clinic.parent / "same.db")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with Store.open(clinic.parent / "same.db") as store:  # a killed holder blocks nothing
        assert store.patients.count() == 2


def test_the_identity_lock_follows_a_restored_file(clinic, tmp_path):
    # After a restore the path holds a new file: the app (which keeps its lock across
    # the restore) must hold that one, not the file kept aside.
    from tpchart.store.file.backup import backup_to
    from tpchart.store.file.lock import DatabaseLock
    from tpchart.store.file.restore import restore_backup

    backup = backup_to(clinic, tmp_path / "backups")
    with DatabaseLock(clinic) as lock:
        restore_backup(clinic, backup, tmp_path / "safety", lock=lock)
        with Store.open(clinic, lock=lock) as store:
            os.link(clinic, tmp_path / "alias.db")
            with pytest.raises(DatabaseInUse):
                Store.open(tmp_path / "alias.db")
            assert store.patients.count() == 2
