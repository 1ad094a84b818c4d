"""Moving a single doctor's database file into the clinic's server (issue 21):
``tpchart migrate-to-server --from clinic.db --to postgresql://…``.

Every row of every table comes across with its ids, in ONE transaction on the server,
verified before it commits; the file is only read. What is promised, and how:

- **The file first**: its own full check (``check_database``: SQLite's integrity,
  foreign keys, the schema, the anchors, the audit chain, every audited row, every
  signature) must pass. Damaged or altered records are refused, never carried into
  the server, where they would look as sound as the rest.
- **Read-only, one moment**: the rows are read in one read transaction on a read-only
  connection (an encrypted file through the key its passphrase unwraps). Nothing is
  written to the file, its -wal, its key slots or its anchors.
- **Into an empty clinic, as its owner**: the server's administrator creates and
  migrates the clinic database (docs/clinic-server.md) and migrates the file as the
  OWNER role: signed sessions, keys retired after they signed and the audit trail with
  its ids are rows the guards refuse to the app role. Inside the one transaction the
  guards are switched off, exactly as a restore does (``server.backup``: the same
  pieces), and switched on again and proven on before the commit. The rows the first
  migration writes (the database's identity and its audit entry) give way to the
  file's own, so that its chain and signatures verify on the server.
- **Nothing altered on the way**: PostgreSQL cannot hold everything SQLite can (a NUL
  in text, text that is not UTF-8, a time or JSON written in another form than
  tpchart writes, which the server would give back differently, breaking the audit
  hashes over that text). Such a value is refused by name (table, row, column; never
  the value: it is a patient's record), nothing written.
- **Verified before the commit**: every row is read back through the server's database
  face (``ServerDatabase``: rows in SQLite's shape, as the repositories and the checks
  see them) and compared field by field with the file's; counts per table on both
  sides. After the commit the server's check and the file's check run, and the
  summary reports both: they must find the same.
- **All or nothing**: an error, a cancel or a killed process rolls the transaction
  back; the clinic database stays empty, ready for another try.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tpchart.core.errors import TpchartError
from tpchart.store.file import check_database, encryption
from tpchart.store.file.database import is_plain, key_for, open_connection
from tpchart.store.records.rows import to_text
from tpchart.store.records.schema import SCHEMA_VERSION as FILE_SCHEMA_VERSION
from tpchart.store.records.tamper import TamperReport
from tpchart.store.server import SCHEMA, SCHEMA_VERSION, ServerRefused, connect, server_name
from tpchart.store.server.backup import (
    IDENTITY_TABLE,
    LOCK_TIMEOUT,
    OperationCancelled,
    clinic_tables,
    holds_records,
    insert_order,
    move_sequences_past_ids,
    set_text_settings,
    table_columns,
    trigger_states,
)
from tpchart.store.server.check import server_report
from tpchart.store.server.database import ServerDatabase
from tpchart.store.server.schema import schema_version

Progress = Callable[[int, int], object]
Cancelled = Callable[[], bool]

# The file's record of its own migrations: how the file was built, not a record.
FILE_ONLY_TABLES = frozenset({"_sqlite_migrations"})
# Rows per read of the file and of the server while verifying.
_BATCH = 2000
# Rows between progress reports and cancel checks (and at the end of every table).
_STEP = 250
_UNCHANGED = "nothing was written to the server and the file is unchanged"
_INT_RANGE = {"integer": 2**31, "bigint": 2**63, "smallint": 2**15}


class MigrationRefused(ServerRefused):
    """Nothing was moved; the message says why in plain words."""


class MigrationCancelled(OperationCancelled):
    """The person cancelled: the server holds nothing of the file."""


@dataclass(frozen=True)
class TableCount:
    """One table's rows in the file and on the server after the move."""

    table: str
    in_file: int
    on_server: int


