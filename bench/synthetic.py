"""Synthetic clinics written straight into a tpchart database, fast.

The schema is the real one (``Store.open`` creates it through the migrations) and every
CHECK, foreign key and trigger stays switched on while rows go in, so the file is one
the app could have written: each patient, session and point has its audit row with the
full after-image, chained with the store's own ``link_hash``; signed sessions have their
``session_versions`` snapshot. ``tpchart check`` passes on the result (the tests run it).

Speed comes from building plain tuples and one ``executemany`` per table inside one
transaction per batch of patients, instead of one audited transaction per row. While
generating, the connection runs with ``synchronous=OFF`` (the file is a throw-away
benchmark database; a crash mid-generation just means generating again); the app later
opens it with its own settings.

What differs from years of real use: the audit trail is exactly one insert per row plus
one "sign" per session (no edits, undos or amendments), and audit times follow each
patient's sessions in turn rather than one clinic-wide clock.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bench import rows
from bench.store_internals import link_hash, name_words, to_text
from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Sex
from tpchart.core.practitioner import Practitioner
from tpchart.store import RecordStore, Store

# Patients per transaction: big enough to amortise the commit, small enough that
# the batch's rows (a few hundred MB at most) stay comfortably in memory.
BATCH_PATIENTS = 250

# The two patients every measurement needs, named so they sort first in the list
# (the window lists the first 200 patients by name; select_patient must find them).
LONG_HISTORY_NAME = ("Aada Aalto", Sex.FEMALE)
BUSY_DRAFT_NAME = ("Aaron Abbott", Sex.MALE)
LONG_HISTORY_SESSIONS = 100
SUMMARY_POINTS = 30
DRAFT_POINTS = 200

# The store's ``to_json`` for rows that are already plain values (no sets or enums to
# convert): the same text, without walking every value in Python first.
plain_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

_AUDIT_COLUMNS = (
    "id", "at", "practitioner_id", "action", "table_name", "row_id", "before", "after",
    "reason", "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class ClinicSize:
    """How big a clinic to generate: patients, sessions each, points per session."""

    patients: int
    sessions: int = 10
    points: int = 20

    @property
    def label(self) -> str:
        """For example "20,000 patients x 10 sessions x 20 points"."""
        return f"{self.patients:,} patients x {self.sessions} sessions x {self.points} points"


@dataclass(frozen=True)
class Clinic:
    """A generated database and what the measurements need to find in it."""

    path: Path  # the file (a clinic server's: the clinic's database name, for messages)
    size: ClinicSize
    patients: int
    sessions: int
    points: int
    audit_rows: int
    seconds: float
    long_history_patient: int  # LONG_HISTORY_SESSIONS signed sessions of 20 points
    busy_patient: int  # a signed session of SUMMARY_POINTS, then a draft of DRAFT_POINTS
    summary_session: int
    draft_session: int
    now: datetime  # the clinic's "today": the same seed and day give the same rows

    @property
    def bytes(self) -> int:
        """The database file's size (checkpointed: no -wal left beside it)."""
        return self.path.stat().st_size


