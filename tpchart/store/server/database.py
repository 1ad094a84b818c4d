"""The clinic server seen through the same small database face the repositories use on
SQLite, so one set of repositories (``tpchart.store.records``) serves both engines.

The repositories talk to a ``sqlite_utils.Database`` through five things: ``execute``
(with ``?`` parameters and ``[name]`` quoting), ``atomic()`` (one transaction, nesting as
savepoints), ``conn.executemany``, ``conn.in_transaction`` and ``conn.total_changes``.
``ServerDatabase`` offers exactly those on a psycopg connection:

- **SQL**: each statement is translated once (and cached): ``?`` becomes a text-format
  parameter, ``[name]`` an identifier, ``INSERT OR IGNORE`` an ``ON CONFLICT DO
  NOTHING``, SQLite's ``+column`` index hint a plain column, ``json_extract(c, '$.k')``
  ``c->>'k'`` (as text), a JSON array read with ``json_each`` one read with
  ``json_array_elements``, and ``PRAGMA table_info`` / ``foreign_key_list`` /
  ``user_version`` or the list of tables from ``sqlite_master`` a catalogue query of the
  same shape.
  An INSERT into a table with an ``id`` gets ``RETURNING id`` for ``lastrowid``.
- **Values in**: parameters go as text of unknown type, so the server reads each one
  as the type of the column it meets, as SQLite's dynamic typing did: ``1`` becomes
  ``true`` in a boolean column, ISO text a ``timestamptz``, JSON text ``jsonb``.
- **Values out**: rows come back as SQLite gives them: booleans 0/1, times as the ISO
  8601 text ``rows.to_text`` writes, dates as ISO text and JSON as the canonical text
  ``rows.to_json`` writes. That matters beyond convenience: an audit row's hash covers
  the stored text of its before- and after-images (``audit.link_hash``), so the same
  change must read back as the same text on both engines for ``check`` to verify a chain
  written on either, or carried from one to the other.
- **Errors**: a full disk or a server refusing changes come out as a plain-words
  ``StorageError`` (the change was rolled back); constraint violations stay errors of
  the database (they are bugs).
- **A lost connection** (the server restarted, the network dropped, the backend was
  ended): the statement or transaction under way fails with ``StorageError`` kind
  ``server``, and the next statement or transaction outside it connects again through
  the factory the store gave (``reconnect``); never inside a half-open transaction, and
  nothing is re-applied here (``Operations.run`` retries a user action that certainly
  did not commit). A read outside a transaction is simply asked again on the new
  connection. The connection lost *during COMMIT* leaves the outcome unknown, so it is
  found out, not guessed: the transaction's id (``pg_current_xact_id()``, read in the
  same statement that takes the audit lock, so it costs the click no round trip) and
  ``pg_xact_status`` on a new connection say committed (the action returns normally) or
  aborted (``server``: certainly not saved). Because a server that crashed can hand the
  id of a transaction it lost to the next one, "committed" is believed only when the
  transaction's audit row is there with the very text it was written with (or the server
  did not restart). When the server cannot be asked within ``SETTLE_SECONDS``, the error's
  kind is ``unknown``: the change may or may not be saved, and nothing retries it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import Column
from psycopg import errors as pg_errors
from psycopg.adapt import AdaptersMap, Dumper, Loader
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.types.datetime import TimestamptzLoader

from tpchart.store.errors import StorageError
from tpchart.store.records.rows import to_json, to_text
from tpchart.store.records.schema import SCHEMA_VERSION as RECORDS_SCHEMA_VERSION
from tpchart.store.server.connection import ServerRefused

log = logging.getLogger("tpchart.store")

_NOT_SAVED = "your last change was not saved"


# -- values in: as SQLite's dynamic typing would take them --------------------------------
class _AsTyped(Dumper):
    """A number sent as text of unknown type: the server gives it the type of what it
    meets (a boolean column reads 1 as true, an integer column as 1)."""

    oid = 0  # unknown

    def dump(self, obj: Any) -> bytes:
        return str(int(obj) if isinstance(obj, bool) else obj).encode()


# -- values out: as SQLite gives them ----------------------------------------------------
class _TimeAsText(TimestamptzLoader):
    def load(self, data: Any) -> str:  # type: ignore[override]  # text, as SQLite keeps it
        moment: datetime = super().load(data)
        return to_text(moment) or ""


class _DateAsText(Loader):
    def load(self, data: Any) -> str:
        return date.fromisoformat(bytes(data).decode()).isoformat()


class _BooleanAsInteger(Loader):
    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class _JsonAsText(Loader):
    def load(self, data: Any) -> str:
        text = bytes(data)
        if len(text) <= _SHORT_JSON:
            return _short_json_as_text(text)
        return to_json(json.loads(text))


# Most JSON values in clinical rows are short and repeat from row to row (an empty list
# of precautions, the same two lung precautions): each is parsed and written again in
# tpchart's form once, not once per row. Parsing them was a third of reading 200
# patients for a search. Long values (an audit row's images) are not kept.
_SHORT_JSON = 256


@lru_cache(maxsize=2048)
def _short_json_as_text(text: bytes) -> str:
    return to_json(json.loads(text))


def sqlite_shaped(template: AdaptersMap) -> AdaptersMap:
    """A copy of ``template`` reading and writing values as SQLite would; made once per
    connection and shared by its cursors (``_Cursor``). Never registered on the
    connection itself: a connection lent by a caller (a migration's) keeps its own."""
    adapters = AdaptersMap(template)
    for kind in (int, float, bool):
        adapters.register_dumper(kind, _AsTyped)
    adapters.register_loader("timestamptz", _TimeAsText)
    adapters.register_loader("date", _DateAsText)
    adapters.register_loader("bool", _BooleanAsInteger)
    adapters.register_loader("jsonb", _JsonAsText)
    adapters.register_loader("json", _JsonAsText)
    return adapters


class _SqliteShapedCursor(psycopg.Cursor[Any]):
    """A cursor on the connection whose adapters are the store's ``sqlite_shaped`` map,
    shared rather than copied and registered anew per cursor (that was about 25 µs a
    statement, a dozen times a click). Nothing registers on a cursor's adapters here,
    so sharing the map is safe."""

    def __init__(self, connection: psycopg.Connection[Any], adapters: AdaptersMap) -> None:
        self._shared_adapters = adapters  # read by the base class's __init__
        super().__init__(connection)

    @property
    def adapters(self) -> AdaptersMap:
        return self._shared_adapters


# -- SQL: SQLite's dialect as the repositories write it, in PostgreSQL's ------------------
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\[[A-Za-z_][A-Za-z0-9_]*\]|\?|%")
_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?", re.IGNORECASE)
_JSON_EXTRACT = re.compile(
    r"json_extract\(\s*([A-Za-z_][A-Za-z0-9_.]*|coalesce\([^()]*\))\s*,\s*'\$\.([A-Za-z_]+)'\s*\)"
)
# A list of values passed as one JSON array: ``x IN (SELECT value FROM json_each(?))``,
# and ``EXISTS (SELECT 1 FROM json_each(?) j WHERE json_extract(j.value, '$[0]') = t.c``
# for lists of composite keys. Compared as text: the array's values come out as text.
_IN_JSON_ARRAY = re.compile(
    r"(\[\w+\]|[\w.]+|\((?:[^()]|\([^()]*\))*\))\s+IN\s+\(SELECT value FROM json_each\(\?\)\)"
)
_JSON_EACH_ALIAS = re.compile(r"json_each\(\?\) j\b")
_JSON_ITEM = re.compile(r"json_extract\(j\.value, '\$\[(\d+)\]'\) = (t\.\[\w+\])")
_INDEX_HINT = re.compile(r"(?<=[\s(])\+(?=[A-Za-z_])")
_USER_VERSION = re.compile(r"^\s*PRAGMA\s+user_version\s*$", re.IGNORECASE)
_PRAGMA = re.compile(
    r"^\s*PRAGMA\s+(table_info|foreign_key_list)\(\s*\[?\"?([A-Za-z_][A-Za-z0-9_]*)\"?\]?\s*\)\s*$",
    re.IGNORECASE,
)

# The tables, as ``sqlite_master`` lists them (the server has none of SQLite's own).
_SQLITE_TABLES = re.compile(
    r"^\s*SELECT (name|1) FROM sqlite_master WHERE type = 'table'"
    r"(?: AND name NOT LIKE 'sqlite_%'| AND name = '(\w+)')?\s*$"
)
_TABLES = """
SELECT {} FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
"""

# PRAGMA table_info's columns: cid, name, type, notnull, dflt_value, pk.
_TABLE_INFO = """
SELECT c.ordinal_position - 1, c.column_name::text, c.data_type::text,
       (c.is_nullable = 'NO')::int, c.column_default::text,
       coalesce((SELECT k.ordinal_position FROM information_schema.key_column_usage k
                 JOIN information_schema.table_constraints t
                   ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema
                 WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
                   AND k.table_name = c.table_name AND k.column_name = c.column_name), 0)
FROM information_schema.columns c
WHERE c.table_schema = current_schema() AND c.table_name = %t
ORDER BY c.ordinal_position
"""

# PRAGMA foreign_key_list's columns: id, seq, table, from, to, on_update, on_delete, match.
_FOREIGN_KEYS = """
SELECT (row_number() OVER (ORDER BY con.conname))::int - 1, (k.n - 1)::int,
       ref.relname::text, a.attname::text, fa.attname::text, 'NO ACTION', 'RESTRICT', 'NONE'
FROM pg_constraint con
JOIN pg_class tab ON tab.oid = con.conrelid
JOIN pg_namespace ns ON ns.oid = tab.relnamespace
JOIN pg_class ref ON ref.oid = con.confrelid
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(col, fcol, n)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fcol
WHERE con.contype = 'f' AND ns.nspname = current_schema() AND tab.relname = %t
ORDER BY con.conname, k.n
"""


@lru_cache(maxsize=512)
def translate(sql: str) -> tuple[str, tuple[Any, ...] | None]:
    """``sql`` as SQLite reads it, in PostgreSQL's dialect; and, for a PRAGMA, the
    parameters of the catalogue query that answers it instead of the caller's."""
    tables = _SQLITE_TABLES.match(sql)
    if tables:
        what, name = tables.groups()
        query = _TABLES.format("table_name::text" if what == "name" else "1")
        if name:
            return query + " AND table_name = %t", (name,)
        return query, None
    if _USER_VERSION.match(sql):
        # The records' schema version: the server's tables are the twins of the file's
        # at this version (tests/server/test_schema.py fails the day they are not).
        return "SELECT %t::integer", (RECORDS_SCHEMA_VERSION,)
    pragma = _PRAGMA.match(sql)
    if pragma:
        kind, table = pragma.groups()
        return (_TABLE_INFO if kind.lower() == "table_info" else _FOREIGN_KEYS), (table,)

    def outside_strings(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%t"
        if token == "%":
            return "%%"
        if token.startswith("["):
            return f'"{token[1:-1]}"'
        return token.replace("%", "%%")  # a literal or a quoted identifier, as it is

    ignore = bool(_INSERT_OR_IGNORE.match(sql))
    if ignore:
        sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql, count=1)
    sql = _JSON_EXTRACT.sub(r"(\1->>'\2')", sql)
    sql = _IN_JSON_ARRAY.sub(r"(\1)::text IN (SELECT json_array_elements_text(?::json))", sql)
    sql = _JSON_EACH_ALIAS.sub("json_array_elements(?::json) j(value)", sql)
    sql = _JSON_ITEM.sub(r"(j.value->>\1) = \2::text", sql)
    sql = _INDEX_HINT.sub("", sql)
    sql = _TOKENS.sub(outside_strings, sql)
    if ignore:
        sql = sql.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    return sql, None


# -- errors -------------------------------------------------------------------------------
# Seconds to wait for the server to answer again after the connection was lost during a
# COMMIT, to find out whether the change was saved: a restart after a crash takes a few
# seconds; beyond that the doctor is told the outcome is unknown rather than kept waiting.
SETTLE_SECONDS = 10.0


def lost() -> StorageError:
    """The connection was lost before the change could commit: certainly not saved."""
    return StorageError(
        f"The connection to the clinic server was lost; {_NOT_SAVED}. tpchart reconnects "
        "when you try again.",
        "server",
    )


def unreachable() -> StorageError:
    """The server cannot be reached again: nothing was sent, so nothing was saved."""
    return StorageError(
        f"The clinic server cannot be reached; {_NOT_SAVED}. Check the network or ask "
        "whoever looks after the server, then try again.",
        "server",
    )


def outcome_unknown() -> StorageError:
    """The connection was lost during the COMMIT and the server could not be asked how
    it ended: the change may or may not be saved (never retried)."""
    return StorageError(
        "The connection to the clinic server was lost while your last change was being "
        "saved, and tpchart could not find out whether it was saved. When the server is "
        "back, look at the record before entering the change again.",
        "unknown",
    )


def _plain(error: psycopg.Error) -> StorageError | None:
    """The plain-words StorageError for the machine's or the network's fault, or None."""
    if isinstance(error, pg_errors.DiskFull):
        return StorageError(
            f"The clinic server's disk is full; {_NOT_SAVED}. Tell whoever looks after the server.",
            "full",
        )
    if isinstance(error, (pg_errors.ReadOnlySqlTransaction,)):
        return StorageError(
            f"The clinic server accepts no changes at the moment; {_NOT_SAVED}.", "read_only"
        )
    if isinstance(error, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return StorageError(
            f"A colleague saved a change at the same moment; {_NOT_SAVED}. Try again.", "busy"
        )
    if isinstance(error, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled)):
        return StorageError(f"The clinic server is busy; {_NOT_SAVED}. Try again.", "busy")
    if isinstance(error, psycopg.OperationalError):
        # Connection lost, server shut down or restarting: psycopg's OperationalError.
        return lost()
    return None


def _returns_rows(cursor: psycopg.Cursor[Any]) -> bool:
    """Whether the statement gave rows (a query, or a change with RETURNING): when
    psycopg's ``description`` is not None, without making it."""
    result = cursor.pgresult
    return result is not None and bool(result.nfields or result.status == ExecStatus.TUPLES_OK)


class _Cursor:
    """What ``db.execute`` returns on SQLite, for the parts the repositories read."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount
        self.returns_rows = _returns_rows(cursor)
        self._description: list[Column] | None = None

    @property
    def description(self) -> list[Column] | None:
        """The columns, as psycopg describes them, made when first asked for (once):
        psycopg makes a ``Column`` per column at every call, 40 of them for a row of
        ``sessions`` or ``trigger_points``, and a click's statements asked twice."""
        if self._description is None and self.returns_rows:
            self._description = self._cursor.description
        return self._description

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone() if self.returns_rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall() if self.returns_rows else []

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        return self._cursor.fetchmany(size) if self.returns_rows else []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cursor.close()


class _Connection:
    """``db.conn`` as the repositories use it on SQLite."""

    def __init__(self, database: ServerDatabase) -> None:
        self._database = database

    @property
    def in_transaction(self) -> bool:
        if self._database.depth:
            return True
        status = self._database.pg.info.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    @property
    def total_changes(self) -> int:
        return self._database.total_changes

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        return self._database.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._database.executemany(sql, rows)

    def close(self) -> None:
        self._database.close()


@dataclass
class _Underway:
    """The outermost transaction under way, and what finds out how its COMMIT ended if
    the connection is lost while it is being sent."""

    xid: str | None = None  # pg_current_xact_id(), read when it takes the audit lock
    audit_row: tuple[int, str] | None = None  # its last audit row: id, md5 of its text
    writes: bool = False
    statements: int = 0  # sent since BEGIN (none yet: a nested block needs no savepoint)
    changes: int = 0  # rows it changed, counted in total_changes once it commits
    lost: bool = False  # the connection is gone: nothing more runs until it ends


_WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(text: str) -> bool:
    """True for a statement that changes rows."""
    return text.lstrip()[:6].upper() in _WRITES


class ServerDatabase:
    """A psycopg connection to the clinic's schema, with the database face of
    ``sqlite_utils.Database`` that the repositories use (see the module's docstring).

    ``reconnect`` makes a new connection like ``pg`` (the store passes one); without it
    a lost connection stays lost. ``settle_seconds``: how long to wait for the server
    to find out how a COMMIT ended whose answer was lost."""

    on_server = True  # what ``Context.on_server`` reads

    def __init__(
        self,
        pg: psycopg.Connection[Any],
        reconnect: Callable[[], psycopg.Connection[Any]] | None = None,
        *,
        settle_seconds: float = SETTLE_SECONDS,
    ) -> None:
        self.conn = _Connection(self)
        # Rows changed by what committed (a lost transaction's rows never count), so
        # ``RecordStore.changes`` moving means something was saved.
        self.total_changes = 0
        self.settle_seconds = settle_seconds
        self.depth = 0  # atomic blocks open
        self._reconnect = reconnect
        self._underway: _Underway | None = None  # while this object owns a transaction
        # One statement at a time on one connection (the Qt thread and a helper thread
        # may share the store).
        self._lock = threading.RLock()
        self._adopt(pg)

    def _adopt(self, pg: psycopg.Connection[Any]) -> None:
        """Work on ``pg`` from now on: learn which tables have an ``id``, when the
        server started (a later start time says it restarted meanwhile) and whether it
        has migration 005's ``audit_chain_head`` (a migration's lent connection, before
        005, has not); and make its adapters, once."""
        started, with_id, head_function = pg.execute(
            "SELECT pg_postmaster_start_time()::text, array(SELECT table_name::text"
            " FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name = 'id'),"
            " to_regprocedure(current_schema() || '.audit_chain_head()') IS NOT NULL"
        ).fetchone() or (None, [], False)
        self.pg = pg
        self._started = started
        self._with_id = frozenset(with_id)
        self._head_function = bool(head_function)
        self._adapters = sqlite_shaped(pg.adapters)

    # -- statements ----------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        """Run one statement of SQLite's dialect (see ``translate``)."""
        text, instead = translate(sql)
        if instead is not None:
            params = instead
        table = self._returning(text)
        if table is not None:
            text += " RETURNING id"
            if table == "audit_log" and self._underway is not None:
                # How a COMMIT whose answer was lost is recognised (see _settle).
                text += ", md5(audit_log::text)"
        with self._lock:
            outside = self._before_statement()
            try:
                return self._run(text, list(params), table is not None)
            except psycopg.Error as error:
                if outside and self.pg.closed and text.lstrip()[:6].upper() == "SELECT":
                    # A read outside any transaction changes nothing: ask again on a
                    # new connection (a blip is not the doctor's problem).
                    self._revive()
                    try:
                        return self._run(text, list(params), table is not None)
                    except psycopg.Error as again:
                        raise self._failed(again, writes=False) from again
                raise self._failed(error, outside and _writes(text)) from error

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each of ``rows``."""
        text, _ = translate(sql)
        rows = list(rows)
        if not rows:
            return
        with self._lock:
            outside = self._before_statement()
            with _SqliteShapedCursor(self.pg, self._adapters) as cursor:
                try:
                    if self._underway is not None:
                        self._underway.statements += 1
                    cursor.executemany(text, rows)
                except psycopg.Error as error:
                    raise self._failed(error, outside) from error
            self._count(text, len(rows))

    def _before_statement(self) -> bool:
        """Refuse a statement in a transaction whose connection is gone; outside any
        transaction, connect again first if it was lost. True when outside."""
        if self._underway is not None and self._underway.lost:
            raise lost()
        outside = not self.conn.in_transaction
        if outside:
            self._revive()
        return outside

    def _run(self, text: str, params: list[Any], returning: bool) -> _Cursor:
        cursor = _SqliteShapedCursor(self.pg, self._adapters)
        if self._underway is not None:
            self._underway.statements += 1
        try:
            cursor.execute(text, params)
        except BaseException:
            cursor.close()
            raise
        lastrowid = None
        if returning:
            row = cursor.fetchone()
            if row is not None:
                lastrowid = row[0]
                if len(row) > 1 and self._underway is not None:
                    self._underway.audit_row = (row[0], row[1])
        result = _Cursor(cursor, lastrowid)
        if not result.returns_rows or returning or _writes(text):  # a change
            self._count(text, max(cursor.rowcount, 0))
        return result

    def _count(self, text: str, changed: int) -> None:
        underway = self._underway
        if underway is None:
            self.total_changes += changed
            return
        underway.changes += changed
        if _writes(text):
            underway.writes = True

    def _failed(self, error: psycopg.Error, writes: bool = False) -> Exception:
        """The error to raise for ``error`` from a statement; ``writes``: it was a
        change outside any transaction (committing by itself)."""
        if not self.pg.closed:
            return self._translated(error)
        log.error("Connection to the clinic server lost: %s", " ".join(str(error).split()))
        if self._underway is not None:
            self._underway.lost = True  # the transaction is gone with its connection
            return lost()
        if writes:
            # A single change outside a transaction commits by itself: it may have.
            return outcome_unknown()
        return lost()

    def _returning(self, text: str) -> str | None:
        """The table of an INSERT whose new ``id`` is read back, or None."""
        match = _INSERT_INTO.match(text)
        if match is None or "RETURNING" in text.upper() or match.group(1) not in self._with_id:
            return None
        return match.group(1)

    @staticmethod
    def _translated(error: psycopg.Error) -> Exception:
        plain = _plain(error)
        if plain is not None:
            log.error("Clinic server problem: %s", " ".join(str(error).split()))
            return plain
        return error

    # -- the connection --------------------------------------------------------------
    def _revive(self) -> None:
        """Connect again if the connection was lost (never inside a transaction: the
        callers run outside one)."""
        if not self.pg.closed:
            return
        if self._reconnect is None:
            raise lost()
        try:
            pg = self._reconnect()
        except ServerRefused as refused:
            log.error("Clinic server unreachable: %s", refused)
            raise unreachable() from refused
        try:
            self._adopt(pg)
        except psycopg.Error as error:
            pg.close()
            raise lost() from error
        log.warning("Connected to the clinic server again (backend %s)", pg.info.backend_pid)

    # -- transactions ----------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[ServerDatabase]:
        """One transaction; nested blocks are savepoints (as ``sqlite_utils``), except
        a block opened before its transaction has run anything (``_first_inside``). A
        connection lent inside a caller's transaction (a migration's) gets savepoints."""
        with self._lock:
            status = self.pg.info.transaction_status
            underway = self._underway
            if self.depth == 1 and underway is not None and not underway.statements:
                with self._first_inside(underway):
                    yield self
                return
            if self.depth or status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                with self._savepoint():
                    yield self
                return
            self._begin()
            underway = self._underway = _Underway()
            self.depth += 1
            try:
                try:
                    yield self
                except BaseException as error:
                    self._rollback()
                    if isinstance(error, psycopg.Error):
                        raise self._failed(error) from error
                    raise
                if underway.lost:  # the body went on after losing its connection
                    raise lost()
                self._commit(underway)
            finally:
                self.depth -= 1
                self._underway = None

    @contextmanager
    def _first_inside(self, underway: _Underway) -> Iterator[None]:
        """A nested block opened before its transaction ran anything (the usual click:
        ``Operations`` opens the transaction, ``points.add`` nests its own): everything
        the transaction holds when the block fails is the block's, so rolling the whole
        transaction back and beginning it again undoes exactly what a savepoint would,
        and on success it saves the SAVEPOINT and RELEASE round trips. The transaction
        begun again has run nothing either: it starts afresh (its id, its audit row)."""
        self.depth += 1
        try:
            yield
        except BaseException:
            if not self.pg.closed and not underway.lost:
                try:
                    self.pg.execute("ROLLBACK", prepare=False)
                    self.pg.execute("BEGIN", prepare=False)
                except psycopg.Error:
                    # The connection went meanwhile: the outer block ends as lost.
                    underway.lost = True
                    raise
                underway.xid = underway.audit_row = None
                underway.writes = False
                underway.statements = underway.changes = 0
            raise
        finally:
            self.depth -= 1

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self.depth += 1
        name = f"tpchart_{self.depth}"
        try:
            try:
                self.execute(f'SAVEPOINT "{name}"')
                yield
            except BaseException:
                if not self.pg.closed and not (self._underway and self._underway.lost):
                    self.execute(f'ROLLBACK TO SAVEPOINT "{name}"')
                    self.execute(f'RELEASE SAVEPOINT "{name}"')
                raise
            self.execute(f'RELEASE SAVEPOINT "{name}"')
        finally:
            self.depth -= 1

    def _begin(self) -> None:
        """BEGIN, on a live connection. A connection found dead at this first word
        (the server restarted while tpchart sat idle) ran nothing of the transaction,
        so it is replaced and the transaction begun on the new one."""
        self._revive()
        try:
            self.pg.execute("BEGIN", prepare=False)
            return
        except psycopg.Error as error:
            if not self.pg.closed:
                raise self._translated(error) from error
        self._revive()
        try:
            self.pg.execute("BEGIN", prepare=False)
        except psycopg.Error as error:
            raise self._failed(error) from error

    def _rollback(self) -> None:
        if self.pg.closed:
            return  # the server rolled it back when the connection went
        try:
            self.pg.execute("ROLLBACK", prepare=False)
        except psycopg.Error:
            log.warning("ROLLBACK failed; the connection is gone and the server rolled back")

    def _commit(self, underway: _Underway) -> None:
        """COMMIT; if its answer is lost, find out from the server how it ended."""
        try:
            if underway.writes and underway.xid is None:
                # A write without an audit row (rare): its id before COMMIT is sent.
                row = self.pg.execute("SELECT pg_current_xact_id_if_assigned()::text").fetchone()
                underway.xid = row[0] if row else None
        except psycopg.Error as error:
            self._rollback()
            raise self._failed(error) from error
        backend, started = self.pg.info.backend_pid, self._started
        try:
            # Plain text, never auto-prepared (psycopg prepares after five uses): one
            # round trip either way, and the word stays visible in the server's log.
            self.pg.execute("COMMIT", prepare=False)
        except psycopg.Error as error:
            if not self.pg.closed:  # the server answered: it refused, and rolled back
                raise self._translated(error) from error
            log.error("Connection lost during COMMIT: %s", " ".join(str(error).split()))
            if underway.xid is not None:
                committed = self._settle(underway, backend, started)
                if committed is None:
                    raise outcome_unknown() from error
                if not committed:
                    raise lost() from error
            # else: it wrote nothing, so however it ended nothing was lost.
        self.total_changes += underway.changes

    def _settle(self, underway: _Underway, backend: int, started: str | None) -> bool | None:
        """How the transaction whose COMMIT lost its answer ended: True committed, False
        aborted (certainly), None unknown (the server could not be asked in time)."""
        assert underway.xid is not None
        deadline = time.monotonic() + self.settle_seconds
        while True:
            try:
                self._revive()
                break
            except StorageError:
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.2)
        try:
            outcome = self._outcome(underway, backend, restarted=self._started != started)
        except psycopg.Error as error:
            log.error("Could not ask the clinic server how the change ended: %s", error)
            return None
        ended = {True: "committed", False: "did not commit", None: "is unknown"}[outcome]
        log.warning("The change whose COMMIT lost its answer: %s", ended)
        return outcome

    def _outcome(self, underway: _Underway, backend: int, *, restarted: bool) -> bool | None:
        xid = underway.xid
        assert xid is not None
        status = self._xact_status(xid)
        if status == "in progress" and not restarted:
            # Its backend has not noticed the lost connection yet (and might still
            # commit): end it (ours, same role) so its fate is sealed, then ask again.
            self.pg.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE pid = %s AND backend_xid::text = %s",
                [backend, str(int(xid) % 2**32)],
            )
            deadline = time.monotonic() + 5
            while status == "in progress" and time.monotonic() < deadline:
                time.sleep(0.05)
                status = self._xact_status(xid)
        if status == "aborted":
            return False
        if status == "in progress":
            # After a restart a live transaction with our id is another's: the crash lost
            # ours before its COMMIT reached the disk.
            return False if restarted else None
        if status == "committed":
            if underway.audit_row is not None:
                # A crash can give a lost transaction's id to the next one: believe
                # "committed" only when our audit row is there as we wrote it.
                row_id, digest = underway.audit_row
                row = self.pg.execute(
                    "SELECT md5(a::text) FROM audit_log a WHERE id = %s", [row_id]
                ).fetchone()
                return row is not None and row[0] == digest
            return None if restarted else True
        return None  # too old for the server to remember: cannot happen within seconds

    def _xact_status(self, xid: str) -> str | None:
        try:
            row = self.pg.execute("SELECT pg_xact_status(%s::xid8)", [xid]).fetchone()
        except pg_errors.InvalidParameterValue:
            # "In the future": the server restarted without it (its WAL never reached
            # the disk) and has not handed the id out again: it did not commit.
            return "aborted"
        return row[0] if row else None

    def lock_audit_chain(self) -> tuple[int, str] | None:
        """Queue behind any other workstation appending to the audit trail until this
        transaction ends, and return the head of the trail (id, hash; None while it is
        empty) as it is once the lock is held: still the head at the insert (the
        server's guard takes the same lock and refuses a row that does not follow).
        One round trip: migration 005's ``audit_chain_head`` takes the lock, then reads
        the head in a statement of its own (a single SELECT could not: its snapshot
        would predate the lock, and miss a row a colleague committed meanwhile). It
        also gives the transaction's id, which finds out how it ended if the
        connection is lost during its COMMIT. Before migration 005 (its own lent
        connection, migration 001's identity entry) the lock and the read are two."""
        if self._head_function:
            row = self.execute(
                "SELECT head_id, head_hash, xact_id FROM audit_chain_head()"
            ).fetchone()
        else:
            locked = self.execute(
                "SELECT pg_advisory_xact_lock(hashtext('tpchart.audit_log')),"
                " pg_current_xact_id()::text"
            ).fetchone()
            head = self.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            row = (*(head.fetchone() or (None, None)), locked[1] if locked else None)
        if row is None:
            return None
        head_id, head_hash, xid = row
        if self._underway is not None:
            self._underway.xid = xid
        return None if head_id is None else (head_id, head_hash)

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        self.pg.close()
