"""Checks of a database file's health: what the file is, SQLite integrity, foreign keys,
the write-ahead log, and the audit trail.

Checking never changes the file. Every check reads one moment of the database (one
read transaction), so a check while the app writes never sees a clinical row without
the audit row written in the same transaction. A write interrupted by a crash in
rollback-journal mode is rolled back on a private copy, as tpchart will do at the
next open, and that state is what is checked.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from tpchart.core.errors import TpchartError
from tpchart.store.errors import DatabaseRefused
from tpchart.store.file.anchor import claims_for
from tpchart.store.file.database import (
    SQLITE_HEADER,
    inspect,
    is_encrypted,
    key_for,
    open_connection,
    refuse_unreadable_wal,
)
from tpchart.store.file.lock import read_record
from tpchart.store.file.read_only_view import steadily
from tpchart.store.file.wal import inspect_wal
from tpchart.store.records.schema import APPLICATION_ID, SCHEMA_VERSION
from tpchart.store.records.tamper import startup_findings, tamper_report


class Verdict(IntEnum):
    """What a check concluded; the value is the ``check`` command's exit code."""

    SOUND = 0
    DAMAGED = 1  # SQLite damage, a damaged -wal, broken references or an altered trail
    MISSING = 2  # no file at that path (like any other "no such file" of the command line)
    NOT_TPCHART = 3  # a folder, a device, an empty file, not SQLite, another program's file
    NEWER = 4  # written by a newer tpchart, which this one cannot judge
    UNREADABLE = 5  # this user may not read it, or the disk failed to


@dataclass(frozen=True)
class HealthReport:
    """What the checks found; ``ok`` only when every check that ran passed."""

    path: Path
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    # None when the audit trail was not checked.
    audit: list[str] | None = None
    full: bool = True
    # Why the file is not a tpchart database this app can check ("" when it is).
    refused: str = ""
    refused_as: Verdict = Verdict.SOUND
    # Facts worth saying that are not problems (an interrupted write to roll back).
    notes: list[str] = field(default_factory=list)

    @property
    def damaged(self) -> bool:
        """True when SQLite itself found the file (or its -wal) damaged or unreadable."""
        return not self.refused and self.integrity != ["ok"]

    @property
    def ok(self) -> bool:
        """True only for a sound tpchart database: no damage, no dangling references,
        no tampering."""
        return not self.refused and not self.damaged and not self.foreign_keys and not self.audit

    @property
    def verdict(self) -> Verdict:
        """The one conclusion (and exit code) of this report."""
        if self.refused:
            return self.refused_as
        return Verdict.SOUND if self.ok else Verdict.DAMAGED

    def lines(self) -> list[str]:
        """A plain report, one finding per line."""
        out = [f"Database: {self.path}"]
        if self.refused:
            return [*out, self.refused]
        label = "Integrity" if self.full else "Integrity (quick check)"
        out.append(f"{label}: " + ("ok" if not self.damaged else "DAMAGED"))
        out += [f"  {line}" for line in self.integrity if line != "ok"]
        out.append("Foreign keys: " + ("ok" if not self.foreign_keys else "BROKEN"))
        out += [f"  {line}" for line in self.foreign_keys]
        if self.audit is not None:
            out.append("Audit trail: " + ("ok" if not self.audit else "ALTERED OUTSIDE TPCHART"))
            out += [f"  {line}" for line in self.audit]
        out += [f"Note: {note}" for note in self.notes]
        return out


def check_database(path: Path) -> HealthReport:
    """Everything ``tpchart check`` says about ``path``: first what the file is (a
    folder, an empty file, another program's database, one from a newer tpchart),
    then, for a tpchart database, the full integrity check and the audit trail."""
    path = Path(path).resolve()  # the -wal and -journal are beside the real file
    refused = _not_a_tpchart_database(path)
    if refused is not None:
        verdict, reason = refused
        return HealthReport(path, refused=reason, refused_as=verdict)
    return check_file(path, full=True, audit=True)


def _not_a_tpchart_database(path: Path) -> tuple[Verdict, str] | None:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return Verdict.NOT_TPCHART, "This is a folder, not a database file."
        if not stat.S_ISREG(info.st_mode):
            return Verdict.NOT_TPCHART, "This is not an ordinary file (a device or a pipe)."
        if info.st_size == 0:
            return Verdict.NOT_TPCHART, "The file is empty (0 bytes): it holds no database."
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except (FileNotFoundError, NotADirectoryError):
        return Verdict.MISSING, "There is no file at this path."
    except PermissionError:
        return Verdict.UNREADABLE, "This user may not read the file."
    except OSError as exc:
        return Verdict.UNREADABLE, f"The file cannot be read ({exc.strerror or exc})."
    if header != SQLITE_HEADER and is_encrypted(path):
        if key_for(path) is None:
            return (
                Verdict.UNREADABLE,
                "The database is encrypted: give a practitioner's passphrase "
                "(--passphrase-file FILE) to check it.",
            )
    elif header != SQLITE_HEADER:
        return Verdict.NOT_TPCHART, "The file is not a database (it is not an SQLite file)."
    if _wal_damage(path):
        return None  # what the file says of itself may be in the lost part: check_file says
    try:
        refuse_unreadable_wal(path)
    except DatabaseRefused as exc:
        return Verdict.UNREADABLE, str(exc)
    try:
        app_id, version, _ = inspect(path)
    except TpchartError:
        return None  # a hot journal or damage: the checks below say which
    if app_id != APPLICATION_ID and _migrated_by_tpchart(path):
        return (
            Verdict.DAMAGED,
            "This is a tpchart database whose application id was changed outside tpchart: "
            "restore a backup, or ask for help before using it.",
        )
    if app_id != APPLICATION_ID:
        return (
            Verdict.NOT_TPCHART,
            "This is an SQLite database of another program, not a tpchart database.",
        )
    if version > SCHEMA_VERSION:
        return (
            Verdict.NEWER,
            f"The database was written by a newer version of tpchart (schema {version}; "
            f"this one knows up to {SCHEMA_VERSION}): update tpchart to check it.",
        )
    return None


