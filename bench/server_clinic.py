"""The synthetic clinics on a clinic server: the same rows as the SQLite half's.

The same ``bench.synthetic.Writer`` builds the rows (the same seed and "today" give the
same patients, sessions, points, audit rows and hashes as the file), and this module
writes each batch into the server in one transaction through the OWNER role's
connection: ``COPY`` for the inserts, one ``UPDATE ... FROM unnest(...)`` to sign the
batch's sessions. Every CHECK, foreign key and guard of the server stays on while rows
go in (the audit trail's chain guard checks each row follows the one before; signed
sessions refuse new points, so points go in before their session is signed), and so
do the change notifications, which nobody listens to yet. The practitioners and the
clinic profile are written first through ``ClinicServerStore`` as a workstation writes
them (the app role, audited), after the first migration's own audit entry.

Values go in as the text SQLite's rows hold (0/1 for booleans, ISO text for times,
JSON text), which the server reads as each column's type, as ``ServerDatabase`` sends
them; read back through the store, they are the same text again, so the audit hashes
verify (tests/test_bench.py runs ``check`` on a generated server clinic).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.cluster import ServerClinic
from bench.synthetic import Clinic, ClinicSize, Writer, fill, set_up
from tpchart.store.clinic_server import ClinicServerStore
from tpchart.store.server import SCHEMA, connect
from tpchart.store.server.backup import move_sequences_past_ids

# Tables whose ids the generator gives itself: their identity sequences are moved past
# the highest id afterwards, so the next row a workstation adds does not collide.
_GENERATED_IDS = ("patients", "sessions", "trigger_points", "session_versions", "audit_log")
_FILLED = (*_GENERATED_IDS, "patient_name_words")


class _ServerRows:
    """Where a batch goes on the server: one transaction of COPYs and one UPDATE."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def columns(self, table: str) -> list[str]:
        """The table's columns, in order."""
        return [
            name
            for (name,) in self.conn.execute(
                "SELECT column_name::text FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                [SCHEMA, table],
            )
        ]

    def next_id(self, table: str) -> int:
        """The id the table's next row gets."""
        query = sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(sql.Identifier(table))
        row = self.conn.execute(query).fetchone()
        return int(row[0]) if row else 1

    def audit_head(self) -> tuple[int, str] | None:
        """The newest audit row's id and hash."""
        row = self.conn.execute(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def _copy(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.conn.cursor().copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def write(self, batch: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]]) -> None:
        """Write ``batch`` in one transaction, parents before children, drafts signed
        only after their points are in (as the signed-session guard insists)."""
        with self.conn.transaction():
            for table in ("patients", "sessions", "trigger_points", "audit_log"):
                self._copy(table, columns[table], batch[table])
            self._copy("patient_name_words", ["word", "patient_id"], batch["words"])
            if batch["sign"]:
                _, signers, stamps, _, ids = zip(*batch["sign"], strict=True)
                self.conn.execute(
                    "UPDATE sessions SET status = 'signed', signed_by = v.signer,"
                    " signed_at = v.at, updated_at = v.at"
                    " FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[])"
                    " AS v(id, signer, at) WHERE sessions.id = v.id",
                    [list(ids), list(signers), list(stamps)],
                )
            self._copy(
                "session_versions",
                ["session_id", "version", "signed_by", "signed_at", "snapshot"],
                batch["versions"],
            )


@contextmanager
def _guards_off(owner: psycopg.Connection[Any]) -> Iterator[None]:
    """The server's own triggers on the tables the generator fills, off while it writes
    and on again afterwards (also when it fails): the guards and change notifications.

    Each checks one row at a time what the generator already guarantees in bulk (points
    go in before their session is signed; audit rows come in chain order) or tells
    listeners nobody runs yet, and on 2 cores they more than halved the generation's
    speed, which the full run's 100,000 patients cannot afford. Foreign keys and CHECK
    constraints stay on. ``ClinicServerStore.check`` verifies the result, chain and
    rows and every guard enabled (tests/test_bench.py)."""
    tables = [sql.Identifier(t) for t in _FILLED]
    for table in tables:
        owner.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table))
    try:
        yield
    finally:
        for table in tables:
            owner.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(table))


def generate_on_server(
    clinic: ServerClinic,
    size: ClinicSize,
    *,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Clinic:
    """Fill the migrated, empty ``clinic`` with a synthetic clinic of ``size`` (with
    ``seed`` and ``now``: the very rows ``generate_clinic`` writes into a file)."""
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    store = ClinicServerStore.connect(clinic.app_dsn)
    try:
        doctors = set_up(store)
    finally:
        store.close()
    with connect(clinic.owner_dsn) as owner:
        with _guards_off(owner):
            writer = Writer(_ServerRows(owner), random.Random(seed), doctors, now)
            ids = fill(writer, size, progress)
        with owner.transaction():
            move_sequences_past_ids(owner, list(_GENERATED_IDS))
        # Statistics and the visibility map, as a server's autovacuum keeps them: the
        # measurements run at once, before autovacuum would have come round.
        owner.execute(
            sql.SQL("VACUUM (ANALYZE) {}").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in _FILLED)
            )
        )
    return writer.clinic(Path(clinic.roles.database), size, time.perf_counter() - started, ids)
