"""Sessions (sessions): charting as drafts, signing, amending with a reason; a draft
discarded and brought back from the audit trail."""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any

from tpchart.core.adverse_events import AdverseEvent
from tpchart.core.audit import Amendment, SignedVersion
from tpchart.core.discarded import DiscardedDraft
from tpchart.core.errors import NotFoundError, SignedRecordError, ValidationError
from tpchart.core.precaution_sites import parse_sites
from tpchart.core.screening import (
    RedFlagDecision,
    parse_complaint_areas,
    parse_precautions,
    parse_red_flags,
)
from tpchart.core.session import LikelyCause, Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint
from tpchart.core.validation import check_aware, check_text_for_saving
from tpchart.store.records import audit
from tpchart.store.records.accounts import confirmed_signer, seal_version
from tpchart.store.records.added_columns import added_values
from tpchart.store.records.context import Context, RecordDatabase
from tpchart.store.records.points import ensure_held_here, point_from_row
from tpchart.store.records.rows import (
    from_json,
    now,
    stored_record,
    to_datetime,
    to_json,
    to_text,
)

log = logging.getLogger("tpchart.store")

# The audit reasons of a discard and of its way back. A discarded draft is read back
# from the trail by them (no column of the schema says "discarded"), so they are
# written exactly so and never reworded: older files hold them.
DRAFT_DISCARDED = "Draft session discarded"
POINT_DISCARDED = "Discarded with its draft session"
RESTORED = "Discarded draft brought back from audit entry {}"


def _to_row(s: Session) -> dict[str, Any]:
    return {
        "patient_id": s.patient_id,
        "practitioner_id": s.practitioner_id,
        "started_at": to_text(s.started_at),
        "chief_complaint": s.chief_complaint,
        "likely_cause": s.likely_cause.value if s.likely_cause else None,
        "pain_before": s.pain_before,
        "pain_after": s.pain_after,
        "consent_given": int(s.consent_given),
        "consent_by": s.consent_by,
        "consent_at": to_text(s.consent_at),
        "screening_done": int(s.screening_done),
        "contraindications": to_json(s.contraindications),
        "red_flags": to_json(s.red_flags),
        "complaint_areas": to_json(s.complaint_areas),
        "red_flag_decision": s.red_flag_decision.value if s.red_flag_decision else None,
        "red_flag_reason": s.red_flag_reason,
        "precaution_sites": to_json([site.as_stored() for site in s.precaution_sites]),
        "skin_prepared": int(s.skin_prepared),
        "adverse_events": to_json([e.as_stored() for e in s.adverse_events]),
        "adverse_events_asked": int(s.adverse_events_asked),
        "both_sides_acknowledged": int(s.both_sides_acknowledged),
        "aftercare_given": int(s.aftercare_given),
        "aftercare_text": s.aftercare_text,
        "follow_up": s.follow_up,
        "notes": s.notes,
        "notes_internal": int(s.notes_internal),
        "consent_text_version": s.consent_text_version,
        "ndi": s.ndi,
        "odi": s.odi,
        "psfs": s.psfs,
        "status": s.status.value,
        "version": s.version,
        "signed_by": s.signed_by,
        "signed_at": to_text(s.signed_at),
    }


def session_from_row(row: dict[str, Any]) -> Session:
    """A stored session row (or a signed snapshot of one) as a Session, validated as it
    is built: for signed snapshots, audit images and any row not read straight from the
    sessions table."""
    return Session(**_values(row))


# Session's fields with their defaults: a field no column gives keeps its default, as
# in Session(**values).
_DEFAULTS = {f.name: f.default for f in fields(Session) if f.default is not MISSING}
# Stored text to enum member by a dict (as points.py does): a value not in the dict is
# given to the class, which refuses it as before.
_CAUSES = {m.value: m for m in LikelyCause}
_STATUSES = {m.value: m for m in SessionStatus}
_DECISIONS = {m.value: m for m in RedFlagDecision}


