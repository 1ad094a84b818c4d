"""What changed between two signed versions of a session.

A signed version keeps the session and its points exactly as stored when it was
signed (`audit.SignedVersion.snapshot`: ``{"session": row, "points": [rows]}``). An
amendment's reason says why a record was reopened; this says what the amendment
did, field by field, so the clinical record can print "Pain after: 3/10 → 2/10"
under the reason. Values are read from the stored rows here, not through the store,
so a snapshot taken by an older schema (fewer columns) still compares.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from tpchart.core.adverse_events import AdverseEvent
from tpchart.core.audit import SignedVersion
from tpchart.core.lung import LungPrecaution
from tpchart.core.muscles import display_name
from tpchart.core.precaution_sites import parse_sites
from tpchart.core.regions import REGIONS
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import LikelyCause
from tpchart.core.trigger_point import Technique

NOT_RECORDED = "not recorded"

Formatter = Callable[[Any, "tzinfo | None"], str]


def _loads(value: Any) -> Any:
    """A JSON column as stored in a snapshot: text in the row, or already decoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _plain(value: Any, tz: tzinfo | None) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _yes_no(value: Any, tz: tzinfo | None) -> str:
    return "yes" if value else "no"


def _unit(unit: str) -> Formatter:
    def text(value: Any, tz: tzinfo | None) -> str:
        return NOT_RECORDED if value is None else f"{value:g}{unit}"

    return text


def _score(value: Any, tz: tzinfo | None) -> str:
    return NOT_RECORDED if value is None else f"{value}/10"


def _time(value: Any, tz: tzinfo | None) -> str:
    if not value:
        return NOT_RECORDED
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment.astimezone(tz):%d %b %Y, %H:%M}"


def _labelled(kind: type[StrEnum]) -> Formatter:
    """One enum value, or a JSON list of them, by its printed label."""

    def label(value: str) -> str:
        try:
            member = kind(value)
        except ValueError:
            return value  # an unknown value prints as stored rather than hiding it
        return str(getattr(member, "label", member.value.replace("_", " ")))

    def text(value: Any, tz: tzinfo | None) -> str:
        value = _loads(value)
        if not value:
            return "none" if isinstance(value, list) else NOT_RECORDED
        if isinstance(value, list):
            return ", ".join(sorted(label(v) for v in value))
        return label(value)

    return text


def _sites(value: Any, tz: tzinfo | None) -> str:
    sites = parse_sites(_loads(value))
    return "; ".join(site.text for site in sites) or "none"


def _events(value: Any, tz: tzinfo | None) -> str:
    events = [AdverseEvent.from_stored(e) for e in _loads(value) or ()]
    return "; ".join(e.text for e in events) or "none"


def _region(value: Any, tz: tzinfo | None) -> str:
    return REGIONS[value].label if value in REGIONS else _plain(value, tz)


# (column, label, formatter) in the order the record prints them. Columns not listed
# (ids, status, version, who signed and when) are the signing itself, not its content.
SESSION_FIELDS: tuple[tuple[str, str, Formatter], ...] = (
    ("started_at", "Session date", _time),
    ("chief_complaint", "Chief complaint", _plain),
    ("complaint_areas", "Complaint area", _labelled(ComplaintArea)),
    ("likely_cause", "Likely cause", _labelled(LikelyCause)),
    ("pain_before", "Pain before", _score),
    ("pain_after", "Pain after", _score),
    ("ndi", "Neck Disability Index", _unit(" %")),
    ("odi", "Oswestry Disability Index", _unit(" %")),
    ("psfs", "PSFS", _unit("")),
    ("screening_done", "Screening done", _yes_no),
    ("contraindications", "Contraindications and precautions", _labelled(Precaution)),
    ("precaution_sites", "Precaution sites", _sites),
    ("red_flags", "Red flags", _labelled(RedFlag)),
    ("red_flag_decision", "Red-flag decision", _labelled(RedFlagDecision)),
    ("red_flag_reason", "Red-flag reason", _plain),
    ("consent_given", "Consent given", _yes_no),
    ("consent_by", "Consent given by", _plain),
    ("consent_at", "Consent time", _time),
    ("consent_text_version", "Consent wording", _plain),
    ("skin_prepared", "Skin prepared", _yes_no),
    ("both_sides_acknowledged", "Both sides of the thorax acknowledged", _yes_no),
    ("adverse_events_asked", "Adverse events asked", _yes_no),
    ("adverse_events", "Adverse events", _events),
    ("aftercare_given", "Aftercare given", _yes_no),
    ("aftercare_text", "Aftercare advice", _plain),
    ("follow_up", "Follow-up plan", _plain),
    ("notes", "Session notes", _plain),
    ("notes_internal", "Session notes kept off the patient's copy", _yes_no),
)