@dataclass(frozen=True)
class MigrationSummary:
    """A committed move: the rows per table on both sides and both checks' results."""

    source: Path
    server: str  # the address without its password
    database_id: str
    demo: bool
    tables: tuple[TableCount, ...]
    guards_enabled: int
    file_findings: tuple[str, ...]
    file_notes: tuple[str, ...]
    server_findings: tuple[str, ...]
    server_notes: tuple[str, ...]
    seconds: float

    @property
    def rows(self) -> int:
        """Rows moved, every table together."""
        return sum(t.in_file for t in self.tables)

    @property
    def counts_equal(self) -> bool:
        """Every table holds as many rows on the server as in the file."""
        return all(t.in_file == t.on_server for t in self.tables)

    @property
    def checks_equal(self) -> bool:
        """Both checks found the same (findings and notes)."""
        return (self.file_findings, self.file_notes) == (self.server_findings, self.server_notes)

    @property
    def ok(self) -> bool:
        """Counts equal, checks equal, and the server's check found nothing wrong."""
        return self.counts_equal and self.checks_equal and not self.server_findings

    def lines(self) -> list[str]:
        """A plain report, for the command line."""
        out = [f"Moved {self.source} into {self.server} ({self.rows} rows, {self.seconds:.1f} s)"]
        if self.demo:
            out.append("Note: this is a demo database (made-up patients), and stays marked so.")
        width = max(len(t.table) for t in self.tables) if self.tables else 0
        out.append(f"  {'table'.ljust(width)}  {'file':>8}  {'server':>8}")
        for t in self.tables:
            mark = "" if t.in_file == t.on_server else "  DIFFERENT"
            out.append(f"  {t.table.ljust(width)}  {t.in_file:>8}  {t.on_server:>8}{mark}")
        for side, findings, notes in (
            ("file", self.file_findings, self.file_notes),
            ("server", self.server_findings, self.server_notes),
        ):
            out.append(f"Check of the {side}: " + ("ok" if not findings else "PROBLEMS"))
            out += [f"  {line}" for line in findings]
            out += [f"  Note: {note}" for note in notes]
        out.append(
            f"Server guards enabled: {self.guards_enabled}. "
            + ("Both sides agree." if self.ok else "THE TWO SIDES DIFFER: see above.")
        )
        return out


