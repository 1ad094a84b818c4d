"""inspect_wal against real WAL files written by SQLite, damaged the way disks damage them.

Each WAL is what a crash leaves behind: the database and its -wal copied (without the
-shm) while the connection that wrote them is still open. Every scenario checks the
report against what SQLite itself then does with the copy.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import struct
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tpchart.store.file.wal import WAL_MAGIC, inspect_wal, wal_checksum

ROWS = 30  # one transaction, hence one commit frame, per row
PAGE = 4096


def _write(
    folder: Path,
    rows: int,
    page_size: int = PAGE,
    then: Callable[[sqlite3.Connection], None] | None = None,
    synchronous: str = "FULL",
) -> Path:
    """A database in WAL mode whose table is checkpointed into the file, then ``rows``
    inserts in a transaction each, copied as a crash would leave them."""
    live = folder / "live"
    crash = folder / "crash"
    live.mkdir(parents=True)
    crash.mkdir()
    db = live / "clinic.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as con:
        con.execute(f"PRAGMA page_size={page_size}")
        assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute(f"PRAGMA synchronous={synchronous}")
        con.execute("CREATE TABLE patient(id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for i in range(rows):
            con.execute("INSERT INTO patient(name) VALUES (?)", (f"patient {i}",))
        if then is not None:
            then(con)
        shutil.copyfile(db, crash / db.name)
        shutil.copyfile(db.with_name("clinic.db-wal"), crash / "clinic.db-wal")
    return crash / db.name


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("template"), ROWS)


@pytest.fixture
def crashed(template, tmp_path) -> Path:
    """A fresh copy of the crashed database and its -wal for one test to damage."""
    for name in ("clinic.db", "clinic.db-wal"):
        shutil.copyfile(template.with_name(name), tmp_path / name)
    return tmp_path / "clinic.db"


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def rows_sqlite_sees(db: Path) -> int:
    """Open the database as the app would and count the rows (this lets SQLite
    recover the -wal and delete it at close, so inspect first)."""
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT count(*) FROM patient").fetchone()[0]


def flip(path: Path, offset: int, bits: int = 0xFF) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= bits
    path.write_bytes(bytes(data))


def frame_offset(index: int, page_size: int = PAGE) -> int:
    """Where 0-based frame ``index`` starts in the -wal."""
    return 32 + index * (24 + page_size)


def commit_marks(wal: Path) -> list[bool]:
    """Whether each whole frame of the file is a commit frame, read without the module."""
    data = wal.read_bytes()
    page_size = struct.unpack_from(">I", data, 8)[0]
    count = (len(data) - 32) // (24 + page_size)
    return [
        struct.unpack_from(">I", data, frame_offset(i, page_size) + 4)[0] != 0 for i in range(count)
    ]


# --- the checksum ----------------------------------------------------------------


def test_checksum_on_a_hand_computed_vector_in_both_byte_orders():
    data = bytes.fromhex("00000001 00000002 ffffffff 00000010")
    # Big-endian words 1, 2, 0xffffffff, 0x10:
    #   s0 = 0 + 1 + 0 = 1;                  s1 = 0 + 2 + 1 = 3
    #   s0 = 1 + 0xffffffff + 3 = 3 (mod);   s1 = 3 + 0x10 + 3 = 0x16
    assert wal_checksum(data, big_endian=True) == (3, 0x16)
    # Little-endian words 0x01000000, 0x02000000, 0xffffffff, 0x10000000:
    #   s0 = 0x01000000;                     s1 = 0x02000000 + 0x01000000 = 0x03000000
    #   s0 = 0x01000000 + 0xffffffff + 0x03000000 = 0x03ffffff (mod)
    #   s1 = 0x03000000 + 0x10000000 + 0x03ffffff = 0x16ffffff
    assert wal_checksum(data, big_endian=False) == (0x03FFFFFF, 0x16FFFFFF)
    # Continuing from a previous state is the same as checksumming the whole.
    assert wal_checksum(data[8:], True, *wal_checksum(data[:8], True)) == (3, 0x16)


def test_checksum_covers_multiples_of_eight_bytes_only():
    with pytest.raises(ValueError):
        wal_checksum(b"\0" * 12, big_endian=False)


def test_checksum_matches_the_header_sqlite_wrote(crashed):
    header = wal_of(crashed).read_bytes()[:32]
    magic = struct.unpack_from(">I", header)[0]
    assert magic & ~1 == WAL_MAGIC
    assert wal_checksum(header[:24], big_endian=bool(magic & 1)) == struct.unpack_from(
        ">2I", header, 24
    )


# --- healthy logs ----------------------------------------------------------------


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_a_healthy_wal_loses_nothing(tmp_path, page_size):
    db = _write(tmp_path, ROWS, page_size=page_size)
    report = inspect_wal(db)
    assert report.path == wal_of(db)
    assert report.exists and report.header_ok
    assert report.frames == len(commit_marks(wal_of(db))) >= ROWS
    assert report.transactions == report.kept_transactions == ROWS
    assert not report.damaged and report.lost_transactions == 0 and report.problem == ""
    assert rows_sqlite_sees(db) == ROWS


def test_no_wal_is_healthy(tmp_path):
    report = inspect_wal(tmp_path / "clinic.db")
    assert not report.exists and not report.damaged and report.problem == ""
    assert report.frames == report.transactions == 0


@pytest.mark.parametrize("content", [b"", b"\0" * 20], ids=["empty", "short-zeros"])
def test_an_empty_or_short_wal_is_healthy(tmp_path, content):
    (tmp_path / "clinic.db-wal").write_bytes(content)
    report = inspect_wal(tmp_path / "clinic.db")
    assert report.exists and not report.header_ok
    assert report.frames == report.transactions == 0
    assert not report.damaged and report.problem == ""


def test_a_valid_header_without_frames_is_healthy(crashed):
    os.truncate(wal_of(crashed), 32)
    report = inspect_wal(crashed)
    assert report.header_ok and report.frames == report.transactions == 0
    assert not report.damaged
    assert rows_sqlite_sees(crashed) == 0  # the rows lived only in the frames


def test_a_partial_last_frame_is_ignored_as_after_a_crash(crashed):
    wal = wal_of(crashed)
    os.truncate(wal, frame_offset(ROWS - 1) + 24 + PAGE // 2)
    report = inspect_wal(crashed)
    assert report.header_ok and report.frames == ROWS - 1
    assert report.transactions == report.kept_transactions == ROWS - 1
    assert not report.damaged and report.problem == ""
    assert rows_sqlite_sees(crashed) == ROWS - 1


def _restart_then_write(rows: int) -> Callable[[sqlite3.Connection], None]:
    def restart(con: sqlite3.Connection) -> None:
        assert con.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0] == 0
        for i in range(rows):
            con.execute("INSERT INTO patient(name) VALUES (?)", (f"later {i}",))

    return restart


def test_frames_left_from_before_a_checkpoint_restart_are_not_reported(tmp_path):
    db = _write(tmp_path, 40, then=_restart_then_write(3))
    assert len(commit_marks(wal_of(db))) == 40  # the 3 new frames overwrote the first 3
    report = inspect_wal(db)
    assert report.header_ok and report.frames == 3
    assert report.transactions == report.kept_transactions == 3
    assert not report.damaged
    assert rows_sqlite_sees(db) == 43


def test_with_a_damaged_header_only_the_current_generation_counts(tmp_path):
    db = _write(tmp_path, 40, then=_restart_then_write(3))
    flip(wal_of(db), 17)  # a byte of salt-1
    report = inspect_wal(db)
    assert not report.header_ok and report.frames == 3
    assert report.transactions == 3 and report.kept_transactions == 0
    assert report.lost_transactions == 3
    assert rows_sqlite_sees(db) == 40  # the checkpointed rows only


# --- damaged logs ----------------------------------------------------------------

HEADER_DAMAGE = {
    "magic": (0, 0xFF),
    "magic byte-order bit": (3, 0x01),
    "version": (7, 0xFF),
    "page size, still a power of two": (10, 0x30),  # 4096 -> 8192
    "page size, not a power of two": (11, 0xFF),
    "checkpoint sequence": (15, 0xFF),
    "salt-1": (19, 0xFF),
    "salt-2": (23, 0xFF),
    "checksum-1": (27, 0xFF),
    "checksum-2": (31, 0xFF),
}


@pytest.mark.parametrize(("offset", "bits"), HEADER_DAMAGE.values(), ids=HEADER_DAMAGE.keys())
def test_one_byte_changed_in_the_header_loses_every_transaction(crashed, offset, bits):
    flip(wal_of(crashed), offset, bits)
    report = inspect_wal(crashed)
    assert not report.header_ok
    assert report.frames == ROWS
    assert report.transactions == ROWS and report.kept_transactions == 0
    assert report.damaged and report.lost_transactions == ROWS
    assert report.problem == (
        f"the header of clinic.db-wal is damaged: SQLite would ignore it and lose "
        f"{ROWS} saved changes"
    )
    assert rows_sqlite_sees(crashed) == 0


FRAME_DAMAGE = {
    "page number": 3,
    "commit size": 7,
    "salt-1": 11,
    "salt-2": 15,
    "checksum-1": 19,
    "checksum-2": 23,
    "page data": 24 + 1000,
}


@pytest.mark.parametrize("offset", FRAME_DAMAGE.values(), ids=FRAME_DAMAGE.keys())
def test_one_byte_changed_in_a_middle_frame_loses_it_and_every_later_commit(crashed, offset):
    middle = 12
    marks = commit_marks(wal_of(crashed))
    flip(wal_of(crashed), frame_offset(middle) + offset)
    report = inspect_wal(crashed)
    seen = rows_sqlite_sees(crashed)
    assert seen == sum(marks[:middle]) == middle
    assert report.header_ok and report.frames == ROWS
    assert report.transactions == ROWS
    assert report.kept_transactions == seen
    assert report.lost_transactions == sum(marks[middle:]) == ROWS - seen
    assert report.problem == (
        f"frame {middle + 1} of {ROWS} in clinic.db-wal is damaged: SQLite would stop "
        f"reading there and lose the last {ROWS - middle} saved changes"
    )


def test_an_altered_frame_does_not_hide_later_intact_frames(crashed):
    """Checksums chain from the stored ones: after frame 10's page is altered, frame 20
    (whose salt is altered too) still chains, so it is not taken for an older frame."""
    flip(wal_of(crashed), frame_offset(10) + 24 + 300)
    flip(wal_of(crashed), frame_offset(20) + 11)
    report = inspect_wal(crashed)
    assert report.frames == report.transactions == ROWS
    assert report.kept_transactions == 10 and report.lost_transactions == ROWS - 10
    assert report.problem.startswith("frame 11 of 30 in clinic.db-wal is damaged")
    assert rows_sqlite_sees(crashed) == 10


def test_a_bad_last_frame_is_taken_for_a_write_cut_short(crashed):
    # SQLite writes a frame's header and its page in two calls: a process killed between
    # them leaves a whole-sized last frame with a commit mark and a bad checksum, for a
    # commit that never returned. Nothing after it proves it was ever written, so it is
    # not reported (refusing would turn every such crash into a false alarm).
    flip(wal_of(crashed), frame_offset(ROWS - 1) + 24 + 200)
    report = inspect_wal(crashed)
    assert report.header_ok and report.frames == ROWS
    assert report.transactions == report.kept_transactions == ROWS - 1
    assert not report.damaged and report.problem == ""
    assert rows_sqlite_sees(crashed) == ROWS - 1


def test_a_bad_frame_is_lost_when_a_later_intact_commit_proves_it_was_written(crashed):
    flip(wal_of(crashed), frame_offset(ROWS - 2) + 24 + 200)
    report = inspect_wal(crashed)
    assert report.damaged and report.lost_transactions == 2
    assert report.problem.endswith("lose the last 2 saved changes")
    assert rows_sqlite_sees(crashed) == ROWS - 2


def test_a_frame_for_page_zero_stops_sqlite_even_with_a_valid_checksum(crashed):
    """Not a one-byte accident either: SQLite rejects a frame for page 0 however well
    its checksum checks out, and drops the frames after it."""
    flip(wal_of(crashed), frame_offset(15) + 3, 0x02)  # page 2 -> page 0
    reseal(wal_of(crashed), big_endian=False)
    report = inspect_wal(crashed)
    assert report.header_ok
    assert report.kept_transactions == 15 and report.lost_transactions == ROWS - 15
    assert rows_sqlite_sees(crashed) == 15


def test_a_header_with_another_version_and_a_valid_checksum_is_refused(crashed):
    """Not a one-byte accident: SQLite checks the version only after the checksum, and
    refuses to open the database at all rather than ignoring the WAL."""
    wal = wal_of(crashed)
    data = bytearray(wal.read_bytes())
    struct.pack_into(">I", data, 4, 3007001)
    struct.pack_into(">2I", data, 24, *wal_checksum(bytes(data[:24]), big_endian=False))
    wal.write_bytes(bytes(data))
    report = inspect_wal(crashed)
    assert not report.header_ok and report.damaged and report.lost_transactions == ROWS
    with pytest.raises(sqlite3.OperationalError):
        rows_sqlite_sees(crashed)


# --- big-endian checksums (SQLite writes native order; this machine is little-endian) --


def reseal(wal: Path, big_endian: bool) -> None:
    """Rewrite a single-generation WAL's magic and every checksum, in the given byte
    order, so that whatever was edited in it checks out again."""
    data = bytearray(wal.read_bytes())
    page_size = struct.unpack_from(">I", data, 8)[0]
    struct.pack_into(">I", data, 0, WAL_MAGIC | big_endian)
    checksum = wal_checksum(bytes(data[:24]), big_endian)
    struct.pack_into(">2I", data, 24, *checksum)
    for i in range(len(commit_marks(wal))):
        at = frame_offset(i, page_size)
        checksum = wal_checksum(bytes(data[at : at + 8]), big_endian, *checksum)
        page = bytes(data[at + 24 : at + 24 + page_size])
        checksum = wal_checksum(page, big_endian, *checksum)
        struct.pack_into(">2I", data, at + 16, *checksum)
    wal.write_bytes(bytes(data))


def to_big_endian(wal: Path) -> None:
    """SQLite writes native-order checksums only; this machine's are little-endian."""
    assert struct.unpack_from(">I", wal.read_bytes())[0] == WAL_MAGIC
    reseal(wal, big_endian=True)


