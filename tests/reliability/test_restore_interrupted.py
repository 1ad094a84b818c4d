"""A restore killed at any instant, and a database found missing or emptied, never
become an empty clinic (issue 11, findings 2 and 3).

Before: ``restore`` renamed the current file aside, then copied the backup in; a kill
between the two left nothing at the path, the next start showed an empty clinic, and
closing it wrote an empty backup that became the newest. The emptied-file guard
worked once: the refused open rewrote the lock record's evidence.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tpchart.cli import main
from tpchart.store import DatabaseDamaged, Store
from tpchart.store.file.backup import backup_to
from tpchart.store.file.health import check_database
from tpchart.store.file.lock import read_record
from tpchart.store.file.restore import recover_damaged, restore_backup

from .conftest import ROOT
from .records import add_patient

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _names(db: Path) -> set[str]:
    with Store.open(db, read_only=True) as store:
        return {p.full_name for p in store.patients.find("", include_archived=True)}


@pytest.fixture
def before_and_after(clinic, tmp_path):
    """The clinic now ("old") and a backup of an earlier state ("restored")."""
    backup = backup_to(clinic, tmp_path / "backups")
    restored = _names(backup)
    with Store.open(clinic) as store:
        store.practitioner_id = store.practitioners.all()[0].id
        add_patient(store, 3)
        add_patient(store, 4)
    old = _names(clinic)
    assert old != restored
    return backup, old, restored


def _restore_command(db: Path, backup: Path, folder: Path) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "restore", "--db", str(db),
            "--from", str(backup), "--backups", str(folder)]  # fmt: skip


def _assert_whole(db: Path, old: set[str], restored: set[str], when: str) -> None:
    """At every instant the path holds the old database or the restored one, whole."""
    report = check_database(db)
    assert report.ok, f"{when}: " + "; ".join(report.lines())
    assert _names(db) in (old, restored), when
    with Store.open(db) as store:  # the killed restore's lock does not block, no refusal
        assert store.patients.count() > 0, when


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_restore_killed_at_random_moments_leaves_old_or_new_never_nothing(
    clinic, tmp_path, before_and_after
):
    backup, old, restored = before_and_after
    rng = random.Random(int(os.environ.get("TPCHART_CRASH_SEED", "7")))
    staged = clinic.with_name(clinic.name + ".restoring")

    def restore_from(source: Path) -> subprocess.Popen:
        """A restore, returned once its work has begun (its staged copy appears), so
        the kills land in the restore and not in Python's start-up."""
        staged.unlink(missing_ok=True)  # left by the previous round's kill
        child = subprocess.Popen(
            _restore_command(clinic, source, tmp_path / "safety"), env=_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while not staged.exists() and child.poll() is None:
            time.sleep(0.0005)
        return child

    # How long the work takes here, so the kills spread over all of it.
    child = restore_from(backup)
    begun = time.monotonic()
    assert child.wait() == 0
    work = time.monotonic() - begun
    killed = 0
    for round_number in range(20):
        if _names(clinic) == restored:
            source = _keep(clinic, tmp_path, round_number, old)
        else:
            source = backup
        child = restore_from(source)
        time.sleep(rng.uniform(0.0, work))
        child.send_signal(signal.SIGKILL)
        killed += child.wait() == -signal.SIGKILL
        _assert_whole(clinic, old, restored, f"round {round_number}")
    assert killed >= 5  # the kills really cut restores short


def _keep(db: Path, tmp_path: Path, n: int, old: set[str]) -> Path:
    """A backup holding the "old" records, to restore them back."""
    kept = [p for p in db.parent.glob(f"{db.stem}.replaced-*{db.suffix}") if _names(p) == old]
    copy = tmp_path / f"old-{n}.db"
    shutil.copyfile(kept[0], copy)
    return copy


@pytest.mark.skipif(
    shutil.which("strace") is None, reason="needs strace (scripts/test.sh installs it)"
)
def test_restore_killed_at_each_rename_link_and_unlink_leaves_old_or_new(
    clinic, tmp_path, before_and_after
):
    # The reproduction, at every step that changes a name in the folder.
    backup, old, restored = before_and_after
    calls = "rename,renameat,renameat2,link,linkat,unlink,unlinkat"
    kills = 0
    for when in range(1, 40):
        result = subprocess.run(
            ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={calls}",
             "-e", f"inject={calls}:signal=SIGKILL:when={when}",
             *_restore_command(clinic, backup, tmp_path / "safety")],
            env=_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        _assert_whole(clinic, old, restored, f"killed at step {when}")
        if result.returncode == 0:
            break  # the restore finished before the when-th such call
        # strace ends with its tracee's signal: 128 + SIGKILL
        assert result.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), result.stderr
        kills += 1
        # The next round restores onto whatever this one left.
        if _names(clinic) == restored:
            with Store.open(clinic) as store:
                store.practitioner_id = store.practitioners.all()[0].id
                add_patient(store, 3)
                add_patient(store, 4)
            assert _names(clinic) == old
    else:
        pytest.fail("the restore never finished")
    assert kills >= 3  # the staged copy's clean-up, the safety backup, the link, the swap
    assert _names(clinic) == restored


