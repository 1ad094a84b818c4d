"""A damaged -wal never silently loses acknowledged writes (issue 11, finding 4).

Before: one changed byte in the WAL header lost 74 of 200 committed patients, a bad
frame lost 19, ``check`` said ok, and the damaged -wal was deleted at close. Now the
-wal is read before SQLite opens the file; when committed frames would be dropped the
open is refused, the files are kept aside whole, and ``check`` says how many saved
changes are at stake.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tpchart.store import DatabaseDamaged, Store
from tpchart.store.file.health import Verdict, check_database
from tpchart.store.file.restore import recover_damaged
from tpchart.store.file.wal import inspect_wal

from .conftest import ROOT, run_tpchart

WRITE_AND_DIE = """
import os, sys
sys.path.insert(0, sys.argv[2])
from records import add_patient
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
store = Store.open(sys.argv[1])
store.practitioner_id = store.practitioners.add(Practitioner(name="Dr W")).id
for n in range(1, 61):
    add_patient(store, n)          # each one committed and acknowledged
os._exit(0)                        # no close: the -wal keeps the commits, as after a crash
"""


@pytest.fixture
def crashed(db_path) -> Path:
    """A database whose last 60 acknowledged patients live only in its -wal."""
    here = Path(__file__).parent
    subprocess.run([sys.executable, "-c", WRITE_AND_DIE, str(db_path), str(here)],
                   env={"PYTHONPATH": str(ROOT)}, check=True)  # fmt: skip
    wal = inspect_wal(db_path)
    assert wal.header_ok and wal.transactions > 0 and not wal.damaged
    return db_path


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def _files(db: Path) -> dict[str, bytes]:
    # The lock record is rewritten by every attempt; the database files must not change.
    files = db.parent.glob(db.name + "*")
    return {p.name: p.read_bytes() for p in files if p.is_file() and p.suffix != ".lock"}


@pytest.mark.parametrize(
    "offset",
    [pytest.param(17, id="header salt"), pytest.param(25, id="header checksum"),
     pytest.param(32 + 24 + 4096 * 2 + 24 * 2 + 100, id="a frame's page")],
)  # fmt: skip
def test_a_damaged_wal_is_refused_untouched_and_named_by_check(crashed, offset):
    wal_file = crashed.with_name(crashed.name + "-wal")
    _flip(wal_file, offset)
    lost = inspect_wal(crashed).lost_transactions
    assert lost > 0
    before = _files(crashed)
    with pytest.raises(DatabaseDamaged, match=f"lose (the last )?{lost} saved change"):
        Store.open(crashed)
    with pytest.raises(DatabaseDamaged):
        Store.open(crashed, read_only=True)  # a reader would see an older state too
    result = run_tpchart("check", "--db", str(crashed))
    assert result.returncode == Verdict.DAMAGED, result.stdout
    assert f"{lost} saved change" in result.stdout and "DAMAGED" in result.stdout
    assert _files(crashed) == before  # nothing opened, checkpointed or deleted it


def test_the_app_keeps_a_damaged_wal_aside_never_deletes_it(crashed):
    wal_file = crashed.with_name(crashed.name + "-wal")
    _flip(wal_file, 17)
    content = wal_file.read_bytes()
    found = recover_damaged(crashed)  # what the app's damaged-file dialog does first
    kept_wal = [p for p in found.kept_aside if p.name.endswith("-wal")]
    assert kept_wal and kept_wal[0].read_bytes() == content
    assert not wal_file.exists() and not crashed.exists()


def test_an_intact_wal_after_a_crash_opens_with_every_acknowledged_write(crashed):
    assert check_database(crashed).ok
    with Store.open(crashed) as store:
        assert store.patients.count() == 60


def test_a_damaged_wal_reached_through_a_symlink_is_refused(crashed, tmp_path):
    # The -wal is beside the real file, not beside the link: look there.
    _flip(crashed.with_name(crashed.name + "-wal"), 17)
    link = tmp_path / "links" / "clinic.db"
    link.parent.mkdir()
    link.symlink_to(crashed)
    with pytest.raises(DatabaseDamaged, match="saved change"):
        Store.open(link)
    assert run_tpchart("check", "--db", str(link)).returncode == Verdict.DAMAGED
