"""The muscle vocabulary: one id per needled muscle, its preferred name and synonyms.

A point's muscle is chosen from this catalogue, so "upper traps" and "upper
trapezius" are one muscle on screen, on paper and in progress. A muscle the
catalogue lacks is recorded as ``OTHER`` with the doctor's own words, and progress
treats each such wording as a muscle of its own.

Ids are stable (stored with every point since schema 4): rename a muscle by
changing its ``name``, never its id. The regions where a muscle is usually needled
come from the region catalogue (``Region.muscles`` lists ids, most likely first).

Starting vocabulary: shared/clinical.md, "Common needled muscles by region", with
the muscles a clinician found missing (tibialis posterior, extensor hallucis
longus, cervical multifidus, deep hip rotators, thumb and hand muscles).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

# The id of a muscle recorded in the doctor's own words.
OTHER = "other"

MUSCLE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Muscle:
    """One catalogue muscle (or muscle group, where it is needled as a group)."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()


# (preferred name, synonyms); the id is the name in snake case. A word that names
# more than one catalogue muscle in clinic use ("calf": gastrocnemius or soleus;
# "trapezius": any of its three parts; "paraspinals": thoracic or lumbar) is no
# synonym: it stays the doctor's own words ("other") rather than being filed under a
# muscle the doctor may not have meant.
_CATALOGUE: tuple[tuple[str, tuple[str, ...]], ...] = (
    # neck
    ("upper trapezius", ("upper traps", "upper trap", "traps", "UT")),
    ("levator scapulae", ("levator", "lev scap")),
    ("splenius capitis", ()),
    ("splenius cervicis", ()),
    ("semispinalis", ("semispinalis capitis", "semispinalis cervicis")),
    ("sternocleidomastoid", ("SCM", "sternomastoid")),
    ("scalenes", ("scalene", "scalenus", "anterior scalene", "middle scalene")),
    ("suboccipitals", ("suboccipital", "suboccipital muscles", "rectus capitis")),
    ("cervical multifidus", ("cervical multifidi", "multifidus (neck)")),
    # head and jaw
    ("temporalis", ("temporal",)),
    ("masseter", ()),
    ("lateral pterygoid", ("LPM",)),
    ("medial pterygoid", ("MPM",)),
    ("digastric", ()),
    ("frontalis", ()),
    ("occipitalis", ()),
    ("zygomaticus major", ("zygomaticus",)),
    ("buccinator", ()),
    ("platysma", ()),
    # shoulder
    ("supraspinatus", ("supra",)),
    ("infraspinatus", ("infra",)),
    ("teres minor", ()),
    ("teres major", ()),
    ("deltoid", ("delt", "anterior deltoid", "posterior deltoid", "middle deltoid")),
    ("subscapularis", ("subscap",)),
    # chest and abdomen
    ("pectoralis major", ("pec major",)),
    ("pectoralis minor", ("pec minor",)),
    ("serratus anterior", ()),
    ("intercostals", ("intercostal",)),
    ("rectus abdominis", ("rectus abdominus", "abs")),
    ("external oblique", ()),
    ("internal oblique", ()),
    # upper, mid and lower back
    ("rhomboids", ("rhomboid", "rhomboid major", "rhomboid minor")),
    ("middle trapezius", ("middle traps", "mid traps", "mid trapezius")),
    ("lower trapezius", ("lower traps", "low traps")),
    (
        "thoracic erector spinae",
        ("thoracic paraspinals", "iliocostalis thoracis", "longissimus thoracis"),
    ),
    ("latissimus dorsi", ("lats", "lat")),
    ("serratus posterior superior", ("SPS",)),
    ("quadratus lumborum", ("QL",)),
    ("lumbar erector spinae", ("lumbar paraspinals", "lumbar erectors")),
    ("multifidus", ("lumbar multifidus", "lumbar multifidi")),
    # hip and buttock
    ("gluteus maximus", ("glute max", "glut max")),
    ("gluteus medius", ("glute med", "glut med")),
    ("gluteus minimus", ("glute min", "glut min")),
    ("piriformis", ()),
    (
        "deep hip rotators",
        ("gemelli", "obturator internus", "quadratus femoris", "deep six"),
    ),
    ("tensor fasciae latae", ("TFL", "tensor fascia lata")),
    ("iliopsoas", ("psoas", "iliacus", "psoas major")),
    # arm and forearm
    ("biceps", ("biceps brachii",)),
    ("triceps", ("triceps brachii",)),
    ("brachioradialis", ()),
    ("brachialis", ()),
    ("coracobrachialis", ()),
    ("pronator teres", ()),
    ("supinator", ()),
    ("anconeus", ()),
    ("wrist extensors", ("ECRL", "ECRB", "ECU", "extensor carpi radialis", "wrist extensor")),
    ("wrist flexors", ("FCR", "FCU", "flexor carpi radialis", "wrist flexor")),
    ("finger flexors", ("FDS", "FDP", "flexor digitorum superficialis")),
    ("finger extensors", ("EDC", "extensor digitorum")),
    # hand and thumb
    ("first dorsal interosseous", ("FDI", "first web space")),
    ("adductor pollicis", ()),
    ("opponens pollicis", ()),
    ("abductor pollicis brevis", ("APB",)),
    ("flexor pollicis brevis", ("FPB",)),
    # thigh
    ("quadriceps", ("quads", "rectus femoris", "vastus medialis", "VMO", "vastus intermedius")),
    ("vastus lateralis", ("VL", "lateral quad")),
    ("hamstrings", ("hamstring", "biceps femoris", "semitendinosus", "semimembranosus")),
    ("adductors", ("adductor", "adductor longus", "adductor magnus", "adductor brevis")),
    ("sartorius", ()),
    ("gracilis", ()),
    ("pectineus", ()),
    # lower leg and foot
    ("gastrocnemius", ("gastroc", "gastrocs")),
    ("soleus", ()),
    ("popliteus", ()),
    ("tibialis anterior", ("tib ant",)),
    ("tibialis posterior", ("tib post",)),
    ("peroneals", ("peroneus longus", "peroneus brevis", "fibularis", "fibularis longus")),
    ("extensor digitorum longus", ("EDL",)),
    ("extensor hallucis longus", ("EHL",)),
    ("extensor digitorum brevis", ("EDB",)),
    ("abductor hallucis", ()),
    ("quadratus plantae", ()),
    ("flexor digitorum brevis", ("FDB",)),
)


