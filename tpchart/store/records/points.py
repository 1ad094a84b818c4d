"""Trigger points of a session: placed, edited, moved, removed and carried forward."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from tpchart.core.charting import next_point_number
from tpchart.core.errors import SignedRecordError, ValidationError
from tpchart.core.lung import LungPrecaution
from tpchart.core.muscles import muscle_id_for
from tpchart.core.regions import Side, View
from tpchart.core.trigger_point import PointKind, Technique, TriggerPoint, TwitchStrength
from tpchart.store.records import audit
from tpchart.store.records.context import Context
from tpchart.store.records.rows import from_json, stored_record, to_json

_COLUMNS = (
    "session_id",
    "number",
    "view",
    "region_id",
    "side",
    "x",
    "y",
    "muscle",
    "kind",
    "taut_band",
    "spot_tenderness",
    "referred_pain",
    "recognised",
    "twitch_elicited",
    "twitch_count",
    "twitch_strength",
    "pain",
    "pressure_threshold",
    "needle_gauge_mm",
    "needle_length_mm",
    "depth_mm",
    "technique",
    "passes",
    "minutes",
    "needles",
    "notes",
)
# Columns of schema 5: a signed snapshot taken before it has none of them.
_SINCE_5 = ("notes_internal", "stim_frequency_hz", "stim_pulse_width_us", "stim_intensity_ma")


def _to_row(p: TriggerPoint) -> dict[str, Any]:
    row = {c: getattr(p, c) for c in _COLUMNS}
    for key in ("view", "side", "kind", "twitch_strength", "technique"):
        row[key] = row[key].value if row[key] is not None else None
    for key in ("taut_band", "spot_tenderness", "referred_pain", "recognised", "twitch_elicited"):
        row[key] = int(row[key])
    row["muscle_id"] = p.muscle_id
    row["lung_precautions"] = to_json(p.lung_precautions)
    row.update({c: getattr(p, c) for c in _SINCE_5})
    row["notes_internal"] = int(p.notes_internal)
    return row


def point_from_row(row: dict[str, Any]) -> TriggerPoint:
    """A trigger point from stored JSON (a signed snapshot, an audit image), or any row
    not read straight from the trigger_points table: validated as it is built."""
    return TriggerPoint(**_values(row))


# TriggerPoint's fields with their defaults: a field no column gives keeps its default,
# as in TriggerPoint(**values).
_DEFAULTS = {f.name: f.default for f in fields(TriggerPoint) if f.default is not MISSING}


def stored_point(row: dict[str, Any]) -> TriggerPoint:
    """A row read from the trigger_points table as a TriggerPoint, built without
    validating it again (issue 19: validating the 2,000 points of a progress report was
    an eighth of it). It was validated when written, and the table's CHECKs hold what a
    point read needs (view, side, kind, ranges); a row an older version wrote that
    today's rules refuse still loads, as it must, and is judged when changed (every
    change builds a new point, which validates). What ``TriggerPoint.__post_init__``
    would change is done here: the enums, the muscle id of a row that has none, the
    lung precautions (tests/store/test_stored_points.py compares with `point_from_row`)."""
    values = _values(row)
    try:
        values["lung_precautions"] = frozenset(
            LungPrecaution(v) for v in values["lung_precautions"]
        )
    except ValueError:
        return point_from_row(row)  # an unknown precaution: refused as on any reading
    if not values["muscle_id"]:
        values["muscle_id"] = muscle_id_for(values["muscle"])
    return stored_record(TriggerPoint, _DEFAULTS, values)


# Stored text to enum member by a dict: calling the enum class (View("back")) was a
# sixth of reading a patient's 2,000 points. A value not in the dict is given to the
# class, which refuses it as before.
_VIEWS, _SIDES, _KINDS = ({m.value: m for m in e} for e in (View, Side, PointKind))
_TWITCHES, _TECHNIQUES = ({m.value: m for m in e} for e in (TwitchStrength, Technique))


def _values(row: dict[str, Any]) -> dict[str, Any]:
    """A stored point's values as TriggerPoint takes them (enums, booleans, sets)."""
    values = {c: row[c] for c in _COLUMNS}
    view, side, kind = values["view"], values["side"], values["kind"]
    values["view"] = _VIEWS.get(view) or View(view)
    values["side"] = _SIDES.get(side) or Side(side)
    values["kind"] = _KINDS.get(kind) or PointKind(kind)
    if twitch := values["twitch_strength"]:
        values["twitch_strength"] = _TWITCHES.get(twitch) or TwitchStrength(twitch)
    if technique := values["technique"]:
        values["technique"] = _TECHNIQUES.get(technique) or Technique(technique)
    for key in ("taut_band", "spot_tenderness", "referred_pain", "recognised", "twitch_elicited"):
        values[key] = bool(values[key])
    values["muscle_id"] = row.get("muscle_id", "")
    values["lung_precautions"] = frozenset(from_json(row.get("lung_precautions")) or ())
    values.update({c: row[c] for c in _SINCE_5 if c in row})
    values["notes_internal"] = bool(values.get("notes_internal", 0))
    values["id"] = row["id"]
    return values


def ensure_held_here(ctx: Context, session_id: int) -> dict[str, Any] | None:
    """Inside a write's transaction: the store's editing guard, if it has one, refuses
    a change to a session another workstation has open for editing (on the clinic
    server: its lease, ``tpchart.store.editing``; a file has no guard, its lock makes
    one writer). Here, so both repositories that write a session's rows share it.
    Returns the session's row when the guard read it (the server's reads it with the
    lease, in the same round trip), else None."""
    guard = getattr(ctx, "editing_guard", None)
    if guard is None:
        return None
    held: dict[str, Any] | None = guard(session_id)
    return held