def stored_session(row: dict[str, Any]) -> Session:
    """A row read from the sessions table as a Session, built without validating it
    again (issue 19: opening a patient builds all their sessions for the list). It was
    validated when written, and the table's CHECKs hold the enums and score ranges; a
    row an older version wrote that today's rules refuse (text longer than allowed now,
    consent without a name) still loads, as it must, and is judged when changed (every
    change builds a new session, which validates). What ``Session.__post_init__`` would
    change is done here: the red-flag decision and status become enums; the times must
    still carry their zone, since sessions are ordered by them
    (tests/store/test_stored_sessions.py compares with `session_from_row`)."""
    values = _values(row)
    decision = values["red_flag_decision"]
    if decision is not None:
        values["red_flag_decision"] = _DECISIONS.get(decision) or RedFlagDecision(decision)
    for label, name in _TIMES:
        check_aware(label, values[name])
    for name in ("contraindications", "red_flags", "complaint_areas"):
        if values[name]:
            # Built again from itself as __post_init__ does: a set's order of iteration
            # follows how it was filled, and a list or a print may follow that order.
            values[name] = frozenset(iter(values[name]))
    return stored_record(Session, _DEFAULTS, values)


_TIMES = (("Session start", "started_at"), ("Consent time", "consent_at"),
          ("Signing time", "signed_at"))  # fmt: skip


def _values(row: dict[str, Any]) -> dict[str, Any]:
    """A stored session's values as Session takes them (enums, booleans, sets)."""
    cause, status = row["likely_cause"], row["status"]
    return {
        "id": row["id"],
        "patient_id": row["patient_id"],
        "practitioner_id": row["practitioner_id"],
        "started_at": to_datetime(row["started_at"]),
        "chief_complaint": row["chief_complaint"],
        "likely_cause": (_CAUSES.get(cause) or LikelyCause(cause)) if cause else None,
        "pain_before": row["pain_before"],
        "pain_after": row["pain_after"],
        "consent_given": bool(row["consent_given"]),
        "consent_by": row["consent_by"],
        "consent_at": to_datetime(row["consent_at"]),
        "screening_done": bool(row["screening_done"]),
        "contraindications": parse_precautions(from_json(row["contraindications"])),
        "red_flags": parse_red_flags(from_json(row["red_flags"])),
        # Columns of schema 4: a signed snapshot taken before it has none of them.
        "complaint_areas": parse_complaint_areas(from_json(row.get("complaint_areas"))),
        "red_flag_decision": row.get("red_flag_decision"),
        "red_flag_reason": row.get("red_flag_reason", ""),
        "precaution_sites": parse_sites(from_json(row.get("precaution_sites"))),
        "skin_prepared": bool(row["skin_prepared"]),
        "adverse_events": tuple(
            AdverseEvent.from_stored(e) for e in from_json(row["adverse_events"])
        ),
        "adverse_events_asked": bool(row.get("adverse_events_asked", 0)),
        "both_sides_acknowledged": bool(row.get("both_sides_acknowledged", 0)),
        "aftercare_given": bool(row["aftercare_given"]),
        "aftercare_text": row["aftercare_text"],
        "follow_up": row["follow_up"],
        "notes": row["notes"],
        # Columns of schema 5, likewise.
        "notes_internal": bool(row.get("notes_internal", 0)),
        "consent_text_version": row.get("consent_text_version", ""),
        "ndi": row["ndi"],
        "odi": row["odi"],
        "psfs": row["psfs"],
        "status": _STATUSES.get(status) or SessionStatus(status),
        "version": row["version"],
        "signed_by": row["signed_by"],
        "signed_at": to_datetime(row["signed_at"]),
    }


