"""The body-map regions: where on the body a trigger point can be charted.

One `Region` per clickable area of the three diagrams in ``assets/body_maps``
(front, back, head side view). This module is the catalogue only: which region
ids exist, their human labels, the patient's side, the muscles usually needled
there and whether needling there risks the lung. The drawings themselves and
the geometry (hit tests, outlines) live in ``tpchart.bodymap``; a test keeps
the two in step.

Region ids follow one scheme: ``<view>.<area>[.<part>].<side>``, lower case,
for example ``front.neck.anterior.right`` or ``back.scapula.left``. The side is
always the *patient's* side, never the viewer's: on the front view the
patient's right is on the viewer's left, on the back view on the viewer's right.

Every region is paired left/right; there is no midline region. Dry needling
always goes into a muscle on one side, and the lung-risk rule "both sides of
the thorax in one session" needs that side. `Side.MIDLINE` stays available for
points charted on the midline itself.

The head side view shows both sides of the head, one profile above the other
(patient's right side on top, face to the viewer's right; left side below,
mirrored), so that jaw and temple work on either side is charted with the same
detail: TMJ dysfunction and headaches are often bilateral or left-sided.

Names follow the CHOIR and Michigan body maps where that was cheap (head, jaw,
neck, shoulder, upper arm, elbow, forearm, hand, chest, abdomen, upper back,
lower back, buttock, hip, groin, thigh, knee, lower leg, foot); their drawings
are copyrighted and were not used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class View(StrEnum):
    """Which diagram a point was charted on."""

    FRONT = "front"
    BACK = "back"
    HEAD = "head"


class Side(StrEnum):
    """The patient's side (never the viewer's)."""

    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


# Each diagram's viewBox (x, y, width, height) as declared in assets/body_maps
# (front.svg, back.svg, head_side.svg). Points are stored in these units, so a point
# to be saved must lie inside its view's box. A test keeps these in step with the SVGs.
VIEW_BOXES: Mapping[View, tuple[float, float, float, float]] = MappingProxyType(
    {
        View.FRONT: (0.0, 0.0, 500.0, 1000.0),
        View.BACK: (0.0, 0.0, 500.0, 1000.0),
        View.HEAD: (0.0, 0.0, 500.0, 1000.0),
    }
)

# <view>.<area>[.<part>].<side>
REGION_ID_PATTERN = re.compile(r"^(front|back|head)\.[a-z]+(\.[a-z]+)?\.(left|right|midline)$")

# The starting vocabulary of needled muscles from the clinical brief
# (docs: /work/shared/clinical.md, "Common needled muscles by region").
CLINICAL_MUSCLES: tuple[str, ...] = (
    # neck
    "upper trapezius",
    "levator scapulae",
    "splenius capitis",
    "semispinalis",
    "sternocleidomastoid",
    "scalenes",
    "suboccipitals",
    # head / jaw
    "temporalis",
    "masseter",
    # shoulder
    "supraspinatus",
    "infraspinatus",
    "teres minor",
    "teres major",
    "deltoid",
    "subscapularis",
    # chest
    "pectoralis major",
    "pectoralis minor",
    "serratus anterior",
    # upper and mid back
    "rhomboids",
    "middle trapezius",
    "lower trapezius",
    "thoracic erector spinae",
    # lower back
    "quadratus lumborum",
    "lumbar erector spinae",
    "multifidus",
    # hip
    "gluteus maximus",
    "gluteus medius",
    "gluteus minimus",
    "piriformis",
    "tensor fasciae latae",
    "iliopsoas",
    # arm and forearm
    "biceps",
    "triceps",
    "brachioradialis",
    "wrist extensors",
    "wrist flexors",
    # thigh
    "quadriceps",
    "hamstrings",
    "adductors",
    # lower leg
    "gastrocnemius",
    "soleus",
    "tibialis anterior",
    "peroneals",
)

# Muscles added so that every region offers a sensible choice (face, jaw,
# abdomen, hand, foot and the smaller arm muscles the brief does not name).
EXTRA_MUSCLES: tuple[str, ...] = (
    "frontalis",
    "occipitalis",
    "zygomaticus major",
    "buccinator",
    "lateral pterygoid",
    "medial pterygoid",
    "digastric",
    "platysma",
    "intercostals",
    "latissimus dorsi",
    "rectus abdominis",
    "external oblique",
    "internal oblique",
    "coracobrachialis",
    "brachialis",
    "pronator teres",
    "supinator",
    "anconeus",
    "finger flexors",
    "finger extensors",
    "first dorsal interosseous",
    "adductor pollicis",
    "opponens pollicis",
    "sartorius",
    "gracilis",
    "pectineus",
    "popliteus",
    "extensor digitorum longus",
    "extensor digitorum brevis",
    "abductor hallucis",
    "quadratus plantae",
    "flexor digitorum brevis",
)

KNOWN_MUSCLES: frozenset[str] = frozenset(CLINICAL_MUSCLES + EXTRA_MUSCLES)

# Lung risk [clinical brief, "Safety": pneumothorax is rare but the most
# serious complication; risk over the thorax; lung reached at about 3 cm].
# The dome of the pleura rises 2-3 cm above the medial clavicle, just behind the
# lower scalenes: pneumothorax has been reported after scalene needling.
_LUNG_APEX = (
    "Lower scalenes lie over the apex of the lung, which rises above the clavicle; "
    "lung has been reached at about 3 cm depth (pneumothorax risk)."
)
_THORAX = "Over the thorax: lung has been reached at about 3 cm depth (pneumothorax risk)."
_NECK_ANGLE = (
    "Upper trapezius near the neck angle lies over the apex of the lung; "
    "lung has been reached at about 3 cm depth (pneumothorax risk)."
)
_SCAPULA = (
    "The shoulder blade lies over the rib cage; beside or through a thin blade "
    "the lung has been reached at about 3 cm depth (pneumothorax risk)."
)
_BETWEEN_BLADES = (
    "Between the shoulder blades (rhomboids, middle trapezius) the lung lies under "
    "a thin muscle layer; it has been reached at about 3 cm depth (pneumothorax risk)."
)
_CHEST_WALL = (
    "Lateral chest wall (serratus anterior, intercostals): the lung lies just "
    "under the ribs; it has been reached at about 3 cm depth (pneumothorax risk)."
)


@dataclass(frozen=True)
class Region:
    """One clickable area of a body map."""

    id: str
    label: str
    view: View
    side: Side
    muscles: tuple[str, ...]  # usual needled muscles there, most likely first
    lung_risk: bool
    lung_risk_reason: str = ""


# (id without side, label template, muscles, lung-risk reason or "")
# "{Side}" in the label becomes "Right" or "Left".
_Spec = tuple[str, str, tuple[str, ...], str]

_FRONT: tuple[_Spec, ...] = (
    ("front.head", "{Side} forehead and temple", ("temporalis", "frontalis"), ""),
    ("front.jaw", "{Side} jaw and cheek", ("masseter", "lateral pterygoid", "digastric"), ""),
    (
        "front.neck.anterior",
        "{Side} anterior neck",
        ("sternocleidomastoid", "scalenes", "platysma"),
        _LUNG_APEX,
    ),
    (
        "front.shoulder.upper",
        "{Side} top of shoulder (front)",
        ("upper trapezius", "scalenes", "levator scapulae"),
        _NECK_ANGLE,
    ),
    (
        "front.shoulder",
        "{Side} shoulder (front)",
        ("deltoid", "subscapularis", "biceps", "coracobrachialis"),
        "",
    ),
    (
        "front.chest",
        "{Side} chest",
        ("pectoralis major", "pectoralis minor", "intercostals"),
        _THORAX,
    ),
    (
        "front.chest.lateral",
        "{Side} side of chest",
        ("serratus anterior", "latissimus dorsi", "intercostals"),
        _CHEST_WALL,
    ),
    (
        "front.abdomen.upper",
        "{Side} upper abdomen",
        ("rectus abdominis", "external oblique", "internal oblique"),
        "",
    ),
    (
        "front.abdomen.lower",
        "{Side} lower abdomen",
        ("rectus abdominis", "internal oblique", "external oblique", "iliopsoas"),
        "",
    ),
    (
        "front.hip",
        "{Side} hip (front)",
        ("tensor fasciae latae", "gluteus medius", "gluteus minimus", "sartorius"),
        "",
    ),
    ("front.groin", "{Side} groin", ("iliopsoas", "adductors", "pectineus", "sartorius"), ""),
    (
        "front.arm.upper",
        "{Side} upper arm (front)",
        ("biceps", "brachialis", "coracobrachialis"),
        "",
    ),
    (
        "front.elbow",
        "{Side} elbow (front)",
        ("brachioradialis", "pronator teres", "brachialis"),
        "",
    ),
    (
        "front.forearm",
        "{Side} forearm (front)",
        ("wrist flexors", "brachioradialis", "pronator teres", "finger flexors"),
        "",
    ),
    (
        "front.hand",
        "{Side} palm",
        ("opponens pollicis", "adductor pollicis", "first dorsal interosseous"),
        "",
    ),
    ("front.thigh", "{Side} thigh (front)", ("quadriceps", "sartorius"), ""),
    ("front.thigh.inner", "{Side} inner thigh", ("adductors", "gracilis", "sartorius"), ""),
    ("front.knee", "{Side} knee (front)", ("quadriceps", "sartorius", "gracilis"), ""),
    (
        "front.shin",
        "{Side} shin",
        ("tibialis anterior", "peroneals", "extensor digitorum longus"),
        "",
    ),
    (
        "front.foot",
        "{Side} foot (top)",
        ("extensor digitorum brevis", "abductor hallucis"),
        "",
    ),
)

_BACK: tuple[_Spec, ...] = (
    (
        "back.head",
        "{Side} back of head",
        ("occipitalis", "suboccipitals", "semispinalis"),
        "",
    ),
    (
        "back.neck.posterior",
        "{Side} posterior neck",
        (
            "splenius capitis",
            "semispinalis",
            "levator scapulae",
            "suboccipitals",
            "upper trapezius",
        ),
        "",
    ),
    (
        "back.shoulder.upper",
        "{Side} upper trapezius (neck angle)",
        ("upper trapezius", "levator scapulae", "supraspinatus"),
        _NECK_ANGLE,
    ),
    (
        "back.shoulder",
        "{Side} shoulder (back)",
        ("deltoid", "teres minor", "infraspinatus"),
        "",
    ),
    (
        "back.scapula",
        "{Side} shoulder blade",
        ("infraspinatus", "teres minor", "teres major", "supraspinatus", "latissimus dorsi"),
        _SCAPULA,
    ),
    (
        "back.upper",
        "{Side} upper back (between the shoulder blades)",
        ("rhomboids", "middle trapezius", "thoracic erector spinae", "levator scapulae"),
        _BETWEEN_BLADES,
    ),
    (
        "back.mid",
        "{Side} mid back",
        ("lower trapezius", "thoracic erector spinae", "latissimus dorsi", "intercostals"),
        _THORAX,
    ),
    (
        "back.lower",
        "{Side} lower back",
        ("quadratus lumborum", "lumbar erector spinae", "multifidus"),
        "",
    ),
    (
        "back.hip",
        "{Side} hip (side)",
        ("gluteus medius", "gluteus minimus", "tensor fasciae latae", "piriformis"),
        "",
    ),
    (
        "back.buttock",
        "{Side} buttock",
        ("gluteus maximus", "piriformis", "gluteus medius"),
        "",
    ),
    ("back.arm.upper", "{Side} upper arm (back)", ("triceps", "deltoid"), ""),
    (
        "back.elbow",
        "{Side} elbow (back)",
        ("wrist extensors", "supinator", "anconeus", "triceps"),
        "",
    ),
    (
        "back.forearm",
        "{Side} forearm (back)",
        ("wrist extensors", "brachioradialis", "finger extensors", "supinator"),
        "",
    ),
    (
        "back.hand",
        "{Side} back of hand",
        ("first dorsal interosseous", "adductor pollicis"),
        "",
    ),
    ("back.thigh", "{Side} thigh (back)", ("hamstrings", "adductors"), ""),
    (
        "back.knee",
        "{Side} back of knee",
        ("popliteus", "gastrocnemius", "hamstrings"),
        "",
    ),
    ("back.calf", "{Side} calf", ("gastrocnemius", "soleus", "peroneals"), ""),
    (
        "back.foot",
        "{Side} heel and sole",
        ("abductor hallucis", "quadratus plantae", "flexor digitorum brevis"),
        "",
    ),
)

_HEAD: tuple[_Spec, ...] = (
    ("head.crown", "{Side} top of head", ("temporalis", "frontalis", "occipitalis"), ""),
    ("head.forehead", "{Side} forehead", ("frontalis",), ""),
    ("head.temporal", "{Side} temple (temporalis)", ("temporalis",), ""),
    (
        "head.occiput",
        "{Side} back of head",
        ("occipitalis", "semispinalis", "splenius capitis"),
        "",
    ),
    ("head.face", "{Side} face (cheek)", ("zygomaticus major", "buccinator"), ""),
    (
        "head.tmj",
        "{Side} jaw joint (TMJ)",
        ("lateral pterygoid", "masseter", "medial pterygoid"),
        "",
    ),
    ("head.masseter", "{Side} jaw (masseter)", ("masseter", "medial pterygoid"), ""),
    ("head.chin", "{Side} chin and under the jaw", ("digastric", "platysma"), ""),
    (
        "head.suboccipital",
        "{Side} suboccipital (base of skull)",
        ("suboccipitals", "semispinalis", "splenius capitis"),
        "",
    ),
    (
        "head.neck.posterior",
        "{Side} posterior neck",
        ("splenius capitis", "semispinalis", "levator scapulae", "upper trapezius"),
        "",
    ),
    (
        "head.neck.anterior",
        "{Side} sternocleidomastoid and anterior neck",
        ("sternocleidomastoid", "scalenes", "platysma"),
        _LUNG_APEX,
    ),
)

_VIEW_SPECS: dict[View, tuple[_Spec, ...]] = {
    View.FRONT: _FRONT,
    View.BACK: _BACK,
    View.HEAD: _HEAD,
}


def _build() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for view, specs in _VIEW_SPECS.items():
        for side in (Side.RIGHT, Side.LEFT):
            for stem, label, muscles, reason in specs:
                region_id = f"{stem}.{side}"
                regions[region_id] = Region(
                    id=region_id,
                    label=label.format(Side=side.value.capitalize()),
                    view=view,
                    side=side,
                    muscles=muscles,
                    lung_risk=bool(reason),
                    lung_risk_reason=reason,
                )
    return regions


REGIONS: Mapping[str, Region] = MappingProxyType(_build())


def region(region_id: str) -> Region:
    """The region with this id; ValueError (not KeyError) for an unknown id."""
    try:
        return REGIONS[region_id]
    except KeyError:
        raise ValueError(
            f"Unknown body-map region {region_id!r}: expected an id such as "
            f"'front.neck.anterior.right' (see tpchart.core.regions.REGIONS)."
        ) from None


def regions_for_view(view: View) -> list[Region]:
    """The regions of one diagram, in catalogue order (patient's right first)."""
    view = View(view)
    return [r for r in REGIONS.values() if r.view is view]


def all_muscles() -> list[str]:
    """Every muscle any region offers, sorted, each once."""
    return sorted({m for r in REGIONS.values() for m in r.muscles})