class TriggerPoints:
    """The trigger_points table; every change checks that the session is not signed."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, point: TriggerPoint) -> TriggerPoint:
        """Save a new point. A point with an id (an undone delete) comes back under that id."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            session = self._session(point.session_id, ensure_held_here(self._ctx, point.session_id))
            self._ensure_editable(session)
            # Also for a point coming back (an undone delete, a redone mark): undo and
            # redo would otherwise needle past an undecided red flag or a referral.
            self._ensure_needling_allowed(session)
            self._check_for_saving(point, None)
            row = _to_row(point)
            if point.id is not None:
                row = {"id": point.id, **row}
            # The row as stored is the audit's after-image: read back by the INSERT itself.
            after = self._ctx.insert_returning("trigger_points", row, "Trigger point")
            audit.record(db, who, "insert", "trigger_points", after["id"], after=after)
        return stored_point(after)

    def update(self, point: TriggerPoint) -> TriggerPoint:
        """Save the changed fields of a point (a move is an update of x, y and region)."""
        if point.id is None:
            raise ValidationError("This trigger point has not been saved yet")
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            held = ensure_held_here(self._ctx, point.session_id)
            before = self._ctx.row("trigger_points", point.id, "Trigger point")
            if before["session_id"] != point.session_id:
                raise ValidationError("A trigger point cannot move to another session")
            self._ensure_editable(self._session(point.session_id, held))
            self._check_for_saving(point, before)
            changed = {k: v for k, v in _to_row(point).items() if before[k] != v}
            if not changed:
                return stored_point(before)
            self._ctx.update("trigger_points", point.id, changed)
            after = self._ctx.row("trigger_points", point.id, "Trigger point")
            audit.record(db, who, "update", "trigger_points", point.id, before, after)
        return stored_point(after)

    def delete(self, point_id: int) -> TriggerPoint:
        """Remove a point; returns it as it was, so an undo can add it back."""
        db, who = self._ctx.db, self._ctx.who()
        with self._ctx.transaction():
            before = self._ctx.row("trigger_points", point_id, "Trigger point")
            held = ensure_held_here(self._ctx, before["session_id"])
            self._ensure_editable(self._session(before["session_id"], held))
            db.execute("DELETE FROM trigger_points WHERE id = ?", [point_id])
            audit.record(db, who, "delete", "trigger_points", point_id, before=before)
        return stored_point(before)

    def get(self, point_id: int) -> TriggerPoint:
        """One point by id."""
        return stored_point(self._ctx.row("trigger_points", point_id, "Trigger point"))

    def for_session(self, session_id: int) -> list[TriggerPoint]:
        """A session's points in the order they were marked."""
        rows = self._ctx.rows(
            "SELECT * FROM trigger_points WHERE session_id = ? ORDER BY number", [session_id]
        )
        return [stored_point(r) for r in rows]

    def for_patient(self, patient_id: int) -> dict[int, list[TriggerPoint]]:
        """Every point of a patient, keyed by session id, in one query."""
        rows = self._ctx.rows(
            "SELECT p.* FROM trigger_points p JOIN sessions s ON s.id = p.session_id"
            " WHERE s.patient_id = ? ORDER BY p.session_id, p.number",
            [patient_id],
        )
        by_session: dict[int, list[TriggerPoint]] = {}
        for r in rows:
            by_session.setdefault(r["session_id"], []).append(stored_point(r))
        return by_session

    def next_number(self, session_id: int) -> int:
        """The display number for the next point marked in a session, by the chart's
        own rule (`core.charting.next_point_number`) over the points stored."""
        return next_point_number(self.for_session(session_id))

    def _check_for_saving(self, point: TriggerPoint, before: dict[str, Any] | None) -> None:
        """The core write rules (placement on the body maps, clean text) before any write.
        What this point already was is not judged again: the stored row being updated,
        and, when that is not enough, every version of it in the audit trail, so undoing
        the deletion or the move of a point an older version stored still works."""
        earlier = [stored_point(before)] if before is not None else []
        try:
            point.check_for_saving(earlier)
        except ValidationError:
            if point.id is None:
                raise
            point.check_for_saving([*earlier, *self._history(point.id)])

    def _history(self, point_id: int) -> list[TriggerPoint]:
        """Every version of a point recorded in the audit trail (that can still be read)."""
        versions: list[TriggerPoint] = []
        for images in self._ctx.db.execute(
            "SELECT before, after FROM audit_log WHERE table_name = 'trigger_points'"
            " AND row_id = ?",
            [point_id],
        ).fetchall():
            for image in filter(None, images):
                try:
                    versions.append(point_from_row(from_json(image)))
                except (ValueError, KeyError, TypeError):
                    continue  # an image an older version wrote in another shape
        return versions

    def _session(self, session_id: int, held: dict[str, Any] | None) -> dict[str, Any]:
        """The row of the session a change is for: as the editing guard read it (after
        locking it, on the server), else read now; refused in plain words when there is
        no such session."""
        if held is not None:
            return held
        rows = self._ctx.rows("SELECT * FROM sessions WHERE id = ?", [session_id])
        if not rows:
            raise ValidationError(f"Session {session_id} does not exist")
        return rows[0]

    def _ensure_needling_allowed(self, session: dict[str, Any]) -> None:
        """Refuse a new point while a red flag waits for a decision or after a referral
        (`Session.needling_refused`), whoever calls: the chart, carry-forward, a script."""
        from tpchart.store.records.sessions import session_from_row  # it imports us

        reason = session_from_row(session).needling_refused()
        if reason:
            raise ValidationError(reason)

    @staticmethod
    def _ensure_editable(session: dict[str, Any]) -> None:
        if session["status"] == "signed":
            raise SignedRecordError(
                "This session is signed and its points cannot be changed; amend it with a reason."
            )
