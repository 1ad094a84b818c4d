"""Backing up a clinic server into one verified file, and restoring it into an empty one.

The backup is a logical copy a person can open: a zip holding ``manifest.json`` (the
format, tpchart's and the schema's versions, when it was taken, the database's
identity and, per table, its columns, row count and the SHA-256 of its data) and one
CSV file per table under ``tables/`` (PostgreSQL's ``COPY ... CSV HEADER``, readable
by a spreadsheet and by any PostgreSQL version). ``schema_migrations`` is not copied:
it records how *this* server was built (when, by whom, for which app role); a restore
builds the schema with its own migrations up to the backup's version.

- **One moment**: every table is read in one REPEATABLE READ, READ ONLY transaction,
  so colleagues keep charting while the backup sees the record as it was when it
  started. The app role (what a workstation connects as) can read every table.
- **Verified**: the file is written under a temporary name in the target folder,
  flushed to disk, read back (every table's hash, row count and header against the
  manifest, and the audit trail's chain: ids ascending, each ``prev_hash`` the
  previous row's ``hash``, the first one 64 zeros), and only then given its name.
  The link hashes themselves are not recomputed: they are the store's hash over the
  text it stored, which jsonb and timestamptz do not give back byte for byte.
- **Private**: the file is 0600 (its zip entries too, should it be unzipped), never
  replaces an existing file, and is refused in a folder other users can write.
- **Restore** runs as the owner role into a database with no records: it verifies the
  whole file first (a damaged or altered backup changes nothing), migrates the empty
  database to the backup's schema version, then writes every row in ONE transaction
  with its ids, re-hashes every table before committing, and sets the identity
  sequences past the highest id. A cancel, an error or a killed process rolls the
  transaction back: the database keeps its schema and no records, ready for another try.
- **The guards during a restore**: inside that transaction the owner switches off the
  user triggers (the PL/pgSQL guards) of the clinic's tables, writes the rows exactly
  as they were (a signed session with its points, a key retired after it signed, the
  database's own identity row, none of which the guards would let in as a new row),
  and switches every trigger on again before committing; the restore refuses to
  commit unless every one is enabled. ``ALTER TABLE`` is transactional and holds an
  ACCESS EXCLUSIVE lock until the commit, so no workstation reads or writes those
  tables while their guards are off, and a crash can never leave them off.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import secrets
import stat
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

from tpchart import __version__
from tpchart.store.server.connection import SCHEMA, ServerRefused
from tpchart.store.server.schema import (
    VERSION_TABLE,
    applied,
    migrate,
    migrations,
    schema_version,
)

# What a backup file says it is; a restore refuses a newer FORMAT_VERSION.
FORMAT = "tpchart clinic server backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUFFIX = ".tpchart-server.zip"

# How values are written as text. Fixed for every backup and restore, so the same rows
# give the same bytes (and hashes) whatever the server's or the role's defaults.
TEXT_SETTINGS = {
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",
    "extra_float_digits": "1",  # shortest text that reads back as the same double
    "bytea_output": "hex",
    "client_encoding": "UTF8",
}

# The previous hash of the audit trail's first row (tpchart.store.records.audit.GENESIS).
GENESIS = "0" * 64
# The one row the first migration writes: replaced by the backup's (the same database).
IDENTITY_TABLE = "database_identity"

# Bytes per write into the zip and per progress report / cancel check.
_CHUNK = 1 << 16
# A workstation holding a table (an open transaction) makes the restore wait this long.
_LOCK_TIMEOUT = "10s"
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_POSIX = os.name == "posix"

Progress = Callable[[int, int], object]
Cancelled = Callable[[], bool]


class BackupRefused(ServerRefused):
    """No backup was written (or none was read): the message says why in plain words."""


class BackupDamaged(BackupRefused):
    """A backup file failed its verification: damaged, altered, or not a backup."""


class RestoreRefused(ServerRefused):
    """Nothing was restored; the message says why in plain words."""


class OperationCancelled(ServerRefused):
    """The person cancelled; nothing was left behind (no file, no half-restored rows)."""


@dataclass(frozen=True)
class TableCopy:
    """One table in a backup: its CSV member, columns (in order), rows and SHA-256."""

    name: str
    columns: tuple[str, ...]
    rows: int
    sha256: str

    @property
    def member(self) -> str:
        return f"tables/{self.name}.csv"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as its manifest.json says (verified against its tables)."""

    schema_version: int
    migrations: tuple[str, ...]
    taken_at: str
    tpchart_version: str
    database_id: str
    tables: tuple[TableCopy, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def counts(self) -> dict[str, int]:
        """Rows per table, by table name."""
        return {t.name: t.rows for t in self.tables}


@dataclass(frozen=True)
class BackupSummary:
    """A verified backup: where it is, what it holds, and its own SHA-256 (to check a
    copy kept elsewhere with ``sha256sum``)."""

    path: Path
    manifest: Manifest
    sha256: str
    size: int


@dataclass(frozen=True)
class RestoreSummary:
    """A committed restore: what it wrote and how many guards are enabled again."""

    manifest: Manifest
    guards_enabled: int


# --- backing up -----------------------------------------------------------------------


def backup_server(
    conn: psycopg.Connection[Any],
    target: Path | str,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> BackupSummary:
    """Write a verified backup of the clinic server at ``target`` (a new file).

    ``conn`` is an autocommit connection (``connection.connect``), as the app role or
    the owner. ``progress(done, total)`` is called as rows are read, then verified
    (total: twice the rows); ``cancelled()`` returning True stops the work, leaving no
    file (OperationCancelled). Refused in plain words, nothing written: an existing
    target, a missing folder or one other users can write, a server without the
    clinic's schema or with a newer one."""
    target = Path(target)
    _refuse_unsafe_target(target)
    if not conn.autocommit:
        raise BackupRefused("A backup needs an autocommit connection (connection.connect).")
    report = _Steps(progress)
    handle, temp = _create_temp(target.parent, target.name)
    try:
        with os.fdopen(handle, "w+b") as file:
            written = _write_backup(conn, file, report, cancelled)
            file.flush()
            os.fsync(file.fileno())
        report.start_pass(written.rows)
        read_back = verify_backup(Path(temp), progress=report.inner, cancelled=cancelled)
        if read_back != written:
            raise BackupDamaged(
                f"The backup written at {target} did not read back as written (a failing "
                "disk?); no file was kept. Try another drive."
            )
        file_sha256, size = _file_digest(Path(temp))
        _place(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(target.parent)
    return BackupSummary(target, written, file_sha256, size)


def _write_backup(
    conn: psycopg.Connection[Any], file: IO[bytes], report: _Steps, cancelled: Cancelled | None
) -> Manifest:
    try:
        with conn.transaction():
            # Must come first: the snapshot is taken by the transaction's first query.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            _set_text_settings(conn)
            version = schema_version(conn)
            if version == 0:
                raise BackupRefused(
                    "This server has no clinic records yet (its schema was never built): "
                    "there is nothing to back up."
                )
            tables = _tables(conn)
            counts = {t: _count(conn, t) for t in tables}
            report.total = 2 * sum(counts.values())
            report.start_pass(0)
            taken_at, database_id = conn.execute(
                sql.SQL("SELECT now()::text, (SELECT database_id FROM {})").format(
                    sql.Identifier(SCHEMA, IDENTITY_TABLE)
                )
            ).fetchone() or ("", "")
            copies = []
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for table in tables:
                    copies.append(_copy_out(conn, archive, table, counts[table], report, cancelled))
                manifest = Manifest(
                    schema_version=version,
                    migrations=tuple(name for _, name, _ in applied(conn)),
                    taken_at=str(taken_at),
                    tpchart_version=__version__,
                    database_id=str(database_id or ""),
                    tables=tuple(copies),
                )
                server_version = conn.execute("SHOW server_version").fetchone()
                document = _manifest_json(manifest, server_version[0] if server_version else "")
                with archive.open(_member_info(MANIFEST), "w") as entry:
                    entry.write(document)
            return manifest
    except psycopg.Error as error:
        raise BackupRefused(
            f"The backup could not be read from the server: {_plain(error)}. No file was written."
        ) from error


def _copy_out(
    conn: psycopg.Connection[Any],
    archive: zipfile.ZipFile,
    table: str,
    expected_rows: int,
    report: _Steps,
    cancelled: Cancelled | None,
) -> TableCopy:
    """Stream one table, in key order, as CSV into its zip member; hash and count it."""
    columns = _columns(conn, table)
    query = _copy_out_query(conn, table, columns)
    digest, records = hashlib.sha256(), _RecordCounter()
    with archive.open(_member_info(f"tables/{table}.csv"), "w", force_zip64=True) as entry:
        for chunk in _copy_out_chunks(conn, query):
            digest.update(chunk)
            entry.write(chunk)
            report.advance(records.feed(chunk))
            _check_cancel(cancelled, "backup")
    rows = records.rows
    if rows != expected_rows:  # the snapshot holds still, so this is a bug, not a race
        raise BackupRefused(
            f"The server gave {rows} rows of {table} where it counted {expected_rows}; "
            "no file was written."
        )
    return TableCopy(table, tuple(columns), rows, digest.hexdigest())


def _manifest_json(manifest: Manifest, server_version: str) -> bytes:
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tpchart_version": manifest.tpchart_version,
        "server_version": server_version,
        "schema_version": manifest.schema_version,
        "migrations": list(manifest.migrations),
        "taken_at": manifest.taken_at,
        "database_id": manifest.database_id,
        "text_settings": TEXT_SETTINGS,
        "tables": [
            {
                "name": t.name,
                "file": t.member,
                "columns": list(t.columns),
                "rows": t.rows,
                "sha256": t.sha256,
            }
            for t in manifest.tables
        ],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


# --- verifying ------------------------------------------------------------------------


def verify_backup(
    path: Path | str, *, progress: Progress | None = None, cancelled: Cancelled | None = None
) -> Manifest:
    """Read a backup file whole and return its manifest if every table's hash, row count
    and header match it and the audit trail's chain links; BackupDamaged otherwise.
    ``progress(done, total)`` counts rows read."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _read_manifest(archive)
            expected = {MANIFEST, *(t.member for t in manifest.tables)}
            present = archive.namelist()
            if sorted(present) != sorted(expected):
                raise BackupDamaged(
                    f"{path.name} holds other files than its manifest lists: it was altered "
                    "or is not a tpchart backup."
                )
            report = _Steps(progress)
            report.total = manifest.rows
            for table in manifest.tables:
                with archive.open(table.member) as entry:
                    digest, rows = _digest_member(entry, table, report, cancelled)
                if digest != table.sha256 or rows != table.rows:
                    raise BackupDamaged(
                        f"The table {table.name} in {path.name} does not match its manifest "
                        f"({rows} rows where {table.rows} were written, or other content): "
                        "the backup was damaged or altered. Use another copy."
                    )
            audit = next((t for t in manifest.tables if t.name == "audit_log"), None)
            if audit is not None:
                with archive.open(audit.member) as entry:
                    _check_chain(entry, path.name)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, UnicodeDecodeError, csv.Error) as e:
        raise BackupDamaged(
            f"{path.name} cannot be read as a tpchart backup ({e}): it is damaged or not "
            "a backup. Use another copy."
        ) from e
    return manifest


def peek_manifest(path: Path | str) -> Manifest:
    """What a backup says it holds, from its manifest alone (quick: nothing verified;
    ``verify_backup`` reads the whole file)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_manifest(archive)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, UnicodeDecodeError) as e:
        raise BackupDamaged(
            f"{path.name} cannot be read as a tpchart backup ({e}): it is damaged or not "
            "a backup. Use another copy."
        ) from e


def _read_manifest(archive: zipfile.ZipFile) -> Manifest:
    try:
        info = archive.getinfo(MANIFEST)
        if info.file_size > 10_000_000:
            raise ValueError("an oversized manifest")
        document = json.loads(archive.read(info))
        if document["format"] != FORMAT:
            raise ValueError("not a tpchart server backup")
        if int(document["format_version"]) > FORMAT_VERSION:
            raise BackupRefused(
                "This backup was written by a newer tpchart (backup format "
                f"{document['format_version']}): update tpchart to restore it."
            )
        tables = []
        for entry in document["tables"]:
            name = str(entry["name"])
            columns = tuple(str(c) for c in entry["columns"])
            if not _TABLE_NAME.fullmatch(name) or not all(
                _TABLE_NAME.fullmatch(c) for c in columns
            ):
                raise ValueError(f"an impossible table or column name in {name!r}")
            if entry["file"] != f"tables/{name}.csv":
                raise ValueError(f"an unexpected file name {entry['file']!r}")
            rows, digest = int(entry["rows"]), str(entry["sha256"])
            tables.append(TableCopy(name, columns, rows, digest))
        if len({t.name for t in tables}) != len(tables):
            raise ValueError("a table listed twice")
        return Manifest(
            schema_version=int(document["schema_version"]),
            migrations=tuple(str(m) for m in document["migrations"]),
            taken_at=str(document["taken_at"]),
            tpchart_version=str(document["tpchart_version"]),
            database_id=str(document["database_id"]),
            tables=tuple(tables),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BackupDamaged(
            f"The backup's manifest is missing or unreadable ({error}): the file is damaged "
            "or not a tpchart backup."
        ) from error


def _digest_member(
    entry: IO[bytes], table: TableCopy, report: _Steps, cancelled: Cancelled | None
) -> tuple[str, int]:
    digest, records = hashlib.sha256(), _RecordCounter()
    first = True
    for chunk in iter(lambda: entry.read(_CHUNK), b""):
        if first:
            header = next(csv.reader([chunk.split(b"\n", 1)[0].decode()]), [])
            if tuple(header) != table.columns:
                raise BackupDamaged(
                    f"The table {table.name}'s columns in the backup are not those its "
                    "manifest lists: the backup was altered."
                )
            first = False
        digest.update(chunk)
        report.advance(records.feed(chunk))
        _check_cancel(cancelled, "check")
    return digest.hexdigest(), records.rows


def _check_chain(entry: IO[bytes], name: str) -> None:
    """Ids ascending and each row's prev_hash the previous row's hash."""
    reader = csv.reader(io.TextIOWrapper(entry, encoding="utf-8", newline=""))
    header = next(reader)
    at = {column: header.index(column) for column in ("id", "prev_hash", "hash")}
    previous_id, previous_hash = 0, GENESIS
    for row in reader:
        row_id = int(row[at["id"]])
        if row_id <= previous_id or row[at["prev_hash"]] != previous_hash:
            raise BackupDamaged(
                f"The audit trail in {name} is broken at row {row_id}: it does not follow "
                "the row before it. The backup was altered; use another copy."
            )
        previous_id, previous_hash = row_id, row[at["hash"]]


# --- restoring ------------------------------------------------------------------------


def restore_server(
    backup: Path | str,
    conn_owner: psycopg.Connection[Any],
    *,
    app_role: str,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> RestoreSummary:
    """Restore ``backup`` into the empty clinic database ``conn_owner`` is connected to
    (as the owner role, autocommit), whose workstations use ``app_role``.

    The file is verified whole before anything is written; the database is migrated to
    the backup's schema version, then every row is written in one transaction (see the
    module's notes on the guards). ``progress(done, total)`` counts rows checked in the
    file, written, then checked on the server (total: three times the rows).
    Refused in plain words, nothing written: records already in the database, a
    damaged or altered backup, one from a newer schema. A cancel (OperationCancelled),
    an error or a killed process leaves the database without records."""
    backup = Path(backup)
    manifest = peek_manifest(backup)
    ours = [m.name for m in migrations()]
    if manifest.schema_version > len(ours):
        raise RestoreRefused(
            f"This backup comes from a newer tpchart (schema {manifest.schema_version}; this "
            f"one knows {len(ours)}): update tpchart to restore it. Nothing was changed."
        )
    if list(manifest.migrations) != ours[: manifest.schema_version]:
        raise RestoreRefused(
            "This backup's schema record does not match this tpchart's migrations: it was "
            "made by a different build of tpchart. Nothing was changed."
        )
    if not conn_owner.autocommit:
        raise RestoreRefused("A restore needs an autocommit connection (connection.connect).")
    report = _Steps(progress, total=3 * manifest.rows)
    report.start_pass(0)
    if verify_backup(backup, progress=report.inner, cancelled=cancelled) != manifest:
        raise RestoreRefused(
            "The backup file changed while it was being read; nothing was changed."
        )
    try:
        _refuse_unless_empty(conn_owner, manifest.schema_version)
        migrate(conn_owner, app_role=app_role, target=manifest.schema_version)
        recorded = {role for _, _, role in applied(conn_owner)}
        if recorded != {app_role}:
            raise RestoreRefused(
                f"This database was set up for the app role {', '.join(sorted(recorded))}, "
                f"not {app_role}; nothing was restored."
            )
        with backup.open("rb") as file, zipfile.ZipFile(file) as archive:
            guards = _restore_rows(conn_owner, archive, manifest, report, cancelled)
    except psycopg.errors.InsufficientPrivilege as error:
        raise RestoreRefused(
            f"A restore needs the database owner's connection ({_plain(error)}); nothing "
            "was restored."
        ) from error
    except psycopg.errors.LockNotAvailable as error:
        raise RestoreRefused(
            "The database is in use by a workstation: close tpchart everywhere and try "
            "again. Nothing was restored."
        ) from error
    except psycopg.Error as error:
        raise RestoreRefused(
            f"The backup could not be restored: {_plain(error)}. Nothing was restored."
        ) from error
    except (OSError, zipfile.BadZipFile, zlib.error) as error:
        raise RestoreRefused(
            f"The backup could not be read while restoring ({error}); nothing was restored."
        ) from error
    return RestoreSummary(manifest, guards)


# The audit entry the first migration writes about the identity it gave the database.
_IDENTITY_ENTRY = "id = 1 AND table_name = 'database_identity' AND action = 'insert'"


def _holds_records(conn: psycopg.Connection[Any], table: str) -> bool:
    if table != "audit_log":
        return _count(conn, table, limit=1) > 0
    query = sql.SQL("SELECT 1 FROM {} WHERE NOT (" + _IDENTITY_ENTRY + ") LIMIT 1")
    return conn.execute(query.format(sql.Identifier(SCHEMA, table))).fetchone() is not None


def _refuse_unless_empty(conn: psycopg.Connection[Any], backup_version: int) -> None:
    """Refuse a database holding records, or built by a later schema than the backup's.
    The rows the first migration writes (its identity, and the audit entry recording
    it) do not count as records."""
    version = schema_version(conn)
    if version > backup_version:
        raise RestoreRefused(
            f"This database already has schema {version}, newer than the backup's "
            f"({backup_version}): restore into a new empty database. Nothing was changed."
        )
    if version == 0:
        if _tables(conn):
            raise RestoreRefused(
                "This database holds tables that tpchart did not make: restore into a new "
                "empty database. Nothing was changed."
            )
        return
    holding = [t for t in _tables(conn) if t != IDENTITY_TABLE and _holds_records(conn, t)]
    if holding:
        raise RestoreRefused(
            f"This database already holds records ({', '.join(holding)}): a restore goes "
            "only into an empty database, never over records. Nothing was changed."
        )


def _restore_rows(
    conn: psycopg.Connection[Any],
    archive: zipfile.ZipFile,
    manifest: Manifest,
    report: _Steps,
    cancelled: Cancelled | None,
) -> int:
    """Every row in one transaction, guards off then on; returns the guards enabled."""
    by_name = {t.name: t for t in manifest.tables}
    with conn.transaction():
        _set_text_settings(conn)
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(_LOCK_TIMEOUT)))
        tables = _tables(conn)
        if set(tables) != set(by_name):
            raise RestoreRefused(
                "The backup's tables are not this schema's tables "
                f"({', '.join(sorted(set(tables) ^ set(by_name)))}); nothing was restored."
            )
        for table in tables:
            if set(_columns(conn, table)) != set(by_name[table].columns):
                raise RestoreRefused(
                    f"The backup's columns of {table} are not this schema's; nothing was restored."
                )
        guards = _guards(conn)
        for table in tables:  # locks each table (ACCESS EXCLUSIVE) until the commit
            conn.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(SCHEMA, table))
            )
        # Again, now that no workstation can write: one may have charted meanwhile.
        _refuse_unless_empty(conn, manifest.schema_version)
        # What the first migration wrote gives way to the backup's own (guards are off).
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(SCHEMA, IDENTITY_TABLE)))
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(SCHEMA, "audit_log")))
        report.start_pass(manifest.rows)
        for table in _insert_order(conn, tables):
            _copy_in(conn, archive, by_name[table], report, cancelled)
        _move_sequences_past_ids(conn, tables)
        for table in tables:
            conn.execute(
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(SCHEMA, table))
            )
        enabled = _guards(conn)
        if set(enabled) != set(guards) or set(enabled.values()) != {"O"}:
            raise RestoreRefused(
                "The server's guards did not all come back on after the restore; nothing "
                "was restored."
            )
        report.start_pass(2 * manifest.rows)
        for table in tables:
            _check_restored(conn, by_name[table], report, cancelled)
    return len(enabled)


