"""A trigger point found and needled in one session, placed on a body-map view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from tpchart.core.errors import ValidationError
from tpchart.core.lung import LungPrecaution, lung_risk_reason
from tpchart.core.muscles import MUSCLE_ID_PATTERN, display_name, muscle_id_for
from tpchart.core.regions import REGIONS, VIEW_BOXES, Side, View
from tpchart.core.validation import (
    check_count,
    check_range,
    check_score,
    check_text,
    check_text_for_saving,
)

# Diagram coordinates: every body-map SVG's viewBox lies within 0..1000 on both axes.
# This loose bound is checked on every load; a point to be saved must also lie inside
# its own view's box (`check_placement`, regions.VIEW_BOXES).
DIAGRAM_MAX = 1000.0


class PointKind(StrEnum):
    """Active reproduces the complaint; latent is tender but not recognised
    [international Delphi consensus, Pain Medicine 2018;19:142]."""

    ACTIVE = "active"
    LATENT = "latent"


class TwitchStrength(StrEnum):
    """Strength of the local twitch response."""

    WEAK = "weak"
    MEDIUM = "medium"
    STRONG = "strong"


class Technique(StrEnum):
    """How the needle was used."""

    PISTONING = "pistoning"  # fast-in/fast-out, with a number of passes
    STATIC = "static"  # left in place for some minutes
    ELECTRICAL = "electrical"  # retained with electrical stimulation, minutes

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _TECHNIQUE_LABELS[self]


_TECHNIQUE_LABELS = {
    Technique.PISTONING: "Pistoning",
    Technique.STATIC: "Static (retained)",
    Technique.ELECTRICAL: "Electrical stimulation",
}


@dataclass(frozen=True)
class TriggerPoint:
    """One marked point: where, what was found, and how it was needled.

    ``muscle_id`` is the catalogue muscle (`core.muscles`), or ``"other"`` with the
    doctor's words in ``muscle``; left empty, it is found from ``muscle``, so "upper
    traps" is stored as upper_trapezius. ``muscle`` keeps the words as written."""

    session_id: int
    number: int
    view: View
    region_id: str
    side: Side
    x: float
    y: float
    muscle: str = ""
    kind: PointKind = PointKind.ACTIVE
    taut_band: bool = False
    spot_tenderness: bool = False
    referred_pain: bool = False
    recognised: bool = False
    twitch_elicited: bool = False
    twitch_count: int | None = None
    twitch_strength: TwitchStrength | None = None
    pain: int | None = None
    pressure_threshold: float | None = None  # kg/cm², algometer
    needle_gauge_mm: float | None = None
    needle_length_mm: float | None = None
    depth_mm: float | None = None
    technique: Technique | None = None
    passes: int | None = None
    minutes: int | None = None
    needles: int = 1
    notes: str = ""
    muscle_id: str = ""
    # The doctor's choice: this point's notes kept off the patient's copy of the record.
    notes_internal: bool = False
    # Electrical stimulation settings, recorded with that technique only.
    stim_frequency_hz: float | None = None
    stim_pulse_width_us: int | None = None
    stim_intensity_ma: float | None = None
    lung_precautions: frozenset[LungPrecaution] = frozenset()
    id: int | None = None

    def __post_init__(self) -> None:
        check_count("Point number", self.number, 1, 10_000)
        object.__setattr__(self, "view", View(self.view))
        object.__setattr__(self, "side", Side(self.side))
        check_text("Region", self.region_id, required=True, max_len=100)
        check_range("Diagram x", self.x, 0, DIAGRAM_MAX)
        check_range("Diagram y", self.y, 0, DIAGRAM_MAX)
        check_text("Muscle", self.muscle, max_len=200)
        # A stored id stands: a record never changes meaning on reading, even when a
        # later catalogue would read its words otherwise. Only a point without one (a
        # new point, a snapshot from before schema 4) takes it from its words. Change
        # a muscle with `with_muscle`, which sets both; `check_for_saving` refuses
        # changed words with a stale id.
        if not self.muscle_id:
            object.__setattr__(self, "muscle_id", muscle_id_for(self.muscle))
        elif not MUSCLE_ID_PATTERN.match(self.muscle_id) or len(self.muscle_id) > 60:
            raise ValidationError(f"Unknown muscle id {self.muscle_id!r}")
        try:
            object.__setattr__(
                self,
                "lung_precautions",
                frozenset(LungPrecaution(v) for v in self.lung_precautions),
            )
        except ValueError as exc:
            raise ValidationError(f"Unknown lung precaution: {exc}") from None
        object.__setattr__(self, "kind", PointKind(self.kind))
        check_count("Twitch count", self.twitch_count, 0, 100)
        if self.twitch_strength is not None:
            object.__setattr__(self, "twitch_strength", TwitchStrength(self.twitch_strength))
        if not self.twitch_elicited and (self.twitch_count or self.twitch_strength):
            raise ValidationError("Twitch count and strength need a twitch response elicited")
        check_score("Pain at point", self.pain)
        check_range("Pressure pain threshold", self.pressure_threshold, 0, 20, "kg/cm²")
        check_range("Needle gauge", self.needle_gauge_mm, 0.1, 0.5, "mm")
        check_range("Needle length", self.needle_length_mm, 5, 150, "mm")
        check_range("Depth", self.depth_mm, 0, 150, "mm")
        if (
            self.depth_mm is not None
            and self.needle_length_mm is not None
            and self.depth_mm > self.needle_length_mm
        ):
            raise ValidationError(
                f"Depth {self.depth_mm:g} mm is more than the needle length "
                f"{self.needle_length_mm:g} mm"
            )
        if self.technique is not None:
            object.__setattr__(self, "technique", Technique(self.technique))
        check_count("Passes", self.passes, 0, 200)
        check_count("Minutes", self.minutes, 0, 120)
        check_count("Number of needles", self.needles, 1, 50)
        check_text("Notes", self.notes, max_len=100_000)
        check_range("Stimulation frequency", self.stim_frequency_hz, 0.5, 250, "Hz")
        check_count("Pulse width", self.stim_pulse_width_us, 20, 1000, "µs")
        check_range("Stimulation intensity", self.stim_intensity_ma, 0, 100, "mA")
        if self.technique is not Technique.ELECTRICAL and self.stimulation_recorded:
            raise ValidationError("Stimulation settings need the electrical stimulation technique")

    @property
    def stimulation_recorded(self) -> bool:
        """Whether any electrical stimulation setting is recorded."""
        return any(
            v is not None
            for v in (self.stim_frequency_hz, self.stim_pulse_width_us, self.stim_intensity_ma)
        )

    @property
    def lung_risk_reason(self) -> str:
        """Why needling this point risks the lung (by region, muscle and place), or ""."""
        return lung_risk_reason(self.region_id, self.muscle_id, self.y)

    @property
    def muscle_name(self) -> str:
        """The muscle as it reads on screen and in print: the catalogue's preferred
        name, or the doctor's words for a muscle the catalogue lacks."""
        return display_name(self.muscle_id, self.muscle)

    def with_muscle(self, words: str) -> TriggerPoint:
        """This point with its muscle changed to ``words`` (a catalogue name or
        synonym, or the doctor's own words for a muscle the catalogue lacks)."""
        return replace(self, muscle=words.strip(), muscle_id=muscle_id_for(words))

    @property
    def placement(self) -> tuple[View, str, Side, float, float]:
        """Where the point is: view, region, side and diagram position."""
        return (self.view, self.region_id, self.side, self.x, self.y)

    def check_for_saving(self, earlier: Iterable[TriggerPoint] = ()) -> None:
        """Raise ValidationError unless this point may be written: its placement passes
        `check_placement` and its text `check_text_for_saving`.

        ``earlier`` are versions of this same point already stored (the row being
        updated, or a deleted row being brought back by undo). A placement or text equal
        to one of theirs is not judged again: older versions of tpchart accepted values
        these rules refuse, and editing the pain of such a point, or undoing its
        deletion or move, must still work."""
        earlier = tuple(earlier)
        if all(e.placement != self.placement for e in earlier):
            check_placement(self)
        stored_before = any(
            (e.muscle, e.muscle_id) == (self.muscle, self.muscle_id) for e in earlier
        )
        if not stored_before and self.muscle_id != muscle_id_for(self.muscle):
            raise ValidationError(
                f"The muscle {self.muscle!r} does not match its catalogue entry "
                f"{self.muscle_id!r}: change a muscle with TriggerPoint.with_muscle"
            )
        for label, name in (("Muscle", "muscle"), ("Notes", "notes")):
            value = getattr(self, name)
            if all(getattr(e, name) != value for e in earlier):
                check_text_for_saving(label, value)

    def carried_to(self, session_id: int, number: int) -> TriggerPoint:
        """This point copied into a later session: where it is and what it was (muscle,
        active/latent, needle and technique). Today's findings start fresh: pain, twitch
        and dose are measured again."""
        return TriggerPoint(
            session_id=session_id,
            number=number,
            view=self.view,
            region_id=self.region_id,
            side=self.side,
            x=self.x,
            y=self.y,
            muscle=self.muscle,
            muscle_id=self.muscle_id,
            kind=self.kind,
            needle_gauge_mm=self.needle_gauge_mm,
            needle_length_mm=self.needle_length_mm,
            technique=self.technique,
        )

    @property
    def needle(self) -> str:
        """Needle size as written on the box, e.g. "0.25 × 30 mm"."""
        if self.needle_gauge_mm is None and self.needle_length_mm is None:
            return ""
        gauge = f"{self.needle_gauge_mm:g}" if self.needle_gauge_mm is not None else "?"
        length = f"{self.needle_length_mm:g}" if self.needle_length_mm is not None else "?"
        return f"{gauge} × {length} mm"

    @property
    def technique_text(self) -> str:
        """Technique with its dose, e.g. "Pistoning, 8 passes"."""
        if self.technique is None:
            return ""
        text = self.technique.label
        if self.technique is Technique.PISTONING and self.passes:
            text += f", {self.passes} passes"
        elif self.minutes:
            text += f", {self.minutes} min"
        return text

    @property
    def twitch_text(self) -> str:
        """Twitch response in words, e.g. "Strong ×3" or "None"."""
        if not self.twitch_elicited:
            return "None"
        parts = [self.twitch_strength.value.capitalize() if self.twitch_strength else "Yes"]
        if self.twitch_count:
            parts.append(f"×{self.twitch_count}")
        return " ".join(parts)


