"""Adverse events: what went wrong during or after needling, how bad, and what was done.

Types and rates: Brady et al., J Man Manip Ther 2014;22:134 (7,629 dry-needling
treatments: bruising 7.55 %, bleeding 4.65 %, pain during 3.01 %, pain after
2.19 %, aggravation 0.88 %; no significant events) and the rarer events named in
shared/clinical.md (fainting, nerve irritation, infection, a broken or retained
needle, suspected pneumothorax). Grading mild / significant / serious after White
et al. (adverse events following acupuncture, BMJ 2001;323:485), as used by Brady.

A session records either events, or "asked, none" (`Session.adverse_events_asked`),
which is not the same as not having asked. An event reported at a later session is
recorded against the session it followed (`ReportedLater`) without amending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tpchart.core.errors import ValidationError
from tpchart.core.validation import check_aware, check_text, check_text_for_saving


class AdverseEventType(StrEnum):
    """What happened."""

    BRUISING = "bruising"
    BLEEDING = "bleeding"
    PAIN_DURING = "pain_during"
    PAIN_AFTER = "pain_after"
    AGGRAVATION = "aggravation"
    FATIGUE = "fatigue"
    VASOVAGAL = "vasovagal"
    NERVE = "nerve"
    INFECTION = "infection"
    NEEDLE = "needle"
    PNEUMOTHORAX = "pneumothorax"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    AdverseEventType.BRUISING: "Bruising",
    AdverseEventType.BLEEDING: "Bleeding",
    AdverseEventType.PAIN_DURING: "Pain during needling",
    AdverseEventType.PAIN_AFTER: "Pain after needling",
    AdverseEventType.AGGRAVATION: "Aggravation of symptoms",
    AdverseEventType.FATIGUE: "Fatigue",
    AdverseEventType.VASOVAGAL: "Fainting or near-fainting (vasovagal)",
    AdverseEventType.NERVE: "Nerve symptoms (tingling, numbness, shooting pain)",
    AdverseEventType.INFECTION: "Infection at a needle site",
    AdverseEventType.NEEDLE: "Broken or retained needle",
    AdverseEventType.PNEUMOTHORAX: "Suspected pneumothorax",
    AdverseEventType.OTHER: "Other",
}

# Words the first version stored as the event's kind, mapped to the type they mean.
_LEGACY_KINDS = {
    "bruising": AdverseEventType.BRUISING,
    "bleeding": AdverseEventType.BLEEDING,
    "pain during needling": AdverseEventType.PAIN_DURING,
    "pain after needling": AdverseEventType.PAIN_AFTER,
    "aggravation of symptoms": AdverseEventType.AGGRAVATION,
    "fatigue": AdverseEventType.FATIGUE,
    "fainting": AdverseEventType.VASOVAGAL,
}


class Severity(StrEnum):
    """Mild (short, reversible), significant (needs care or limits activity), serious
    (admission, lasting harm) [White et al. 2001, as used by Brady et al. 2014]."""

    MILD = "mild"
    SIGNIFICANT = "significant"
    SERIOUS = "serious"


class Onset(StrEnum):
    """When it started."""

    DURING = "during"  # while needling
    AFTER = "after"  # after needling, before leaving the clinic
    DELAYED = "delayed"  # hours or days later

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return {
            Onset.DURING: "during needling",
            Onset.AFTER: "after needling, in the clinic",
            Onset.DELAYED: "later (hours or days)",
        }[self]


@dataclass(frozen=True)
class AdverseEvent:
    """Something unwanted during or after needling: what, how bad, when, what was
    done and whether it resolved. ``description`` names an ``OTHER`` event.

    A ``kind`` given as the first version's words ("Bruising", or any free text) is
    read as its type, free text becoming ``OTHER`` with the words as description."""

    kind: AdverseEventType
    severity: Severity = Severity.MILD
    note: str = ""
    description: str = ""
    onset: Onset | None = None
    action: str = ""
    resolved: bool | None = None

    def __post_init__(self) -> None:
        kind, description = _read_kind(self.kind, self.description)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "description", description)
        if kind is AdverseEventType.OTHER:
            check_text("Adverse event", description, required=True, max_len=200)
        else:
            check_text("Adverse event", description, max_len=200)
        try:
            object.__setattr__(self, "severity", Severity(self.severity))
        except ValueError:
            raise ValidationError(
                "Adverse event severity must be mild, significant or serious, "
                f"got {self.severity!r}"
            ) from None
        if self.onset is not None:
            try:
                object.__setattr__(self, "onset", Onset(self.onset))
            except ValueError:
                raise ValidationError(f"Unknown adverse event onset {self.onset!r}") from None
        check_text("Adverse event note", self.note, max_len=2000)
        check_text("Action taken", self.action, max_len=2000)
        if self.kind is AdverseEventType.PNEUMOTHORAX and self.severity is Severity.MILD:
            # It needs medical assessment at least: significant by the grading's own terms.
            raise ValidationError(
                "A suspected pneumothorax is at least significant: it needs medical care"
            )

    @property
    def name(self) -> str:
        """What happened, in words: the type, or the description of an ``OTHER`` event."""
        return self.description if self.kind is AdverseEventType.OTHER else self.kind.label

    @property
    def text(self) -> str:
        """One line for the record, e.g. "Bruising (mild, during needling; pressure
        applied; resolved)"."""
        parts = [self.severity.value]
        if self.onset is not None:
            parts[0] += f", {self.onset.label}"
        if self.action.strip():
            parts.append(self.action.strip())
        if self.resolved is not None:
            parts.append("resolved" if self.resolved else "not resolved")
        text = f"{self.name} ({'; '.join(parts)})"
        if self.description and self.kind is not AdverseEventType.OTHER:
            text += f": {self.description}"
        return text + (f". {self.note.strip()}" if self.note.strip() else "")

    def check_for_saving(self) -> None:
        """Raise ValidationError unless this event's text may be written."""
        check_text_for_saving("Adverse event", self.name, required=True)
        check_text_for_saving("Adverse event note", self.note)
        check_text_for_saving("Action taken", self.action)

    def as_stored(self) -> dict[str, Any]:
        """The JSON object stored for this event."""
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "note": self.note,
            "description": self.description,
            "onset": None if self.onset is None else self.onset.value,
            "action": self.action,
            "resolved": self.resolved,
        }

    @classmethod
    def from_stored(cls, value: Mapping[str, Any]) -> AdverseEvent:
        """An event from its stored JSON object (the first version's too)."""
        kind, description = value["kind"], value.get("description")
        if description is None:
            # The first version stored only the doctor's words as the kind. Only the
            # words it offered map to a type ("Fainting" is vasovagal); any other
            # words, even one that spells a type today ("needle"), stay an OTHER event
            # in those words, so an old record never reads as more than was written.
            words = str(kind).strip()
            kind = _LEGACY_KINDS.get(words.casefold(), AdverseEventType.OTHER)
            # Words that differ from today's label are kept beside it ("Fainting" beside
            # "Fainting or near-fainting"); an OTHER event is named by them.
            same = kind is not AdverseEventType.OTHER and words.casefold() == kind.label.casefold()
            description = "" if same else words
        return cls(
            kind=kind,
            severity=value.get("severity", Severity.MILD),
            note=value.get("note", ""),
            description=description,
            onset=value.get("onset"),
            action=value.get("action", ""),
            resolved=value.get("resolved"),
        )


def _read_kind(kind: object, description: str) -> tuple[AdverseEventType, str]:
    if isinstance(kind, AdverseEventType):
        return kind, description
    words = str(kind).strip()
    try:
        return AdverseEventType(words), description
    except ValueError:
        pass
    legacy = _LEGACY_KINDS.get(words.casefold())
    if legacy is not None:
        return legacy, description
    return AdverseEventType.OTHER, description or words


@dataclass(frozen=True)
class ReportedLater:
    """An adverse event the patient reported at a later session, recorded against the
    session it followed (``session_id``) without amending that session."""

    session_id: int
    event: AdverseEvent
    recorded_at: datetime
    recorded_by: int
    id: int | None = None

    def __post_init__(self) -> None:
        check_aware("Recorded at", self.recorded_at)
