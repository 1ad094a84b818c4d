"""Tamper evidence: walk the audit hash chain and compare clinical rows with their
last audited after-image.

The app writes every change to a clinical row together with an audit row holding the
row's full new content, in one transaction. So, for a file only ever changed by the
app, each current row equals the ``after`` of its newest audit entry and the chain of
hashes is unbroken. Anything else means the file was changed by another tool.

The chain has no key: whoever rewrites it with this algorithm is caught by the
anchor kept outside the file (`tpchart.store.file.anchor`), a claim that the chain
holds row N with hash H. Signed versions carry an Ed25519 signature of their signer
(`signatures`), and the schema itself is compared with what the migrations build, so
a dropped column or protective trigger is named (docs/security.md). A row whose
content an administrator redacted is accepted only on its signed redaction
(`redaction.RedactionEvidence`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tpchart.store.records import redaction
from tpchart.store.records.added_columns import added_values
from tpchart.store.records.audit import GENESIS, HASHED_COLUMNS, SCHEMA_ENTRY, link_hash
from tpchart.store.records.redaction import RedactionEvidence
from tpchart.store.records.signatures import (
    audit_image,
    signed_message,
    snapshot_digest,
    verify,
)

# Tables whose every change the app audits with a full after-image.
CLINICAL_TABLES = (
    "practitioners", "patients", "sessions", "trigger_points", "adverse_events_later",
    "accounts", "practitioner_keys", "version_signatures", "database_identity",
)  # fmt: skip
# Tables whose audit images hold digests of their secret-bearing columns.
DIGESTED_TABLES = ("accounts", "practitioner_keys")

# Enough to act on; a heavily altered file would otherwise print thousands of lines.
MAX_FINDINGS = 20


@dataclass(frozen=True)
class AnchorClaim:
    """What was recorded outside the file: the chain holds row ``rows`` with ``hash``.
    ``source`` says where the claim was kept (for the finding's words)."""

    rows: int
    hash: str
    source: str


@dataclass
class TamperReport:
    """Findings (each one a failure) and notes (facts that are not failures)."""

    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def audit_findings(conn: sqlite3.Connection, claims: Sequence[AnchorClaim] = ()) -> list[str]:
    """Plain-words findings, empty when the trail and the clinical rows agree."""
    return tamper_report(conn, claims).findings


def startup_findings(conn: sqlite3.Connection, claims: Sequence[AnchorClaim] = ()) -> list[str]:
    """The fast part, run at every start: the schema record, the schema itself (tables,
    columns, indexes, protective triggers) and the anchors. Milliseconds, whatever
    the size of the file."""
    from tpchart.store.records.schema import schema_record_problem

    findings = _missing_schema(conn)
    problem = schema_record_problem(conn)
    if problem:
        findings.append(problem.split(", so tpchart")[0])
    findings += _schema_findings(conn, {f.split()[1] for f in findings if f.startswith("table ")})
    findings += anchor_findings(conn, claims)
    if "version_signatures" in _tables(conn) and not _missing_schema(conn):
        report = TamperReport(findings)
        try:
            _signature_findings(conn, _trail_facts(conn), report)
        except (sqlite3.Error, ValueError, KeyError) as exc:  # columns dropped: named above
            report.findings.append(f"the digital signatures cannot be read: {exc}")
        return report.findings
    return findings


def tamper_report(conn: sqlite3.Connection, claims: Sequence[AnchorClaim] = ()) -> TamperReport:
    """Everything ``check`` verifies: the start-up part (`startup_findings`: schema,
    anchors, digital signatures), then the records (`records_report`). The first broken
    link of the chain is reported first (everything after it is suspect)."""
    fast = startup_findings(conn, claims)
    if _missing_schema(conn) or conn.execute("PRAGMA user_version").fetchone()[0] < CHAINED_SINCE:
        # Without these nothing below can be trusted or even read; before the chain
        # existed there is nothing to verify.
        return TamperReport(fast)
    return records_report(conn, _tables(conn), claims, first=fast)


def records_report(
    conn: Any,
    tables: set[str],
    claims: Sequence[AnchorClaim] = (),
    *,
    first: Sequence[str] = (),
    signatures: bool = False,
) -> TamperReport:
    """The checks of the records themselves, the same on either engine (``conn`` is a
    SQLite connection or the clinic server's database face): the chain link by link,
    every audited row of ``tables`` against its last after-image, the redactions, and,
    with ``signatures``, every signed version against its signature (on a file that is
    part of the start-up check, passed in ``first``). ``first`` (what the caller found
    about the schema) follows the chain's first break, or leads."""
    report = TamperReport()
    if signatures and "version_signatures" in tables:
        _signature_findings(conn, _trail_facts(conn), report)  # its notes too
    elif "version_signatures" in tables:
        _signature_notes(conn, report)
    findings = report.findings
    last_image: dict[tuple[str, Any], tuple[str, str | None]] = {}
    muscle_ids: dict[str, str] = {}  # what the schema-4 migration recorded
    chain_broken = False
    previous_hash, previous_id = GENESIS, 0
    redactions = _redaction_evidence(conn, claims)
    findings += redactions.findings
    report.notes += redactions.notes()
    select = ", ".join((*HASHED_COLUMNS, "prev_hash", "hash"))
    for values in conn.execute(f"SELECT {select} FROM audit_log ORDER BY id"):
        row = dict(zip((*HASHED_COLUMNS, "prev_hash", "hash"), values, strict=True))
        if not chain_broken:
            problem = _link_problem(row, previous_id, previous_hash, redactions)
            if problem:
                findings.append(problem)
                chain_broken = True
        previous_hash, previous_id = row["hash"], row["id"]
        if row["table_name"] == SCHEMA_ENTRY and row["action"] == "migrate" and row["after"]:
            muscle_ids.update(json.loads(row["after"]).get("muscle_ids", {}))
        image = _row_image(row)
        if image is not None:
            last_image[image[0]] = image[1]
    for table in CLINICAL_TABLES:
        if table in tables:
            findings += _table_findings(conn, table, last_image, muscle_ids)
    findings += _settings_findings(conn, last_image)
    # The chain's first break first, then what the caller found.
    findings[1 if chain_broken else 0 : 1 if chain_broken else 0] = first
    if len(findings) > MAX_FINDINGS:
        report.findings = [*findings[:MAX_FINDINGS], f"... and {len(findings) - MAX_FINDINGS} more"]
    return report


def anchor_findings(conn: sqlite3.Connection, claims: Sequence[AnchorClaim]) -> list[str]:
    """A claim the chain no longer holds: the trail was cut, or rewritten (a chain
    recomputed from some row on gives other hashes from there)."""
    for claim in sorted(claims, key=lambda c: c.rows, reverse=True):
        try:
            row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [claim.rows]).fetchone()
            last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
        except sqlite3.Error:
            return []  # no chain to compare: `_missing_schema` names what is gone
        if row is None:
            return [
                f"the audit trail was cut after row {last}: {claim.source} records row "
                f"{claim.rows}, which is no longer in the file"
            ]
        if row[0] != claim.hash:
            return [
                f"the audit trail was rewritten at or before row {claim.rows}: that row no "
                f"longer has the hash recorded in {claim.source}"
            ]
    return []