POINT_FIELDS: tuple[tuple[str, str, Formatter], ...] = (
    ("region_id", "region", _region),
    ("muscle", "muscle", _plain),
    ("kind", "type", _plain),
    ("taut_band", "taut band", _yes_no),
    ("spot_tenderness", "spot tenderness", _yes_no),
    ("referred_pain", "referred pain", _yes_no),
    ("recognised", "recognised", _yes_no),
    ("twitch_elicited", "twitch", _yes_no),
    ("twitch_strength", "twitch strength", _plain),
    ("twitch_count", "twitch count", _plain),
    ("pain", "pain", _score),
    ("pressure_threshold", "pressure pain threshold", _unit(" kg/cm²")),
    ("needle_gauge_mm", "needle gauge", _unit(" mm")),
    ("needle_length_mm", "needle length", _unit(" mm")),
    ("depth_mm", "depth", _unit(" mm")),
    ("needles", "needles", _plain),
    ("technique", "technique", _labelled(Technique)),
    ("passes", "passes", _plain),
    ("minutes", "minutes", _plain),
    ("stim_frequency_hz", "stimulation frequency", _unit(" Hz")),
    ("stim_pulse_width_us", "pulse width", _unit(" µs")),
    ("stim_intensity_ma", "stimulation intensity", _unit(" mA")),
    ("lung_precautions", "lung precautions", _labelled(LungPrecaution)),
    ("notes", "notes", _plain),
    ("notes_internal", "notes kept off the patient's copy", _yes_no),
)


@dataclass(frozen=True)
class FieldChange:
    """One field's value before and after, as printed."""

    label: str
    before: str
    after: str

    @property
    def text(self) -> str:
        """ "Pain after: 3/10 → 2/10"."""
        return f"{self.label}: {self.before} → {self.after}"


@dataclass(frozen=True)
class PointChange:
    """A point added, removed or changed between two versions."""

    number: int
    what: str  # "added", "removed" or "changed"
    description: str  # where it is and which muscle
    fields: tuple[FieldChange, ...] = ()

    @property
    def text(self) -> str:
        """ "Point 5 (Right upper back, rhomboids) changed: depth: not recorded → 18 mm"."""
        head = f"Point {self.number} ({self.description}) {self.what}"
        if not self.fields:
            return head
        return f"{head}: " + "; ".join(f.text for f in self.fields)


@dataclass(frozen=True)
class VersionChanges:
    """What changed from one signed version to the next."""

    from_version: int
    to_version: int
    session: tuple[FieldChange, ...]
    points: tuple[PointChange, ...]

    @property
    def lines(self) -> list[str]:
        """Every change as a line of text; "No recorded value changed." when none did."""
        out = [c.text for c in self.session] + [p.text for p in self.points]
        return out or ["No recorded value changed."]


def _field_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fields: Sequence[tuple[str, str, Formatter]],
    tz: tzinfo | None,
) -> tuple[FieldChange, ...]:
    changes = []
    for column, label, text in fields:
        old, new = text(before.get(column), tz), text(after.get(column), tz)
        # Compared as printed: a JSON list stored in another order is not a change.
        if old != new:
            changes.append(FieldChange(label, old, new))
    return tuple(changes)


def _describe(point: Mapping[str, Any]) -> str:
    region = _region(point.get("region_id"), None)
    muscle = display_name(point.get("muscle_id") or "", point.get("muscle") or "")
    return f"{region}, {muscle}" if muscle else region


def _moved(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return any(before.get(k) != after.get(k) for k in ("view", "x", "y", "side"))


def changes_between(
    earlier: Mapping[str, Any],
    later: Mapping[str, Any],
    tz: tzinfo | None = None,
    names: Mapping[int, str] | None = None,
) -> tuple[tuple[FieldChange, ...], tuple[PointChange, ...]]:
    """The session fields and the points that differ between two snapshots
    (``{"session": row, "points": [rows]}``), times shown in ``tz``; the practitioner
    charting the session by name from ``names`` (by id when a name is not given).

    Points are matched by their stored id (an amendment edits a point in place, and
    may renumber it); a point without an id is matched by its number."""
    before, after = earlier.get("session", {}), later.get("session", {})
    session = _field_changes(before, after, SESSION_FIELDS, tz)
    old_who, new_who = before.get("practitioner_id"), after.get("practitioner_id")
    if old_who != new_who:

        def who(pid: Any) -> str:
            return (
                (names or {}).get(pid, f"practitioner {pid}") if pid is not None else NOT_RECORDED
            )

        session = (FieldChange("Practitioner", who(old_who), who(new_who)), *session)

    def key(row: Mapping[str, Any]) -> tuple[str, Any]:
        return ("id", row["id"]) if row.get("id") is not None else ("number", row.get("number"))

    old = {key(p): p for p in earlier.get("points", ())}
    new = {key(p): p for p in later.get("points", ())}
    points: list[PointChange] = []
    for k, p in new.items():
        if k not in old:
            points.append(PointChange(p["number"], "added", _describe(p)))
            continue
        fields = _field_changes(old[k], p, POINT_FIELDS, tz)
        if old[k].get("number") != p.get("number"):
            fields = (FieldChange("number", str(old[k]["number"]), str(p["number"])), *fields)
        if _moved(old[k], p):
            fields = (*fields, FieldChange("place on the body map", "as before", "moved"))
        if fields:
            points.append(PointChange(p["number"], "changed", _describe(p), fields))
    points += [PointChange(p["number"], "removed", _describe(p)) for k, p in old.items()
               if k not in new]  # fmt: skip
    points.sort(key=lambda c: (c.number, c.what))
    return session, tuple(points)


def version_changes(
    earlier: SignedVersion,
    later: SignedVersion,
    tz: tzinfo | None = None,
    names: Mapping[int, str] | None = None,
) -> VersionChanges:
    """What changed from signed version ``earlier`` to signed version ``later``
    (two versions of one session); ``names`` as in `changes_between`."""
    session, points = changes_between(earlier.snapshot, later.snapshot, tz, names)
    return VersionChanges(earlier.version, later.version, session, points)