def _migrated_by_tpchart(path: Path) -> bool:
    """True when the file's migrations table says tpchart built its schema."""
    try:
        conn = open_connection(path, read_only=True)
        try:
            row = conn.execute(
                "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'tpchart'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


def _wal_damage(path: Path) -> str:
    """What a damaged -wal would cost ("" when sound). A -wal that a running tpchart is
    writing is that process's own, checked when it opened the file and grown by its
    commits since; reading it from outside would only race its writes."""
    if _written_by_a_running_tpchart(path):
        return ""
    return inspect_wal(path).problem


def _written_by_a_running_tpchart(path: Path) -> bool:
    """True when the lock record names a live process on this computer (this one
    included: the app's own checks after opening) as the database's writer."""
    record = read_record(path) or {}
    pid = record.get("pid")
    if record.get("state") != "open" or record.get("host") != socket.gethostname():
        return False
    if not isinstance(pid, int) or pid <= 0:
        return False
    if os.name != "posix":
        # os.kill(pid, 0) would end the process on Windows: take "open" at its word.
        return True
    try:
        os.kill(pid, 0)  # signal 0 on POSIX: is it there? (sends nothing)
    except PermissionError:
        return True  # alive, another user's
    except OSError:
        return False  # gone: a crash left the record saying "open"
    return True


def check_file(
    path: Path, full: bool = True, audit: bool = False, tamper: bool = False
) -> HealthReport:
    """Run ``integrity_check`` (or the faster ``quick_check``), ``foreign_key_check``
    and, with ``audit``, every tamper check (the chain, each audited row, each digital
    signature, the schema, the anchors); with ``tamper`` only their fast part (the
    schema, its record and the anchors: what start-up runs). One read transaction on
    a read-only connection; a damaged -wal is reported before SQLite would drop its
    changes. The anchors are those of the database at ``path``: a backup is checked
    without ``audit``/``tamper``, since it is older than its database's anchor."""
    path = Path(path).resolve()  # the -wal and -journal are beside the real file
    # In a folder this user cannot write, the owner may save during the checks, unseen
    # by an immutable read: the checks are then run again, never reported half-read.
    return steadily(path, lambda: _check_file(path, full, audit, tamper))


def _check_file(path: Path, full: bool, audit: bool, tamper: bool) -> HealthReport:
    problem = _wal_damage(path)
    if problem:
        return HealthReport(path, [problem], [], None, full)
    notes = []
    with _rolled_back(path) as readable:
        if readable != path:
            notes.append(
                "a write interrupted by a crash was rolled back on a copy, as tpchart will do "
                "when it next opens the file; the checks are of that last committed state"
            )
        integrity, foreign, findings, more = _sqlite_checks(readable, full, audit, tamper, path)
    return HealthReport(path, integrity, foreign, findings, full, notes=notes + more)


def tamper_findings(path: Path) -> list[str]:
    """Only the start-up tamper checks (schema, its record, anchors, signatures) of
    ``path``, for the check run beside the window after its quick_check."""
    path = Path(path).resolve()

    def findings() -> list[str]:
        conn = open_connection(path, read_only=True, isolation_level=None)
        try:
            claims = claims_for(path, conn)
            conn.execute("BEGIN")
            return startup_findings(conn, claims)
        finally:
            conn.close()

    return steadily(path, findings)  # as check_file, for a folder this user cannot write


def _sqlite_checks(
    path: Path, full: bool, audit: bool, tamper: bool = False, anchored: Path | None = None
) -> tuple[list[str], list[str], list[str] | None, list[str]]:
    findings: list[str] | None = None
    notes: list[str] = []
    try:
        conn = open_connection(path, read_only=True, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        return [f"not a readable database: {exc}"], [], None, []
    try:
        # The anchors are read before the snapshot: a claim is written after its commit,
        # so every claim read now is held by the moment read below (a check while the
        # app writes sees no false "cut").
        claims = claims_for(anchored or path, conn) if audit or tamper else []
        # One read transaction: every statement below sees the same moment.
        conn.execute("BEGIN")
        pragma = "integrity_check" if full else "quick_check"
        integrity = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
        foreign = [
            f"{table} row {rowid} points to a missing {parent} row"
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
        ]
        if (audit or tamper) and integrity == ["ok"]:
            if audit:
                report = tamper_report(conn, claims)
                findings, notes = report.findings, report.notes
            else:
                findings = startup_findings(conn, claims)
    except sqlite3.DatabaseError as exc:
        integrity, foreign = [f"not a readable database: {exc}"], []
    finally:
        conn.close()
    return integrity, foreign, findings, notes


@contextmanager
def _rolled_back(path: Path) -> Iterator[Path]:
    """``path`` itself, or, when a hot rollback journal waits beside it, a private copy
    on which SQLite has rolled that interrupted write back."""
    journal = path.with_name(path.name + "-journal")
    if not (journal.exists() and journal.stat().st_size > 0) or not _needs_roll_back(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tpchart-check-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(journal, copy.with_name(copy.name + "-journal"))
        conn = open_connection(copy, isolation_level=None)
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # the first read rolls it back
        except sqlite3.DatabaseError:
            pass  # the checks on the copy will say what is wrong
        finally:
            conn.close()
        yield copy


def _needs_roll_back(path: Path) -> bool:
    """True when a read-only reader is refused because a journal must be rolled back."""
    try:
        conn = open_connection(path, read_only=True)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY")
    return False