def migrate_to_server(
    source: Path | str,
    dsn: str,
    *,
    password: str | None = None,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> MigrationSummary:
    """Copy the database file ``source`` into the empty, migrated clinic database at
    ``dsn`` (a ``postgresql://`` address or libpq string naming the OWNER role;
    ``password`` if it is not in the address), verified (see the module's notes).

    ``passphrase`` opens an encrypted file. ``progress(done, total)`` counts rows
    written, then verified (total: twice the rows); ``cancelled()`` returning True
    stops the work (MigrationCancelled), nothing written. Refused in plain words
    (MigrationRefused, or ServerRefused when the server cannot be reached), nothing
    written and the file unchanged: a file that fails its own check or is not of
    this tpchart's schema, a server not set up, of another schema or holding records,
    a connection as another role than the owner, a value the server cannot hold."""
    with connect(dsn, **({"password": password} if password is not None else {})) as conn:
        return migrate_into(
            source, conn, passphrase=passphrase, progress=progress, cancelled=cancelled
        )


def migrate_into(
    source: Path | str,
    conn_owner: psycopg.Connection[Any],
    *,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> MigrationSummary:
    """``migrate_to_server`` on a connection the caller opened (``connection.connect``:
    autocommit, as the owner role), as ``restore_server`` takes one: for a command
    line that asks for the owner's password when the server wants one."""
    started = time.monotonic()
    source = Path(source).resolve()
    server = server_name(conn_owner)
    if not conn_owner.autocommit:
        raise MigrationRefused("Moving a file needs an autocommit connection (connection.connect).")
    _unlock(source, passphrase)
    _refuse_unsound(source)
    _refuse_unsuitable_server(conn_owner, server)
    file = _FileSnapshot(source)
    try:
        moved = _move(conn_owner, file, _Steps(progress), cancelled)
    finally:
        file.close()
    checked = _server_check(conn_owner)
    after = check_database(source)  # the file as it stays: sound, and untouched
    return MigrationSummary(
        source=source,
        server=server,
        database_id=moved.database_id,
        demo=moved.demo,
        tables=moved.tables,
        guards_enabled=moved.guards,
        file_findings=(
            *(line for line in after.integrity if line != "ok"),
            *after.foreign_keys,
            *(after.audit or ()),
        ),
        file_notes=tuple(_record_notes(after.notes)),
        server_findings=tuple(checked.findings),
        server_notes=tuple(checked.notes),
        seconds=time.monotonic() - started,
    )


# --- the file -------------------------------------------------------------------------


def _unlock(source: Path, passphrase: str | None) -> None:
    """An encrypted file needs its key in this process (only in memory)."""
    if is_plain(source) or key_for(source) is not None:
        return
    if passphrase is None:
        raise MigrationRefused(
            f"{source.name} is encrypted: give a practitioner's passphrase (or the recovery "
            f"code) to read it; {_UNCHANGED}."
        )
    try:
        encryption.unlock(source, passphrase)
    except TpchartError as error:  # WrongPassphrase, a missing key file: one plain line
        raise MigrationRefused(str(error)) from error


def _refuse_unsound(source: Path) -> None:
    report = check_database(source)
    if report.refused:
        raise MigrationRefused(f"{source}: {report.refused} Nothing was written to the server.")
    if not report.ok:
        problems = [line.strip() for line in report.lines()[1:] if line.startswith("  ")]
        raise MigrationRefused(
            f"{source} fails its own check, so its records are not moved (on the server "
            "damaged or altered records would look as sound as the rest): "
            + "; ".join(problems[:5])
            + f". Run `tpchart check` on it and restore a good backup; {_UNCHANGED}."
        )


def _record_notes(notes: Sequence[str]) -> list[str]:
    """The notes about the records (what the server's check can say too), not those
    about the file itself (a write rolled back on a copy)."""
    return [n for n in notes if not n.startswith("a write interrupted by a crash")]


class _FileSnapshot:
    """One read transaction on a read-only connection: every table as it was when it
    started, whatever a running tpchart writes meanwhile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = open_connection(path, read_only=True, isolation_level=None)
        try:
            self.conn.execute("BEGIN")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version != FILE_SCHEMA_VERSION:
                raise MigrationRefused(
                    f"{path.name} is at schema {version}; this tpchart writes "
                    f"{FILE_SCHEMA_VERSION}. Open it once with this tpchart (it updates the "
                    f"file, keeping a backup first), close it, then move it; {_UNCHANGED}."
                )
            self.tables = [
                name
                for (name,) in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
                if name not in FILE_ONLY_TABLES
            ]
            self.counts = {
                t: self.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
                for t in self.tables
            }
        except BaseException:
            self.conn.close()
            raise

    def key(self, table: str) -> list[str]:
        """The primary key's columns, in order: how rows are named and sorted."""
        info = self.conn.execute(f"PRAGMA table_info([{table}])").fetchall()
        return [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]

    def rows(self, table: str, columns: list[str], *, raw: bool) -> Iterator[tuple[Any, ...]]:
        """Every row in key order (text in byte order, as PostgreSQL's "C" collation).
        ``raw`` gives text as bytes, so text that is not UTF-8 is named, not a crash."""
        query = (
            f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY "
            + ", ".join(f"[{c}]" for c in self.key(table))
        )
        self.conn.text_factory = bytes if raw else str
        cursor = self.conn.execute(query)
        try:
            while batch := cursor.fetchmany(_BATCH):
                yield from batch
        finally:
            cursor.close()
            self.conn.text_factory = str

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.conn.close()  # ends the read transaction: nothing was written


# --- the server -----------------------------------------------------------------------


def _refuse_unsuitable_server(conn: psycopg.Connection[Any], server: str) -> None:
    """A migrated clinic database of this tpchart's schema, as its owner, holding no
    records (the first migration's identity row and its audit entry apart)."""
    try:
        version = schema_version(conn)  # ServerRefused for a newer or altered record
    except ServerRefused as error:
        raise MigrationRefused(f"{error} {_UNCHANGED.capitalize()}.") from error
    if version == 0:
        raise MigrationRefused(
            f"The clinic database ({server}) is not set up yet: whoever runs the server "
            f"creates and migrates it first (docs/clinic-server.md); {_UNCHANGED}."
        )
    if version != SCHEMA_VERSION:
        raise MigrationRefused(
            f"The clinic database ({server}) is at schema {version}; this tpchart needs "
            f"{SCHEMA_VERSION}: whoever runs the server updates it with this version of "
            f"tpchart first; {_UNCHANGED}."
        )
    owner, me, superuser = conn.execute(
        "SELECT n.nspowner::regrole::text, current_user::text, r.rolsuper"
        " FROM pg_namespace n, pg_roles r WHERE n.nspname = %s AND r.rolname = current_user",
        [SCHEMA],
    ).fetchone() or ("", "", False)
    if me != owner and not superuser:
        raise MigrationRefused(
            f"Moving a file into the server needs the clinic database's owner role "
            f"({owner}), not {me}: the role workstations use may not write signed sessions "
            "and the audit trail as they were. Connect as the owner (whoever set the server "
            f"up has its password); {_UNCHANGED}."
        )
    _refuse_records(conn, server)


def _refuse_records(conn: psycopg.Connection[Any], server: str) -> None:
    holding = [t for t in clinic_tables(conn) if t != IDENTITY_TABLE and holds_records(conn, t)]
    if holding:
        raise MigrationRefused(
            f"The clinic database ({server}) already holds records ({', '.join(holding)}): "
            "a file goes only into an empty clinic database, never over or beside records "
            f"(two files would need merging, which tpchart does not do); {_UNCHANGED}."
        )


@dataclass(frozen=True)
class _Moved:
    tables: tuple[TableCount, ...]
    guards: int
    database_id: str
    demo: bool


def _move(
    conn: psycopg.Connection[Any], file: _FileSnapshot, steps: _Steps, cancelled: Cancelled | None
) -> _Moved:
    """Every row in one transaction, guards off then proven on, verified before commit."""
    steps.total = 2 * sum(file.counts.values())
    steps.report()
    try:
        with conn.transaction():
            set_text_settings(conn)
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
            tables = clinic_tables(conn)
            kinds = _column_kinds(conn, file, tables)
            guards = trigger_states(conn)
            for table in tables:  # each locked (ACCESS EXCLUSIVE) until the commit
                conn.execute(
                    sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(
                        sql.Identifier(SCHEMA, table)
                    )
                )
            # Again, now that no workstation can write: one may have charted meanwhile.
            _refuse_records(conn, "the clinic server")
            # The first migration's identity gives way to the file's own (guards off).
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(SCHEMA, IDENTITY_TABLE)))
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(SCHEMA, "audit_log")))
            for table in _record_first(insert_order(conn, file.tables)):
                _copy_table(conn, file, table, kinds[table], steps, cancelled)
            move_sequences_past_ids(conn, tables)
            for table in tables:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(
                        sql.Identifier(SCHEMA, table)
                    )
                )
            enabled = trigger_states(conn)
            if set(enabled) != set(guards) or set(enabled.values()) != {"O"}:
                raise MigrationRefused(
                    f"The server's guards did not all come back on; {_UNCHANGED}."
                )
            db = ServerDatabase(conn)
            counts = []
            for table in file.tables:
                on_server = _verify_table(db, file, table, kinds[table], steps, cancelled)
                counts.append(TableCount(table, file.counts[table], on_server))
            if any(c.in_file != c.on_server for c in counts):
                raise MigrationRefused(f"The row counts differ after writing; {_UNCHANGED}.")
            identity = conn.execute(
                sql.SQL("SELECT database_id FROM {}").format(sql.Identifier(SCHEMA, IDENTITY_TABLE))
            ).fetchone()
    except psycopg.errors.LockNotAvailable as error:
        raise MigrationRefused(
            f"The clinic database is in use by a workstation: close tpchart everywhere and "
            f"try again; {_UNCHANGED}."
        ) from error
    except psycopg.errors.InsufficientPrivilege as error:
        raise MigrationRefused(
            f"Moving a file into the server needs the clinic database's owner role "
            f"({_plain(error)}); {_UNCHANGED}."
        ) from error
    except psycopg.OperationalError as error:
        raise MigrationRefused(
            f"The connection to the clinic server was lost ({_plain(error)}); the server "
            f"rolls back what it received: {_UNCHANGED}. Try again."
        ) from error
    except psycopg.Error as error:
        raise MigrationRefused(
            f"The server refused the move ({_plain(error)}); {_UNCHANGED}."
        ) from error
    return _Moved(
        tables=tuple(counts),
        guards=len(enabled),
        database_id=str(identity[0]) if identity else "",
        demo=file.setting("demo") == "yes",
    )


