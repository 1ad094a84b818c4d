"""Correction and erasure: an administrator removes wrongly entered content from the
audit trail with a reason, and the chain stays verifiable (docs/security.md).

The chain links each audit row by a hash over its stored content, so removing content
would break it. A redaction therefore:

- keeps the redacted row's stored ``hash`` and ``prev_hash`` (the links before and
  after it still verify) and replaces its removed content with a marker,
  ``{"redacted": E}`` for a whole image or for one field's value, E being the
  redaction's own entry;
- is itself an audit entry (table ``audit_log``, action ``redact``, row_id the
  redacted row), appended to the chain and digitally signed with the administrator's
  Ed25519 key over the redacted row, its stored hashes, the SHA-256 of the content
  removed, the SHA-256 of the row as kept, the reason, when and who.

``check`` cannot recompute a redacted row's link: it accepts the stored hash only when
a redaction entry naming that row, that hash and exactly the content kept carries a
valid signature of a practitioner who was an administrator when it was written
(`RedactionEvidence`). Without an administrator's passphrase nobody can write one, a
signature binds one row as it is kept (it hides no edit elsewhere), and a removed
redaction entry is a cut chain like any other.

What a redaction covers: the before/after images of patients, sessions and trigger
points in the audit trail, once the record itself no longer holds the value (a
discarded draft, a deleted point, a value the doctor has since corrected). What it
does not: the record itself (a draft is corrected by editing it), signed versions
(their snapshot is what the signer's digital signature covers: a signed session is
corrected by amendment, and an erasure of signed records is not done by removing a
value from them), backups and PDFs made before, and the kept hash (someone who guesses
the exact removed content can confirm the guess against it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tpchart.core.errors import NotFoundError, PermissionRefused, ValidationError
from tpchart.store.records import audit, signatures
from tpchart.store.records.accounts import Accounts, AccountsContext
from tpchart.store.records.audit import HASHED_COLUMNS, REDACT, REDACTED_TABLE, link_hash
from tpchart.store.records.context import Context, RecordDatabase
from tpchart.store.records.rows import now, to_datetime, to_json, to_text
from tpchart.store.records.settings import Settings

log = logging.getLogger("tpchart.store")

# Whose audit images hold clinical content an administrator may remove.
REDACTABLE_TABLES = {"patients": "Patient", "sessions": "Session", "trigger_points": "Point"}
# Entries that changed a row. A signing or an amendment holds what the signed version
# holds (not redactable, see above); imports keep evidence that check verifies.
REDACTABLE_ACTIONS = ("insert", "update", "delete")
# References that say which record an entry is about: not content, and the trail's
# readers (discarded drafts, transfers) need them.
KEPT_FIELDS = frozenset({"id", "session_id", "patient_id"})
MAX_REASON = 2000

# What the signature covers, versioned so the encoding can change without ambiguity.
SIGNATURE_CONTEXT = "tpchart redaction v1"


@dataclass(frozen=True)
class Redaction:
    """One audit row's content removed: by the redaction entry ``entry_id``."""

    entry_id: int
    audit_row: int
    # The fields removed (from every image holding them); empty: the whole images.
    fields: tuple[str, ...]
    reason: str
    practitioner_id: int
    at: datetime
    # Other audit rows of the same record that still hold a value removed here: the
    # same wrong value is usually in several (the insert, each update, the deletion).
    still_held_in: tuple[int, ...] = ()
    # What was removed (in memory only, for `still_held_in`; never stored).
    removed: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Redacted:
    """What one redaction action did. ``scrubbed`` is False when the file could not be
    rewritten afterwards (another tpchart reading it, a full disk): the removed bytes
    may then stay in its free space or -wal until the next redaction."""

    redactions: tuple[Redaction, ...]
    scrubbed: bool


def marker(entry_id: int) -> dict[str, int]:
    """What replaces removed content: the redaction entry that removed it."""
    return {"redacted": entry_id}


def is_marker(value: Any) -> bool:
    """True for a redaction marker."""
    return (
        isinstance(value, dict)
        and value.keys() == {"redacted"}
        and isinstance(value["redacted"], int)
    )