def _id(name: str) -> str:
    return name.replace(" ", "_")


MUSCLES: Mapping[str, Muscle] = MappingProxyType(
    {_id(name): Muscle(_id(name), name, synonyms) for name, synonyms in _CATALOGUE}
)


@lru_cache(maxsize=4096)  # a chart names the same few muscles on every repaint
def words_key(text: str) -> str:
    """Casefolded, accents and punctuation dropped, spaces collapsed: what a match compares."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


_BY_WORDS: Mapping[str, str] = MappingProxyType(
    {
        key: muscle.id
        for muscle in MUSCLES.values()
        for key in (
            words_key(muscle.name),
            words_key(muscle.id),
            *(words_key(s) for s in muscle.synonyms),
        )
    }
)


def muscle(muscle_id: str) -> Muscle:
    """The catalogue muscle with this id; ValueError for an unknown id."""
    try:
        return MUSCLES[muscle_id]
    except KeyError:
        raise ValueError(f"Unknown muscle id {muscle_id!r}") from None


def find(text: str) -> Muscle | None:
    """The catalogue muscle a doctor's words name, by its name, id or a synonym
    ("upper traps", "Upper Trapezius", "QL"), or None."""
    found = _BY_WORDS.get(words_key(text))
    return MUSCLES[found] if found else None


def suggestions(text: str, limit: int = 12) -> list[Muscle]:
    """Catalogue muscles whose name or a synonym starts with, or has a word starting
    with, what was typed: "traps" offers the three trapezius parts."""
    typed = words_key(text)
    if not typed:
        return []
    ranked: dict[str, int] = {}
    for key, muscle_id in _BY_WORDS.items():
        if key.startswith(typed):
            rank = 0
        elif any(word.startswith(typed) for word in key.split()):
            rank = 1
        else:
            continue
        ranked[muscle_id] = min(rank, ranked.get(muscle_id, rank))
    ordered = sorted(ranked, key=lambda m: (ranked[m], MUSCLES[m].name))
    return [MUSCLES[m] for m in ordered[:limit]]


def muscle_id_for(text: str) -> str:
    """The id to store for a muscle written as ``text``: its catalogue id, ``OTHER``
    for words the catalogue does not know, or "" for no muscle."""
    if not text.strip():
        return ""
    found = find(text)
    return found.id if found else OTHER


def catalogue_name(muscle_id: str, text: str) -> str:
    """The muscle's preferred name, or the doctor's words for an ``OTHER`` muscle: what
    progress names a row that gathers every wording of one muscle."""
    found = MUSCLES.get(muscle_id)
    return found.name if found else text.strip()


def display_name(muscle_id: str, text: str) -> str:
    """How a point's muscle reads on screen and in print: the catalogue's preferred
    name, followed by the doctor's words when they say something else ("quadriceps
    (VMO)", "upper trapezius (upper traps)"): a record never reads as less specific
    than it was written. For an ``OTHER`` muscle, the doctor's words."""
    found = MUSCLES.get(muscle_id)
    words = text.strip()
    if found is None:
        return words
    return (
        found.name
        if not words or words_key(words) == words_key(found.name)
        else f"{found.name} ({words})"
    )


