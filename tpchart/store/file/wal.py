"""Read a SQLite write-ahead log (``<db>-wal``) before SQLite does.

SQLite trusts its WAL only as far as the WAL checks out: when the 32-byte header is
damaged it ignores the whole file, and when a frame is damaged it drops that frame and
every later one, committed transactions included. It says nothing, and deletes the
``-wal`` when the last connection closes. :func:`inspect_wal` reads the WAL as SQLite's
recovery would (format: https://www.sqlite.org/fileformat2.html#walformat, section 4)
and, separately, counts the transactions that were written legitimately, so the caller
can keep the ``-wal`` aside instead of letting SQLite open the database and lose them.

Legitimacy does not depend on where SQLite stops: each frame's checksum is chained from
the previous frame's *stored* checksum (the first frame's from the header's stored
one), so one altered frame does not make the intact frames after it look altered too.
A frame belongs to the current generation of the WAL while its salts equal the
generation's salts or its checksum chains; the first frame failing both is left over
from before a checkpoint restarted the log, and it and everything after it is ignored.

Only the standard library is used, and the file is read in chunks of whole frames and
never written.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["WAL_MAGIC", "WAL_VERSION", "WalReport", "inspect_wal", "wal_checksum"]

log = logging.getLogger("tpchart.store")

WAL_MAGIC = 0x377F0682
"""The WAL magic number with the low bit clear; the low bit set means big-endian checksums."""

WAL_VERSION = 3007000
"""The only WAL format version SQLite writes or accepts."""

HEADER_SIZE = 32
FRAME_HEADER_SIZE = 24
_PAGE_SIZES = tuple(1 << shift for shift in range(9, 17))  # 512 .. 65536
_MASK = 0xFFFFFFFF
_READ_SIZE = 1 << 20  # bytes per read, rounded down to whole frames (at least one)
_HEADER = struct.Struct(">8I")
_FRAME_HEADER = struct.Struct(">6I")


@dataclass(frozen=True)
class WalReport:
    """What SQLite would make of a database's ``-wal``, and what it would lose."""

    path: Path
    """The ``-wal`` file looked at."""
    exists: bool
    """Whether the ``-wal`` file exists."""
    header_ok: bool
    """Whether the file has a 32-byte header that SQLite accepts (False when it is
    missing or shorter than a header)."""
    frames: int
    """Whole frames of the current generation found in the file."""
    transactions: int
    """Commit frames of the current generation: the intact ones, plus damaged frames
    that still carry a commit mark (their transaction was committed, and SQLite will
    drop it)."""
    kept_transactions: int
    """Commit frames that SQLite will apply when it opens the database."""
    problem: str
    """``""`` when nothing would be lost, otherwise one plain-English sentence
    (without a final full stop) saying what is damaged and what would be lost."""

    @property
    def lost_transactions(self) -> int:
        """Committed transactions in the file that SQLite would silently drop."""
        return self.transactions - self.kept_transactions

    @property
    def damaged(self) -> bool:
        """Whether opening the database would lose committed transactions."""
        return self.lost_transactions > 0


@dataclass(frozen=True)
class _Walk:
    """One pass over the frames with a given page size and checksum byte order."""

    frames: int = 0
    intact: int = 0
    transactions: int = 0
    """Commit frames up to the last intact one: written, as far as the file can tell."""
    kept: int = 0
    """Commit frames before the first frame that is not intact."""
    first_bad: int = 0
    """1-based number of the first frame that is not intact; 0 when all are."""


