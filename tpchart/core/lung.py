"""Lung risk: which points lie over the lung, how deep the pleura may be, and the
precautions a doctor can take there.

Pneumothorax is rare but the most serious complication of dry needling. A point is
judged by its region *and* its muscle, so a muscle over the lung charted in a
neighbouring region is not missed, and by its depth against the patient's build.

Sources (shared/clinical.md, "Lung risk" and "Lung risk, more places"): lung has been
reached at about 3 cm; the pleura can lie within 2 cm in a slim patient; the risk
sites are the neck angle, between and over the shoulder blades, intercostals,
serratus anterior, pectorals, the axilla (subscapularis), the upper quadratus
lumborum near the 12th rib, the lateral chest wall over the lower ribs and the
scalenes above the clavicle. Precautions: Australian Institute of Sport position
statement on dry needling (pincer grip, needling onto a rib, shallow and angled away,
ultrasound guidance, fewer needles in high-risk areas).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from tpchart.core.regions import REGIONS


class Build(StrEnum):
    """The patient's build, recorded once: it sets how deep the pleura may lie."""

    SLIM = "slim"
    AVERAGE = "average"
    LARGE = "large"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return self.value.capitalize()


def pleural_depth_mm(build: Build | None) -> float:
    """The depth from which the needle may reach the pleura over the thorax: within
    2 cm in a slim patient, and lung has been reached at about 3 cm otherwise. A build
    not recorded is taken as slim: the safe assumption, until the doctor says."""
    return 30.0 if build in (Build.AVERAGE, Build.LARGE) else 20.0


def pleura_text(build: Build | None) -> str:
    """How deep the pleura may lie for this build, in words."""
    who = {Build.SLIM: " in this slim patient", None: " (build not recorded: taken as slim)"}
    return f"the pleura can lie within {pleural_depth_mm(build) / 10:g} cm{who.get(build, '')}"


class LungPrecaution(StrEnum):
    """A precaution taken when needling over the lung [AIS position statement]."""

    PINCER_GRIP = "pincer_grip"
    ONTO_RIB = "onto_rib"
    SHALLOW_ANGLED = "shallow_angled"
    ULTRASOUND = "ultrasound"
    FEWER_NEEDLES = "fewer_needles"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _PRECAUTION_LABELS[self]


# The precautions that keep the needle off the pleura whatever its depth: onto a rib
# (the rib stops it), a pincer grip (the muscle lifted off the chest wall), ultrasound
# (the pleura seen). The others lower the risk without controlling the depth.
DEPTH_CONTROLS = frozenset(
    {LungPrecaution.ONTO_RIB, LungPrecaution.PINCER_GRIP, LungPrecaution.ULTRASOUND}
)

_PRECAUTION_LABELS = {
    LungPrecaution.PINCER_GRIP: "pincer grip, muscle lifted off the chest wall",
    LungPrecaution.ONTO_RIB: "needle directed onto a rib",
    LungPrecaution.SHALLOW_ANGLED: "shallow, angled away from the chest",
    LungPrecaution.ULTRASOUND: "ultrasound guidance",
    LungPrecaution.FEWER_NEEDLES: "fewer needles here",
}

_REACHED = "lung has been reached at about 3 cm depth (pneumothorax risk)."

# Muscles over the lung wherever they are charted. Not those whose risky part lies in
# flagged regions only (upper trapezius at the neck angle, latissimus and thoracic
# erector spinae over the ribs): on the posterior neck or the low back they are not
# over the lung, and a caution on every such point would teach the doctor to ignore
# them all.
_MUSCLE_RISK: Mapping[str, str] = MappingProxyType(
    {
        "scalenes": "Lower scalenes lie over the apex of the lung, which rises above the "
        "clavicle; " + _REACHED,
        "rhomboids": "Rhomboids lie on the ribs over the lung; " + _REACHED,
        "serratus_posterior_superior": "Serratus posterior superior lies on ribs 2-5 "
        "under the shoulder blade; " + _REACHED,
        "middle_trapezius": "Middle trapezius lies on the ribs over the lung; " + _REACHED,
        "lower_trapezius": "Lower trapezius lies on the ribs over the lung; " + _REACHED,
        "intercostals": "Intercostals lie directly on the pleura; " + _REACHED,
        "serratus_anterior": "Serratus anterior lies on the ribs of the lateral chest "
        "wall; " + _REACHED,
        "pectoralis_major": "Pectoralis major lies over the rib cage; " + _REACHED,
        "pectoralis_minor": "Pectoralis minor lies on the ribs; " + _REACHED,
        "subscapularis": "Subscapularis is needled through the armpit along the chest "
        "wall; " + _REACHED,
    }
)

# Quadratus lumborum only in the upper third of the lower back, at the 12th rib where
# the base of the pleura lies; at the usual L3 level it is not over the lung. The
# band is in the back view's diagram units: back.lower spans y 398-455 and
# tests/bodymap keeps this inside its upper third.
UPPER_LOW_BACK_Y = 417.0
_UPPER_QL = (
    "Upper quadratus lumborum lies at the 12th rib, near the base of the pleura; " + _REACHED
)

# Muscles over the lung only in some regions: the obliques of the lateral upper
# abdomen cover ribs 7-10, those of the lower abdomen do not.
_REGION_MUSCLE_RISK: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("front.abdomen.upper", muscle): "The lateral upper abdomen lies over ribs 7-10 "
        "and the base of the lung; " + _REACHED
        for muscle in ("external_oblique", "internal_oblique")
    }
)


def lung_risk_reason(region_id: str, muscle_id: str, y: float | None = None) -> str:
    """Why a point here risks the lung, or "" when it does not. The muscle's reason is
    the most specific, then the region's. ``y`` is the point's place on its diagram
    (quadratus lumborum is over the lung only near the 12th rib); without it the
    upper band is assumed, the safe side."""
    stem = region_id.rsplit(".", 1)[0]
    reason = _MUSCLE_RISK.get(muscle_id) or _REGION_MUSCLE_RISK.get((stem, muscle_id))
    if reason:
        return reason
    if muscle_id == "quadratus_lumborum" and stem == "back.lower":
        return _UPPER_QL if y is None or y < UPPER_LOW_BACK_Y else ""
    region = REGIONS.get(region_id)
    return region.lung_risk_reason if region is not None else ""
