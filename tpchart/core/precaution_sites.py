"""Precautions that belong to a place on the body: lymphoedema or lymph-node
clearance on one side, an implant, a local infection or wound.

The caution belongs to the points marked there, not to the whole session
(shared/clinical.md, "Precautions can have a site"): marking a point on the arm on
the side of an axillary clearance names that precaution at that moment.

A site is a body area (a group of body-map regions, across the three views) and a
side. Areas are coarse on purpose: a doctor records "left arm", not a region id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from tpchart.core.errors import ValidationError
from tpchart.core.regions import REGIONS, Side
from tpchart.core.screening import Precaution


class BodyArea(StrEnum):
    """A part of the body a precaution can be tied to."""

    HEAD = "head"
    NECK = "neck"
    SHOULDER = "shoulder"
    ARM = "arm"
    HAND = "hand"
    CHEST = "chest"
    UPPER_BACK = "upper_back"
    LOWER_BACK = "lower_back"
    ABDOMEN = "abdomen"
    HIP = "hip"
    LEG = "leg"
    KNEE = "knee"
    FOOT = "foot"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _AREA_LABELS[self]


_AREA_LABELS = {
    BodyArea.HEAD: "head and face",
    BodyArea.NECK: "neck",
    BodyArea.SHOULDER: "shoulder",
    BodyArea.ARM: "arm",
    BodyArea.HAND: "hand",
    BodyArea.CHEST: "chest and breast",
    BodyArea.UPPER_BACK: "upper and mid back",
    BodyArea.LOWER_BACK: "lower back",
    BodyArea.ABDOMEN: "abdomen",
    BodyArea.HIP: "hip, buttock and groin",
    BodyArea.LEG: "leg",
    BodyArea.KNEE: "knee",
    BodyArea.FOOT: "foot",
}

_HANDS = ("front.hand", "front.hand.thumb", "back.hand", "back.hand.webspace")
_KNEES = ("front.knee", "back.knee")
_FEET = ("front.foot", "back.foot")

# Region ids without their side. Lymphoedema after an axillary clearance involves the
# whole limb and the armpit, hence the whole arm runs from the axilla to the fingers.
_AREA_REGIONS: Mapping[BodyArea, tuple[str, ...]] = MappingProxyType(
    {
        BodyArea.HEAD: (
            "front.head", "front.jaw", "back.head", "head.crown", "head.forehead",
            "head.temporal", "head.occiput", "head.face", "head.tmj", "head.masseter",
            "head.chin", "head.suboccipital",
        ),
        BodyArea.NECK: (
            "front.neck.anterior", "back.neck.posterior", "head.neck.posterior",
            "head.neck.anterior", "head.suboccipital",
        ),
        BodyArea.SHOULDER: (
            "front.shoulder.upper", "front.shoulder", "front.axilla", "back.shoulder.upper",
            "back.shoulder", "back.scapula",
        ),
        BodyArea.ARM: (
            "front.axilla", "front.shoulder", "back.shoulder", "front.arm.upper",
            "back.arm.upper", "front.elbow", "back.elbow", "front.forearm", "back.forearm",
            *_HANDS,
        ),
        BodyArea.HAND: _HANDS,
        BodyArea.CHEST: ("front.chest", "front.chest.lateral", "front.axilla"),
        BodyArea.UPPER_BACK: ("back.upper", "back.scapula", "back.mid"),
        BodyArea.LOWER_BACK: ("back.lower",),
        BodyArea.ABDOMEN: ("front.abdomen.upper", "front.abdomen.lower"),
        BodyArea.HIP: ("front.hip", "front.groin", "back.hip", "back.buttock"),
        BodyArea.LEG: (
            "front.thigh", "front.thigh.inner", "front.thigh.lateral", "back.thigh",
            *_KNEES, "front.shin", "back.calf", *_FEET,
        ),
        BodyArea.KNEE: _KNEES,
        BodyArea.FOOT: _FEET,
    }
)  # fmt: skip

# The precautions that can be tied to a site; the others concern the whole patient.
SITED_PRECAUTIONS: frozenset[Precaution] = frozenset(
    {Precaution.LYMPHOEDEMA, Precaution.LOCAL_INFECTION, Precaution.IMPLANTS}
)


class SiteSide(StrEnum):
    """The patient's side of a site; BOTH for a midline or two-sided site."""

    RIGHT = "right"
    LEFT = "left"
    BOTH = "both"


@dataclass(frozen=True)
class PrecautionSite:
    """Where a precaution applies, e.g. lymphoedema in the left arm."""

    precaution: Precaution
    area: BodyArea
    side: SiteSide

    def __post_init__(self) -> None:
        object.__setattr__(self, "precaution", Precaution(self.precaution))
        if self.precaution not in SITED_PRECAUTIONS:
            raise ValidationError(
                f"{self.precaution.label} applies to the whole patient, not a site"
            )
        try:
            object.__setattr__(self, "area", BodyArea(self.area))
            object.__setattr__(self, "side", SiteSide(self.side))
        except ValueError as exc:
            raise ValidationError(f"Unknown precaution site: {exc}") from None

    @property
    def where(self) -> str:
        """The site in words, e.g. "left arm" (the arm runs from the armpit to the
        fingers, the leg from the thigh to the foot)."""
        if self.side is SiteSide.BOTH:
            return f"{self.area.label}, both sides"
        return f"{self.side.value} {self.area.label}"

    @property
    def text(self) -> str:
        """Precaution and site, e.g. "Lymphoedema in the limb: left arm"."""
        return f"{self.precaution.label}: {self.where}"

    def covers(self, region_id: str) -> bool:
        """True when a point in this region lies on this site."""
        region = REGIONS.get(region_id)
        if region is None:
            return False
        stem = region_id.rsplit(".", 1)[0]
        if stem not in _AREA_REGIONS[self.area]:
            return False
        return self.side is SiteSide.BOTH or region.side is Side(self.side.value)

    def as_stored(self) -> dict[str, str]:
        """The JSON object stored for this site."""
        return {
            "precaution": self.precaution.value,
            "area": self.area.value,
            "side": self.side.value,
        }


def parse_sites(values: Iterable[Mapping[str, str]] | None) -> tuple[PrecautionSite, ...]:
    """Stored or entered sites (ValidationError for an unknown value)."""
    try:
        return tuple(
            PrecautionSite(Precaution(v["precaution"]), BodyArea(v["area"]), SiteSide(v["side"]))
            for v in (values or ())
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"Unknown precaution site: {exc}") from None


def check_sites_ticked(sites: Iterable[PrecautionSite], precautions: Iterable[Precaution]) -> None:
    """Raise ValidationError for a site whose precaution is not ticked: a site says
    where a precaution applies, so it cannot stand alone."""
    ticked = set(precautions)
    for site in sites:
        if site.precaution not in ticked:
            raise ValidationError(
                f"{site.text}: tick {site.precaution.label} too, or remove its site"
            )


def sites_at(region_id: str, sites: Iterable[PrecautionSite]) -> list[PrecautionSite]:
    """The sited precautions that a point in this region falls on, each once."""
    found: list[PrecautionSite] = []
    for site in sites:
        if site.covers(region_id) and site not in found:
            found.append(site)
    return found