def _record_first(tables: list[str]) -> list[str]:
    """The audit trail last (nothing refers to it): a value the server cannot hold is
    in a record and in its audit entry alike, and the record is what a doctor can find."""
    return [t for t in tables if t != "audit_log"] + [t for t in tables if t == "audit_log"]


def _column_kinds(
    conn: psycopg.Connection[Any], file: _FileSnapshot, tables: list[str]
) -> dict[str, dict[str, str]]:
    """Each file table's columns (the server's order) and the server's type of each.
    The server's tables are the twins of the file's at this schema; anything else is
    refused rather than guessed."""
    kinds: dict[str, dict[str, str]] = {}
    for table in file.tables:
        if table not in tables:
            raise MigrationRefused(
                f"The clinic server has no table {table}, which the file has: they are not "
                f"of the same tpchart; {_UNCHANGED}."
            )
        on_server = conn.execute(
            "SELECT column_name::text, data_type::text FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [SCHEMA, table],
        ).fetchall()
        in_file = {r[1] for r in file.conn.execute(f"PRAGMA table_info([{table}])")}
        if set(table_columns(conn, table)) != in_file:
            raise MigrationRefused(
                f"The columns of {table} differ between the file and the server: they are "
                f"not of the same tpchart; {_UNCHANGED}."
            )
        kinds[table] = dict(on_server)
    return kinds