def test_a_big_endian_wal_is_read_by_sqlite_and_found_healthy(crashed):
    to_big_endian(wal_of(crashed))
    report = inspect_wal(crashed)
    assert report.header_ok and report.transactions == report.kept_transactions == ROWS
    assert not report.damaged
    assert rows_sqlite_sees(crashed) == ROWS  # SQLite agrees with our big-endian sums


def test_a_big_endian_wal_with_a_damaged_frame(crashed):
    to_big_endian(wal_of(crashed))
    flip(wal_of(crashed), frame_offset(20) + 24 + 50)
    report = inspect_wal(crashed)
    assert report.kept_transactions == 20 and report.lost_transactions == ROWS - 20
    assert rows_sqlite_sees(crashed) == 20


def test_the_byte_order_is_found_when_the_magic_says_the_wrong_one(crashed):
    """Big-endian WAL whose magic now says little-endian and whose header salt is
    damaged too: only the big-endian checksums tie the first frame to the header."""
    to_big_endian(wal_of(crashed))
    flip(wal_of(crashed), 3, 0x01)
    flip(wal_of(crashed), 19)
    report = inspect_wal(crashed)
    assert not report.header_ok and report.frames == ROWS
    assert report.lost_transactions == ROWS
    assert rows_sqlite_sees(crashed) == 0