def generate_clinic(
    path: Path,
    size: ClinicSize,
    *,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Clinic:
    """Create ``path`` (which must not exist) holding a clinic of ``size``, plus the two
    patients the benchmarks use. ``progress(done, total)`` is called after each batch."""
    if path.exists():
        raise FileExistsError(f"{path} exists; synthetic clinics go into new files")
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    # The store creates the file and holds its lock (no other tpchart may write it) while
    # the bulk writer's own connection fills it; closing the store records a clean exit.
    with Store.open(path) as store:
        doctors = set_up(store)
        conn = sqlite3.connect(str(path), isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -131072")  # 128 MB: indexes stay in memory
            writer = Writer(_SqliteRows(conn), random.Random(seed), doctors, now)
            ids = fill(writer, size, progress)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    return writer.clinic(path, size, time.perf_counter() - started, ids)


def fill(
    writer: Writer, size: ClinicSize, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """The two benchmark patients, then ``size``'s patients in batches; returns the ids
    the measurements need (``Clinic``'s fields)."""
    ids = writer.special_patients()
    done = 0
    while done < size.patients:
        count = min(BATCH_PATIENTS, size.patients - done)
        for _ in range(count):
            writer.patient(size.sessions, size.points)
        writer.flush()
        done += count
        if progress:
            progress(done, size.patients)
    writer.flush()
    return ids


class _SqliteRows:
    """Where a batch goes in a database file: one transaction of ``executemany``s on the
    generator's own connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def columns(self, table: str) -> list[str]:
        """The table's columns, in order."""
        return [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def next_id(self, table: str) -> int:
        """The id the table's next row gets."""
        return self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    def audit_head(self) -> tuple[int, str] | None:
        """The newest audit row's id and hash."""
        return self.conn.execute(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()

    def write(self, batch: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]]) -> None:
        """Write ``batch`` in one transaction, parents before children, drafts signed
        only after their points are in (the signed-session triggers insist)."""
        c = self.conn
        c.execute("BEGIN")
        try:
            for table in ("patients", "sessions", "trigger_points", "audit_log"):
                marks = ", ".join("?" * len(columns[table]))
                names = ", ".join(columns[table])
                c.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch[table])
            c.executemany("INSERT INTO patient_name_words (word, patient_id) VALUES (?, ?)",
                          batch["words"])  # fmt: skip
            c.executemany(
                "UPDATE sessions SET status = ?, signed_by = ?, signed_at = ?, updated_at = ?"
                " WHERE id = ?",
                batch["sign"],
            )
            c.executemany(
                "INSERT INTO session_versions (session_id, version, signed_by, signed_at,"
                " snapshot) VALUES (?, ?, ?, ?, ?)",
                batch["versions"],
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise


def set_up(store: RecordStore) -> list[int]:
    """Clinic profile and practitioners through the store's public API (audited; the
    schema came from ``Store.open``)."""
    ids = []
    for name, registration in (
        ("Dr Ana Souza", "CRM 1234"),
        ("Dr Jonas Berg", "GMC 7654321"),
        ("Dr 林美玲", "MCR 99812"),
    ):
        ids.append(store.practitioners.add(Practitioner(name, registration)).id)
    store.practitioner_id = ids[0]
    store.clinic.save(
        ClinicProfile(
            name="Synthetic Pain Clinic · Клиника",
            address="1 Benchmark Road\nLondon",
            phone="+44 20 7946 0000",
            email="clinic@example.org",
        ),
    )
    return ids  # type: ignore[return-value]


class RowTarget(Protocol):
    """Where the generated rows go: a database file or a clinic server."""

    def columns(self, table: str) -> list[str]: ...
    def next_id(self, table: str) -> int: ...
    def audit_head(self) -> tuple[int, str] | None: ...
    def write(
        self, batch: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]]
    ) -> None: ...


class Writer:
    """Rows of the current batch, the next id of each table and the audit chain head."""

    def __init__(
        self, target: RowTarget, rng: random.Random, doctors: list[int], now: datetime
    ) -> None:
        self.target, self.rng, self.doctors, self.now = target, rng, doctors, now
        self.columns = {
            table: target.columns(table)
            for table in ("patients", "sessions", "trigger_points", "audit_log")
        }
        if self.columns["audit_log"] != list(_AUDIT_COLUMNS):
            raise RuntimeError("audit_log columns changed: update bench.synthetic")
        self.next = {
            table: target.next_id(table) for table in ("patients", "sessions", "trigger_points")
        }
        head = target.audit_head()
        if head is None:  # set_up's practitioners always start the chain
            raise RuntimeError("a synthetic clinic is written after its audited set-up")
        self.audit_id, self.head = head[0] + 1, head[1]
        self._clear()

    def _clear(self) -> None:
        self.batch: dict[str, list[tuple[Any, ...]]] = {
            "patients": [], "words": [], "sessions": [], "trigger_points": [], "sign": [],
            "versions": [], "audit_log": [],
        }  # fmt: skip

    def _take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] += 1
        return value

    def _row(self, table: str, row: dict[str, Any]) -> str:
        """Queue ``row`` for ``table``; returns its JSON as the audit trail stores it."""
        if len(row) != len(self.columns[table]):
            missing = set(self.columns[table]) ^ set(row)
            raise RuntimeError(f"{table} columns changed ({missing}): update bench.rows")
        self.batch[table].append(tuple(row[c] for c in self.columns[table]))
        return plain_json(row)

    def _audit(
        self, at: datetime, who: int, action: str, table: str, row_id: int,
        before: str | None, after: str | None,
    ) -> None:  # fmt: skip
        """One chained audit row, hashed by the store's own function."""
        content = {
            "id": self.audit_id, "at": to_text(at), "practitioner_id": who, "action": action,
            "table_name": table, "row_id": row_id, "before": before, "after": after,
            "reason": "",
        }  # fmt: skip
        digest = link_hash(self.head, content)
        self.batch["audit_log"].append((*content.values(), self.head, digest))
        self.head = digest
        self.audit_id += 1

    def patient(
        self,
        sessions: int,
        points: int | list[int],
        name: tuple[str, Sex] | None = None,
        regions: tuple[str, ...] | None = None,
        last_is_draft: bool | None = None,
    ) -> tuple[int, list[int]]:
        """A patient with ``sessions`` sessions, weekly or so, the last within a month;
        returns the patient id and the session ids, oldest first."""
        rng = self.rng
        per_session = points if isinstance(points, list) else [points] * sessions
        last = self.now - timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
        when = last - timedelta(days=9 * (sessions - 1))
        patient_id = self._take("patients")
        row = rows.patient_row(rng, patient_id, when - timedelta(days=rng.randint(0, 3)), name)
        doctor = rng.choice(self.doctors)
        self._audit(
            when, doctor, "insert", "patients", patient_id, None, self._row("patients", row)
        )
        self.batch["words"] += [(w, patient_id) for w in name_words(row["full_name"])]
        complaint = rng.choice(rows.complaints())
        pool = regions or complaint.regions
        if last_is_draft is None:
            last_is_draft = rng.random() < 0.05  # today's session, not signed yet
        pain = rng.randint(6, 9)
        session_ids = []
        for session, count in enumerate(per_session):
            draft = last_is_draft and session == sessions - 1
            session_ids.append(self._session(patient_id, doctor, when, complaint, pain, session,
                                             count, pool, draft))  # fmt: skip
            when += timedelta(days=rng.choice((5, 7, 7, 9, 14)), hours=rng.randint(0, 3))
            when = min(when, last)
            pain = max(1, pain - rng.randint(0, 1))
        return patient_id, session_ids

    def _session(
        self, patient_id: int, doctor: int, when: datetime, complaint: rows.Complaint,
        pain: int, session: int, count: int, pool: tuple[str, ...], draft: bool,
    ) -> int:  # fmt: skip
        rng = self.rng
        session_id = self._take("sessions")
        row = rows.session_row(rng, session_id, patient_id, doctor, when, complaint, pain, session)
        draft_json = self._row("sessions", row)
        self._audit(when, doctor, "insert", "sessions", session_id, None, draft_json)
        point_json = []
        for number in range(1, count + 1):
            point_id = self._take("trigger_points")
            point = rows.point_row(rng, point_id, session_id, number, rng.choice(pool), pain)
            text = self._row("trigger_points", point)
            point_json.append(text)
            at = when + timedelta(minutes=10, seconds=20 * number)
            self._audit(at, doctor, "insert", "trigger_points", point_id, None, text)
        if not draft:
            at = when + timedelta(minutes=40)
            after = rows.signed(row, doctor, at)
            self.batch["sign"].append(
                (after["status"], after["signed_by"], after["signed_at"], after["updated_at"],
                 session_id)
            )  # fmt: skip
            after_json = plain_json(after)
            # The same text as to_json({"session": after, "points": [...]}), without
            # serialising every point a second time.
            snapshot = f'{{"points": [{", ".join(point_json)}], "session": {after_json}}}'
            self.batch["versions"].append((session_id, 1, doctor, after["signed_at"], snapshot))
            self._audit(at, doctor, "sign", "sessions", session_id, draft_json, after_json)
        return session_id

    def special_patients(self) -> dict[str, int]:
        """The long-history patient and the one with a 200-point draft, written first."""
        long_id, _ = self.patient(LONG_HISTORY_SESSIONS, 20, LONG_HISTORY_NAME, last_is_draft=False)
        busy_id, (summary, draft) = self.patient(
            2, [SUMMARY_POINTS, DRAFT_POINTS], BUSY_DRAFT_NAME, rows.front_regions(), True
        )
        self.flush()
        return {"long_history_patient": long_id, "busy_patient": busy_id,
                "summary_session": summary, "draft_session": draft}  # fmt: skip

    def flush(self) -> None:
        """Write the batch (one transaction) and start the next."""
        if not self.batch["audit_log"]:
            return
        self.target.write(self.batch, self.columns)
        self._clear()

    def clinic(
        self, location: Path, size: ClinicSize, seconds: float, ids: dict[str, int]
    ) -> Clinic:
        """What was written, for the measurements."""
        return Clinic(
            path=location,
            size=size,
            patients=self.next["patients"] - 1,
            sessions=self.next["sessions"] - 1,
            points=self.next["trigger_points"] - 1,
            audit_rows=self.audit_id - 1,
            seconds=seconds,
            now=self.now,
            **ids,
        )
