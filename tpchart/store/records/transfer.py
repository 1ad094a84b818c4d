"""Moving one patient to another tpchart database with nothing lost (issue 20).

A transfer file is one JSON document (written gzip-compressed when its name ends in
``.gz``; read either way) holding everything about one patient: the patient row, the
practitioners their records name, every session with its points, every signed version
and amendment, the adverse events reported later, and the patient's audit entries as
history. docs/transfer.md describes the format.

Which tables belong to a patient is read from the schema, not listed by hand: every
table reachable from ``patients`` through foreign keys. Each one must be carried
(`CARRIED`) or rebuilt (`DERIVED`); a table a later migration adds that is neither
makes export and import refuse, naming it, so nothing is ever silently left behind.

Import is one transaction. Ids are renumbered; a signed session arrives signed
without lifting any guard: it is inserted as a draft, its points and versions are
added, and only then is it given its signed state (the guards forbid changing a
signed session, not signing a draft). Every row is audited in the importing database
with its full after-image, so the tamper check holds; the source's own audit entries
arrive as history inside one entry, because the importing database keeps its own chain.

Digital signatures travel as evidence, not as rows: a signature covers the sender's
ids and the snapshot exactly as signed, which import renumbers. The file carries each
signature with its public key and the fields it covers; import verifies every one
before writing anything, and keeps per version, in its ``transfer in`` entry, the
snapshot as signed, the signature, the public key and the id mapping, so ``check``
can verify again that the stored (renumbered) snapshot is the signed one mapped
(docs/transfer.md, "Digital signatures").
"""

from __future__ import annotations

import getpass
import gzip
import hashlib
import io
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tpchart import __version__
from tpchart.core.audit import AuditEntry
from tpchart.core.errors import TpchartError
from tpchart.store.records import audit
from tpchart.store.records.added_columns import added_values
from tpchart.store.records.audit import HASHED_COLUMNS, link_hash
from tpchart.store.records.context import Context
from tpchart.store.records.patients import name_words
from tpchart.store.records.rows import now, to_datetime, to_text
from tpchart.store.records.signatures import (
    key_fingerprint,
    signed_message,
    snapshot_digest,
    verify,
)

FORMAT = "tpchart-patient-transfer"
# Bumped when the document's shape changes; a reader takes only its own version.
FORMAT_VERSION = 1

# Patient tables copied row by row (ids renumbered, references followed).
CARRIED = (
    "patients", "sessions", "trigger_points", "session_versions", "amendments",
    "adverse_events_later",
)  # fmt: skip
# Patient tables rebuilt on import from what is carried: the name search index.
DERIVED = ("patient_name_words",)
# Tables patient rows refer to that are shared by the clinic: matched, added if missing.
SHARED = ("practitioners",)
# Patient tables that hold no record: who has a session open on a clinic server.
TRANSIENT = ("session_leases",)

# Audit actions written here. A row that arrived is "import" (with its after-image,
# which the tamper check reads); the summary and the carried history are separate
# entries without an "id", so they are never taken for a row's image.
IMPORTED, TRANSFERRED_IN, HISTORY = "import", "transfer in", "transfer history"
EXPORTED = "export"  # the same action as every other disclosure
DOCUMENT = "patient transfer"

# A transfer file larger than this once decompressed is not one tpchart wrote.
MAX_BYTES = 1 << 30


class TransferRefused(TpchartError):
    """A transfer that was not made; the message says why, and that nothing was written."""


@dataclass(frozen=True)
class TransferSummary:
    """What one transfer carried: the patient, the counts per table, its identity."""

    patient_id: int
    record_number: str
    full_name: str
    transfer: str
    digest: str
    counts: dict[str, int] = field(default_factory=dict)
    source: str = ""

    def counts_in_words(self) -> str:
        """ "4 sessions, 12 trigger points, 5 signed versions, ..." for a message."""
        words = {
            "sessions": "session", "trigger_points": "trigger point",
            "session_versions": "signed version", "version_signatures": "digital signature",
            "amendments": "amendment",
            "adverse_events_later": "event reported later",
        }  # fmt: skip
        parts = []
        # The clinic's order (sessions first), then any table added since; none left out.
        for table in sorted(self.counts, key=lambda t: list(words).index(t) if t in words else 9):
            n = self.counts[table]
            if table in ("patients", "practitioners") or (n == 0 and table != "sessions"):
                continue
            name = words.get(table, table.replace("_", " ") + " row")
            parts.append(f"{n} {name}{'' if n == 1 else 's'}")
        return ", ".join(parts)


# -- what the schema says belongs to a patient ---------------------------------------------