# --- reading only ----------------------------------------------------------------


def test_inspecting_writes_nothing(crashed):
    flip(wal_of(crashed), 19)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in crashed.parent.iterdir()}
    assert inspect_wal(crashed).damaged
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in crashed.parent.iterdir()}
    assert after == before


def test_a_wal_that_cannot_be_read_raises(tmp_path):
    (tmp_path / "clinic.db-wal").mkdir()
    with pytest.raises(OSError):
        inspect_wal(tmp_path / "clinic.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_wal_without_read_permission_raises(crashed):
    wal_of(crashed).chmod(0)
    try:
        with pytest.raises(PermissionError):
            inspect_wal(crashed)
    finally:
        wal_of(crashed).chmod(0o600)


# --- speed -----------------------------------------------------------------------


def test_a_1000_page_wal_is_read_in_well_under_a_second(tmp_path):
    def bulk(con: sqlite3.Connection) -> None:
        con.execute("INSERT INTO patient(name) VALUES ('x')")
        for i in range(999):
            con.execute("UPDATE patient SET name = ? WHERE id = 1", (f"x{i}",))

    db = _write(tmp_path, 0, then=bulk, synchronous="OFF")
    assert len(commit_marks(wal_of(db))) == 1000
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        report = inspect_wal(db)
        best = min(best, time.perf_counter() - start)
    assert report.transactions == report.kept_transactions == 1000
    assert best < 0.5, f"{best:.3f} s"


def _overwrite(wal: Path, offset: int, data: bytes) -> None:
    content = bytearray(wal.read_bytes())
    content[offset : offset + len(data)] = data
    wal.write_bytes(bytes(content))


@pytest.mark.parametrize(
    ("first", "count", "what"),
    [(12, 1, "zeros"), (12, 1, "random header"), (9, 11, "zeros")],
    ids=["one frame zeroed", "a frame header overwritten", "frames 10-20 zeroed"],
)
def test_whole_frames_after_a_wiped_stretch_still_prove_the_loss(crashed, first, count, what):
    # Found by a hostile tester: a zeroed block or a scrambled frame header has neither
    # the salts nor a chaining checksum, and the walk used to stop there as if the log
    # ended, so SQLite silently dropped everything after it.
    wal = wal_of(crashed)
    size = frame_offset(1) - frame_offset(0)
    if what == "zeros":
        _overwrite(wal, frame_offset(first), bytes(size * count))
    else:
        _overwrite(
            wal, frame_offset(first), bytes(random.Random(5).randrange(256) for _ in range(24))
        )
    report = inspect_wal(crashed)
    seen = rows_sqlite_sees(crashed)
    assert seen == first and report.kept_transactions == seen
    assert report.damaged and report.lost_transactions >= ROWS - first - count