def _copy_table(
    conn: psycopg.Connection[Any],
    file: _FileSnapshot,
    table: str,
    kinds: dict[str, str],
    steps: _Steps,
    cancelled: Cancelled | None,
) -> None:
    """Stream one table into the server, each value checked on the way."""
    columns = list(kinds)
    key = file.key(table)
    checks = [_CHECKS[kinds[c]] for c in columns]
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(SCHEMA, table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    names: list[str] = []  # each row's name, to say which one the server refused
    try:
        with conn.cursor().copy(query) as copy:
            for n, raw in enumerate(file.rows(table, columns, raw=True), 1):
                values = []
                for column, value, check in zip(columns, raw, checks, strict=True):
                    try:
                        values.append(check(value))
                    except _Unfit as unfit:
                        raise MigrationRefused(
                            f"{table} {_row_name(dict(zip(columns, raw, strict=True)), key)}, "
                            f"column {column}: {unfit}. tpchart never changes a record on the "
                            f"way, so {_UNCHANGED}. Ask for help to correct it in the file."
                        ) from None
                copy.write_row(values)
                names.append(_row_name(dict(zip(columns, raw, strict=True)), key))
                if n % _STEP == 0:
                    steps.advance(_STEP)
                    _check_cancel(cancelled)
            steps.advance(len(names) % _STEP)
            _check_cancel(cancelled)
    except psycopg.errors.DataError as error:
        raise MigrationRefused(_refused_row(table, names, error)) from error
    except psycopg.errors.IntegrityError as error:
        raise MigrationRefused(_refused_row(table, names, error)) from error


def _verify_table(
    db: ServerDatabase,
    file: _FileSnapshot,
    table: str,
    kinds: dict[str, str],
    steps: _Steps,
    cancelled: Cancelled | None,
) -> int:
    """Compare the table as the server now gives it (SQLite's shape) with the file's,
    row by row and field by field, in the same key order; returns the server's rows."""
    key = file.key(table)
    columns = list(kinds)
    order = ", ".join(f'[{c}] COLLATE "C"' if kinds[c] == "text" else f"[{c}]" for c in key)
    select = f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY {order}"
    server_rows = _server_rows(db, table, select)
    count = 0
    for mine in file.rows(table, columns, raw=False):
        theirs = next(server_rows, None)
        count += theirs is not None
        if theirs is None or tuple(theirs) != mine or _types(theirs) != _types(mine):
            row = dict(zip(columns, mine, strict=True))
            column = next(
                (
                    c
                    for c, a, b in zip(columns, mine, theirs or (), strict=False)
                    if a != b or type(a) is not type(b)
                ),
                "(the whole row)",
            )
            raise MigrationRefused(
                f"{table} {_row_name(row, key)}, column {column}: the server gives it back "
                "differently from the file (it would not verify against its audit entry or "
                f"signature), so {_UNCHANGED}. Ask for help: this value needs a look."
            )
        if count % _STEP == 0:
            steps.advance(_STEP)
            _check_cancel(cancelled)
    extra = sum(1 for _ in server_rows)
    steps.advance(count % _STEP)
    _check_cancel(cancelled)
    return count + extra


def _server_rows(db: ServerDatabase, table: str, select: str) -> Iterator[tuple[Any, ...]]:
    """The query's rows in batches, through a cursor on the server (inside the
    transaction), so a large table is never held in memory whole. Each table's cursor
    has its own name; all of them end with the transaction."""
    name = f"[tpchart_verify_{table}]"
    db.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {select}")
    while batch := db.execute(f"FETCH {_BATCH} FROM {name}").fetchall():
        yield from batch


def _types(row: Sequence[Any]) -> tuple[type, ...]:
    return tuple(type(v) for v in row)


def _server_check(conn: psycopg.Connection[Any]) -> TamperReport:
    """``tpchart check`` on the server, as one moment (what ClinicServerStore.check runs)."""
    db = ServerDatabase(conn)
    with db.atomic():
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return server_report(db)


# --- values: what the server can hold exactly as the file holds it --------------------


class _Unfit(Exception):
    """A value the server cannot hold as the file holds it; the message says why."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise _Unfit(f"a {type(value).__name__} where text belongs")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unfit("the text is not valid UTF-8 (a damaged or foreign character)") from None
    if "\x00" in text:
        raise _Unfit(
            "the text holds a NUL character (invisible; older versions could store it), "
            "which the server cannot hold"
        )
    return text


def _integer(bits: str) -> Callable[[Any], int | None]:
    limit = _INT_RANGE[bits]

    def check(value: Any) -> int | None:
        if value is None:
            return None
        if type(value) is not int:
            raise _Unfit(f"a {type(value).__name__} where a whole number belongs")
        if not -limit <= value < limit:
            raise _Unfit("the number is too large for the server's column")
        return value

    return check


def _boolean(value: Any) -> int | None:
    if value is None or (type(value) is int and value in (0, 1)):
        return value
    raise _Unfit("a value other than 0 or 1 where yes/no belongs")


def _real(value: Any) -> float | int | None:
    if value is None or type(value) in (int, float):
        if isinstance(value, float) and math.isnan(value):
            raise _Unfit("not a number (NaN)")
        return value
    raise _Unfit(f"a {type(value).__name__} where a number belongs")


def _moment(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Unfit("the time is not a time tpchart can read") from None
    if moment.tzinfo is None or to_text(moment) != text:
        raise _Unfit(
            "the time is not in the form tpchart writes (ISO 8601 in UTC): the server "
            "would give it back in that form, and the audit entries over it would not verify"
        )
    return text


def _day(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        if date.fromisoformat(text).isoformat() == text:
            return text
    except ValueError:
        pass
    raise _Unfit("the date is not in the form tpchart writes (YYYY-MM-DD)")


def _json(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        raise _Unfit("the JSON cannot be read") from None
    if "\\u0000" in text or "e+" in text:  # only then can a value inside be unholdable
        _refuse_unholdable(parsed)
    # What rows.to_json writes (for values read from JSON its _plain changes nothing).
    if json.dumps(parsed, ensure_ascii=False, sort_keys=True) != text:
        raise _Unfit(
            "the JSON is not in the form tpchart writes: the server would give it back "
            "in that form, and the audit entries over it would not verify"
        )
    return text


def _no_constant(name: str) -> Any:
    raise _Unfit(f"the JSON holds {name}, which the server's JSON cannot")


def _refuse_unholdable(value: Any) -> None:
    """What jsonb cannot keep as it is: a NUL in a string (refused), a float written
    with a positive exponent (jsonb gives 1e+20 back as the whole number
    100000000000000000000, another value to Python and another text)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _Unfit("the JSON holds a NUL character, which the server cannot hold")
    elif isinstance(value, float):
        if "e+" in repr(value):
            raise _Unfit("the JSON holds a very large number the server would rewrite")
    elif isinstance(value, list):
        for item in value:
            _refuse_unholdable(item)
    elif isinstance(value, dict):
        for k, item in value.items():
            _refuse_unholdable(k)
            _refuse_unholdable(item)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "integer": _integer("integer"),
    "bigint": _integer("bigint"),
    "smallint": _integer("smallint"),
    "boolean": _boolean,
    "double precision": _real,
    "real": _real,
    "timestamp with time zone": _moment,
    "date": _day,
    "jsonb": _json,
    "json": _json,
}