def _copy_in(
    conn: psycopg.Connection[Any],
    archive: zipfile.ZipFile,
    table: TableCopy,
    report: _Steps,
    cancelled: Cancelled | None,
) -> None:
    """Stream one table's CSV into the server, hashing it again on the way (the file
    could have changed since it was verified)."""
    query = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)").format(
        sql.Identifier(SCHEMA, table.name),
        sql.SQL(", ").join(sql.Identifier(c) for c in table.columns),
    )
    digest, records = hashlib.sha256(), _RecordCounter()
    with archive.open(table.member) as entry, conn.cursor().copy(query) as copy:
        for chunk in iter(lambda: entry.read(_CHUNK), b""):
            digest.update(chunk)
            copy.write(chunk)
            report.advance(records.feed(chunk))
            _check_cancel(cancelled, "restore")
    if digest.hexdigest() != table.sha256:
        raise RestoreRefused(
            f"The backup file changed while it was being restored (table {table.name}); "
            "nothing was restored."
        )


def _check_restored(
    conn: psycopg.Connection[Any], table: TableCopy, report: _Steps, cancelled: Cancelled | None
) -> None:
    """The rows as the server now holds them must give the backup's bytes again."""
    query = _copy_out_query(conn, table.name, list(table.columns))
    digest, records = hashlib.sha256(), _RecordCounter()
    for chunk in _copy_out_chunks(conn, query):
        digest.update(chunk)
        report.advance(records.feed(chunk))
        _check_cancel(cancelled, "restore")
    if digest.hexdigest() != table.sha256:
        raise RestoreRefused(
            f"The restored table {table.name} does not read back as the backup holds it; "
            "nothing was restored."
        )


