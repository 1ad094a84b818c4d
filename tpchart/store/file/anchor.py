"""The anchor: the audit chain's length and head hash, kept OUTSIDE the database, so
a trail cut short or recomputed from some row on (the chain has no key: anyone can
recompute it) is noticed at the next start and by ``check``.

Where: one small JSON file per database in the user's config folder
(``anchors/``, 0600 in 0700), rewritten after each committed write; and a sidecar
``<backup>.anchor`` beside every backup. Written to a temporary name and renamed, no
fsync: the anchor is a PREFIX claim ("the chain holds row N with hash H"), so a
crash that loses the newest anchor leaves an older claim that still holds. A
shorter chain, or another hash at row N, is a finding.

A restore puts an older file in place on purpose; it leaves the replaced file beside
the database (``<stem>.replaced-...``), and claims written before that are set aside.
``reanchor`` records the current head explicitly (after a restore, or when an
administrator accepts a file as it is).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from platformdirs import user_config_path

from tpchart.store.file.locations import APP_NAME
from tpchart.store.file.private import FILE_MODE, create_private, private_folder
from tpchart.store.records.tamper import AnchorClaim

log = logging.getLogger("tpchart.store")

SIDECAR_SUFFIX = ".anchor"
# Labels of the files a restore (or a recovery from damage) leaves beside the database.
RESTORE_LABELS = ("replaced-", "damaged-")
# How many of the newest backups' anchors are compared (each is a small JSON read).
BACKUPS_COMPARED = 3
# The anchor moves at most this often while the doctor charts (a write costs about a
# millisecond; a click must not wait for it), and always at close. Being a prefix
# claim, an anchor a second old is still true.
MIN_SECONDS_BETWEEN_WRITES = 1.0


def anchor_folder() -> Path:
    """Where anchors live: the user's config folder (not the data folder, which holds
    the database and is what a copy of "the tpchart folder" takes along)."""
    return user_config_path(APP_NAME, appauthor=False) / "anchors"


def anchor_file(database: Path, database_id: str) -> Path:
    """The anchor of the database with ``database_id`` at ``database`` (a copy of the
    file elsewhere has its own: the two would otherwise contradict each other)."""
    key = f"{database_id}\n{Path(database).resolve()}"
    return anchor_folder() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The chain's last row id and hash, or None (no chain, or an empty one)."""
    try:
        row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    return (row[0], row[1]) if row and row[1] else None