def markers_in(text: str | None) -> set[int]:
    """The redaction entries named by markers in a stored image (whole or per field)."""
    if not text or "redacted" not in text:
        return set()
    try:
        image = json.loads(text)
    except ValueError:
        return set()
    if is_marker(image):
        return {image["redacted"]}
    if isinstance(image, dict):
        return {v["redacted"] for v in image.values() if is_marker(v)}
    return set()


def redacted(row: dict[str, Any]) -> bool:
    """True when an audit row's images carry a redaction marker."""
    return bool(markers_in(row["before"]) or markers_in(row["after"]))


def kept_digest(row: dict[str, Any]) -> str:
    """SHA-256 of an audit row's hashed columns as stored (after a redaction: as kept)."""
    text = json.dumps([row[c] for c in HASHED_COLUMNS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def signed_message(entry_id: int, evidence: dict[str, Any], reason: str) -> bytes:
    """The canonical bytes a redaction's signature covers."""
    fields = [
        SIGNATURE_CONTEXT, entry_id, evidence["audit_row"], evidence["prev_hash"],
        evidence["link_hash"], list(evidence["fields"]), evidence["removed_sha256"],
        evidence["kept_sha256"], reason, evidence["signed_at"], evidence["practitioner_id"],
        evidence["key_id"],
    ]  # fmt: skip
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()


class Redactions:
    """Redacting the audit trail (``store.redactions``): an administrator's action."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def redact(
        self,
        audit_rows: int | Sequence[int],
        reason: str,
        *,
        confirm: str | None,
        fields: Iterable[str] = (),
    ) -> Redacted:
        """Remove the content of audit rows (their whole before/after images, or only
        ``fields`` of them) with a reason, as the signed-in administrator confirming
        with their passphrase or PIN. One transaction: one signed redaction entry per
        row, each row's content replaced by a marker; then the file is rewritten
        (VACUUM with secure_delete, the -wal checkpointed and emptied) so the removed
        bytes are gone from it. Refused in plain words, nothing written: nobody signed
        in or not an administrator (PermissionRefused), a wrong passphrase
        (SignInError), an entry that is not clinical content, a value the record or a
        signed version still holds (ValidationError)."""
        ctx = self._ctx
        rows = [audit_rows] if isinstance(audit_rows, int) else list(dict.fromkeys(audit_rows))
        chosen = tuple(dict.fromkeys(f.strip() for f in fields if f.strip()))
        reason = reason.strip()
        accounts = self._admin()
        if not rows:
            raise ValidationError("Say which audit row to redact")
        if not reason:
            raise ValidationError("Give the reason for the redaction (it is kept in the trail)")
        if len(reason) > MAX_REASON:
            raise ValidationError(f"The reason is too long (at most {MAX_REASON} characters)")
        kept = sorted(KEPT_FIELDS.intersection(chosen))
        if kept:
            raise ValidationError(
                f"{', '.join(kept)} only says which record an entry is about, so it is kept"
            )
        if ctx.db.conn.in_transaction:
            # The file is rewritten after the commit, which needs no transaction open.
            raise ValidationError("A redaction is an action of its own: finish the other first")
        accounts.confirm(confirm or "")
        signed = ctx.signed  # type: ignore[attr-defined]
        if signed is None:  # five wrong answers signed them out
            raise PermissionRefused("Sign in first")
        secure = ctx.db.execute("PRAGMA secure_delete").fetchone()[0]
        ctx.db.execute("PRAGMA secure_delete = ON")
        try:
            with ctx.transaction():
                done = [self._redact_one(n, chosen, reason, signed) for n in rows]
                # Asked once all are done: a row redacted in this same action holds none.
                done = [replace(d, still_held_in=self._still_held(d)) for d in done]
            scrubbed = self.scrub()
        finally:
            ctx.db.execute(f"PRAGMA secure_delete = {int(secure)}")
        return Redacted(tuple(done), scrubbed)

    def of(self, audit_row: int) -> list[Redaction]:
        """The redactions of one audit row, oldest first."""
        entries = self._ctx.rows(
            "SELECT * FROM audit_log WHERE table_name = ? AND row_id = ? AND action = ?"
            " ORDER BY id",
            [REDACTED_TABLE, audit_row, REDACT],
        )
        found = []
        for entry in entries:
            evidence = json.loads(entry["after"])
            found.append(
                Redaction(
                    entry_id=entry["id"],
                    audit_row=audit_row,
                    fields=tuple(evidence["fields"]),
                    reason=entry["reason"],
                    practitioner_id=evidence["practitioner_id"],
                    at=to_datetime(evidence["signed_at"]),
                )
            )
        return found

    def holding(self, table: str, row_id: int) -> list[int]:
        """The audit rows whose images hold content of one record (what a redaction of
        a wrong value in it would look at), oldest first."""
        rows = self._ctx.db.execute(
            "SELECT id FROM audit_log WHERE table_name = ? AND row_id = ?"
            " AND (before IS NOT NULL OR after IS NOT NULL) ORDER BY id",
            [table, row_id],
        )
        return [r[0] for r in rows]

    # -- inside ---------------------------------------------------------------------
    def _admin(self) -> Accounts:
        ctx = self._ctx
        if not isinstance(ctx, AccountsContext) or not ctx.set_up:
            raise PermissionRefused(
                "A redaction is signed by an administrator: set up sign-ins first"
            )
        if ctx.signed is None:
            raise PermissionRefused("Sign in as an administrator to redact the audit trail")
        account = ctx.signed.account
        row = ctx.db.execute(
            "SELECT role, active FROM accounts WHERE practitioner_id = ?",
            [account.practitioner_id],
        ).fetchone()
        if row is None or row[0] != "admin" or not row[1]:
            raise PermissionRefused("Only an administrator can redact the audit trail")
        return Accounts(ctx, Settings(ctx))

    def _redact_one(
        self, audit_row: int, fields: tuple[str, ...], reason: str, signed: Any
    ) -> Redaction:
        ctx, db = self._ctx, self._ctx.db
        found = ctx.rows("SELECT * FROM audit_log WHERE id = ?", [audit_row])
        if not found:
            raise NotFoundError(f"There is no audit row {audit_row}")
        row = found[0]
        table, action = row["table_name"], row["action"]
        if table not in REDACTABLE_TABLES or action not in REDACTABLE_ACTIONS:
            raise ValidationError(
                f"Audit row {audit_row} records {action!r} on {table}: only what was entered "
                "for a patient, a session or a trigger point (added, changed or deleted) can "
                "be redacted; a signed session is corrected by amendment"
            )
        self._require_intact(row)
        entry_id = db.execute("SELECT max(id) FROM audit_log").fetchone()[0] + 1
        images = {
            side: json.loads(row[side]) for side in ("before", "after") if row[side] is not None
        }
        holders = self._holders(table, row["row_id"], images)
        if fields:
            removed, cut = self._cut_fields(audit_row, images, fields, holders, entry_id)
        else:
            removed, cut = self._cut_whole(audit_row, row, images, holders, entry_id)
        kept = {**{c: row[c] for c in HASHED_COLUMNS}, **cut}
        pid = signed.account.practitioner_id
        evidence: dict[str, Any] = {
            "audit_row": audit_row,
            "prev_hash": row["prev_hash"],
            "link_hash": row["hash"],
            "fields": list(fields),
            "removed_sha256": _digest(removed),
            "kept_sha256": kept_digest(kept),
            "signed_at": to_text(now()),
            "practitioner_id": pid,
            "key_id": signed.key_id,
        }
        message = signed_message(entry_id, evidence, reason)
        evidence["signature"] = signatures.sign(signed.private_key, message).hex()
        recorded = audit.record(db, pid, REDACT, REDACTED_TABLE, audit_row, after=evidence,
                                reason=reason)  # fmt: skip
        assert recorded == entry_id  # this transaction holds the write lock
        with _guard_lifted(db):
            db.execute(
                "UPDATE audit_log SET before = ?, after = ? WHERE id = ?",
                [cut.get("before", row["before"]), cut.get("after", row["after"]), audit_row],
            )
        return Redaction(
            entry_id=entry_id,
            audit_row=audit_row,
            fields=fields,
            reason=reason,
            practitioner_id=pid,
            at=to_datetime(evidence["signed_at"]),
            removed=removed,
        )

    def _require_intact(self, row: dict[str, Any]) -> None:
        """The row must be as written (its link recomputes) or as its last redaction
        kept it: an administrator signs only what the chain vouches for."""
        if link_hash(row["prev_hash"], row) == row["hash"]:
            return
        last = self._ctx.db.execute(
            "SELECT after FROM audit_log WHERE table_name = ? AND row_id = ? AND action = ?"
            " ORDER BY id DESC LIMIT 1",
            [REDACTED_TABLE, row["id"], REDACT],
        ).fetchone()
        if last is not None and json.loads(last[0]).get("kept_sha256") == kept_digest(row):
            return
        raise ValidationError(
            f"Audit row {row['id']} does not match its hash: it was changed outside tpchart. "
            "Run tpchart check; nothing was redacted."
        )

    def _holders(
        self, table: str, row_id: int | None, images: dict[str, Any]
    ) -> list[tuple[str, dict[str, Any]]]:
        """Where the record's values live on: the row itself, and each signed version
        holding it, as (what, row) pairs."""
        what = REDACTABLE_TABLES[table]
        holders = []
        live = self._ctx.rows(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
        if live:
            holders.append((f"{what} {row_id}", live[0]))
        session_id = row_id if table == "sessions" else None
        if table == "trigger_points":
            for image in images.values():
                if isinstance(image, dict) and isinstance(image.get("session_id"), int):
                    session_id = image["session_id"]
        if session_id is None:
            return holders
        versions = self._ctx.db.execute(
            "SELECT version, snapshot FROM session_versions WHERE session_id = ? ORDER BY version",
            [session_id],
        )
        for version, snapshot in versions:
            data = json.loads(snapshot)
            signed_rows = (
                [data.get("session", {})]
                if table == "sessions"
                else [p for p in data.get("points", []) if p.get("id") == row_id]
            )
            for signed_row in signed_rows:
                holders.append((f"session {session_id} version {version} (signed)", signed_row))
        return holders

    def _cut_fields(
        self,
        audit_row: int,
        images: dict[str, Any],
        fields: tuple[str, ...],
        holders: list[tuple[str, dict[str, Any]]],
        entry_id: int,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Each field's value removed from every image holding it, except where the
        record or a signed version holds that same value (it is not the wrong one, or
        it cannot be removed here): at least one value per field must go."""
        removed: dict[str, dict[str, Any]] = {}
        cut = {side: dict(image) for side, image in images.items() if isinstance(image, dict)}
        for name in fields:
            present = {side: image[name] for side, image in cut.items() if name in image}
            if not present:
                raise ValidationError(f"Audit row {audit_row} holds no {name}")
            if all(is_marker(v) for v in present.values()):
                raise ValidationError(f"The {name} of audit row {audit_row} is already redacted")
            held_by = set()
            for side, value in present.items():
                if is_marker(value):
                    continue
                owners = [what for what, held in holders if name in held and held[name] == value]
                if owners:
                    held_by.update(owners)
                    continue
                removed.setdefault(side, {})[name] = value
                cut[side][name] = marker(entry_id)
            if not any(name in r for r in removed.values()):
                raise ValidationError(
                    f"{' and '.join(sorted(held_by))} still holds this {name}: correct it in "
                    "the record first (a draft is edited as usual, a signed session amended); "
                    "a signed version is kept as signed. Nothing was redacted."
                )
        return removed, {side: to_json(image) for side, image in cut.items()}

    def _cut_whole(
        self,
        audit_row: int,
        row: dict[str, Any],
        images: dict[str, Any],
        holders: list[tuple[str, dict[str, Any]]],
        entry_id: int,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Both images replaced by a marker: only once the record is gone (a discarded
        draft, a deleted point) and no signed version holds it."""
        if not images or all(is_marker(i) for i in images.values()):
            raise ValidationError(f"Audit row {audit_row} holds no content to redact")
        if holders:
            raise ValidationError(
                f"{holders[0][0]} still holds content of audit row {audit_row}, so it cannot "
                "be removed whole: correct the wrongly entered fields in the record and "
                "redact only those fields. Nothing was redacted."
            )
        removed = {side: row[side] for side in images}
        return removed, {side: to_json(marker(entry_id)) for side in images}

    def _still_held(self, done: Redaction) -> tuple[int, ...]:
        """Other audit rows of the same record still holding a value removed here."""
        row = self._ctx.rows("SELECT * FROM audit_log WHERE id = ?", [done.audit_row])[0]
        values: list[tuple[str | None, Any]] = []
        for part in done.removed.values():
            if isinstance(part, dict):
                values += list(part.items())
            else:
                image = json.loads(part)
                if isinstance(image, dict):
                    values += [(k, v) for k, v in image.items() if k not in KEPT_FIELDS]
        others = self._ctx.rows(
            "SELECT id, before, after FROM audit_log WHERE table_name = ? AND row_id = ?"
            " AND id <> ? ORDER BY id",
            [row["table_name"], row["row_id"], row["id"]],
        )
        wanted = [(name, value) for name, value in values if value not in ("", None, [])]
        held = []
        for other in others:
            images = [json.loads(t) for t in (other["before"], other["after"]) if t]
            dicts = [image for image in images if isinstance(image, dict)]
            if any(name in i and i[name] == value for i in dicts for name, value in wanted):
                held.append(other["id"])
        return tuple(held)

    def scrub(self) -> bool:
        """Rewrite the file (also on its own: after a redaction whose rewrite was cut
        short by a crash or another tpchart reading the file). True when done.

        Rewrite the file so the removed bytes are in none of its pages: rows deleted
        long ago (the discarded draft itself) left their bytes in free space, which
        secure_delete does not reach after the fact. VACUUM rebuilds every page; the
        checkpoint copies them into the file and empties the -wal. Best effort: the
        redaction is committed whatever happens here."""
        db = self._ctx.db
        try:
            db.execute("VACUUM")
            busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error:
            log.exception("The file could not be rewritten after a redaction")
            return False
        return busy == 0


# The trigger keeping the audit trail append-only against updates (schema m001/m002).
UPDATE_GUARD = "audit_log_no_update"


@contextmanager
def _guard_lifted(db: RecordDatabase) -> Iterator[None]:
    """Lift the append-only guard for the one redacting UPDATE and put it back exactly
    as it was, inside the caller's transaction (as migration m002 did for its
    back-fill): no other connection ever sees it missing, and a crash rolls both back.
    Chosen over a migration that would let such updates through for good: the guard
    stays absolute for every other writer, and the schema check sees it unchanged."""
    assert db.conn.in_transaction  # never lifted outside the redaction's transaction
    found = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [UPDATE_GUARD]
    ).fetchone()
    if found is None:
        raise ValidationError(
            "The audit trail's protective trigger is missing: it was dropped outside "
            "tpchart. Run tpchart check; nothing was redacted."
        )
    db.execute(f"DROP TRIGGER {UPDATE_GUARD}")
    yield
    db.execute(found[0])


# -- what check verifies -------------------------------------------------------------
class RedactionEvidence:
    """Every redaction entry of a trail, verified once (``tamper``): its signature, made
    by a key of the practitioner it names, added to the trail before it, whose account
    was an active administrator when it was written. ``problem(row)`` then says
    whether a row whose link does not recompute is vouched for by one.

    ``anchored_rows`` is the longest chain recorded outside the file: a redaction
    signed with a key added after it could be part of a tail appended by someone with
    the file (a made-up administrator with a key of their own), so it is not trusted."""

    def __init__(
        self, conn: sqlite3.Connection, anchored_rows: int = 0, anchor_source: str = ""
    ) -> None:
        self.findings: list[str] = []
        self.count = 0
        # The newest valid redaction of each redacted row: (its entry, evidence).
        self._valid: dict[int, tuple[int, dict[str, Any]]] = {}
        self._named: set[int] = set()
        entries = conn.execute(
            "SELECT id, practitioner_id, row_id, after, reason FROM audit_log"
            " WHERE table_name = ? AND action = ? ORDER BY id",
            [REDACTED_TABLE, REDACT],
        ).fetchall()
        if not entries:
            return
        keys = {
            r[0]: (r[1], bytes.fromhex(r[2]))
            for r in conn.execute("SELECT id, practitioner_id, public_key FROM practitioner_keys")
        }
        added: dict[int, int] = {}
        for entry, key_id in conn.execute(
            "SELECT id, row_id FROM audit_log WHERE table_name = 'practitioner_keys'"
            " AND action = 'insert' ORDER BY id"
        ):
            added.setdefault(key_id, entry)
        roles: list[tuple[int, Any, Any, Any]] = conn.execute(
            "SELECT id, json_extract(after, '$.practitioner_id'), json_extract(after, '$.role'),"
            " json_extract(after, '$.active') FROM audit_log WHERE table_name = 'accounts'"
            " AND after IS NOT NULL AND json_valid(after) ORDER BY id"
        ).fetchall()
        for entry, who, audit_row, after, reason in entries:
            self._named.add(audit_row)
            problem = self._entry_problem(
                entry, who, audit_row, after, reason, keys, added, roles,
                (anchored_rows, anchor_source),
            )  # fmt: skip
            if problem:
                self.findings.append(f"the redaction in audit_log row {entry} {problem}")
            else:
                self.count += 1
                self._valid[audit_row] = (entry, json.loads(after))

    def _entry_problem(
        self,
        entry: int,
        who: int | None,
        audit_row: int,
        after: str | None,
        reason: str,
        keys: dict[int, tuple[int, bytes]],
        added: dict[int, int],
        roles: list[tuple[int, Any, Any, Any]],
        anchor: tuple[int, str],
    ) -> str | None:
        try:
            evidence = json.loads(after or "")
            message = signed_message(entry, evidence, reason)
            signer, key_id = evidence["practitioner_id"], evidence["key_id"]
            signature = bytes.fromhex(evidence["signature"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return "cannot be read: it was altered"
        if evidence["audit_row"] != audit_row or signer != who:
            return "was altered: it names another row or practitioner than its entry"
        owner, public = keys.get(key_id, (None, b""))
        if owner != signer:
            return f"is signed with a key that is not its signer's (practitioner {signer})"
        if added.get(key_id, entry) >= entry:
            return "is signed with a key added after it"
        anchored_rows, source = anchor
        if anchored_rows and added[key_id] > anchored_rows:
            return (
                f"is signed with a key added after row {anchored_rows}, which {source} "
                "records: it may have been appended outside tpchart, so it is not trusted"
            )
        role = active = None
        for row_id, practitioner, row_role, row_active in roles:
            if row_id > entry:
                break
            if practitioner == signer:
                role, active = row_role, row_active
        if role != "admin" or not active:
            return f"is signed by practitioner {signer}, who was not an administrator then"
        if not signatures.verify(public, signature, message):
            return "does not verify: its digital signature does not match what it says"
        return None

    def problem(self, row: dict[str, Any]) -> str | None:
        """None when a valid redaction vouches for this row's stored hash and for its
        content exactly as kept; otherwise the finding's words."""
        valid = self._valid.get(row["id"])
        what = f"audit_log row {row['id']}"
        if not redacted(row):
            if valid is not None:
                return f"{what} was altered after it was written (after its redaction)"
            return None  # an ordinary alteration: the caller words it
        if valid is None:
            if row["id"] in self._named:
                return f"{what} was redacted, but its redaction is not valid (named above)"
            return f"{what} had content removed without an administrator's signed redaction"
        _entry, evidence = valid
        if (evidence["link_hash"], evidence["prev_hash"]) != (row["hash"], row["prev_hash"]):
            return f"{what} does not have the hash its redaction recorded"
        if evidence["kept_sha256"] != kept_digest(row):
            return f"{what} differs from what its redaction kept: it was altered since"
        return None

    def restored(self, row: dict[str, Any]) -> str | None:
        """A row that verifies as written although a valid redaction removed content
        from it: the removed content was put back."""
        if row["id"] in self._valid and not redacted(row):
            return (
                f"audit_log row {row['id']} holds again content that redaction "
                f"{self._valid[row['id']][0]} removed: it was put back outside tpchart"
            )
        return None

    def notes(self) -> list[str]:
        """The note a check prints: how many rows were redacted, validly."""
        if not self.count:
            return []
        rows = ", ".join(str(r) for r in sorted(self._valid))
        return [
            f"{self.count} redaction(s) by an administrator, signed and verified "
            f"(audit_log rows {rows} had content removed)"
        ]