def _move_sequences_past_ids(conn: psycopg.Connection[Any], tables: list[str]) -> None:
    """Identity sequences continue after the highest restored id (the next row a
    workstation adds must not collide with a restored one)."""
    for table, column in conn.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE c.relnamespace = %s::regnamespace AND a.attidentity <> '' AND a.attnum > 0"
        " AND NOT a.attisdropped ORDER BY c.relname",
        [SCHEMA],
    ).fetchall():
        if table not in tables:
            continue
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({}), 0) + 1, false)"
                " FROM {}"
            ).format(sql.Identifier(column), sql.Identifier(SCHEMA, table)),
            [f"{SCHEMA}.{table}", column],
        )


# --- the schema, read from the catalog ------------------------------------------------


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    """The clinic's tables, but the server's own record of its migrations."""
    return [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace"
            " AND relkind IN ('r', 'p') AND relname <> %s ORDER BY relname",
            [SCHEMA, VERSION_TABLE],
        )
    ]


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            [f"{SCHEMA}.{table}"],
        )
    ]


def _order_by(conn: psycopg.Connection[Any], table: str, columns: list[str]) -> sql.Composable:
    """The primary key (every column without one), text in byte order: the same rows
    come out in the same order on any server, whatever its collation."""
    key = conn.execute(
        "SELECT a.attname, t.typcategory FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " JOIN pg_type t ON t.oid = a.atttypid"
        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY k.n",
        [f"{SCHEMA}.{table}"],
    ).fetchall()
    if not key:
        return sql.SQL(", ").join(sql.SQL("{}::text COLLATE \"C\"").format(sql.Identifier(c))
                                  for c in columns)  # fmt: skip
    return sql.SQL(", ").join(
        sql.SQL('{} COLLATE "C"' if category == "S" else "{}").format(sql.Identifier(name))
        for name, category in key
    )


