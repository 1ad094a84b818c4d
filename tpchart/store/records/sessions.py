"""Sessions (sessions): charting as drafts, signing, amending with a reason."""

from __future__ import annotations

from typing import Any

from tpchart.core.audit import Amendment, SignedVersion
from tpchart.core.errors import SignedRecordError, ValidationError
from tpchart.core.screening import parse_precautions, parse_red_flags
from tpchart.core.session import AdverseEvent, LikelyCause, Session, SessionStatus
from tpchart.core.validation import check_text_for_saving
from tpchart.store.records import audit
from tpchart.store.records.context import Context
from tpchart.store.records.rows import from_json, now, to_datetime, to_json, to_text


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
        "skin_prepared": int(s.skin_prepared),
        "adverse_events": to_json([vars(e) for e in s.adverse_events]),
        "aftercare_given": int(s.aftercare_given),
        "aftercare_text": s.aftercare_text,
        "follow_up": s.follow_up,
        "notes": s.notes,
        "ndi": s.ndi,
        "odi": s.odi,
        "psfs": s.psfs,
        "status": s.status.value,
        "version": s.version,
        "signed_by": s.signed_by,
        "signed_at": to_text(s.signed_at),
    }


def session_from_row(row: dict[str, Any]) -> Session:
    """A stored session row (or a signed snapshot of one) as a Session."""
    return Session(
        id=row["id"],
        patient_id=row["patient_id"],
        practitioner_id=row["practitioner_id"],
        started_at=to_datetime(row["started_at"]),
        chief_complaint=row["chief_complaint"],
        likely_cause=LikelyCause(row["likely_cause"]) if row["likely_cause"] else None,
        pain_before=row["pain_before"],
        pain_after=row["pain_after"],
        consent_given=bool(row["consent_given"]),
        consent_by=row["consent_by"],
        consent_at=to_datetime(row["consent_at"]),
        screening_done=bool(row["screening_done"]),
        contraindications=parse_precautions(from_json(row["contraindications"])),
        red_flags=parse_red_flags(from_json(row["red_flags"])),
        skin_prepared=bool(row["skin_prepared"]),
        adverse_events=tuple(AdverseEvent(**e) for e in from_json(row["adverse_events"])),
        aftercare_given=bool(row["aftercare_given"]),
        aftercare_text=row["aftercare_text"],
        follow_up=row["follow_up"],
        notes=row["notes"],
        ndi=row["ndi"],
        odi=row["odi"],
        psfs=row["psfs"],
        status=SessionStatus(row["status"]),
        version=row["version"],
        signed_by=row["signed_by"],
        signed_at=to_datetime(row["signed_at"]),
    )


class Sessions:
    """The sessions table with its signed versions and amendments."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

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
        return session_from_row(after)

    def update(self, session: Session) -> Session:
        """Save the changed fields of a draft or amending session."""
        if session.id is None:
            raise ValidationError("This session has not been saved yet")
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            before = self._ctx.row("sessions", session.id, "Session")
            stored = session_from_row(before)
            stored.ensure_editable()
            session.check_for_saving(stored)
            row = _to_row(session)
            for fixed in ("patient_id", "status", "version", "signed_by", "signed_at"):
                if row[fixed] != before[fixed]:
                    raise ValidationError(f"A session's {fixed.replace('_', ' ')} cannot be edited")
            changed = {k: v for k, v in row.items() if before[k] != v}
            if not changed:
                return session_from_row(before)
            self._write(session.id, changed)
            after = self._ctx.row("sessions", session.id, "Session")
            audit.record(db, who, "update", "sessions", session.id, before, after)
        return session_from_row(after)

    def get(self, session_id: int) -> Session:
        """One session by id."""
        return session_from_row(self._ctx.row("sessions", session_id, "Session"))

    def for_patient(self, patient_id: int) -> list[Session]:
        """A patient's sessions, oldest first."""
        rows = self._ctx.rows(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY started_at, id", [patient_id]
        )
        return [session_from_row(r) for r in rows]

    def sign(self, session_id: int) -> Session:
        """Sign a session as the current practitioner; the signed version is kept for ever."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            before = self._ctx.row("sessions", session_id, "Session")
            points = self._ctx.rows(
                "SELECT * FROM trigger_points WHERE session_id = ? ORDER BY number", [session_id]
            )
            signed = session_from_row(before).sign(who, now(), len(points))
            self._write(
                session_id, {k: _to_row(signed)[k] for k in ("status", "signed_by", "signed_at")}
            )
            after = self._ctx.row("sessions", session_id, "Session")
            self._ctx.insert(
                "session_versions",
                {
                    "session_id": session_id,
                    "version": signed.version,
                    "signed_by": who,
                    "signed_at": after["signed_at"],
                    "snapshot": to_json({"session": after, "points": points}),
                },
            )
            audit.record(db, who, "sign", "sessions", session_id, before, after)
        return session_from_row(after)

    def amend(self, session_id: int, reason: str) -> Session:
        """Reopen a signed session for correction; the reason and the signed version stay."""
        if not reason.strip():
            raise ValidationError("An amendment needs a reason")
        check_text_for_saving("Amendment reason", reason, required=True)
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            before = self._ctx.row("sessions", session_id, "Session")
            current = session_from_row(before)
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
        return session_from_row(after)

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

    def delete_draft(self, session_id: int) -> None:
        """Remove a session started by mistake: only a never-signed draft, with its points."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            before = self._ctx.row("sessions", session_id, "Session")
            if before["status"] != SessionStatus.DRAFT.value or before["version"] > 1:
                raise SignedRecordError("A session that was signed is kept; amend it instead")
            for point in self._ctx.rows(
                "SELECT * FROM trigger_points WHERE session_id = ?", [session_id]
            ):
                db.execute("DELETE FROM trigger_points WHERE id = ?", [point["id"]])
                audit.record(db, who, "delete", "trigger_points", point["id"], before=point)
            db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
            audit.record(db, who, "delete", "sessions", session_id, before=before)

    def _write(self, session_id: int, changed: dict[str, Any]) -> None:
        changed = {**changed, "updated_at": to_text(now())}
        self._ctx.update("sessions", session_id, changed)
