"""One writer per database: a second copy of the app (or a command) does not write,
and a lock left by a killed process does not block the next start."""

from __future__ import annotations

import hashlib
import signal

import pytest

from tpchart.cli import main
from tpchart.store import DatabaseInUse, Store
from tpchart.store.file.lock import DatabaseLock

from .conftest import held_open
from .records import add_patient


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def holder(db_path):
    """Another process with the database open for writing."""
    Store.open(db_path).close()
    with held_open(db_path) as process:
        yield process


def test_second_instance_does_not_open_for_writing(db_path, holder):
    before = _digest(db_path)
    with pytest.raises(DatabaseInUse, match=rf"already open .*process {holder.pid}"):
        Store.open(db_path)
    assert _digest(db_path) == before


def test_second_instance_may_read(db_path, holder):
    with Store.open(db_path, read_only=True) as viewer:
        assert viewer.read_only
        assert viewer.patients.count() == 0


def test_commands_refuse_to_write_while_the_app_is_open(db_path, holder, capsys):
    before = _digest(db_path)
    assert main(["demo", "--db", str(db_path), "--patients", "1"]) == 2
    assert "already open in another tpchart" in capsys.readouterr().err
    assert _digest(db_path) == before
    assert main(["check", "--db", str(db_path)]) == 0  # reading is fine


def test_stale_lock_of_a_killed_process_does_not_block(db_path, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with Store.open(db_path) as store:
        assert store.unclean_exit  # noticed, so the full integrity_check ran
        assert store.health.full and store.health.ok


def test_clean_close_needs_only_the_quick_check(store, db_path):
    store.close()
    with Store.open(db_path) as again:
        assert not again.unclean_exit and not again.health.full


def test_the_same_process_cannot_open_twice_for_writing(store, db_path):
    add_patient(store, 1)
    with pytest.raises(DatabaseInUse):
        Store.open(db_path)
    assert store.patients.count() == 1  # the first one carries on


def test_lock_file_says_who_holds_it(db_path):
    with DatabaseLock(db_path) as lock:
        other = DatabaseLock(db_path)
        with pytest.raises(DatabaseInUse) as caught:
            other.acquire()
        assert caught.value.holder["state"] == "open"
        assert lock.held and not other.held
    assert DatabaseLock(db_path).acquire().previous_exit_clean