# The schema version (migration) that added the audit hash chain.
CHAINED_SINCE = 2

# Tables every tpchart database has, and the columns the checks rely on.
REQUIRED_TABLES = (
    "practitioners", "patients", "sessions", "trigger_points", "session_versions",
    "amendments", "audit_log", "settings",
)  # fmt: skip
# Tables added by a later migration, with the schema version that added them.
TABLES_SINCE = {
    "adverse_events_later": 4, "accounts": 6, "practitioner_keys": 6, "version_signatures": 6,
    "database_identity": 6,
}  # fmt: skip


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _missing_schema(conn: sqlite3.Connection) -> list[str]:
    """A table or the chain's columns dropped outside tpchart: otherwise a check would
    find nothing to compare and say "ok"."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        return []  # no schema yet: a first start cut short holds no records
    tables = _tables(conn)
    required = [*REQUIRED_TABLES, *(t for t, since in TABLES_SINCE.items() if version >= since)]
    findings = [f"table {t} is missing: it was dropped outside tpchart" for t in required
                if t not in tables]  # fmt: skip
    if "audit_log" in tables and version >= CHAINED_SINCE:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(audit_log)")}
        for column in ("prev_hash", "hash"):
            if column not in columns:
                findings.append(
                    f"audit_log has no {column} column: the hash chain was removed outside tpchart"
                )
    return findings


def _row_image(row: dict[str, Any]) -> tuple[tuple[str, Any], tuple[str, str | None]] | None:
    """The (table, id) and the after-image an audit row records, or None for entries
    that changed no row (an export or a print names a row without changing it)."""
    table, after = row["table_name"], row["after"]
    if table == "settings":
        return (
            (("settings", json.loads(after).get("key")), (row["action"], after)) if after else None
        )
    if row["action"] == "delete":
        return (table, row["row_id"]), ("delete", None)
    if after is not None and json.loads(after).get("id") == row["row_id"]:
        return (table, row["row_id"]), (row["action"], after)
    return None


def _link_problem(
    row: dict[str, Any], previous_id: int, previous_hash: str, redactions: RedactionEvidence
) -> str | None:
    if row["id"] != previous_id + 1:
        return (
            f"audit_log rows {previous_id + 1} to {row['id'] - 1} are missing: the audit "
            f"trail was cut before row {row['id']}"
        )
    if row["prev_hash"] != previous_hash:
        return f"audit_log row {row['id']} does not follow row {previous_id}: the chain is broken"
    if row["hash"] != link_hash(previous_hash, row):
        # A redacted row cannot recompute its link: its stored hash stands only when an
        # administrator's signed redaction vouches for it and for what it kept.
        if not redaction.redacted(row):
            return redactions.problem(row) or (
                f"audit_log row {row['id']} was altered after it was written"
            )
        return redactions.problem(row)
    return redactions.restored(row)


def _redaction_evidence(
    conn: sqlite3.Connection, claims: Sequence[AnchorClaim]
) -> RedactionEvidence:
    """The trail's redaction entries, verified; against the longest anchored chain."""
    longest = max(claims, key=lambda c: c.rows, default=None)
    if longest is None:
        return RedactionEvidence(conn)
    return RedactionEvidence(conn, longest.rows, longest.source)