def _insert_order(conn: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """Referenced tables before the tables referring to them (foreign keys stay on)."""
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in conn.execute(
        "SELECT c.relname, p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
        " JOIN pg_class p ON p.oid = k.confrelid"
        " WHERE k.contype = 'f' AND k.connamespace = %s::regnamespace",
        [SCHEMA],
    ):
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(TopologicalSorter(graph).static_order())


def _guards(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], str]:
    """Every user trigger on the clinic's tables and its state ('O': enabled)."""
    return {
        (table, name): enabled
        for table, name, enabled in conn.execute(
            "SELECT c.relname, t.tgname, t.tgenabled::text FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal",
            [SCHEMA],
        )
    }


def _count(conn: psycopg.Connection[Any], table: str, limit: int | None = None) -> int:
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} {}) AS rows").format(
        sql.Identifier(SCHEMA, table),
        sql.SQL("LIMIT {}").format(sql.Literal(limit)) if limit else sql.SQL(""),
    )
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def _copy_out_query(conn: psycopg.Connection[Any], table: str, columns: list[str]) -> sql.Composed:
    """A table as CSV with its header, columns in the given order, rows in key order."""
    return sql.SQL(
        "COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER)"
    ).format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.Identifier(SCHEMA, table),
        _order_by(conn, table, columns),
    )


