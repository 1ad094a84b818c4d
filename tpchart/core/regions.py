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

# Lung risk [clinical brief, "Safety": pneumothorax is rare but the most
# serious complication; risk over the thorax; lung reached at about 3 cm]. The
# anterior neck is not flagged as a region: the dome of the pleura lies behind the
# lower scalenes only, so the scalenes carry that risk wherever they are charted
# (core.lung), and an SCM point for a headache raises no lung caution.
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

_AXILLA = (
    "Through the armpit (subscapularis, serratus anterior) the needle runs along the "
    "chest wall; lung has been reached at about 3 cm depth (pneumothorax risk)."
)


@dataclass(frozen=True)
class Region:
    """One clickable area of a body map."""

    id: str
    label: str
    view: View
    side: Side
    muscles: tuple[str, ...]  # ids (core.muscles) usually needled there, most likely first
    lung_risk: bool
    lung_risk_reason: str = ""


# (id without side, label template, muscles, lung-risk reason or "")
# "{Side}" in the label becomes "Right" or "Left".
_Spec = tuple[str, str, tuple[str, ...], str]

_FRONT: tuple[_Spec, ...] = (
    ("front.head", "{Side} forehead and temple", ("temporalis", "frontalis"), ""),
    ("front.jaw", "{Side} jaw and cheek", ("masseter", "lateral_pterygoid", "digastric"), ""),
    (
        "front.neck.anterior",
        "{Side} anterior neck",
        ("sternocleidomastoid", "scalenes", "platysma"),
        "",  # the lung apex lies behind the lower scalenes: judged by muscle (core.lung)
    ),
    (
        "front.shoulder.upper",
        "{Side} top of shoulder (front)",
        ("upper_trapezius", "scalenes", "levator_scapulae"),
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
        ("pectoralis_major", "pectoralis_minor", "intercostals"),
        _THORAX,
    ),
    (
        "front.axilla",
        "{Side} armpit (axilla)",
        ("subscapularis", "latissimus_dorsi", "teres_major", "serratus_anterior"),
        _AXILLA,
    ),
    (
        "front.chest.lateral",
        "{Side} side of chest",
        ("serratus_anterior", "latissimus_dorsi", "intercostals"),
        _CHEST_WALL,
    ),
    (
        "front.abdomen.upper",
        "{Side} upper abdomen",
        ("rectus_abdominis", "external_oblique", "internal_oblique"),
        "",
    ),
    (
        "front.abdomen.lower",
        "{Side} lower abdomen",
        ("rectus_abdominis", "internal_oblique", "external_oblique", "iliopsoas"),
        "",
    ),
    (
        "front.hip",
        "{Side} hip (front)",
        ("tensor_fasciae_latae", "gluteus_medius", "gluteus_minimus", "sartorius"),
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
        ("brachioradialis", "pronator_teres", "brachialis"),
        "",
    ),
    (
        "front.forearm",
        "{Side} forearm (front)",
        ("wrist_flexors", "brachioradialis", "pronator_teres", "finger_flexors"),
        "",
    ),
    (
        "front.hand",
        "{Side} palm",
        ("adductor_pollicis", "first_dorsal_interosseous", "finger_flexors"),
        "",
    ),
    (
        "front.hand.thumb",
        "{Side} thumb and its base (thenar)",
        (
            "opponens_pollicis",
            "abductor_pollicis_brevis",
            "flexor_pollicis_brevis",
            "adductor_pollicis",
        ),
        "",
    ),
    ("front.thigh", "{Side} thigh (front)", ("quadriceps", "sartorius"), ""),
    (
        "front.thigh.lateral",
        "{Side} outer thigh",
        ("vastus_lateralis", "tensor_fasciae_latae", "quadriceps"),
        "",
    ),
    ("front.thigh.inner", "{Side} inner thigh", ("adductors", "gracilis", "sartorius"), ""),
    ("front.knee", "{Side} knee (front)", ("quadriceps", "sartorius", "gracilis"), ""),
    (
        "front.shin",
        "{Side} shin",
        (
            "tibialis_anterior",
            "peroneals",
            "extensor_digitorum_longus",
            "extensor_hallucis_longus",
        ),
        "",
    ),
    (
        "front.foot",
        "{Side} foot (top)",
        ("extensor_digitorum_brevis", "abductor_hallucis"),
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
            "splenius_capitis",
            "splenius_cervicis",
            "semispinalis",
            "levator_scapulae",
            "suboccipitals",
            "upper_trapezius",
            "cervical_multifidus",
        ),
        "",
    ),
    (
        "back.shoulder.upper",
        "{Side} upper trapezius (neck angle)",
        ("upper_trapezius", "levator_scapulae", "supraspinatus"),
        _NECK_ANGLE,
    ),
    (
        "back.shoulder",
        "{Side} shoulder (back)",
        ("deltoid", "teres_minor", "infraspinatus"),
        "",
    ),
    (
        "back.scapula",
        "{Side} shoulder blade",
        ("infraspinatus", "teres_minor", "teres_major", "supraspinatus", "latissimus_dorsi"),
        _SCAPULA,
    ),
    (
        "back.upper",
        "{Side} upper back (between the shoulder blades)",
        (
            "rhomboids",
            "middle_trapezius",
            "thoracic_erector_spinae",
            "levator_scapulae",
            "serratus_posterior_superior",
        ),
        _BETWEEN_BLADES,
    ),
    (
        "back.mid",
        "{Side} mid back",
        ("lower_trapezius", "thoracic_erector_spinae", "latissimus_dorsi", "intercostals"),
        _THORAX,
    ),
    (
        "back.lower",
        "{Side} lower back",
        ("quadratus_lumborum", "lumbar_erector_spinae", "multifidus"),
        "",
    ),
    (
        "back.hip",
        "{Side} hip (side)",
        ("gluteus_medius", "gluteus_minimus", "tensor_fasciae_latae", "piriformis"),
        "",
    ),
    (
        "back.buttock",
        "{Side} buttock",
        ("gluteus_maximus", "piriformis", "gluteus_medius", "deep_hip_rotators"),
        "",
    ),
    ("back.arm.upper", "{Side} upper arm (back)", ("triceps", "deltoid"), ""),
    (
        "back.elbow",
        "{Side} elbow (back)",
        ("wrist_extensors", "supinator", "anconeus", "triceps"),
        "",
    ),
    (
        "back.forearm",
        "{Side} forearm (back)",
        ("wrist_extensors", "brachioradialis", "finger_extensors", "supinator"),
        "",
    ),
    (
        "back.hand",
        "{Side} back of hand",
        ("finger_extensors", "first_dorsal_interosseous"),
        "",
    ),
    (
        "back.hand.webspace",
        "{Side} first web space (thumb to index)",
        ("first_dorsal_interosseous", "adductor_pollicis"),
        "",
    ),
    ("back.thigh", "{Side} thigh (back)", ("hamstrings", "adductors"), ""),
    (
        "back.knee",
        "{Side} back of knee",
        ("popliteus", "gastrocnemius", "hamstrings"),
        "",
    ),
    (
        "back.calf",
        "{Side} calf",
        ("gastrocnemius", "soleus", "tibialis_posterior", "peroneals"),
        "",
    ),
    (
        "back.foot",
        "{Side} heel and sole",
        ("abductor_hallucis", "quadratus_plantae", "flexor_digitorum_brevis"),
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
        ("occipitalis", "semispinalis", "splenius_capitis"),
        "",
    ),
    ("head.face", "{Side} face (cheek)", ("zygomaticus_major", "buccinator"), ""),
    (
        "head.tmj",
        "{Side} jaw joint (TMJ)",
        # Not medial pterygoid: it lies inside the ramus, needled below the angle of
        # the jaw (head.masseter), not at the joint.
        ("lateral_pterygoid", "masseter"),
        "",
    ),
    ("head.masseter", "{Side} jaw (masseter)", ("masseter", "medial_pterygoid"), ""),
    ("head.chin", "{Side} chin and under the jaw", ("digastric", "platysma"), ""),
    (
        "head.suboccipital",
        "{Side} suboccipital (base of skull)",
        ("suboccipitals", "semispinalis", "splenius_capitis"),
        "",
    ),
    (
        "head.neck.posterior",
        "{Side} posterior neck",
        (
            "splenius_capitis",
            "semispinalis",
            "levator_scapulae",
            "upper_trapezius",
            "cervical_multifidus",
        ),
        "",
    ),
    (
        "head.neck.anterior",
        "{Side} sternocleidomastoid and anterior neck",
        ("sternocleidomastoid", "scalenes", "platysma"),
        "",  # the lung apex lies behind the lower scalenes: judged by muscle (core.lung)
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
    """The id of every muscle any region offers, sorted, each once."""
    return sorted({m for r in REGIONS.values() for m in r.muscles})


def regions_for_muscle(muscle_id: str) -> list[Region]:
    """The regions where a muscle is usually needled, in catalogue order."""
    return [r for r in REGIONS.values() if muscle_id in r.muscles]
