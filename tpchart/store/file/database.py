"""Opening a tpchart database safely: identity and version checks, then pragmas.

The checks run on a read-only connection first, so a file that is not ours or was
written by a newer app is refused without a single byte changed (even switching
to WAL rewrites the header).

Every connection to a database file is made by ``open_connection``: a plain file
through the standard ``sqlite3``, an encrypted one (SQLCipher, docs/security.md)
through ``sqlcipher3`` with the database key this process was given
(``remember_key``). One file is never opened by both libraries: two copies of SQLite
in one process do not see each other's POSIX locks, and closing one drops the
other's, which is a known way to corrupt a database.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from sqlite_utils import Database

from tpchart.store.errors import DatabaseDamaged, DatabaseRefused
from tpchart.store.file.private import private_folder, touch_private
from tpchart.store.file.read_only_view import ReadOnlyView, has_content, opens_immutable
from tpchart.store.records.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

__all__ = [
    "DatabaseDamaged",
    "DatabaseLocked",
    "DatabaseRefused",
    "check_openable",
    "configure",
    "connect",
    "is_encrypted",
    "open_connection",
    "remember_key",
]

BUSY_TIMEOUT_MS = 5000

SQLITE_HEADER = b"SQLite format 3\x00"
# The key slots of an encrypted database live beside it (store.file.encryption).
KEYS_SUFFIX = ".keys"


class DatabaseLocked(DatabaseRefused):
    """An encrypted database this process holds no key for: a passphrase is needed.
    Nothing was read or changed."""


# Database keys given to this process (by a passphrase that unwrapped a key slot), by
# the database's real path. Only in memory: a key is never written anywhere plain.
_KEYS: dict[str, bytes] = {}


def remember_key(path: Path | str, key: bytes) -> None:
    """Open ``path`` (and a new file created there) with ``key`` from now on in this
    process; backups and copies of it are opened with the keys known here too."""
    if len(key) != 32:
        raise ValueError("a database key is 32 bytes")
    _KEYS[str(Path(path).resolve())] = bytes(key)


def forget_key(path: Path | str) -> None:
    """Stop opening ``path`` with a remembered key (a file decrypted or replaced)."""
    _KEYS.pop(str(Path(path).resolve()), None)


def keys_path(path: Path | str) -> Path:
    """The key-slot file beside a database or backup: ``<name>.keys``."""
    path = Path(path)
    return path.with_name(path.name + KEYS_SUFFIX)


def is_plain(path: Path | str) -> bool:
    """True for a plain SQLite file, and for no file or an empty one (nothing to read).
    A file without the SQLite header is encrypted, damaged or not a database."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError:
        return True  # missing or unreadable: the caller's own checks say which
    return header in (b"", SQLITE_HEADER)


def is_encrypted(path: Path | str) -> bool:
    """True when ``path`` is (by every sign short of the key) an encrypted tpchart
    database: no SQLite header, and key slots beside it or a key known here that
    opens it. Garbage without either stays "not a database", as before encryption."""
    path = Path(path)
    if is_plain(path):
        return False
    return keys_path(path).exists() or key_for(path) is not None


def key_for(path: Path | str) -> bytes | None:
    """The key this process holds for the encrypted file at ``path``: the one
    remembered for it, else any remembered key that opens it (a backup or a copy of
    an unlocked database has the same key), else None."""
    path = Path(path).resolve()
    known = _KEYS.get(str(path))
    if known is not None or is_plain(path):
        return known
    for key in dict.fromkeys(_KEYS.values()):
        if _opens(path, key):
            _KEYS[str(path)] = key
            return key
    return None


def _opens(path: Path, key: bytes) -> bool:
    try:
        conn = _keyed(sqlcipher().connect(read_only_uri(path), uri=True), key)
    except (sqlite3.Error, DatabaseLocked):
        return False
    conn.close()
    return True


_SQLCIPHER: ModuleType | None = None


