"""Adverse events reported at a later session (adverse_events_later), recorded against
the session they followed without amending it: a bruise noticed at home, a delayed
pneumothorax. Rows are permanent, like the audit trail, and audited."""

from __future__ import annotations

from typing import Any

from tpchart.core.adverse_events import AdverseEvent, ReportedLater
from tpchart.core.errors import ValidationError
from tpchart.store.records import audit
from tpchart.store.records.context import Context
from tpchart.store.records.rows import now, to_datetime, to_text


def _from_row(row: dict[str, Any]) -> ReportedLater:
    resolved = row["resolved"]
    return ReportedLater(
        id=row["id"],
        session_id=row["session_id"],
        event=AdverseEvent(
            kind=row["kind"],
            description=row["description"],
            severity=row["severity"],
            onset=row["onset"],
            action=row["action"],
            resolved=None if resolved is None else bool(resolved),
            note=row["note"],
        ),
        recorded_at=to_datetime(row["recorded_at"]),
        recorded_by=row["recorded_by"],
    )


class LaterEvents:
    """Adverse events reported after the session they followed."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def report(self, session_id: int, event: AdverseEvent) -> ReportedLater:
        """Record ``event`` against session ``session_id`` (signed or not), as reported
        now by the current practitioner."""
        db, who = self._ctx.db, self._ctx.who()
        event.check_for_saving()
        stored = event.as_stored()
        row = {
            "session_id": session_id,
            **{k: stored[k] for k in ("kind", "description", "severity", "onset", "action")},
            "resolved": None if event.resolved is None else int(event.resolved),
            "note": event.note,
            "recorded_at": to_text(now()),
            "recorded_by": who,
        }
        with self._ctx.transaction():
            if self._ctx.row("sessions", session_id, "Session")["status"] != "signed":
                # A draft takes its events directly; tying one to a draft would also
                # stop that draft from ever being discarded.
                raise ValidationError(
                    "An event reported later is recorded against a signed session; "
                    "add it to that session's own adverse events while it is a draft"
                )
            new_id = self._ctx.insert("adverse_events_later", row)
            after = self._ctx.row("adverse_events_later", new_id, "Reported event")
            audit.record(db, who, "insert", "adverse_events_later", new_id, after=after)
        return _from_row(after)

    def for_session(self, session_id: int) -> list[ReportedLater]:
        """The events reported later for one session, oldest first."""
        rows = self._ctx.rows(
            "SELECT * FROM adverse_events_later WHERE session_id = ? ORDER BY id", [session_id]
        )
        return [_from_row(r) for r in rows]

    def for_patient(self, patient_id: int) -> dict[int, list[ReportedLater]]:
        """Every event reported later for a patient's sessions, keyed by session id."""
        rows = self._ctx.rows(
            "SELECT e.* FROM adverse_events_later e JOIN sessions s ON s.id = e.session_id"
            " WHERE s.patient_id = ? ORDER BY e.session_id, e.id",
            [patient_id],
        )
        found: dict[int, list[ReportedLater]] = {}
        for row in rows:
            found.setdefault(row["session_id"], []).append(_from_row(row))
        return found
