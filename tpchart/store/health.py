"""Checks of a database file's health: SQLite integrity, foreign keys, audit trail."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tpchart.store.tamper import audit_findings


@dataclass(frozen=True)
class HealthReport:
    """What the checks found; ``ok`` only when every check that ran passed."""

    path: Path
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    # None when the audit trail was not checked.
    audit: list[str] | None = None
    full: bool = True

    @property
    def damaged(self) -> bool:
        """True when SQLite itself found the file damaged or unreadable."""
        return self.integrity != ["ok"]

    @property
    def ok(self) -> bool:
        """True when SQLite reports no damage, no dangling references and no tampering."""
        return not self.damaged and not self.foreign_keys and not self.audit

    def lines(self) -> list[str]:
        """A plain report, one finding per line."""
        label = "Integrity" if self.full else "Integrity (quick check)"
        out = [f"Database: {self.path}"]
        out.append(f"{label}: " + ("ok" if not self.damaged else "DAMAGED"))
        out += [f"  {line}" for line in self.integrity if line != "ok"]
        out.append("Foreign keys: " + ("ok" if not self.foreign_keys else "BROKEN"))
        out += [f"  {line}" for line in self.foreign_keys]
        if self.audit is not None:
            out.append("Audit trail: " + ("ok" if not self.audit else "ALTERED OUTSIDE TPCHART"))
            out += [f"  {line}" for line in self.audit]
        return out


def check_file(path: Path, full: bool = True, audit: bool = False) -> HealthReport:
    """Run ``integrity_check`` (or the faster ``quick_check``) and ``foreign_key_check``,
    and with ``audit`` the tamper checks, on a read-only connection: checking never
    changes the file."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    findings: list[str] | None = None
    try:
        pragma = "integrity_check" if full else "quick_check"
        integrity = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
        foreign = [
            f"{table} row {rowid} points to a missing {parent} row"
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
        ]
        if audit and integrity == ["ok"]:
            findings = audit_findings(conn)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            # A hot journal: reading needs SQLite's rollback first, which a check never does.
            reason = "a write interrupted by a crash waits to be rolled back; open it in "
            integrity = [reason + "tpchart once, then check again"]
        else:
            integrity = [f"not a readable database: {exc}"]
        foreign = []
    finally:
        conn.close()
    return HealthReport(path, integrity, foreign, findings, full)