def sqlcipher() -> ModuleType:
    """The ``sqlcipher3`` module, loaded the first time an encrypted file is met (a
    plain clinic never loads it). Its exceptions are made subclasses of the standard
    ``sqlite3`` ones, so every ``except sqlite3.IntegrityError`` (and the plain-words
    translation of a full disk) in the store works the same on an encrypted file."""
    global _SQLCIPHER
    if _SQLCIPHER is None:
        from sqlcipher3 import dbapi2

        for name in (
            "InterfaceError", "DatabaseError", "DataError", "OperationalError",
            "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
        ):  # fmt: skip
            ours, standard = getattr(dbapi2, name), getattr(sqlite3, name)
            if not issubclass(ours, standard):
                ours.__bases__ = (*ours.__bases__, standard)
        _SQLCIPHER = dbapi2
    return _SQLCIPHER


def _keyed(conn: Any, key: bytes) -> Any:
    """Give a fresh SQLCipher connection its raw 256-bit key (no passphrase KDF: the key
    is random) and read page 1, where a wrong key shows. SQLCipher's own log of a
    failed decryption is silenced: the caller says it in plain words."""
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise DatabaseLocked("the key does not open this database") from exc
        raise
    return conn


def open_connection(
    path: Path | str, *, read_only: bool = False, key: bytes | None = None, **options: Any
) -> sqlite3.Connection:
    """A DB-API connection to the database file at ``path``: ``read_only`` through
    ``read_only_uri`` (never writes), else read-write (created if missing).
    ``options`` go to ``connect`` (timeout, isolation_level). An encrypted file opens
    with ``key`` or the key this process holds for it; without one, DatabaseLocked.
    A missing or empty file is created encrypted when a key is given or remembered."""
    path = Path(path)
    target = read_only_uri(path) if read_only else str(path)
    if read_only:
        options["uri"] = True
    plain = is_plain(path)
    if key is None:
        key = _KEYS.get(str(path.resolve())) if plain else key_for(path)
    if plain and path.exists() and path.stat().st_size > 0:
        key = None  # a plain file stays plain: only encrypt_in_place turns it
    if key is None:
        if not plain and keys_path(path).exists():
            raise DatabaseLocked(
                f"{path} is encrypted: tpchart needs a practitioner's passphrase to open it "
                "(--passphrase-file FILE, or type it when asked). It was not changed."
            )
        return sqlite3.connect(target, **options)
    try:
        return _keyed(sqlcipher().connect(target, **options), key)
    except DatabaseLocked as exc:
        raise DatabaseLocked(
            f"{path} is encrypted with another key than the one given; it was not changed."
        ) from exc


def read_only_uri(path: Path | str) -> str:
    """The URI that opens ``path`` for reading without ever writing it.

    In WAL mode even a reader needs the -shm index beside the file and creates it when
    missing; in a folder this user cannot write (a read-only mount, a colleague's
    folder) that fails with SQLITE_READONLY_DIRECTORY although the database is sound.
    When no -wal holds changes, the file alone is the whole database, and it is opened
    ``immutable`` (no -shm, no locks). A -wal with content there cannot be read
    safely, and ``refuse_unreadable_wal`` says so instead."""
    path = Path(path).resolve()
    uri = f"{path.as_uri()}?mode=ro"
    return uri + "&immutable=1" if opens_immutable(path) else uri


