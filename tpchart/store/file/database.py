"""Opening a tpchart database safely: identity and version checks, then pragmas.

The checks run on a read-only connection first, so a file that is not ours or was
written by a newer app is refused without a single byte changed (even switching
to WAL rewrites the header).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from tpchart.store.errors import DatabaseDamaged, DatabaseRefused
from tpchart.store.file.private import private_folder, touch_private
from tpchart.store.records.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

__all__ = ["DatabaseDamaged", "DatabaseRefused", "check_openable", "configure", "connect"]

BUSY_TIMEOUT_MS = 5000


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
    # A hot rollback journal means the file holds half a write: never immutable then.
    if (
        not os.access(path.parent, os.W_OK)
        and not _sidecar(path, "-shm").exists()
        and not any(_has_content(_sidecar(path, s)) for s in ("-wal", "-journal"))
    ):
        uri += "&immutable=1"
    return uri


def refuse_unreadable_wal(path: Path) -> None:
    """A -wal with changes, no -shm, and a folder that cannot be written: SQLite cannot
    apply those changes, and reading without them would show an older state."""
    wal = _sidecar(path, "-wal")
    if (
        _has_content(wal)
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


def _has_content(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def inspect(path: Path) -> tuple[int, int, bool]:
    """Read (application_id, user_version, has_tables) without writing anything."""
    refuse_unreadable_wal(path)
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
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
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = Database(conn)
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
    uri = read_only_uri(path)
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return Database(conn)


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
