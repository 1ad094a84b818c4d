"""How a trigger point is drawn, the same on screen and in print.

Shape tells active from latent and the fill's lightness tells the twitch
response, so a marker reads without colour (greyscale print, colour-blind
viewers): a sequential orange-brown ramp whose lightness falls with strength.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tpchart.core.trigger_point import PointKind, TriggerPoint, TwitchStrength


class MarkerShape(StrEnum):
    """Circle for an active point, diamond for a latent one."""

    CIRCLE = "circle"
    DIAMOND = "diamond"


@dataclass(frozen=True)
class MarkerStyle:
    """Colours as #rrggbb; ``text`` is chosen for contrast with ``fill``."""

    shape: MarkerShape
    fill: str
    stroke: str
    text: str


STROKE = "#1a1a1a"
# Twitch response -> (fill, number colour). White means no twitch elicited.
TWITCH_FILLS: dict[TwitchStrength | None, tuple[str, str]] = {
    None: ("#ffffff", "#1a1a1a"),
    TwitchStrength.WEAK: ("#fdd49e", "#1a1a1a"),
    TwitchStrength.MEDIUM: ("#ef6548", "#ffffff"),
    TwitchStrength.STRONG: ("#7f0000", "#ffffff"),
}
SELECTED = "#1565c0"  # selection ring on screen, blue: apart from the marker ramp

# Marker size in points (1/72 in) on paper and device-independent pixels on screen.
MARKER_DIAMETER = 20.0


def twitch_key(point: TriggerPoint) -> TwitchStrength | None:
    """The fill key: no twitch, or its strength (an elicited twitch of unknown strength
    is drawn as weak)."""
    if not point.twitch_elicited:
        return None
    return point.twitch_strength or TwitchStrength.WEAK


def marker_style(point: TriggerPoint) -> MarkerStyle:
    """The style of ``point``'s marker."""
    fill, text = TWITCH_FILLS[twitch_key(point)]
    shape = MarkerShape.CIRCLE if point.kind is PointKind.ACTIVE else MarkerShape.DIAMOND
    return MarkerStyle(shape=shape, fill=fill, stroke=STROKE, text=text)


def legend() -> list[tuple[str, MarkerShape, str]]:
    """Legend rows (label, shape, fill), in the order shown on screen and in print."""
    rows = [
        ("Active", MarkerShape.CIRCLE, TWITCH_FILLS[None][0]),
        ("Latent", MarkerShape.DIAMOND, TWITCH_FILLS[None][0]),
    ]
    names = {
        None: "No twitch",
        TwitchStrength.WEAK: "Weak twitch",
        TwitchStrength.MEDIUM: "Medium twitch",
        TwitchStrength.STRONG: "Strong twitch",
    }
    rows += [(names[key], MarkerShape.CIRCLE, fill) for key, (fill, _) in TWITCH_FILLS.items()]
    return rows


def diamond(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    """The four corners of a diamond marker around (cx, cy)."""
    return [(cx, cy - radius), (cx + radius, cy), (cx, cy + radius), (cx - radius, cy)]