# --- small helpers --------------------------------------------------------------------


def _row_name(row: dict[str, Any], key: list[str]) -> str:
    """A row by its key, never by clinical content: ``row id 12``; for a table keyed by
    text (a patient's name words), its number columns only."""
    if key == ["id"]:
        return f"row id {row['id']}"
    parts = [f"{c} {row[c]}" for c in key if isinstance(row[c], int)]
    if not parts:
        parts = [f"{c} {_printable(row[c])}" for c in key]
    return "row with " + ", ".join(parts)


def _printable(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return repr(value)


def _refused_row(table: str, names: list[str], error: psycopg.Error) -> str:
    """The server refused a row of a COPY: which one (its line in the stream)."""
    context = (getattr(error, "diag", None) and error.diag.context) or ""
    which = "a row"
    marker = "line "
    if marker in context:
        digits = "".join(ch for ch in context.split(marker, 1)[1] if ch.isdigit())
        line = int(digits) if digits else 0
        if 0 < line <= len(names):
            which = names[line - 1]
    return (
        f"The server refused {table} {which}: {_plain(error)}. tpchart never changes a record "
        f"on the way, so {_UNCHANGED}."
    )


def _plain(error: psycopg.Error) -> str:
    diag = getattr(error, "diag", None)
    text = (diag.message_primary if diag is not None else None) or str(error)
    return " ".join(text.split())


class _Steps:
    """Progress (done, total) across writing and verifying; ``done`` only grows."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.total = 0
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        self.report()

    def report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def _check_cancel(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise MigrationCancelled(f"The move was cancelled; {_UNCHANGED}.")