def matching_key(muscle_id: str, text: str) -> str:
    """What progress compares across visits: the catalogue id, or for an ``OTHER``
    muscle the doctor's words (casefolded), each wording a muscle of its own."""
    if muscle_id in MUSCLES:
        return muscle_id
    return f"{OTHER}:{words_key(text)}" if text.strip() else ""


# ---------------------------------------------------------------------------------------
# Codes: what a muscle is called in another system (FHIR export, research tables).
#
# Every catalogue muscle has a local code, its id, in tpchart's own code system
# (``tpchart.core.coding.MUSCLE_SYSTEM``): ids are stable, so the local code is too. A
# SNOMED CT body-structure concept is added only where a published source names it
# (docs/interoperability.md lists each with its source); a guessed SNOMED code would
# be worse than none, so the rest stay local only.
# ---------------------------------------------------------------------------------------

# Bump when a code is added or changed: exports state which catalogue they used.
CODES_VERSION = "2026.1"


@dataclass(frozen=True)
class SnomedCode:
    """A SNOMED CT concept for a catalogue muscle. ``whole`` marks the concept of the
    whole muscle given for one of its parts (upper, middle and lower trapezius are
    coded as trapezius): the part itself stays in the local code and the words."""

    code: str
    display: str
    whole: bool = False


# DICOM PS3.16 CID 6116 "Muscular Anatomy" (trapezius to latissimus dorsi); gluteus
# maximus, gluteus medius and vastus lateralis from published injection-site lists
# (docs/interoperability.md, "Sources").
_TRAPEZIUS = SnomedCode("31764008", "Trapezius muscle", whole=True)
_SNOMED: Mapping[str, SnomedCode] = MappingProxyType(
    {
        "upper_trapezius": _TRAPEZIUS,
        "middle_trapezius": _TRAPEZIUS,
        "lower_trapezius": _TRAPEZIUS,
        "sternocleidomastoid": SnomedCode("22823000", "Sternocleidomastoid muscle"),
        "supraspinatus": SnomedCode("6423006", "Supraspinatus muscle"),
        "infraspinatus": SnomedCode("72573008", "Infraspinatus muscle"),
        "teres_minor": SnomedCode("51159009", "Teres minor muscle"),
        "teres_major": SnomedCode("1193009", "Teres major muscle"),
        "deltoid": SnomedCode("35259002", "Deltoid muscle"),
        "subscapularis": SnomedCode("90588001", "Subscapularis muscle"),
        "pectoralis_major": SnomedCode("60005003", "Pectoralis major muscle"),
        "pectoralis_minor": SnomedCode("18686000", "Pectoralis minor muscle"),
        "serratus_anterior": SnomedCode("18346003", "Serratus anterior muscle"),
        "latissimus_dorsi": SnomedCode("15665001", "Latissimus dorsi muscle"),
        "gluteus_maximus": SnomedCode("206007", "Structure of gluteus maximus muscle"),
        "gluteus_medius": SnomedCode("78333006", "Structure of gluteus medius muscle"),
        "vastus_lateralis": SnomedCode("1403006", "Structure of vastus lateralis muscle"),
    }
)


def snomed_code(muscle_id: str) -> SnomedCode | None:
    """The SNOMED CT concept of a catalogue muscle, or None where no published source
    names one (the muscle is then coded locally only)."""
    return _SNOMED.get(muscle_id)