@dataclass
class _DiscardIndex:
    """Which audit entries discard a draft (by patient) and which discards were brought
    back (by the entry that did it).

    No column says "discarded" (the schema is not changed for it) and no index of the
    audit trail finds deletions, so reading them means reading the trail. That is done
    once, and afterwards only the entries written since (a range of the primary key):
    a patient's discarded drafts are then found at once however long the trail."""

    read_to: int = 0  # the last audit entry read
    by_patient: dict[int, list[int]] = field(default_factory=dict)
    restored: dict[int, int] = field(default_factory=dict)  # discard entry: restore entry

    def read(self, db: RecordDatabase) -> None:
        """Take in the audit entries written after ``read_to``."""
        prefix = RESTORED.format("")
        # Up to the newest entry now: one written while reading is taken in next time.
        newest = db.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
        # "+table_name" keeps SQLite on the primary key: the (table_name, row_id) index
        # would visit every entry of every session ever saved.
        rows = db.execute(
            "SELECT id, action, reason, json_extract(before, '$.patient_id') FROM audit_log"
            " WHERE id > ? AND id <= ? AND +table_name = 'sessions'"
            " AND action IN ('delete', 'insert') ORDER BY id",
            [self.read_to, newest],
        ).fetchall()
        # A session is deleted only when a draft is discarded (a database trigger refuses
        # any other deletion), so every deletion of a session is a discard.
        for entry_id, action, reason, patient_id in rows:
            if action == "delete" and patient_id is not None:
                # int(): the clinic server reads a JSON value out as text.
                self.by_patient.setdefault(int(patient_id), []).append(entry_id)
            elif action == "insert" and reason.startswith(prefix):
                discard = reason.removeprefix(prefix)
                if discard.isdigit():
                    self.restored.setdefault(int(discard), entry_id)
        self.read_to = max(self.read_to, newest)


