"""Checks of a database file's health: SQLite integrity and foreign keys."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class HealthReport:
    """What the checks found; ``ok`` only when every check passed."""

    path: Path
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when SQLite reports no damage and no dangling references."""
        return self.integrity == ["ok"] and not self.foreign_keys

    def lines(self) -> list[str]:
        """A plain report, one finding per line."""
        out = [f"Database: {self.path}"]
        out.append("Integrity: " + ("ok" if self.integrity == ["ok"] else "DAMAGED"))
        out += [f"  {line}" for line in self.integrity if line != "ok"]
        out.append("Foreign keys: " + ("ok" if not self.foreign_keys else "BROKEN"))
        out += [f"  {line}" for line in self.foreign_keys]
        return out


def check_file(path: Path, full: bool = True) -> HealthReport:
    """Run ``integrity_check`` (or the faster ``quick_check``) and ``foreign_key_check``
    on a read-only connection, so checking never changes the file."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        pragma = "integrity_check" if full else "quick_check"
        integrity = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
        foreign = [
            f"{table} row {rowid} points to a missing {parent} row"
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
        ]
    except sqlite3.DatabaseError as exc:
        integrity, foreign = [f"not a readable database: {exc}"], []
    finally:
        conn.close()
    return HealthReport(path, integrity, foreign)