def check_placement(point: TriggerPoint) -> None:
    """Raise ValidationError unless the point is somewhere on the body maps: a known
    region, charted on that region's view, on the region's side (or the midline, which
    the inspector offers on any region; the lung-risk rule then uses the region's side)
    and inside the view's drawing.

    Checked when a point is saved, not when it is loaded: older versions stored points
    without these rules, and their charts must still open and print."""
    check_text_for_saving("Region", point.region_id, required=True)
    known = REGIONS.get(point.region_id)
    if known is None:
        raise ValidationError(
            f"Body-map region {point.region_id!r} is not known; mark the point on the body "
            "map again"
        )
    if known.view is not point.view:
        raise ValidationError(
            f"{known.label} is on the {known.view} view, not on the {point.view} view"
        )
    if point.side is not Side.MIDLINE and point.side is not known.side:
        raise ValidationError(
            f"{known.label} is on the patient's {known.side} side, but the point is marked "
            f"{point.side}"
        )
    left, top, width, height = VIEW_BOXES[point.view]
    for axis, value, low, high in (
        ("x", point.x, left, left + width),
        ("y", point.y, top, top + height),
    ):
        if not low <= value <= high:
            raise ValidationError(
                f"The point lies outside the {point.view} drawing: diagram {axis} must be "
                f"{low:g}-{high:g}, got {value:g}"
            )
