"""Needling cautions while charting: lung-risk sites and both sides of the thorax.

Pneumothorax is rare but the most serious complication of dry needling; the risk
is over the thorax (upper trapezius near the neck angle, between the shoulder
blades, intercostals, serratus anterior, pectorals), and lung has been reached
at about 3 cm depth (shared/clinical.md, "Lung risk"). Needling both sides of the
thorax in one session risks a bilateral pneumothorax, hence the stronger caution.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from tpchart.core.regions import REGIONS, Side
from tpchart.core.trigger_point import TriggerPoint

LUNG_DEPTH_MM = 30.0


class Level(IntEnum):
    """How loudly a caution speaks; higher is stronger."""

    CAUTION = 1
    WARNING = 2


@dataclass(frozen=True)
class Caution:
    """A non-blocking message for the doctor, with the point numbers it is about."""

    level: Level
    message: str
    points: tuple[int, ...]


def lung_risk_points(points: Iterable[TriggerPoint]) -> list[TriggerPoint]:
    """The points that lie in a lung-risk region."""
    return [p for p in points if p.region_id in REGIONS and REGIONS[p.region_id].lung_risk]


def lung_cautions(points: Iterable[TriggerPoint]) -> list[Caution]:
    """Cautions for a session's points: one per lung-risk point, and a stronger one
    when lung-risk points lie on both the left and the right of the thorax."""
    risky = lung_risk_points(points)
    cautions = []
    for p in risky:
        region = REGIONS[p.region_id]
        reason = region.lung_risk_reason or "Over the thorax: pneumothorax risk."
        depth = ""
        if p.depth_mm is not None and p.depth_mm >= LUNG_DEPTH_MM:
            depth = f" Depth {p.depth_mm:g} mm: lung has been reached at about 3 cm."
        cautions.append(
            Caution(
                Level.CAUTION, f"Point {p.number}, {region.label}: {reason}{depth}", (p.number,)
            )
        )
    # The region's side, not the point's: the inspector lets a point be set to midline,
    # but a lung-risk region lies on one side of the chest.
    sides = {REGIONS[p.region_id].side for p in risky}
    if Side.LEFT in sides and Side.RIGHT in sides:
        numbers = tuple(sorted(p.number for p in risky))
        cautions.insert(
            0,
            Caution(
                Level.WARNING,
                "Points on both sides of the thorax in one session: a bilateral pneumothorax "
                "would be an emergency. Needle shallow and angled away from the chest wall, "
                "or treat one side today.",
                numbers,
            ),
        )
    return cautions