def database_id(conn: sqlite3.Connection) -> str | None:
    """The database's identity (given by migration 6), or None for an older file."""
    try:
        row = conn.execute("SELECT database_id FROM database_identity WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _write_json(target: Path, content: dict[str, Any]) -> None:
    """Write ``content`` to ``target`` through a private temporary file and a rename."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = create_private(temporary)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_anchor(database: Path, identity: str, rows: int, digest: str) -> Path:
    """Record that the chain of ``database`` holds row ``rows`` with hash ``digest``."""
    target = anchor_file(database, identity)
    private_folder(target.parent)
    content = {
        "database_id": identity,
        "database": str(Path(database).resolve()),
        "rows": rows,
        "hash": digest,
        "written_at": time.time(),
    }
    _write_json(target, content)
    return target


def reanchor(database: Path) -> bool:
    """Record the current head of ``database`` as its anchor (after a restore, or an
    administrator's acceptance of the file as it is); False when it has no chain yet."""
    conn = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
    try:
        identity, top = database_id(conn), head(conn)
    finally:
        conn.close()
    if identity is None or top is None:
        return False
    write_anchor(database, identity, *top)
    log.info("Anchored %s at audit row %s", database, top[0])
    return True


def write_backup_anchor(backup: Path) -> Path | None:
    """Write ``<backup>.anchor`` beside a backup: the head of the chain it holds."""
    backup = Path(backup)
    conn = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        identity, top = database_id(conn), head(conn)
    finally:
        conn.close()
    if identity is None or top is None:
        return None
    target = backup.with_name(backup.name + SIDECAR_SUFFIX)
    _write_json(
        target,
        {"database_id": identity, "rows": top[0], "hash": top[1], "written_at": time.time()},
    )
    return target


def _read(path: Path) -> dict[str, Any] | None:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(content, dict)
        and isinstance(content.get("rows"), int)
        and isinstance(content.get("hash"), str)
    )
    return content if ok else None


def claims_for(database: Path, conn: sqlite3.Connection, backups: bool = True) -> list[AnchorClaim]:
    """What was anchored for ``database`` (whose open read connection is ``conn``):
    its anchor in the config folder and, with ``backups``, the newest backups'
    sidecars. Claims older than a restore (a replaced file beside the database) are
    set aside: the restore went back on purpose."""
    identity = database_id(conn)
    if identity is None:
        return []
    database = Path(database).resolve()
    restored_at = _restored_at(database)
    claims = []
    own = anchor_file(database, identity)
    content = _read(own)
    if (
        content is not None
        and content.get("database_id") == identity
        and float(content.get("written_at", 0)) > restored_at
    ):
        claims.append(AnchorClaim(content["rows"], content["hash"], f"the anchor in {own}"))
    if backups:
        claims += _backup_claims(database, identity, restored_at)
    return claims


def _backup_claims(database: Path, identity: str, restored_at: float) -> list[AnchorClaim]:
    from tpchart.store.file.backup import list_backups
    from tpchart.store.file.opening import configured_backup_folder

    claims = []
    try:
        found = list_backups(configured_backup_folder(database))[:BACKUPS_COMPARED]
    except (OSError, sqlite3.Error):
        return []
    for backup in found:
        content = _read(backup.path.with_name(backup.path.name + SIDECAR_SUFFIX))
        if content is None or content.get("database_id") != identity:
            continue
        if float(content.get("written_at", 0)) <= restored_at:
            continue
        claims.append(
            AnchorClaim(content["rows"], content["hash"], f"the backup {backup.path.name}")
        )
    return claims


def _restored_at(database: Path) -> float:
    """When a restore last replaced ``database`` (0 when never): the newest file a
    restore set aside beside it. Linking it there changed its ctime."""
    newest = 0.0
    stem = database.stem
    with contextlib.suppress(OSError):
        for other in database.parent.iterdir():
            name = other.name
            if not name.startswith(stem + ".") or not any(
                name[len(stem) + 1 :].startswith(label) for label in RESTORE_LABELS
            ):
                continue
            info = other.stat()
            newest = max(newest, info.st_ctime, info.st_mtime)
    return newest


class Keeper:
    """Moves the anchor of an open database forward after each committed write; told
    by the store's ``after_commit``. It never moves an anchor the file no longer
    holds: that evidence stays until ``reanchor``."""

    def __init__(self, database: Path, conn: sqlite3.Connection) -> None:
        self.database = Path(database).resolve()
        self._conn = conn
        self._identity = database_id(conn)
        self._last: tuple[int, str] | None = None
        self._written_at = 0.0
        self.holding = True
        if self._identity is None:
            return
        content = _read(anchor_file(self.database, self._identity))
        if content is not None and float(content.get("written_at", 0)) > _restored_at(
            self.database
        ):
            claim = AnchorClaim(content["rows"], content["hash"], "")
            self.holding = _holds(conn, claim)
            if not self.holding:
                log.warning(
                    "%s does not hold its anchored audit row %s: the anchor is kept as evidence",
                    self.database,
                    claim.rows,
                )
        self.flush()

    def after_commit(self) -> None:
        """Write the anchor when the head moved, at most once a second."""
        if time.monotonic() - self._written_at >= MIN_SECONDS_BETWEEN_WRITES:
            self.flush()

    def flush(self) -> None:
        """Write the anchor now if the head moved (at close, and from ``after_commit``)."""
        if self._identity is None:
            self._identity = database_id(self._conn)  # migrated to schema 6 meanwhile
            if self._identity is None:
                return
        if not self.holding:
            return
        top = head(self._conn)
        if top is None or top == self._last:
            return
        try:
            write_anchor(self.database, self._identity, *top)
        except OSError as exc:  # a full or read-only config folder: warn, keep working
            log.warning("Could not write the anchor of %s: %s", self.database, exc)
            return
        self._last, self._written_at = top, time.monotonic()


def _holds(conn: sqlite3.Connection, claim: AnchorClaim) -> bool:
    try:
        row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [claim.rows]).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == claim.hash


__all__ = [
    "FILE_MODE",
    "Keeper",
    "anchor_file",
    "anchor_folder",
    "claims_for",
    "reanchor",
    "write_anchor",
    "write_backup_anchor",
]