def wal_checksum(
    data: bytes | bytearray | memoryview, big_endian: bool, s0: int = 0, s1: int = 0
) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continuing from
    ``(s0, s1)``: over 32-bit words ``x0, x1`` taken in pairs and read in the given
    byte order, ``s0 += x0 + s1; s1 += x1 + s0``, modulo 2**32."""
    if len(data) % 8:
        raise ValueError(f"the WAL checksum covers multiples of 8 bytes, not {len(data)}")
    return _checksum(data, 0, len(data), big_endian, s0, s1)


def _checksum(
    buffer: bytes | bytearray | memoryview,
    offset: int,
    size: int,
    big_endian: bool,
    s0: int,
    s1: int,
) -> tuple[int, int]:
    words = struct.unpack_from(f"{'>' if big_endian else '<'}{size // 4}I", buffer, offset)
    pairs = iter(words)
    for x0, x1 in zip(pairs, pairs, strict=True):
        s0 = (s0 + x0 + s1) & _MASK
        s1 = (s1 + x1 + s0) & _MASK
    return s0, s1


def inspect_wal(database: Path) -> WalReport:
    """Read ``database``'s ``-wal`` (the file named like it plus ``-wal``) without
    writing anything, and report whether SQLite would drop committed transactions.

    A missing or empty ``-wal``, one shorter than a header, one with a valid header and
    no frames, and one ending in a partial frame (normal after a crash) are healthy.
    A -wal that a running tpchart is writing (``check`` beside the app) is read until
    two looks agree: a frame caught half-written would otherwise look damaged. One
    that never holds still for long enough is not judged (reported healthy), since
    the process writing it has validated it. Read errors such as a denied permission
    raise :class:`OSError`."""
    database = Path(database).resolve()  # beside the real file, not a link to it
    path = database.with_name(database.name + "-wal")
    for attempt in range(STABLE_READ_TRIES):
        before = _stamp(path)
        if before is None:
            return WalReport(path, False, False, 0, 0, 0, "")
        report = _read(path)
        if _stamp(path) == before:
            return report
        time.sleep(0.02 * (attempt + 1))  # a writer is busy: look again in a moment
    log.info("%s kept changing while it was read; it was not judged", path)
    return WalReport(path, True, True, 0, 0, 0, "")


# How many times a -wal being written is read before it is left unjudged.
STABLE_READ_TRIES = 8


def _stamp(path: Path) -> tuple[int, int, bytes] | None:
    """Size, modification time and header: a write changes one of them (the header is
    for file systems whose clock is too coarse to tell two writes apart)."""
    try:
        info = path.stat()
        with path.open("rb") as wal:
            header = wal.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns, header


def _read(path: Path) -> WalReport:
    try:
        wal = path.open("rb")
    except FileNotFoundError:
        return WalReport(path, False, False, 0, 0, 0, "")
    with wal:
        header = wal.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE:
            return WalReport(path, True, False, 0, 0, 0, "")
        magic, version, page_size, _, salt1, salt2, sum1, sum2 = _HEADER.unpack(header)
        big_endian = bool(magic & 1)
        stored = (sum1, sum2)
        header_ok = (
            magic & ~1 == WAL_MAGIC
            and page_size in _PAGE_SIZES
            and _checksum(header, 0, 24, big_endian, 0, 0) == stored
            and version == WAL_VERSION
        )
        if header_ok:
            walk = _walk(wal, page_size, big_endian, (salt1, salt2), stored, trust_salts=True)
        else:
            walk = _best_walk(wal, page_size, big_endian, (salt1, salt2), stored)
    kept = walk.kept if header_ok else 0
    lost = walk.transactions - kept
    problem = ""
    if lost and not header_ok:
        problem = (
            f"the header of {path.name} is damaged: SQLite would ignore it and lose "
            f"{_changes(lost)}"
        )
    elif lost:
        problem = (
            f"frame {walk.first_bad} of {walk.frames} in {path.name} is damaged: SQLite "
            f"would stop reading there and lose the last {_changes(lost)}"
        )
    return WalReport(path, True, header_ok, walk.frames, walk.transactions, kept, problem)


def _changes(count: int) -> str:
    return f"{count} saved change" if count == 1 else f"{count} saved changes"


def _best_walk(
    wal: BinaryIO,
    page_size: int,
    big_endian: bool,
    salts: tuple[int, int],
    stored: tuple[int, int],
) -> _Walk:
    """The walk with the most intact frames over every page size and both byte
    orders, for a header SQLite rejects (any of its fields may be the damaged one,
    the magic's byte-order bit included). Ties go to what the header says; a wrong
    page size stops at the second frame, whose salts it reads from page data."""
    sizes = [size for size in _PAGE_SIZES if size == page_size]
    sizes += [size for size in _PAGE_SIZES if size != page_size]
    best: _Walk | None = None
    for size in sizes:
        for order in (big_endian, not big_endian):
            walk = _walk(wal, size, order, salts, stored, trust_salts=False)
            if best is None or walk.intact > best.intact:
                best = walk
    assert best is not None
    return best


def _walk(
    wal: BinaryIO,
    page_size: int,
    big_endian: bool,
    salts: tuple[int, int],
    checksum: tuple[int, int],
    trust_salts: bool,
) -> _Walk:
    """Walk every frame, chaining each frame's checksum from the previous frame's stored
    one, starting from the header's stored ``checksum``. A frame is whole when it
    carries the generation's salts and its checksum chains; frames of an earlier
    generation (after a checkpoint restarted the log) carry other salts and never count.
    The walk does not stop at a bad frame: whole frames after it (a zeroed block, a
    frame header overwritten) are what proves that SQLite would drop written changes.

    With ``trust_salts`` (a valid header) the generation's salts are the header's;
    otherwise the first frame's, once it belongs to the header by its salts or by its
    checksum (a damaged header's salts may be the damaged field)."""
    frames = intact = commits = transactions = kept = first_bad = 0
    previous_ours = True  # the header, for the first frame
    for position, (buffer, at) in enumerate(_frames(wal, page_size), start=1):
        pgno, commit, salt1, salt2, sum1, sum2 = _FRAME_HEADER.unpack_from(buffer, at)
        expected = _checksum(buffer, at, 8, big_endian, *checksum)
        expected = _checksum(buffer, at + FRAME_HEADER_SIZE, page_size, big_endian, *expected)
        chained = expected == (sum1, sum2)
        if position == 1 and not trust_salts and ((salt1, salt2) == salts or chained):
            salts = (salt1, salt2)
        # Ours: the generation's salts, or a checksum chaining from a frame of ours (the
        # checksum does not cover the salts, so an altered salt byte leaves it chaining).
        # Frames of an earlier generation chain among themselves, never from ours.
        same_salts = (salt1, salt2) == salts
        ours = same_salts or (chained and previous_ours)
        previous_ours = ours
        frames += ours
        whole = same_salts and chained and pgno  # what SQLite accepts
        if whole:
            intact += 1
        elif not first_bad:
            first_bad = position
        if commit and ours:
            commits += 1
            # A transaction counts as written once a whole commit frame proves it (or a
            # later one). Bad commit frames at the very end prove nothing: a process
            # killed between writing a frame's header and its page leaves exactly that,
            # for a commit that never returned.
            if whole:
                transactions = commits
            if not first_bad:
                kept += 1
        checksum = (sum1, sum2)
    return _Walk(frames, intact, transactions, kept, first_bad)


def _frames(wal: BinaryIO, page_size: int) -> Iterator[tuple[bytes, int]]:
    """Every whole frame after the header, as (chunk, offset of the frame in it);
    a trailing partial frame is left out, as SQLite leaves it out."""
    frame_size = FRAME_HEADER_SIZE + page_size
    chunk_size = max(1, _READ_SIZE // frame_size) * frame_size
    wal.seek(HEADER_SIZE)
    while True:
        chunk = wal.read(chunk_size)
        for at in range(0, len(chunk) - frame_size + 1, frame_size):
            yield chunk, at
        if len(chunk) < chunk_size:
            return