def _links(
    conn: sqlite3.Connection, table: str
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The foreign keys of ``table``: (parent table, columns here, columns there), the
    parent's columns being ("id",) when the key names none."""
    groups: dict[int, tuple[str, list[str], list[str]]] = {}
    for fk in conn.execute(f"PRAGMA foreign_key_list([{table}])").fetchall():
        _parent, here, there = groups.setdefault(fk[0], (fk[2], [], []))
        here.append(fk[3])
        there.append(fk[4] or "id")
    return [(p, tuple(h), tuple(t)) for p, h, t in groups.values()]


def patient_tables(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Every table reachable from ``patients`` through foreign keys, parents first,
    each with its foreign-key columns and the table each refers to."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    refs = {n: {c: p for p, cols, _ in _links(conn, n) for c in cols} for n in names}
    scoped = {"patients"}
    while more := {t for t in names if t not in scoped and scoped & set(refs[t].values())}:
        scoped |= more
    ordered: list[str] = []
    while len(ordered) < len(scoped):  # parents first
        ready = sorted(
            t for t in scoped - set(ordered)
            if all(p in ordered or p not in scoped or p == t for p in refs[t].values())
        )  # fmt: skip
        if not ready:  # a cycle of references: no order would satisfy the foreign keys
            raise TransferRefused(
                "The patient tables refer to each other in a cycle, which patient transfer "
                "cannot order; nothing was transferred."
            )
        ordered += ready
    return {t: refs[t] for t in ordered}


def unhandled_tables(conn: sqlite3.Connection) -> list[str]:
    """Patient tables that transfer neither carries nor rebuilds, tables carried rows
    refer to that are not matched (`SHARED`), and carried tables whose references are
    not plain ids: a transfer of a patient with rows there would lose them."""
    tables = patient_tables(conn)
    handled = (*CARRIED, *DERIVED, *VOUCHED, *TRANSIENT)
    found = [t for t in tables if t not in handled]
    for table in (t for t in tables if t in CARRIED):
        for parent, _here, there in _links(conn, table):
            if (parent not in tables and parent not in SHARED) or there != ("id",):
                found.append(parent if parent not in tables else table)
    return sorted(set(found))


def _refuse_unhandled(conn: sqlite3.Connection) -> None:
    """Refuse when a patient table is unhandled and not one known to wait for its
    carrying (`NOT_CARRIED_YET`, refused only for a patient with rows there)."""
    missing = [t for t in unhandled_tables(conn) if t not in NOT_CARRIED_YET]
    if missing:
        raise TransferRefused(
            f"This database holds patient records in {', '.join(missing)}, which this "
            "version of patient transfer does not know how to carry; nothing was "
            "transferred rather than leave them behind. Update tpchart."
        )


# Patient tables transfer knows of and does not carry yet, with what they hold. A
# patient with a row in one is refused (naming it); one without loses nothing.
NOT_CARRIED_YET: dict[str, str] = {}
# Patient tables carried as evidence rather than rows: a signature covers the sender's
# ids, so it travels with its public key and what it covers (``signatures`` in the
# file) and is kept here in the import's audit entry (docs/transfer.md).
VOUCHED = ("version_signatures",)


# -- the file --------------------------------------------------------------------------------


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _digest(document: dict[str, Any]) -> str:
    """SHA-256 over everything in the document but the digest itself."""
    return hashlib.sha256(
        _canonical({k: v for k, v in document.items() if k != "digest"})
    ).hexdigest()


def encode(document: dict[str, Any], compress: bool) -> bytes:
    """The document as file bytes: "format" first, so a glance (or `is_transfer_file`)
    tells what the file is; gzip when asked."""
    ordered = {"format": document["format"], **document}
    data = json.dumps(ordered, ensure_ascii=False, indent=1).encode()
    # mtime 0: the same export gives the same bytes (the time is inside the document).
    return gzip.compress(data, mtime=0) if compress else data


def is_transfer_file(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) begins a transfer file, plain or
    gzip: the only kind of existing file an export may replace."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(200)
        except (OSError, EOFError):
            return False
    return f'"format": "{FORMAT}"'.encode() in head[:200]


def decode(data: bytes) -> dict[str, Any]:
    """File bytes back to a document, refusing plainly anything that is not a
    transfer file this tpchart can read: another format, another version, a file
    changed after it was written (its checksum)."""
    if data.startswith(b"\x1f\x8b"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise TransferRefused(
                f"This file is compressed but damaged ({exc}); nothing was imported."
            ) from None
    if len(data) > MAX_BYTES:
        raise TransferRefused(
            "This file is too large to be a patient transfer; nothing was imported."
        )
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferRefused(
            "This is not a tpchart patient transfer file (tpchart export-patient writes "
            "them); nothing was imported."
        )
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise TransferRefused(
            f"This transfer file is format version {version}; this tpchart reads version "
            f"{FORMAT_VERSION} only. "
            + ("Update tpchart to import it." if newer else "Export the patient again with a "
               "current tpchart.")
            + " Nothing was imported."
        )  # fmt: skip
    if not _well_formed(document):
        raise TransferRefused(
            "This transfer file is incomplete (a part tpchart writes is missing), so it "
            "cannot be imported; nothing was imported. Ask the sending clinic for a new export."
        )
    if document.get("digest") != _digest(document):
        raise TransferRefused(
            "This transfer file was changed after it was written (its checksum does not "
            "match), so its records cannot be trusted; nothing was imported. Ask the "
            "sending clinic for a new export."
        )
    return document


def _well_formed(document: dict[str, Any]) -> bool:
    """Every part import reads is there, of the kind it expects (one patient)."""
    records = document.get("records")
    return (
        isinstance(document.get("transfer"), str)
        and isinstance(document.get("source"), dict)
        and isinstance(document.get("origin"), dict)
        and isinstance(document.get("history"), list)
        and all(isinstance(e, dict) for e in document["history"])
        and isinstance(records, dict)
        and all(isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
                for rows in records.values())
        and len(records.get("patients", [])) == 1
        and isinstance(document.get("signatures", []), list)
        and all(isinstance(e, dict) for e in document.get("signatures", []))
        and isinstance(records.get("practitioners"), list)
    )  # fmt: skip


# -- the repository --------------------------------------------------------------------------


class Transfers:
    """One patient out of this database into a file, and from a file into it
    (``store.transfer``)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # The check an export makes before replacing an existing file (see the function).
    is_transfer_file = staticmethod(is_transfer_file)

    # .. export ....................................................................
    def export(
        self, patient_id: int, file_name: str, write: Callable[[bytes], object]
    ) -> TransferSummary:
        """Read everything about ``patient_id``, record the disclosure in the audit trail,
        then call ``write`` with the file's bytes (gzip when ``file_name`` ends in .gz).
        The audit entry comes first, as for every export; if ``write`` fails, a second
        entry says the file was not written, and the error propagates."""
        db = self._ctx.db
        with self._ctx.transaction():
            document = self._document(patient_id)
            summary = _summary(document, document["records"]["patients"][0]["id"])
            after = {
                "document": DOCUMENT, "file": file_name, "transfer": summary.transfer,
                "digest": summary.digest, "counts": summary.counts,
            }  # fmt: skip
            audit.record(db, self._ctx.practitioner_id, EXPORTED, "patients", patient_id,
                         after=after)  # fmt: skip
        data = encode(document, file_name.endswith(".gz"))
        try:
            write(data)
        except BaseException as exc:
            with self._ctx.transaction():
                audit.record(db, self._ctx.practitioner_id, EXPORTED, "patients", patient_id,
                             after={**after, "not written": str(exc) or "stopped"})  # fmt: skip
            raise
        return summary

    def _document(self, patient_id: int) -> dict[str, Any]:
        conn = self._ctx.db.conn
        _refuse_unhandled(conn)
        patient = self._ctx.row("patients", patient_id, "Patient")
        tables = patient_tables(conn)
        records: dict[str, list[dict[str, Any]]] = {}
        ids: dict[str, list[Any]] = {"patients": [patient_id]}
        for table in tables:
            if table in DERIVED or table in VOUCHED:
                continue
            if table == "patients":
                records[table] = [patient]
                continue
            rows = self._scoped_rows(table, records)
            if table not in CARRIED:
                if rows:
                    raise TransferRefused(
                        f"{patient['full_name']} has {len(rows)} record(s) in {table} ("
                        f"{NOT_CARRIED_YET.get(table, 'a table added since')}), which patient "
                        "transfer does not carry yet; nothing was exported rather than leave "
                        "them behind."
                    )
                continue
            records[table] = rows
            ids[table] = [r.get("id") for r in rows]
        history = self._history(tables, ids)
        practitioners = _practitioner_ids(tables, records)
        records["practitioners"] = self._ctx.rows(
            "SELECT * FROM practitioners WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            [json.dumps(sorted(practitioners))],
        )
        for rows in records.values():
            for row in rows:
                if any(isinstance(v, bytes) for v in row.values()):
                    raise TransferRefused("A record holds binary data, which transfer cannot carry")
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "transfer": str(uuid.uuid4()),
            "exported_at": to_text(now()),
            "source": self._source(),
            "origin": self._origin(patient),
            "records": records,
            "history": history,
            "signatures": self._signatures(records.get("session_versions", [])),
        }
        document["digest"] = _digest(document)
        return document

    def _signatures(self, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each signed version's digital signature with the public key that verifies it
        and the fields it covers (never a private key), oldest first. A version that
        came from another database has no signature here: the evidence its import kept
        travels on instead, so the next database verifies the signature as it was made."""
        by_version = {(v["session_id"], v["version"]): v for v in versions}
        rows = self._ctx.rows(
            "SELECT s.session_id, s.version, s.snapshot_sha256, s.signature, k.public_key,"
            " k.practitioner_id AS key_owner FROM version_signatures s"
            " JOIN practitioner_keys k ON k.id = s.key_id"
            " WHERE s.session_id IN (SELECT value FROM json_each(?))",
            [json.dumps(sorted({v["session_id"] for v in versions}))],
        )
        found: dict[tuple[int, int], dict[str, Any]] = {}
        for row in rows:
            version = by_version[(row["session_id"], row["version"])]
            found[(row["session_id"], row["version"])] = {
                "session_id": row["session_id"],
                "version": row["version"],
                "signed": {
                    **{k: version[k] for k in _SIGNED_FIELDS},
                    "snapshot_sha256": row["snapshot_sha256"],
                },
                "signature": row["signature"],
                "public_key": row["public_key"],
                "key": key_fingerprint(bytes.fromhex(row["public_key"])),
                "key_owner": row["key_owner"],
            }
        evidence = ImportEvidence(self._ctx.db.conn)
        for key in by_version.keys() - found.keys():
            kept = evidence.for_version(*key)
            if kept is not None and kept[0].get("signature"):
                found[key] = kept[0]
        return [found[k] for k in sorted(found)]

    def _scoped_rows(self, table: str, records: dict[str, list[dict[str, Any]]]) -> list[dict]:
        """The rows of ``table`` that refer to a row already chosen (parents first)."""
        conn = self._ctx.db.conn
        clauses, params = [], []
        for parent, here, there in _links(conn, table):
            if parent not in records:
                continue
            values = [[r.get(c) for c in there] for r in records[parent]]
            if len(here) == 1:
                clauses.append(f"[{here[0]}] IN (SELECT value FROM json_each(?))")
                params.append(json.dumps([v[0] for v in values]))
            else:
                same = " AND ".join(
                    f"json_extract(j.value, '$[{i}]') = t.[{c}]" for i, c in enumerate(here)
                )
                clauses.append(f"EXISTS (SELECT 1 FROM json_each(?) j WHERE {same})")
                params.append(json.dumps(values))
        if not clauses:  # its parents are not carried: refused already if they had rows
            return []
        order = " ORDER BY t.id" if "id" in _columns(conn, table) else ""
        return self._ctx.rows(
            f"SELECT t.* FROM [{table}] t WHERE {' OR '.join(clauses)}{order}", params
        )

    def _history(self, tables: dict[str, dict[str, str]], ids: dict[str, list[Any]]) -> list[dict]:
        """The patient's audit entries, deleted rows included (a discarded draft, a point
        removed while amending): an entry belongs when it names one of the patient's rows
        or its image refers to one of them."""
        found: dict[int, dict[str, Any]] = {}
        known = {t: set(v) for t, v in ids.items()}
        for table, refs in tables.items():
            if table not in CARRIED:
                continue
            clauses = ["row_id IN (SELECT value FROM json_each(?))"]
            params: list[Any] = [json.dumps(sorted(known.get(table, set())))]
            for column, parent in refs.items():
                if parent in known:
                    clauses.append(
                        f"json_extract(coalesce(after, before), '$.{column}')"
                        " IN (SELECT value FROM json_each(?))"
                    )
                    params.append(json.dumps(sorted(known[parent])))
            rows = self._ctx.rows(
                f"SELECT * FROM audit_log WHERE table_name = ? AND ({' OR '.join(clauses)})",
                [table, *params],
            )
            for row in rows:
                found[row["id"]] = row
                if row["row_id"] is not None:
                    known.setdefault(table, set()).add(row["row_id"])
        return [found[i] for i in sorted(found)]

    def _identity(self) -> str:
        """This database's identity: the hash of its first audit entry, written with its
        first record and never changed after (the trail is append-only). A copy of the
        file shares it, as it shares the records."""
        row = self._ctx.db.execute("SELECT hash FROM audit_log ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else ""

    def _source(self) -> dict[str, Any]:
        conn = self._ctx.db.conn
        setting = conn.execute(
            "SELECT key, value FROM settings WHERE key IN ('clinic.name', 'demo')"
        )
        values = dict(setting.fetchall())
        return {
            "database": self._identity(),
            "clinic": values.get("clinic.name", ""),
            "demo": values.get("demo") == "yes",
            "schema": conn.execute("PRAGMA user_version").fetchone()[0],
            "app": f"tpchart {__version__}",
        }

    def _origin(self, patient: dict[str, Any]) -> dict[str, Any]:
        """Where the patient was first registered: kept through every later transfer, so
        a patient sent back where they came from is recognised."""
        earlier = self._ctx.db.execute(
            "SELECT json_extract(after, '$.origin') FROM audit_log WHERE table_name = 'patients'"
            " AND row_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
            [patient["id"], TRANSFERRED_IN],
        ).fetchone()
        if earlier and earlier[0]:
            return json.loads(earlier[0])
        return {"database": self._identity(), "patient": patient["id"]}

    # .. import ....................................................................
    def import_patient(self, data: bytes, file_name: str) -> TransferSummary:
        """Add the patient in transfer file bytes ``data`` to this database, in one
        transaction, or refuse (TransferRefused, nothing written): a file changed after
        it was written, a patient already here, a record number another patient has."""
        try:
            return self._import(decode(data), file_name)
        except (KeyError, TypeError, AttributeError, sqlite3.IntegrityError) as exc:
            # A file tpchart did not write this way: the transaction has rolled back.
            raise TransferRefused(
                f"This transfer file is not consistent ({type(exc).__name__}: {exc}), so "
                "nothing was imported. Ask the sending clinic for a new export."
            ) from None

    def _import(self, document: dict[str, Any], file_name: str) -> TransferSummary:
        _check_signed_versions(document)
        vouched = _check_signatures(document)  # before anything is written
        db, who = self._ctx.db, self._ctx.practitioner_id
        with self._ctx.transaction():
            conn = db.conn
            _refuse_unhandled(conn)
            self._refuse_mismatch(document)
            self._refuse_duplicate(document)
            copier = _Copier(self._ctx, document, who, file_name)
            new_patient = copier.copy()
            evidence = copier.evidence(vouched)
            summary = _summary(document, new_patient)
            by: dict[str, Any] = {"practitioner": who}
            if who is None:  # the command line with no practitioner chosen: say whose account
                by["account"] = _account()
            after = {
                "transfer": summary.transfer, "digest": summary.digest,
                "file": file_name, "source": document["source"], "origin": document["origin"],
                "counts": summary.counts, "by": by,
                "record_number": summary.record_number,
                # What `check` verifies the imported signed versions against (ImportEvidence).
                "signatures": evidence,
            }  # fmt: skip
            reason = f"Transferred in from {summary.source} ({file_name})"
            audit.record(db, who, TRANSFERRED_IN, "patients", new_patient, after=after,
                         reason=reason)  # fmt: skip
            names = {
                str(p["id"]): f"{p['name']} ({p['registration']})".replace(" ()", "")
                for p in document["records"]["practitioners"]
            }
            carried = {
                "transfer": summary.transfer,
                "practitioners": names,
                "entries": document["history"],
            }
            audit.record(
                db, who, HISTORY, "patients", new_patient, after=carried,
                reason="The sending database's entries for this patient, as they were",
            )  # fmt: skip
        return summary

    def imported_history(self, patient_id: int) -> list[AuditEntry]:
        """The audit entries the sending database held for this patient, as they were
        (their ids and practitioner ids are the sender's), oldest first; empty for a
        patient registered here."""
        entries = []
        for entry in audit.trail(self._ctx.db, "patients", patient_id):
            if entry.action == HISTORY and entry.after:
                for row in entry.after["entries"]:
                    entries.append(
                        AuditEntry(
                            id=row["id"],
                            at=to_datetime(row["at"]),
                            practitioner_id=row["practitioner_id"],
                            action=row["action"],
                            table=row["table_name"],
                            row_id=row["row_id"],
                            before=json.loads(row["before"]) if row["before"] else None,
                            after=json.loads(row["after"]) if row["after"] else None,
                            reason=row["reason"],
                        )
                    )
        return entries

    def _refuse_mismatch(self, document: dict[str, Any]) -> None:
        source = document["source"]
        here = self._source()
        if source.get("schema", 0) > here["schema"]:
            raise TransferRefused(
                "This transfer file was written by a newer tpchart (schema "
                f"{source['schema']}, this one has {here['schema']}); update tpchart to "
                "import it. Nothing was imported."
            )
        if source.get("demo") != here["demo"]:
            raise TransferRefused(
                "This file comes from a demo database; made-up patients never go into a "
                "clinic's records. Nothing was imported."
                if source.get("demo")
                else "This is a demo database, for made-up patients only; import the "
                "patient into the clinic's database. Nothing was imported."
            )

    def _refuse_duplicate(self, document: dict[str, Any]) -> None:
        transfer, origin = document["transfer"], document["origin"]
        patient = document["records"]["patients"][0]
        rows = self._ctx.db.execute(
            "SELECT a.row_id, a.at, a.after, p.record_number, p.full_name FROM audit_log a"
            " JOIN patients p ON p.id = a.row_id"
            " WHERE a.table_name = 'patients' AND a.action = ?",
            [TRANSFERRED_IN],
        ).fetchall()
        for _row_id, at, after, record_number, full_name in rows:
            earlier = json.loads(after)
            when = f"{to_datetime(at).astimezone():%d %b %Y}"
            if earlier.get("transfer") == transfer:
                raise TransferRefused(
                    f"This transfer file was already imported on {when}, as {full_name} "
                    f"(record {record_number}); nothing was imported again."
                )
            if earlier.get("origin") == origin:
                raise TransferRefused(
                    f"{full_name} (record {record_number}) was already transferred here on "
                    f"{when}; a patient is never imported twice. Nothing was imported."
                )
        if origin.get("database") == self._identity():
            raise TransferRefused(
                f"{patient['full_name']} was first registered in this very database; a "
                "patient is never imported where they already are. Nothing was imported."
            )
        taken = self._ctx.db.execute(
            "SELECT full_name, date_of_birth FROM patients WHERE record_number = ?",
            [patient["record_number"]],
        ).fetchone()
        if taken is None:
            return
        if taken[0].casefold().split() == patient["full_name"].casefold().split() and (
            taken[1] == patient["date_of_birth"]
        ):
            raise TransferRefused(
                f"Record {patient['record_number']} here is already {taken[0]}, born "
                f"{taken[1]}: this patient is in this database already. Nothing was imported."
            )
        raise TransferRefused(
            f"Record number {patient['record_number']} is already used here by a different "
            f"patient ({taken[0]}); nothing was imported. Give one of them another record "
            "number first."
        )


class _Copier:
    """The rows of one document into this database, inside the caller's transaction."""

    def __init__(self, ctx: Context, document: dict[str, Any], who: int | None, file: str) -> None:
        self._ctx, self._doc, self._who = ctx, document, who
        self._reason = f"Transferred in ({document['transfer']}, {file})"
        self._maps: dict[str, dict[Any, Any]] = {}
        self._ghosts: dict[Any, int] = {}  # points a snapshot holds that no longer exist

    def copy(self) -> int:
        """Insert everything; returns the new patient id."""
        conn = self._ctx.db.conn
        tables = patient_tables(conn)
        records = self._doc["records"]
        self._maps["practitioners"] = self._practitioners(records.get("practitioners", []))
        seals: list[tuple[int, dict[str, Any]]] = []
        inserted: list[tuple[str, Any]] = []
        unknown = [t for t in records if t not in tables and t not in SHARED]
        if unknown:
            raise TransferRefused(
                f"This transfer file carries {', '.join(unknown)}, which this database does "
                "not know; update tpchart to import it. Nothing was imported."
            )
        # Signed versions last: their snapshots name points by id, and every point
        # must have its id here before a snapshot (permanent once written) is.
        order = sorted((t for t in tables if t in CARRIED), key=lambda t: t == "session_versions")
        for table in order:
            columns = _columns(conn, table)
            extra = [k for row in records.get(table, []) for k in row if k not in columns]
            if extra:
                raise TransferRefused(
                    f"This transfer file has {table}.{extra[0]}, which this database does not "
                    "know; update tpchart to import it. Nothing was imported."
                )
            self._maps[table] = {}
            for source in records.get(table, []):
                row = {**added_values(table, source), **source} if table in _ADDED else source
                row = {k: v for k, v in row.items() if k in columns}
                row = self._renumber(table, tables[table], row)
                if table == "sessions" and row["status"] != "draft":
                    # Signed after its points and versions are in: see the module's docstring.
                    seals.append((source["id"], {k: row[k] for k in _SIGNED_STATE}))
                    row = {**row, "status": "draft", "signed_by": None, "signed_at": None}
                if table == "session_versions":
                    row["snapshot"] = self._snapshot(row["snapshot"], tables)
                new_id = self._ctx.insert(table, {k: v for k, v in row.items() if k != "id"})
                if "id" in source:
                    self._maps[table][source["id"]] = new_id
                inserted.append((table, new_id))
        for old_id, state in seals:
            self._ctx.update("sessions", self._maps["sessions"][old_id], state)
        patient_id = self._maps["patients"][records["patients"][0]["id"]]
        full_name = records["patients"][0]["full_name"]
        conn.executemany(
            "INSERT OR IGNORE INTO patient_name_words (word, patient_id) VALUES (?, ?)",
            [(w, patient_id) for w in name_words(full_name)],
        )
        for table, new_id in inserted:
            after = self._ctx.row(table, new_id, table)
            audit.record(self._ctx.db, self._who, IMPORTED, table, new_id, after=after,
                         reason=self._reason)  # fmt: skip
        return patient_id

    def _practitioners(self, rows: list[dict[str, Any]]) -> dict[Any, Any]:
        """The sender's practitioners matched here by name and registration; one not
        found is added, inactive: they wrote these records but do not work here."""
        here: dict[tuple[str, str], int] = {}
        for known in self._ctx.rows("SELECT * FROM practitioners ORDER BY active DESC, id"):
            here.setdefault(_person_key(known), known["id"])
        found = {}
        for row in rows:
            match = here.get(_person_key(row))
            if match is not None:
                found[row["id"]] = match
                continue
            values = {k: v for k, v in row.items() if k != "id"}
            new_id = self._ctx.insert("practitioners", {**values, "active": 0})
            after = self._ctx.row("practitioners", new_id, "Practitioner")
            audit.record(self._ctx.db, self._who, IMPORTED, "practitioners", new_id, after=after,
                         reason=self._reason)  # fmt: skip
            found[row["id"]] = new_id
        return found

    def _renumber(self, table: str, refs: dict[str, str], row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        for column, parent in refs.items():
            value = row.get(column)
            if value is None:
                continue
            mapped = self._maps.get(parent, {}).get(value)
            if mapped is None:
                raise TransferRefused(
                    f"This transfer file is not consistent: {table} row {row.get('id')} "
                    f"refers to {parent} {value}, which it does not carry. Nothing was imported."
                )
            row[column] = mapped
        return row

    def _snapshot(self, text: str, tables: dict[str, dict[str, str]]) -> str:
        """A signed version with its ids those of this database: the amendment diff
        matches points by id and names practitioners by id."""
        return renumber_snapshot(text, snapshot_refs(tables), self._here)

    def _here(self, table: str, value: Any) -> int:
        """The id here of the sender's row ``value`` of ``table``. A point deleted since
        has no row here; it gets a negative id, the same in every version that holds it."""
        mapped = self._maps.get(table, {}).get(value)
        if mapped is None:
            if table != "trigger_points":
                raise TransferRefused(
                    f"A signed version in this transfer file refers to {table} {value}, "
                    "which the file does not carry; nothing was imported."
                )
            mapped = self._ghosts.setdefault(value, -1 - len(self._ghosts))
        return mapped

    def _ids_used(
        self, snapshot: str, refs: dict[str, dict[str, str]], signed: dict[str, Any]
    ) -> dict[str, list[list[Any]]]:
        """The sender's ids a signed version names (in its snapshot and as its session
        and signer), each with its id here: pairs, as JSON keeps them."""
        seen: dict[str, dict[Any, Any]] = {}

        def note(table: str, value: Any) -> Any:
            seen.setdefault(table, {})[value] = self._here(table, value)
            return seen[table][value]

        renumber_snapshot(snapshot, refs, note)
        note("sessions", signed["session_id"])
        note("practitioners", signed["signed_by"])
        return {t: sorted([o, n] for o, n in m.items()) for t, m in seen.items()}

    def evidence(self, carried: dict[tuple[Any, Any], dict[str, Any]]) -> list[dict[str, Any]]:
        """Per imported version, what ``check`` needs to verify it again: the snapshot
        and fields as signed, the signature and public key (none for a version signed
        before the sender had accounts), and the mapping from the ids it was signed
        with to this database's. Each is verified against the stored row before the
        transaction ends, so what is kept is known to hold."""
        refs = snapshot_refs(patient_tables(self._ctx.db.conn))
        kept = []
        for source in self._doc["records"].get("session_versions", []):
            key = (source["session_id"], source["version"])
            entry = carried.get(key) or {
                "signed": {
                    **{k: source[k] for k in _SIGNED_FIELDS},
                    "snapshot_sha256": snapshot_digest(source["snapshot"]),
                },
                "signature": None, "public_key": None, "key": None, "key_owner": None,
            }  # fmt: skip
            if "ids" in entry:  # verified at the sender's import: map its ids onward
                original, used = entry["signed"]["snapshot"], entry["refs"]
                ids = {t: [[o, self._here(t, m)] for o, m in pairs]
                       for t, pairs in entry["ids"].items()}  # fmt: skip
            else:
                original, used = source["snapshot"], refs
                ids = self._ids_used(original, refs, entry["signed"])
            new_session = self._maps["sessions"][key[0]]
            kept.append({
                **entry, "session_id": new_session, "version": source["version"],
                "signed": {**entry["signed"], "snapshot": original}, "ids": ids, "refs": used,
            })  # fmt: skip
            stored = self._ctx.rows(
                "SELECT * FROM session_versions WHERE session_id = ? AND version = ?",
                [new_session, source["version"]],
            )[0]
            if evidence_problem(kept[-1], stored) is not None:
                raise TransferRefused(
                    f"Signed version {source['version']} of a session in this transfer file "
                    "could not be matched to what was signed after renumbering; nothing was "
                    "imported. Ask the sending clinic for a new export."
                )
        return kept


# -- signed versions carried as evidence -----------------------------------------------------

# The fields of a signed version a digital signature covers, with its snapshot's SHA-256.
_SIGNED_FIELDS = ("session_id", "version", "signed_by", "signed_at")


def snapshot_refs(tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """For a snapshot's session and its points, the table each id column names."""
    return {
        "sessions": {**tables["sessions"], "id": "sessions"},
        "trigger_points": {**tables["trigger_points"], "id": "trigger_points"},
    }


def renumber_snapshot(
    text: str, refs: dict[str, dict[str, str]], lookup: Callable[[str, Any], Any]
) -> str:
    """A snapshot with every id column given ``lookup(table, id)``, written as import
    writes it (sorted keys): import uses it to renumber, ``check`` to verify again."""
    snapshot = json.loads(text)

    def renumbered(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
        return {k: lookup(columns[k], v) if k in columns and v is not None else v
                for k, v in row.items()}  # fmt: skip

    snapshot["session"] = renumbered(snapshot.get("session", {}), refs["sessions"])
    snapshot["points"] = [renumbered(p, refs["trigger_points"]) for p in snapshot.get("points", [])]
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def evidence_problem(entry: dict[str, Any], row: dict[str, Any]) -> str | None:
    """Why ``entry`` (a carried signature, or what an import kept) does not vouch for
    the signed version ``row`` (session_id, version, signed_by, signed_at, snapshot):
    "signature" when the signature does not verify over the snapshot and fields as
    signed (or these were altered), "snapshot" when ``row`` is not them with its ids
    mapped; None when it vouches."""
    try:
        signed = entry["signed"]
        original = signed.get("snapshot", row["snapshot"])
        digest = snapshot_digest(original)
        if digest != signed["snapshot_sha256"]:
            return "signature"
        if entry.get("signature") is not None and (
            entry.get("key_owner") != signed["signed_by"]
            or not verify(
                bytes.fromhex(entry["public_key"]), bytes.fromhex(entry["signature"]),
                signed_message(signed["session_id"], signed["version"], signed["signed_by"],
                               signed["signed_at"], digest),
            )
        ):  # fmt: skip
            return "signature"
        if "ids" not in entry:  # carried from where it was signed: nothing renumbered
            same = original == row["snapshot"] and all(row[k] == signed[k] for k in _SIGNED_FIELDS)
            return None if same else "snapshot"
        ids = {t: {o: n for o, n in pairs} for t, pairs in entry["ids"].items()}
        mapped = renumber_snapshot(original, entry["refs"], lambda t, v: ids[t][v])
        expected = {
            "session_id": ids["sessions"][signed["session_id"]], "version": signed["version"],
            "signed_by": ids["practitioners"][signed["signed_by"]],
            "signed_at": signed["signed_at"],
        }  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError):
        return "signature"  # evidence not as tpchart writes it
    same = mapped == row["snapshot"] and all(row[k] == v for k, v in expected.items())
    return None if same else "snapshot"


def _check_signatures(document: dict[str, Any]) -> dict[tuple[Any, Any], dict[str, Any]]:
    """Every digital signature the file carries, verified with the public key it
    carries over the snapshot and fields as signed, before anything is written; the
    signatures by signed version. One that does not verify refuses the file."""
    records = document["records"]
    versions = {(v["session_id"], v["version"]): v for v in records.get("session_versions", [])}
    started = {s["id"]: s.get("started_at") for s in records.get("sessions", [])}
    found: dict[tuple[Any, Any], dict[str, Any]] = {}
    for entry in document.get("signatures", []):
        key = (entry.get("session_id"), entry.get("version"))
        row = versions.get(key)
        if row is None or key in found or not entry.get("signature"):
            raise TransferRefused(
                "This transfer file is not consistent (a digital signature names no signed "
                "version it carries), so nothing was imported. Ask the sending clinic for a "
                "new export."
            )
        if evidence_problem(entry, row) is not None:
            day = started.get(key[0])
            when = f" of {to_datetime(day):%d %b %Y}" if isinstance(day, str) else ""
            raise TransferRefused(
                f"The digital signature of signed version {key[1]} of the session{when} in "
                "this transfer file does not verify, so the file was changed after it was "
                "signed; nothing was imported. Ask the sending clinic for a new export."
            )
        found[key] = entry
    return found


class ImportEvidence:
    """What imports kept about the signed versions they brought, read per session.
    Only the import that created a session speaks for its versions: its evidence is
    the first ``transfer in`` entry after the session's first audit entry (written in
    the same transaction), so an entry appended to the trail later vouches for nothing."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._entries: dict[int, dict[tuple[Any, Any], tuple[dict[str, Any], str]]] = {}

    def for_version(self, session_id: int, version: int) -> tuple[dict[str, Any], str] | None:
        """The evidence kept for this version and the clinic it came from, or None for a
        version that was not imported."""
        first = self._conn.execute(
            "SELECT id, action FROM audit_log WHERE table_name = 'sessions' AND row_id = ?"
            " ORDER BY id LIMIT 1",
            [session_id],
        ).fetchone()
        if first is None or first[1] != IMPORTED:
            return None
        entry = self._conn.execute(
            "SELECT id, after FROM audit_log WHERE table_name = 'patients' AND action = ?"
            " AND id > ? ORDER BY id LIMIT 1",
            [TRANSFERRED_IN, first[0]],
        ).fetchone()
        if entry is None:
            return None
        if entry[0] not in self._entries:
            self._entries[entry[0]] = _kept(entry[1])
        return self._entries[entry[0]].get((session_id, version))


def _kept(after: str | None) -> dict[tuple[Any, Any], tuple[dict[str, Any], str]]:
    try:
        summary = json.loads(after or "{}")
        source = summary.get("source", {}).get("clinic") or "another tpchart database"
        return {(e["session_id"], e["version"]): (e, source) for e in summary.get("signatures", [])}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}  # not as tpchart writes it: its versions are then found unsigned


# Columns a session's signed state is made of (set last, see the module's docstring).
_SIGNED_STATE = ("status", "signed_by", "signed_at")
# Tables to which migrations added columns (a file from an older schema lacks them).
_ADDED = ("sessions", "trigger_points", "patients")


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]


def _person_key(row: dict[str, Any]) -> tuple[str, str]:
    """A practitioner's name and registration, case and spacing aside."""
    return (" ".join(row["name"].casefold().split()),
            " ".join(row["registration"].casefold().split()))  # fmt: skip


def _account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _practitioner_ids(
    tables: dict[str, dict[str, str]],
    records: dict[str, list[dict[str, Any]]],
) -> set[int]:
    """Practitioners named by the patient's rows and by their signed versions."""
    found: set[int] = set()
    for table, refs in tables.items():
        columns = [c for c, p in refs.items() if p == "practitioners"]
        for row in records.get(table, []):
            found |= {row[c] for c in columns if row.get(c) is not None}
    session_refs = [c for c, p in tables["sessions"].items() if p == "practitioners"]
    for version in records.get("session_versions", []):
        session = json.loads(version["snapshot"]).get("session", {})
        found |= {session[c] for c in session_refs if session.get(c) is not None}
    return found


def _summary(document: dict[str, Any], patient_id: int) -> TransferSummary:
    records = document["records"]
    patient = records["patients"][0]
    source = document["source"]
    return TransferSummary(
        patient_id=patient_id,
        record_number=patient["record_number"],
        full_name=patient["full_name"],
        transfer=document["transfer"],
        digest=document["digest"],
        counts={
            **{t: len(rows) for t, rows in records.items()},
            "version_signatures": len(document.get("signatures", [])),
        },
        source=source.get("clinic") or "another tpchart database",
    )


def _check_signed_versions(document: dict[str, Any]) -> None:
    """A signed version must say what its signing recorded: the session as the sender's
    audit trail saw it signed, and, for a session still signed, the session and points
    the file carries. A file edited and given a new checksum is caught here."""
    records = document["records"]
    signed_images = {}
    for entry in document.get("history", []):
        if entry["table_name"] == "sessions" and entry["action"] == "sign" and entry["after"]:
            image = json.loads(entry["after"])
            signed_images[(entry["row_id"], image.get("version"))] = image
        if entry.get("hash") != link_hash(entry.get("prev_hash", ""), _hashed(entry)):
            raise TransferRefused(
                f"Audit entry {entry['id']} in this transfer file was changed after it was "
                "written; nothing was imported. Ask the sending clinic for a new export."
            )
    sessions = {s["id"]: s for s in records.get("sessions", [])}
    points: dict[Any, list[dict[str, Any]]] = {}
    for point in records.get("trigger_points", []):
        points.setdefault(point["session_id"], []).append(point)
    for version in records.get("session_versions", []):
        snapshot = json.loads(version["snapshot"])
        key = (version["session_id"], version["version"])
        image = signed_images.get(key)
        current = sessions.get(version["session_id"])
        altered = image is not None and snapshot.get("session") != image
        if current and current["status"] == "signed" and current["version"] == version["version"]:
            altered = altered or not _same(snapshot.get("session", {}), [current])
            now_points = sorted(points.get(current["id"], []), key=lambda p: p["number"])
            altered = altered or not _same_points(snapshot.get("points", []), now_points)
        if altered:
            raise TransferRefused(
                f"Signed version {version['version']} of a session in this transfer file "
                "does not match what was signed, so the file was altered; nothing was "
                "imported. Ask the sending clinic for a new export."
            )


def _hashed(entry: dict[str, Any]) -> dict[str, Any]:
    return {c: entry.get(c) for c in HASHED_COLUMNS}


def _same(snapshot_row: dict[str, Any], rows: Iterable[dict[str, Any]]) -> bool:
    """The snapshot's columns (an older one has fewer) hold what the row holds."""
    return all(all(row.get(k) == v for k, v in snapshot_row.items()) for row in rows)


def _same_points(snapshot: list[dict[str, Any]], rows: list[dict[str, Any]]) -> bool:
    ordered = sorted(snapshot, key=lambda p: p.get("number", 0))
    return len(ordered) == len(rows) and all(
        _same(s, [r]) for s, r in zip(ordered, rows, strict=True)
    )
