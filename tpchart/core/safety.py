"""Needling cautions while charting: lung risk and precautions tied to a body site.

Each caution names its point and says why, so a doctor does not learn to ignore
them (shared/clinical.md, "Lung risk" and "Precautions can have a site"):

- a point over the lung (by region or muscle, `core.lung`) gets a caution, which
  becomes a warning when its depth reaches where the pleura may lie for this
  patient's build, and a plain line of what was done once a precaution is recorded
  for that point;
- points over the lung on both sides of the thorax risk a bilateral pneumothorax:
  a warning the doctor acknowledges once per session, after which it is a line;
- a point on the site of a sited precaution (lymphoedema in the left arm, an
  implant, a local infection) names that precaution.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache

from tpchart.core.lung import (
    DEPTH_CONTROLS,
    Build,
    lung_risk_reason,
    pleura_text,
    pleural_depth_mm,
)
from tpchart.core.precaution_sites import PrecautionSite, sites_at
from tpchart.core.regions import REGIONS, Side
from tpchart.core.screening import Precaution
from tpchart.core.trigger_point import TriggerPoint


class Level(IntEnum):
    """How loudly a caution speaks; higher is stronger. DONE is a line of what was
    done about a risk, shown calmly."""

    DONE = 0
    CAUTION = 1
    WARNING = 2


class Concern(StrEnum):
    """What a caution is about."""

    LUNG = "lung"  # one point over the lung
    BOTH_SIDES = "both_sides"  # points over the lung on both sides of the thorax
    SITE = "site"  # a point on the site of a sited precaution


@dataclass(frozen=True)
class Caution:
    """A message for the doctor, with the point numbers it is about."""

    level: Level
    message: str
    points: tuple[int, ...]
    concern: Concern = Concern.LUNG


BOTH_SIDES_WARNING = (
    "Points over the lung on both sides of the thorax in one session: a bilateral "
    "pneumothorax would be an emergency. Needle shallow and angled away from the chest "
    "wall, or treat one side today."
)
BOTH_SIDES_ACKNOWLEDGED = (
    "Points over the lung on both sides of the thorax: risk acknowledged for this session."
)

# What to do at a sited precaution, in a few words.
_SITE_ADVICE = {
    Precaution.LYMPHOEDEMA: "avoid needling this limb where you can",
    Precaution.LOCAL_INFECTION: "never needle through infected or broken skin",
    Precaution.IMPLANTS: "keep the needle clear of the implant",
}


# The chart asks for the cautions of every point of the session on each click (200
# points: the lung rules ran 400 times a click). A point's lung risk depends only on
# its region, muscle and height on the diagram, so it is remembered by those: a click
# then computes it for the new point alone. The rules are fixed for the process.
@lru_cache(maxsize=8192)
def _risk_reason(region_id: str, muscle_id: str, y: float) -> str:
    return lung_risk_reason(region_id, muscle_id, y)


def point_lung_risk(point: TriggerPoint) -> str:
    """``point.lung_risk_reason``, remembered by what it depends on (region, muscle, y)."""
    return _risk_reason(point.region_id, point.muscle_id, point.y)


def lung_risk_points(points: Iterable[TriggerPoint]) -> list[TriggerPoint]:
    """The points that lie over the lung, by their region or their muscle."""
    return [p for p in points if point_lung_risk(p)]


def _label(point: TriggerPoint) -> str:
    region = REGIONS.get(point.region_id)
    where = region.label if region is not None else point.region_id
    return f"Point {point.number}, {where}" + (
        f", {point.muscle_name}" if point.muscle_name else ""
    )


def _depth_note(point: TriggerPoint, build: Build | None) -> tuple[str, bool]:
    """A sentence about the point's depth, and whether it reaches the pleura's depth."""
    if point.depth_mm is None or point.depth_mm < pleural_depth_mm(build):
        return "", False
    return f" Depth {point.depth_mm:g} mm: {pleura_text(build)}.", True


def lung_cautions(
    points: Iterable[TriggerPoint],
    build: Build | None = None,
    both_sides_acknowledged: bool = False,
) -> list[Caution]:
    """The session's lung cautions: one per point over the lung, and one for both
    sides of the thorax, strongest first."""
    risky = lung_risk_points(points)
    cautions = []
    for p in risky:
        depth, deep = _depth_note(p, build)
        # Past the pleura's depth only a precaution that keeps the needle off the lung
        # (onto a rib, pincer grip, ultrasound) calms the point; "fewer needles" does not.
        controls_depth = bool(p.lung_precautions & DEPTH_CONTROLS)
        if p.lung_precautions and (controls_depth or not deep):
            taken = ", ".join(sorted(x.label for x in p.lung_precautions))
            message = f"{_label(p)}: over the lung; {taken}.{depth}"
            cautions.append(Caution(Level.DONE, message, (p.number,)))
            continue
        reason = point_lung_risk(p)
        level = Level.WARNING if deep else Level.CAUTION
        cautions.append(Caution(level, f"{_label(p)}: {reason}{depth}", (p.number,)))
    if _on_both_sides(risky):
        numbers = tuple(sorted(p.number for p in risky))
        level, message = (
            (Level.DONE, BOTH_SIDES_ACKNOWLEDGED)
            if both_sides_acknowledged
            else (Level.WARNING, BOTH_SIDES_WARNING)
        )
        cautions.insert(0, Caution(level, message, numbers, Concern.BOTH_SIDES))
    return sorted(cautions, key=lambda c: -c.level)  # stable: both sides first of its level


def needs_both_sides_acknowledgement(
    points: Iterable[TriggerPoint], acknowledged: bool = False
) -> bool:
    """Points over the lung lie on both sides and the doctor has not acknowledged it."""
    return not acknowledged and _on_both_sides(lung_risk_points(points))


def _on_both_sides(risky: list[TriggerPoint]) -> bool:
    # The region's side, not the point's: the inspector lets a point be set to midline,
    # but a lung-risk region lies on one side of the chest.
    sides = {REGIONS[p.region_id].side for p in risky if p.region_id in REGIONS}
    return Side.LEFT in sides and Side.RIGHT in sides


def site_cautions(points: Iterable[TriggerPoint], sites: Iterable[PrecautionSite]) -> list[Caution]:
    """One caution per point that lies on the site of a sited precaution, naming it."""
    sites = tuple(sites)
    cautions = []
    for p in points:
        for site in sites_at(p.region_id, sites):
            advice = _SITE_ADVICE[site.precaution]
            cautions.append(
                Caution(
                    Level.CAUTION, f"{_label(p)}: {site.text}; {advice}.", (p.number,), Concern.SITE
                )
            )
    return cautions