def test_a_missing_database_with_a_lock_record_of_records_is_not_a_new_clinic(clinic, capsys):
    # What the old restore left: no file, the previous one kept aside as "replaced".
    clinic.rename(clinic.with_name("clinic.replaced-20261120-101500.db"))
    for _ in range(2):  # the refusal holds at every try, not just the first
        with pytest.raises(DatabaseDamaged, match="missing, although"):
            Store.open(clinic)
        assert main(["demo", "--db", str(clinic), "--patients", "1"]) == 2
        assert "missing, although" in capsys.readouterr().err
        assert not clinic.exists()
        assert read_record(clinic)["had_data"]
    # The app's recovery offers the copy kept aside, the newest whole database.
    found = recover_damaged(clinic)
    assert found.backup is not None and found.backup.path.name.startswith("clinic.replaced-")
    restore_backup(clinic, found.backup.path, clinic.parent / "safety")
    assert _names(clinic) == {"Patient 1", "Patient 2"}


def test_an_emptied_database_is_refused_every_time(clinic, capsys):
    clinic.write_bytes(b"")
    for attempt in range(3):
        with pytest.raises(DatabaseDamaged, match="empty, although"):
            Store.open(clinic)
        assert main(["demo", "--db", str(clinic), "--patients", "1"]) == 2, attempt
        assert "empty, although" in capsys.readouterr().err
        assert clinic.stat().st_size == 0
    assert read_record(clinic)["had_data"]


def test_a_missing_database_with_backups_but_no_lock_record_is_refused(clinic, tmp_path):
    # The lock file went too (a careless clean-up): the backups still say records existed.
    from tpchart.store.file.locations import backup_folder_for

    backup_to(clinic, backup_folder_for(clinic))
    clinic.unlink()
    clinic.with_name(clinic.name + ".lock").unlink()
    with pytest.raises(DatabaseDamaged, match="backup"):
        Store.open(clinic)
    assert not clinic.exists()


def test_choosing_to_start_empty_is_remembered(clinic):
    # The doctor's explicit choice in the damaged-file dialog clears the evidence.
    from tpchart.store.file.lock import DatabaseLock

    clinic.write_bytes(b"")
    recover_damaged(clinic)  # the emptied file is kept aside
    with DatabaseLock(clinic) as lock:
        lock.forget_data()
        with Store.open(clinic, lock=lock) as store:
            assert store.patients.count() == 0


def test_a_first_start_is_not_mistaken_for_a_lost_database(tmp_path):
    with Store.open(tmp_path / "new.db") as store:
        assert store.patients.count() == 0


def test_an_interrupted_restore_is_said_at_the_next_start(clinic):
    staged = clinic.with_name(clinic.name + ".restoring")
    staged.write_bytes(b"half a copy")
    with Store.open(clinic) as store:
        assert any("restore" in w and "interrupted" in w for w in store.warnings)
        assert store.patients.count() == 2


def test_a_missing_database_with_only_its_wal_left_is_refused_every_time(clinic):
    # Found by a hostile tester: with the lock file gone too, the first refused open
    # wrote a fresh lock record ("no data"), and the second opened an empty clinic,
    # deleting the -wal that held the records.
    with Store.open(clinic) as store:
        store.practitioner_id = store.practitioners.all()[0].id
        wal = clinic.with_name(clinic.name + "-wal")
        for n in range(3, 8):
            add_patient(store, n)
        saved = wal.read_bytes()
    wal.write_bytes(saved)  # as a crash would leave it
    clinic.unlink()
    clinic.with_name(clinic.name + ".lock").unlink()
    for _ in range(3):
        with pytest.raises(DatabaseDamaged, match="missing, although"):
            Store.open(clinic)
        assert wal.read_bytes() == saved and not clinic.exists()


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_kill_while_the_lock_record_is_written_keeps_its_evidence(clinic):
    # The record was truncated, then written: a kill between the two emptied it, and
    # with it the evidence that records existed.
    clinic.unlink()
    for when in range(1, 6):
        subprocess.run(
            ["strace", "-f", "-qq", "-o", os.devnull, "-e", "trace=write,ftruncate",
             "-e", f"inject=write,ftruncate:signal=SIGKILL:when={when}",
             sys.executable, str(ROOT / "main.py"), "demo", "--db", str(clinic)],
            env=_env(), capture_output=True, timeout=120,
        )  # fmt: skip
        assert read_record(clinic)["had_data"], when
        with pytest.raises(DatabaseDamaged, match="missing, although"):
            Store.open(clinic)


def test_restore_through_a_symlink_restores_the_real_file_and_keeps_the_link(
    clinic, tmp_path, before_and_after
):
    backup, old, restored = before_and_after
    link = tmp_path / "links" / "clinic.db"
    link.parent.mkdir()
    link.symlink_to(clinic)
    result = subprocess.run(_restore_command(link, backup, tmp_path / "safety"), env=_env(),
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and _names(clinic) == restored
    kept = list(clinic.parent.glob("clinic.replaced-*.db"))
    assert kept and not kept[0].is_symlink() and _names(kept[0]) == old