def _table_findings(
    conn: sqlite3.Connection,
    table: str,
    last_image: dict[tuple[str, Any], tuple[str, str | None]],
    muscle_ids: dict[str, str],
) -> list[str]:
    findings = []
    cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY id")
    names = [c[0] for c in cursor.description]
    present = set()
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        if table in DIGESTED_TABLES:
            row = audit_image(row)
        present.add(row["id"])
        action, after = last_image.get((table, row["id"]), (None, None))
        if action is None:
            findings.append(f"{table} row {row['id']} has no audit entry: it was added outside")
        elif after is None:
            findings.append(f"{table} row {row['id']} was deleted in tpchart but is back")
        else:
            audited = json.loads(after)
            # A column added by a later migration must still hold what the migration
            # gave this row, until the row's next audited change records it.
            expected = {**added_values(table, audited, muscle_ids), **audited}
            changed = sorted(k for k, v in expected.items() if k in row and row[k] != v)
            if changed:
                findings.append(
                    f"{table} row {row['id']} differs from its last audited version "
                    f"({', '.join(changed)})"
                )
    for (name, row_id), (_action, after) in last_image.items():
        if name == table and after is not None and row_id not in present:
            findings.append(f"{table} row {row_id} is missing: it was deleted outside tpchart")
    return findings


def _settings_findings(
    conn: sqlite3.Connection, last_image: dict[tuple[str, Any], tuple[str, str | None]]
) -> list[str]:
    findings = []
    current = dict(conn.execute("SELECT key, value FROM settings").fetchall())
    for key, value in current.items():
        _, after = last_image.get(("settings", key), (None, None))
        if after is None or json.loads(after).get("value") != value:
            findings.append(f"setting {key!r} differs from its last audited value")
    return findings


