"""Opening a tpchart database safely: identity and version checks, then pragmas.

The checks run on a read-only connection first, so a file that is not ours or was
written by a newer app is refused without a single byte changed (even switching
to WAL rewrites the header).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from tpchart.store.errors import DatabaseDamaged, DatabaseRefused
from tpchart.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

__all__ = ["DatabaseDamaged", "DatabaseRefused", "check_openable", "configure", "connect"]

BUSY_TIMEOUT_MS = 5000


def inspect(path: Path) -> tuple[int, int, bool]:
    """Read (application_id, user_version, has_tables) without writing anything."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
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
    path.parent.mkdir(parents=True, exist_ok=True)
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
    uri = f"{path.resolve().as_uri()}?mode=ro"
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