def _copy_out_chunks(conn: psycopg.Connection[Any], query: sql.Composed) -> Iterator[bytes]:
    """A COPY ... TO STDOUT in pieces of about _CHUNK bytes (the server sends one row
    per message: reporting progress per row would cost more than the copy)."""
    buffer = bytearray()
    with conn.cursor().copy(query) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= _CHUNK:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def _set_text_settings(conn: psycopg.Connection[Any]) -> None:
    for name, value in TEXT_SETTINGS.items():
        conn.execute(sql.SQL("SET LOCAL {} = {}").format(sql.Identifier(name), sql.Literal(value)))


# --- files ----------------------------------------------------------------------------


def _refuse_unsafe_target(target: Path) -> None:
    if os.path.lexists(target):
        raise BackupRefused(
            f"{target} already exists: a backup never replaces a file. Choose another "
            "name; nothing was written."
        )
    folder = target.parent
    if not folder.is_dir():
        raise BackupRefused(
            f"There is no folder {folder} to save the backup in; nothing was written."
        )
    if _POSIX:
        info = folder.stat()
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_uid not in (os.geteuid(), 0):
            raise BackupRefused(
                f"Other users of this computer can write in {folder}, so they could replace "
                "or remove the backup, which holds every patient's record. Choose a folder "
                "of your own (mode 0700); nothing was written."
            )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupRefused(f"tpchart may not write in {folder}; nothing was written.")


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new 0600 file beside the target (same file system: the rename is atomic)."""
    for _ in range(100):
        temp = str(folder / f".{name}.{secrets.token_hex(4)}.part")
        with contextlib.suppress(FileExistsError):
            fd = os.open(
                temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
            )
            if _POSIX:
                os.fchmod(fd, 0o600)  # whatever the umask
            return fd, temp
    raise BackupRefused(f"Could not create a temporary file in {folder}; nothing was written.")


def _place(temp: str, target: Path) -> None:
    """Give the verified file its name, never over a file that appeared meanwhile."""
    try:
        os.link(temp, target)  # fails if the target exists, unlike a rename
    except FileExistsError as error:
        raise BackupRefused(
            f"{target} appeared while the backup was being written; it was left alone and "
            "no backup was kept."
        ) from error
    except OSError:  # a file system without hard links (FAT, some network drives)
        if os.path.lexists(target):
            raise BackupRefused(f"{target} appeared meanwhile; no backup was kept.") from None
        os.rename(temp, target)
        return
    os.unlink(temp)


def _fsync_folder(folder: Path) -> None:
    if _POSIX:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _member_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o600) << 16  # unzipped, it stays private
    return info


# --- small helpers --------------------------------------------------------------------


class _RecordCounter:
    """Counts the rows of a CSV table as its bytes stream by, its header line apart: a
    newline ends a record unless inside quotes (PostgreSQL doubles a quote inside a
    quoted value, which toggles twice)."""

    def __init__(self) -> None:
        self.lines = 0
        self._quoted = False

    @property
    def rows(self) -> int:
        return max(self.lines - 1, 0)

    def feed(self, chunk: bytes) -> int:
        """Take the next bytes; returns how many more rows they completed."""
        before = self.rows
        for i, part in enumerate(chunk.split(b'"')):
            if i:
                self._quoted = not self._quoted
            if not self._quoted:
                self.lines += part.count(b"\n")
        return self.rows - before


class _Steps:
    """Reports (done, total) to the caller's progress across the passes of one task
    (reading, writing, checking), so that ``done`` only ever grows."""

    def __init__(self, progress: Progress | None, total: int = 0) -> None:
        self.progress = progress
        self.total = total
        self.base = 0  # rows of the passes already finished
        self.done = 0  # rows of this pass

    def start_pass(self, base: int) -> None:
        self.base, self.done = base, 0
        self._report()

    def advance(self, rows: int) -> None:
        self.done += rows
        self._report()

    def inner(self, done: int, _total: int) -> None:
        """Progress callback for a nested pass (verify_backup's own count)."""
        self.done = done
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.base + self.done, self.total), self.total)


def _check_cancel(cancelled: Cancelled | None, what: str) -> None:
    if cancelled is not None and cancelled():
        raise OperationCancelled(
            "The backup was cancelled; no file was written."
            if what == "backup"
            else "The restore was cancelled; nothing was restored."
            if what == "restore"
            else "The check was cancelled."
        )


def _plain(error: psycopg.Error) -> str:
    diag = getattr(error, "diag", None)
    text = (diag.message_primary if diag is not None else None) or str(error)
    return " ".join(text.split())


# --- shared with tpchart.store.to_server ------------------------------------------------
# Moving a single doctor's file into an empty clinic server writes rows past the guards
# exactly as a restore does; these are the restore's own pieces, under public names, so
# both read the schema, switch the guards and move the sequences the same way.
LOCK_TIMEOUT = _LOCK_TIMEOUT
clinic_tables = _tables
table_columns = _columns
insert_order = _insert_order
trigger_states = _guards
holds_records = _holds_records
move_sequences_past_ids = _move_sequences_past_ids
set_text_settings = _set_text_settings