def refuse_unreadable_wal(path: Path) -> None:
    """A -wal with changes, no -shm, and a folder that cannot be written: SQLite cannot
    apply those changes, and reading without them would show an older state."""
    wal = _sidecar(path, "-wal")
    if (
        has_content(wal)
        and not _sidecar(path, "-shm").exists()
        and not os.access(path.resolve().parent, os.W_OK)
    ):
        raise DatabaseRefused(
            f"{path} holds saved changes in {wal.name} that can only be read where its "
            "folder can be written. Copy the folder (with both files) to a place you can "
            "write, or open it once there; nothing was changed."
        )


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def inspect(path: Path) -> tuple[int, int, bool]:
    """Read (application_id, user_version, has_tables) without writing anything."""
    refuse_unreadable_wal(path)
    try:
        conn = open_connection(path, read_only=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            # The migrations' bookkeeping table alone is what a crash during the very
            # first start can leave behind in older files: that is still an empty file.
            has_tables = (
                conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT IN ('_sqlite_migrations', 'sqlite_sequence')"
                ).fetchone()[0]
                > 0
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            # A journal of an interrupted write waits to be rolled back: not damage.
            raise DatabaseRefused(
                f"{path} was not closed properly and must be opened once where it can be "
                "written before it can be read; it was not changed."
            ) from exc
        if not os.access(path, os.R_OK):
            raise DatabaseRefused(
                f"{path} may not be read by this user (its permissions); it was not changed."
            ) from exc
        # Not even the header reads: garbage, or a database damaged at its very start.
        raise DatabaseDamaged(
            f"{path} is not a readable database ({exc}); it was not changed."
        ) from exc
    return app_id, version, has_tables


def check_openable(path: Path) -> None:
    """Refuse files that are not tpchart databases or come from a newer app version."""
    if not path.exists() or path.stat().st_size == 0:
        return
    app_id, version, has_tables = inspect(path)
    if app_id == 0 and not has_tables:
        return
    if app_id != APPLICATION_ID:
        raise DatabaseRefused(f"{path} is not a tpchart database; it was not changed.")
    if version > SCHEMA_VERSION:
        raise DatabaseRefused(
            f"{path} was written by a newer version of tpchart (schema {version}; this app "
            f"knows up to {SCHEMA_VERSION}). Update tpchart to open it; the file was not changed."
        )


def needs_migration(path: Path) -> bool:
    """True when ``path`` holds a tpchart database of an older schema than this app's."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    app_id, version, has_tables = inspect(path)
    return has_tables and app_id == APPLICATION_ID and 1 <= version < SCHEMA_VERSION


def connect(path: Path | str, read_only: bool = False) -> Database:
    """Open (creating if needed) and migrate a database with the data-safety pragmas.

    ``foreign_keys`` is read back because a build of SQLite can ignore it;
    ``synchronous=FULL`` because NORMAL may lose the last commit on power loss.
    ``read_only`` opens with ``mode=ro``: nothing, not even the journal mode, changes.
    """
    path = Path(path)
    check_openable(path)
    if read_only:
        return _connect_read_only(path)
    private_folder(path.parent)
    touch_private(path)  # SQLite gives the -wal and -shm the database file's mode
    # isolation_level=None: no implicit transactions; every write is inside atomic().
    conn = open_connection(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    # No sqlite-utils plugin may touch the clinic's connection, and looking them up
    # (pluggy reading every installed package's entry points) cost ~15 ms of each start.
    db = Database(conn, execute_plugins=False)
    try:
        configure(db)
        migrate(db)
    except BaseException:
        conn.close()
        raise
    return db


def _connect_read_only(path: Path) -> Database:
    if not path.exists():
        raise DatabaseRefused(f"There is no database at {path}")
    if inspect(path)[1] != SCHEMA_VERSION:
        raise DatabaseRefused(
            f"{path} needs updating to this version of tpchart, which cannot be done while it "
            "is read-only. Open it once where it can be written; the file was not changed."
        )
    # The folder's owner may open and change the file while this view is open: the view
    # notices and opens it again (an immutable connection would not).
    view = ReadOnlyView(path, _read_only_connection)
    # The view answers for the connection in everything sqlite_utils asks of it.
    return Database(cast(sqlite3.Connection, view), execute_plugins=False)  # no plugins


def _read_only_connection(path: Path) -> sqlite3.Connection:
    conn = open_connection(
        path, read_only=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite_utils sets on its own
    return conn


def configure(db: Database) -> None:
    """Per-connection settings, outside any transaction."""
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if db.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise DatabaseRefused("This SQLite build cannot enforce foreign keys; refusing to write.")
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        # WAL is impossible on some network file systems; the rollback journal is safe there.
        db.execute("PRAGMA journal_mode = DELETE")
    db.execute("PRAGMA synchronous = FULL")