class Sessions:
    """The sessions table with its signed versions and amendments."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._index = _DiscardIndex()

    def start(self, session: Session) -> Session:
        """Record a new draft session for a patient."""
        if session.status is not SessionStatus.DRAFT or session.version != 1:
            raise ValidationError("A new session starts as an unsigned draft")
        db, who = self._ctx.db, self._ctx.who()
        session.check_for_saving()
        row = _to_row(session)
        stamp = to_text(now())
        with self._ctx.transaction():
            self._ctx.row("patients", session.patient_id, "Patient")
            new_id = self._ctx.insert("sessions", {**row, "created_at": stamp, "updated_at": stamp})
            after = self._ctx.row("sessions", new_id, "Session")
            audit.record(db, who, "insert", "sessions", new_id, after=after)
        return stored_session(after)

    def update(self, session: Session) -> Session:
        """Save the changed fields of a draft or amending session."""
        if session.id is None:
            raise ValidationError("This session has not been saved yet")
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            ensure_held_here(self._ctx, session.id)
            before = self._ctx.row("sessions", session.id, "Session")
            stored = stored_session(before)
            stored.ensure_editable()
            session.check_for_saving(stored)
            row = _to_row(session)
            for fixed in ("patient_id", "status", "version", "signed_by", "signed_at"):
                if row[fixed] != before[fixed]:
                    raise ValidationError(f"A session's {fixed.replace('_', ' ')} cannot be edited")
            changed = {k: v for k, v in row.items() if before[k] != v}
            if not changed:
                return stored_session(before)
            self._write(session.id, changed)
            after = self._ctx.row("sessions", session.id, "Session")
            audit.record(db, who, "update", "sessions", session.id, before, after)
        return stored_session(after)

    def get(self, session_id: int) -> Session:
        """One session by id."""
        return stored_session(self._ctx.row("sessions", session_id, "Session"))

    def for_patient(self, patient_id: int) -> list[Session]:
        """A patient's sessions, oldest first."""
        rows = self._ctx.rows(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY started_at, id", [patient_id]
        )
        return [stored_session(r) for r in rows]

    def latest_before(self, session: Session) -> int | None:
        """The id of the patient's last session started before ``session`` (None: it is
        their first): the last of ``for_patient`` that started earlier, read without
        building every session (opening a patient with 100 sessions asks this)."""
        rows = self._ctx.db.execute(
            "SELECT id, started_at FROM sessions WHERE patient_id = ? ORDER BY started_at, id",
            [session.patient_id],
        ).fetchall()
        earlier = [i for i, started in rows if to_datetime(started) < session.started_at]
        return earlier[-1] if earlier else None

    def last_signed_before(self, session: Session) -> Session | None:
        """The patient's last signed session started before ``session`` (None: there is
        none), which later adverse events are reported against: a draft takes its
        events directly. Ids, start times and status are read for every session and only
        the one found is built (opening a patient with 100 sessions asks this). Of two
        signed sessions started at the same moment, the first listed is taken."""
        rows = self._ctx.db.execute(
            "SELECT id, started_at FROM sessions WHERE patient_id = ? AND status = ?"
            " ORDER BY started_at, id",
            [session.patient_id, SessionStatus.SIGNED.value],
        ).fetchall()
        found: tuple[int, datetime] | None = None
        for row_id, text in rows:
            started = to_datetime(text)
            earlier = row_id != session.id and started < session.started_at
            if earlier and (found is None or started > found[1]):
                found = (row_id, started)
        return None if found is None else self.get(found[0])

    def sign(self, session_id: int, *, confirm: str | None = None) -> Session:
        """Sign a session as the current practitioner; the signed version is kept for ever.
        Once the clinic has accounts, ``confirm`` (the signed-in practitioner's
        passphrase or PIN) is required and the version is digitally signed with their
        key (SignInError or PermissionRefused otherwise, nothing written)."""
        db, who = self._ctx.db, self._ctx.who()
        signer = confirmed_signer(self._ctx, confirm)
        with self._ctx.transaction():
            ensure_held_here(self._ctx, session_id)
            before = self._ctx.row("sessions", session_id, "Session")
            points = self._ctx.rows(
                "SELECT * FROM trigger_points WHERE session_id = ? ORDER BY number", [session_id]
            )
            signed = stored_session(before).sign(who, now(), len(points))
            self._write(
                session_id, {k: _to_row(signed)[k] for k in ("status", "signed_by", "signed_at")}
            )
            after = self._ctx.row("sessions", session_id, "Session")
            snapshot = to_json({"session": after, "points": points})
            self._ctx.insert(
                "session_versions",
                {
                    "session_id": session_id,
                    "version": signed.version,
                    "signed_by": who,
                    "signed_at": after["signed_at"],
                    "snapshot": snapshot,
                },
            )
            audit.record(db, who, "sign", "sessions", session_id, before, after)
            if signer is not None:
                seal_version(
                    self._ctx, signer, session_id, signed.version, after["signed_at"], snapshot
                )
        return stored_session(after)

    def amend(self, session_id: int, reason: str, *, confirm: str | None = None) -> Session:
        """Reopen a signed session for correction; the reason and the signed version stay.
        Once the clinic has accounts, ``confirm`` (passphrase or PIN) is required."""
        if not reason.strip():
            raise ValidationError("An amendment needs a reason")
        check_text_for_saving("Amendment reason", reason, required=True)
        db, who = self._ctx.db, self._ctx.who()
        confirmed_signer(self._ctx, confirm)
        with self._ctx.transaction():
            ensure_held_here(self._ctx, session_id)
            before = self._ctx.row("sessions", session_id, "Session")
            current = stored_session(before)
            reopened = current.amend()
            row = _to_row(reopened)
            self._write(
                session_id, {k: row[k] for k in ("status", "version", "signed_by", "signed_at")}
            )
            after = self._ctx.row("sessions", session_id, "Session")
            self._ctx.insert(
                "amendments",
                {
                    "session_id": session_id,
                    "from_version": current.version,
                    "reason": reason.strip(),
                    "practitioner_id": who,
                    "at": to_text(now()),
                },
            )
            audit.record(db, who, "amend", "sessions", session_id, before, after, reason.strip())
        return stored_session(after)

    def signed_versions(self, session_id: int) -> list[SignedVersion]:
        """Every signed version of a session, oldest first."""
        rows = self._ctx.rows(
            "SELECT * FROM session_versions WHERE session_id = ? ORDER BY version", [session_id]
        )
        return [
            SignedVersion(
                session_id=r["session_id"],
                version=r["version"],
                signed_by=r["signed_by"],
                signed_at=to_datetime(r["signed_at"]),
                snapshot=from_json(r["snapshot"]),
            )
            for r in rows
        ]

    def as_signed(
        self, sessions: list[Session], points: dict[int, list[TriggerPoint]]
    ) -> tuple[list[Session], dict[int, list[TriggerPoint]]]:
        """``sessions`` and their ``points`` (as read for a patient) with each session
        being amended read as its last signed version, session and points: until it is
        signed again the signed version is the record, and progress must not change
        because a session was reopened to correct a typo."""
        sessions, points = list(sessions), dict(points)
        for index, session in enumerate(sessions):
            if session.status is not SessionStatus.AMENDING or session.id is None:
                continue
            last = self.signed_versions(session.id)[-1].snapshot
            sessions[index] = session_from_row(last["session"])
            points[session.id] = [point_from_row(row) for row in last["points"]]
        return sessions, points

    def amendments(self, session_id: int) -> list[Amendment]:
        """Why and when a session was reopened, oldest first."""
        rows = self._ctx.rows(
            "SELECT * FROM amendments WHERE session_id = ? ORDER BY id", [session_id]
        )
        return [
            Amendment(
                session_id=r["session_id"],
                from_version=r["from_version"],
                reason=r["reason"],
                practitioner_id=r["practitioner_id"],
                at=to_datetime(r["at"]),
            )
            for r in rows
        ]

    def discard_draft(self, session_id: int) -> DiscardedDraft:
        """Discard a session started by mistake: only a never-signed draft, with its
        points, in one transaction. Each deletion is audited with its full before-image,
        so the draft can be brought back (`discarded`, `restore_discarded`)."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            ensure_held_here(self._ctx, session_id)
            before = self._ctx.row("sessions", session_id, "Session")
            if before["status"] != SessionStatus.DRAFT.value or before["version"] > 1:
                raise SignedRecordError(
                    "This session was signed, so it is kept: only a draft that was never "
                    "signed can be discarded. Amend it with a reason instead."
                )
            points = self._ctx.rows(
                "SELECT * FROM trigger_points WHERE session_id = ? ORDER BY number", [session_id]
            )
            # The points' audit rows come right before the session's, in this one
            # transaction: `_discarded_points` reads them back by that order.
            for point in points:
                db.execute("DELETE FROM trigger_points WHERE id = ?", [point["id"]])
                audit.record(
                    db, who, "delete", "trigger_points", point["id"], before=point,
                    reason=POINT_DISCARDED,
                )  # fmt: skip
            db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
            audit.record(db, who, "delete", "sessions", session_id, before=before,
                         reason=DRAFT_DISCARDED)  # fmt: skip
            # Read back as `discarded` will read it: the caller holds what a restore uses.
            entry = self._audit_row(db.execute("SELECT max(id) FROM audit_log").fetchone()[0])
            assert entry is not None  # written just above, in this transaction
            return self._discarded_draft(entry)

    def discarded(self, patient_id: int) -> list[DiscardedDraft]:
        """The patient's discarded drafts that have not been brought back since, newest
        first, read back from the audit trail."""
        index = self._discards()
        ids = [i for i in index.by_patient.get(patient_id, []) if i not in index.restored]
        drafts = []
        for entry_id in sorted(ids, reverse=True):
            entry = self._audit_row(entry_id)
            assert entry is not None  # the audit trail is append-only
            try:
                drafts.append(self._discarded_draft(entry))
            except (ValueError, KeyError, TypeError):
                # An image an older version wrote in another shape: it cannot be shown
                # or restored as a session, but it stays in the audit trail.
                log.warning("Discarded draft in audit entry %s cannot be read", entry_id)
        return drafts

    def restore_discarded(self, discard_id: int) -> Session:
        """Bring a discarded draft back exactly as it was, with its points: under the
        same ids when they are still free (new ids otherwise), audited as insertions,
        in one transaction. ``discard_id`` is `DiscardedDraft.discard_id`."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            entry = self._audit_row(discard_id)
            if entry is None or entry["table_name"] != "sessions" or entry["action"] != "delete":
                raise NotFoundError("There is no discarded draft session to bring back here")
            restored_in = self._discards().restored.get(discard_id)
            if restored_in is not None:
                restored = self._audit_row(restored_in)
                assert restored is not None  # the audit trail is append-only
                when = to_datetime(restored["at"]).astimezone()
                raise ValidationError(
                    f"This draft session was already brought back on {when:%d %b %Y at %H:%M}"
                )
            try:
                self._discarded_draft(entry)
            except (ValueError, KeyError, TypeError):
                raise ValidationError(
                    "This discarded draft was recorded by an older tpchart in a form that "
                    "cannot be brought back; it stays in the audit trail"
                ) from None
            image = from_json(entry["before"])
            self._ctx.row("patients", image["patient_id"], "Patient")
            reason = RESTORED.format(discard_id)
            session_row = self._free_id("sessions", self._stored_columns("sessions", image))
            new_id = self._ctx.insert("sessions", session_row)
            after = self._ctx.row("sessions", new_id, "Session")
            audit.record(db, who, "insert", "sessions", new_id, after=after, reason=reason)
            taken: set[int] = set()
            for image in self._discarded_points(entry):
                row = {**self._stored_columns("trigger_points", image), "session_id": new_id}
                # A fresh session id holds no points, so numbers are kept; renumber only
                # if a number is somehow taken, after every number already used.
                if row["number"] in taken:
                    row["number"] = max(taken) + 1
                taken.add(row["number"])
                point_id = self._ctx.insert("trigger_points", self._free_id("trigger_points", row))
                point = self._ctx.row("trigger_points", point_id, "Trigger point")
                audit.record(
                    db, who, "insert", "trigger_points", point_id, after=point, reason=reason
                )
        return stored_session(after)

    def unsigned(self) -> list[Session]:
        """Every draft or amending session of every patient not archived, oldest first:
        what is still to be signed (the reminder when quitting)."""
        rows = self._ctx.rows(
            "SELECT s.* FROM sessions s JOIN patients p ON p.id = s.patient_id"
            " WHERE s.status IN ('draft', 'amending') AND p.archived = FALSE"
            " ORDER BY s.started_at, s.id"
        )
        return [stored_session(r) for r in rows]

    # -- reading discards back from the audit trail ------------------------------------
    def _audit_row(self, entry_id: int) -> dict[str, Any] | None:
        rows = self._ctx.rows("SELECT * FROM audit_log WHERE id = ?", [entry_id])
        return rows[0] if rows else None

    def _discarded_draft(self, entry: dict[str, Any]) -> DiscardedDraft:
        """The DiscardedDraft a session's deletion entry recorded."""
        return DiscardedDraft(
            discard_id=entry["id"],
            session=session_from_row(from_json(entry["before"])),
            points=tuple(point_from_row(p) for p in self._discarded_points(entry)),
            discarded_at=to_datetime(entry["at"]),
            discarded_by=entry["practitioner_id"],
        )

    def _discarded_points(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """The before-images of the points discarded with the session of ``entry``, in
        number order: the point deletions audited right before it, in the same
        transaction (none can come in between: the transaction holds the write lock).
        The reason tells them from a point the doctor deleted just before discarding."""
        session_id = entry["row_id"]
        reason = POINT_DISCARDED if entry["reason"] == DRAFT_DISCARDED else entry["reason"]
        images = []
        cursor = self._ctx.db.execute(
            "SELECT table_name, action, before, reason FROM audit_log WHERE id < ?"
            " ORDER BY id DESC",
            [entry["id"]],
        )
        for table, action, before, why in cursor:
            image = from_json(before) if before else None
            if (
                table != "trigger_points"
                or action != "delete"
                or why != reason
                or image is None
                or image.get("session_id") != session_id
            ):
                break
            images.append(image)
        cursor.close()
        return sorted(images, key=lambda p: (p["number"], p["id"]))

    def _discards(self) -> _DiscardIndex:
        """The discards and restores in the audit trail, brought up to date by reading
        only the entries written since the last call."""
        db = self._ctx.db
        newest = db.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
        if newest < self._index.read_to:
            self._index = _DiscardIndex()  # entries read inside a transaction rolled back
        if db.conn.in_transaction:
            # What is read now may still roll back: read it into a copy only.
            index = deepcopy(self._index)
            index.read(db)
            return index
        self._index.read(db)
        return self._index

    def _stored_columns(self, table: str, image: dict[str, Any]) -> dict[str, Any]:
        """A before-image limited to the columns ``table`` has today; a column a later
        migration added takes the value that migration gave such a row."""
        columns = {r[1] for r in self._ctx.db.execute(f"PRAGMA table_info([{table}])")}
        added = {k: v for k, v in added_values(table, image).items() if k not in image}
        return {k: v for k, v in {**image, **added}.items() if k in columns}

    def _free_id(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with its id kept when no row has it now, or without one (a new id)."""
        taken = self._ctx.db.execute(
            f"SELECT 1 FROM [{table}] WHERE id = ?", [row.get("id")]
        ).fetchone()
        return {k: v for k, v in row.items() if k != "id"} if taken else row

    def _write(self, session_id: int, changed: dict[str, Any]) -> None:
        changed = {**changed, "updated_at": to_text(now())}
        self._ctx.update("sessions", session_id, changed)
