"""Patient files are private to their owner: 0600 files in 0700 folders, whatever the
umask, and an existing file left readable by others is tightened at open and logged
(issue 11, finding 11; before, all were 0644 in 0755 folders)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from tpchart.store import Store
from tpchart.store.autobackup import AutoBackup
from tpchart.store.file import backup_to, rotate
from tpchart.store.file.locations import default_backup_folder, default_database, log_folder
from tpchart.store.file.logfile import setup_logging

from .conftest import run_tpchart
from .records import add_patient, start_session

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask 022", "umask 000"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_the_default_database_its_files_backups_and_log_are_private(umask, tmp_path):
    db = default_database()
    store = Store.open(db)
    try:
        store.practitioner_id = store.practitioners.add(_doctor()).id
        add_patient(store, 1)
        files = [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", ".lock"))]
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        backup = AutoBackup(store).take("manual")
    finally:
        store.close()
    assert _mode(backup) == 0o600
    for folder in (db.parent, default_backup_folder(), backup.parent):
        assert _mode(folder) == 0o700, folder
    log = setup_logging()
    logging.getLogger("tpchart").info("a line")
    assert _mode(log) == 0o600 and _mode(log_folder()) == 0o700
    for handler in list(logging.getLogger("tpchart").handlers):
        if getattr(handler, "baseFilename", None) == str(log):
            logging.getLogger("tpchart").removeHandler(handler)
            handler.close()


def test_exported_pdfs_and_command_line_backups_are_private(umask, clinic, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = run_tpchart("export-pdf", "--db", str(clinic), "--session", "1",
                         "-o", str(out / "session.pdf"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _mode(out / "session.pdf") == 0o600
    result = run_tpchart("backup", "--db", str(clinic), "--to", str(tmp_path / "new" / "b"))
    assert result.returncode == 0, result.stderr
    (backup,) = (tmp_path / "new" / "b").glob("tpchart-*.db")
    assert _mode(backup) == 0o600
    assert _mode(tmp_path / "new") == _mode(tmp_path / "new" / "b") == 0o700


def test_an_open_file_is_made_private_and_the_log_says_so(clinic, caplog):
    for path in (clinic, clinic.with_name(clinic.name + ".lock")):
        path.chmod(0o644)
    with caplog.at_level(logging.WARNING, "tpchart.store"), Store.open(clinic) as store:
        store.practitioner_id = store.practitioners.all()[0].id
        start_session(store, 1)
        assert _mode(clinic.with_name(clinic.name + "-wal")) == 0o600
    assert _mode(clinic) == _mode(clinic.with_name(clinic.name + ".lock")) == 0o600
    assert any("Made the file" in r.message and "private" in r.message for r in caplog.records)


def _doctor():
    from tpchart.core.practitioner import Practitioner

    return Practitioner(name="Dr Ana Souza")


def test_backups_an_older_version_left_readable_are_made_private(clinic, tmp_path):
    old = backup_to(clinic, tmp_path / "b")
    old.chmod(0o644)  # as versions before issue 11 wrote them
    rotate(tmp_path / "b")  # every backup's folder is rotated after each new backup
    assert _mode(old) == 0o600