# -- the schema, compared with what the migrations build -------------------------------
_EXPECTED: dict[int, dict[tuple[str, str], str]] = {}
_EXPECTED_COLUMNS: dict[int, dict[str, list[tuple[Any, ...]]]] = {}


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """Tables, indexes and triggers by (type, name), their SQL with spaces collapsed.
    SQLite's own objects and the migrations' bookkeeping table (made by sqlite-utils,
    whose wording changes between its releases) are left out."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index', 'trigger')"
        " AND name NOT LIKE 'sqlite_%' AND name <> '_sqlite_migrations' AND sql IS NOT NULL"
    )
    return {(kind, name): " ".join(sql.split()) for kind, name, sql in rows}


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info([{table}])")]


def expected_schema(version: int) -> dict[tuple[str, str], str]:
    """What migrations 1..``version`` build (made once per process in memory)."""
    if version not in _EXPECTED:
        from sqlite_utils import Database

        from tpchart.store.records.schema import migrations

        names = [m.name for m in migrations._migrations]
        db = Database(memory=True, execute_plugins=False)
        try:
            if version < len(names):
                migrations.apply(db, stop_before=names[version])
            else:
                migrations.apply(db)
            _EXPECTED[version] = _objects(db.conn)
            _EXPECTED_COLUMNS[version] = {
                name: _columns(db.conn, name)
                for (kind, name) in _EXPECTED[version]
                if kind == "table"
            }
        finally:
            db.close()
    return _EXPECTED[version]


def _schema_findings(conn: sqlite3.Connection, already_missing: set[str]) -> list[str]:
    """Each table, column, index or trigger that differs from what tpchart's migrations
    built: a protective trigger dropped, a column removed, an object added."""
    from tpchart.store.records.schema import migrations

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0 or version > len(migrations._migrations):
        return []
    expected, actual = expected_schema(version), _objects(conn)
    columns = _EXPECTED_COLUMNS[version]
    findings = []
    for (kind, name), sql in expected.items():
        if (kind, name) not in actual:
            if kind == "table" and name in already_missing:
                continue
            what = "the protective trigger" if kind == "trigger" else kind
            findings.append(f"{what} {name} is missing: it was dropped outside tpchart")
        elif actual[(kind, name)] != sql:
            if kind == "table":
                findings += _table_change(conn, name, columns[name])
            else:
                findings.append(f"{kind} {name} was changed outside tpchart")
    for kind, name in actual.keys() - expected.keys():
        findings.append(f"{kind} {name} was added outside tpchart")
    return sorted(findings, key=lambda f: ("trigger" not in f, f))


def _table_change(
    conn: sqlite3.Connection, table: str, expected: list[tuple[Any, ...]]
) -> list[str]:
    have = {c[0]: c for c in _columns(conn, table)}
    want = {c[0]: c for c in expected}
    findings = []
    for name in want.keys() - have.keys():
        if table == "audit_log" and name in ("hash", "prev_hash"):
            continue  # `_missing_schema` names these in its own words
        findings.append(f"column {table}.{name} is missing: it was dropped outside tpchart")
    for name in have.keys() - want.keys():
        findings.append(f"column {table}.{name} was added outside tpchart")
    for name in want.keys() & have.keys():
        if want[name] != have[name]:
            findings.append(f"column {table}.{name} was redefined outside tpchart")
    if not findings and not (table == "audit_log" and not {"hash", "prev_hash"} <= have.keys()):
        findings.append(f"table {table} was redefined outside tpchart (its checks or keys differ)")
    return findings


# -- digital signatures of signed versions ---------------------------------------------
@dataclass
class _TrailFacts:
    """What the signature check needs from the audit trail: where the clinic was set
    up, where each version was signed and each key added (indexed reads only)."""

    set_up_at: int | None = None  # the audit row of the first account
    signed_in_row: dict[tuple[int, int], int] = field(default_factory=dict)
    key_added_in_row: dict[int, int] = field(default_factory=dict)


def _trail_facts(conn: sqlite3.Connection) -> _TrailFacts:
    facts = _TrailFacts()
    facts.set_up_at = conn.execute(
        "SELECT min(id) FROM audit_log WHERE table_name = 'accounts' AND action = 'set_up'"
    ).fetchone()[0]
    for entry, session_id, version in conn.execute(
        "SELECT id, row_id, json_extract(after, '$.version') FROM audit_log"
        " WHERE table_name = 'sessions' AND action = 'sign'"
    ):
        if isinstance(version, str) and version.isdigit():
            version = int(version)  # the clinic server reads a JSON value out as text
        if isinstance(version, int):
            facts.signed_in_row[(session_id, version)] = entry
    for entry, key_id in conn.execute(
        "SELECT id, row_id FROM audit_log WHERE table_name = 'practitioner_keys'"
        " AND action = 'insert' ORDER BY id"
    ):
        facts.key_added_in_row.setdefault(key_id, entry)
    return facts


def _signature_notes(conn: sqlite3.Connection, report: TamperReport) -> None:
    """The note on versions signed before accounts existed (check only)."""
    notes = TamperReport()
    _signature_findings(conn, _trail_facts(conn), notes)
    report.notes += notes.notes


def _signature_findings(conn: sqlite3.Connection, trail: _TrailFacts, report: TamperReport) -> None:
    """Every signed version against its signature: made by a key of the practitioner
    named as signer, added to the trail before the signing, over the snapshot as it
    is now. A version without a signature is a note when signed before accounts
    were set up, a finding after."""
    keys = {
        r[0]: (r[1], bytes.fromhex(r[2]))
        for r in conn.execute("SELECT id, practitioner_id, public_key FROM practitioner_keys")
    }
    signed = {
        (r[0], r[1]): r[2:]
        for r in conn.execute(
            "SELECT session_id, version, key_id, snapshot_sha256, signature FROM version_signatures"
        )
    }
    before_set_up = 0
    imported = _Imported(conn)
    rows = conn.execute(
        "SELECT session_id, version, signed_by, signed_at, snapshot FROM session_versions"
        " ORDER BY session_id, version"
    )
    for session_id, version, signed_by, signed_at, snapshot in rows:
        what = f"session {session_id} version {version}"
        signing_row = trail.signed_in_row.get((session_id, version))
        if (session_id, version) not in signed and signing_row is None:
            # Signed in another database: its signature is the evidence its import kept.
            stored = {"session_id": session_id, "version": version, "signed_by": signed_by,
                      "signed_at": signed_at, "snapshot": snapshot}  # fmt: skip
            if imported.check(stored, report):
                continue
        if (session_id, version) not in signed:
            if trail.set_up_at is None or (
                signing_row is not None and signing_row < trail.set_up_at
            ):
                before_set_up += 1
            else:
                report.findings.append(
                    f"{what} has no digital signature, though it was signed after accounts "
                    "were set up"
                )
            continue
        key_id, recorded, signature = signed[(session_id, version)]
        digest = snapshot_digest(snapshot)
        owner, public = keys.get(key_id, (None, b""))
        if owner != signed_by:
            report.findings.append(
                f"{what} is signed with a key that is not its signer's (practitioner {signed_by})"
            )
        elif digest != recorded:
            report.findings.append(f"{what}: the signed snapshot was changed after signing")
        elif not verify(
            public, bytes.fromhex(signature),
            signed_message(session_id, version, signed_by, signed_at, recorded),
        ):  # fmt: skip
            report.findings.append(
                f"{what}: the digital signature does not match (its signer, time or content "
                "was changed after signing)"
            )
        elif signing_row is not None and trail.key_added_in_row.get(key_id, 0) > signing_row:
            report.findings.append(f"{what} is signed with a key added after the signing")
    if before_set_up:
        report.notes.append(
            f"{before_set_up} signed version(s) were signed before accounts were set up, so "
            "they have no digital signature"
        )
    report.notes += imported.notes()


class _Imported:
    """Signed versions that came from another database (docs/transfer.md): each is
    checked against the evidence its import kept, the signature verified again over
    the snapshot as signed, and the stored snapshot that snapshot with its ids mapped."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from tpchart.store.records.transfer import ImportEvidence

        self._evidence = ImportEvidence(conn)
        self._verified: dict[str, int] = {}
        self._unsigned: dict[str, int] = {}

    def check(self, row: dict[str, Any], report: TamperReport) -> bool:
        """False for a version no import brought; otherwise its finding, if any, is
        added to ``report`` and it is counted for the notes."""
        from tpchart.store.records.transfer import evidence_problem

        kept = self._evidence.for_version(row["session_id"], row["version"])
        if kept is None:
            return False
        entry, source = kept
        what = f"session {row['session_id']} version {row['version']}"
        problem = evidence_problem(entry, row)
        if problem == "signature":
            report.findings.append(
                f"{what}: the evidence kept when it was imported from {source} was altered "
                "(the signature it carries no longer verifies)"
            )
        elif problem == "snapshot":
            report.findings.append(
                f"{what}: the signed snapshot was changed after it was imported from {source}"
            )
        else:
            counted = self._verified if entry.get("signature") else self._unsigned
            counted[source] = counted.get(source, 0) + 1
        return True

    def notes(self) -> list[str]:
        """One note per sending clinic: imported, signature verified at import (or none
        to verify: signed there before it had accounts)."""
        return [
            f"{n} signed version(s) imported from {source}: signature verified at import"
            for source, n in sorted(self._verified.items())
        ] + [
            f"{n} signed version(s) imported from {source} have no digital signature: "
            "signed there before it had accounts"
            for source, n in sorted(self._unsigned.items())
        ]
