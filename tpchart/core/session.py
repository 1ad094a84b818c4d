"""A session: one dry-needling session, from screening to aftercare, draft until signed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from tpchart.core.adverse_events import AdverseEvent
from tpchart.core.errors import SignedRecordError, ValidationError
from tpchart.core.precaution_sites import PrecautionSite, check_sites_ticked
from tpchart.core.screening import ComplaintArea, Precaution, RedFlag, RedFlagDecision
from tpchart.core.validation import (
    check_aware,
    check_range,
    check_score,
    check_session_time,
    check_text,
    check_text_for_saving,
)


class LikelyCause(StrEnum):
    """What is likely behind the pain (clinical.md, Assessment)."""

    POSTURAL_STRAIN = "postural_strain"
    SPORTS_OVERUSE = "sports_overuse"
    MUSCLE_IMBALANCE = "muscle_imbalance"
    REPETITIVE_STRAIN = "repetitive_strain"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The wording shown on screen and in print."""
        return self.value.replace("_", " ").capitalize()


class SessionStatus(StrEnum):
    """Draft while charting; signed is read-only; amending reopens a signed session
    for a recorded reason until it is signed again as a new version."""

    DRAFT = "draft"
    SIGNED = "signed"
    AMENDING = "amending"


DEFAULT_AFTERCARE = (
    "Light stretching of the treated muscles. Drink plenty of water. Avoid strenuous "
    "exercise and heavy lifting for 24 hours. Mild soreness, heaviness or fatigue for a "
    "day or two is expected; bruising can occur. Relief may start within hours and build "
    "over 1 to 3 days. Contact the clinic if pain is severe or you feel short of breath."
)


@dataclass(frozen=True)
class Session:
    """One session. Times are time-zone aware; scores are NRS 0-10."""

    patient_id: int
    practitioner_id: int
    started_at: datetime
    chief_complaint: str = ""
    likely_cause: LikelyCause | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    consent_given: bool = False
    consent_by: str = ""
    consent_at: datetime | None = None
    # The version of the consent wording explained (`core.consent`); "" before schema 5.
    consent_text_version: str = ""
    screening_done: bool = False
    contraindications: frozenset[Precaution] = field(default_factory=frozenset)
    red_flags: frozenset[RedFlag] = field(default_factory=frozenset)
    complaint_areas: frozenset[ComplaintArea] = field(default_factory=frozenset)
    red_flag_decision: RedFlagDecision | None = None
    red_flag_reason: str = ""
    precaution_sites: tuple[PrecautionSite, ...] = ()
    skin_prepared: bool = False
    adverse_events: tuple[AdverseEvent, ...] = ()
    adverse_events_asked: bool = False
    both_sides_acknowledged: bool = False
    aftercare_given: bool = False
    aftercare_text: str = ""
    follow_up: str = ""
    notes: str = ""
    # The doctor's choice: visit notes kept off the patient's copy of the record.
    notes_internal: bool = False
    ndi: float | None = None
    odi: float | None = None
    psfs: float | None = None
    status: SessionStatus = SessionStatus.DRAFT
    version: int = 1
    signed_by: int | None = None
    signed_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        check_aware("Session start", self.started_at)
        check_text("Chief complaint", self.chief_complaint, max_len=2000)
        if self.likely_cause is not None:
            object.__setattr__(self, "likely_cause", LikelyCause(self.likely_cause))
        check_score("Pain before", self.pain_before)
        check_score("Pain after", self.pain_after)
        check_text("Consent given by", self.consent_by, max_len=200)
        check_aware("Consent time", self.consent_at)
        check_text("Consent wording version", self.consent_text_version, max_len=40)
        if self.consent_given and not self.consent_by.strip():
            raise ValidationError("Consent needs the name of who gave it")
        object.__setattr__(
            self, "contraindications", frozenset(Precaution(p) for p in self.contraindications)
        )
        object.__setattr__(self, "red_flags", frozenset(RedFlag(f) for f in self.red_flags))
        object.__setattr__(
            self, "complaint_areas", frozenset(ComplaintArea(a) for a in self.complaint_areas)
        )
        if self.red_flag_decision is not None:
            object.__setattr__(self, "red_flag_decision", RedFlagDecision(self.red_flag_decision))
        check_text("Red flag decision", self.red_flag_reason, max_len=2000)
        object.__setattr__(self, "precaution_sites", tuple(self.precaution_sites))
        object.__setattr__(self, "adverse_events", tuple(self.adverse_events))
        check_text("Aftercare advice", self.aftercare_text, max_len=20_000)
        check_text("Follow-up plan", self.follow_up, max_len=20_000)
        check_text("Notes", self.notes, max_len=100_000)
        # Outcome measures: NDI and ODI as percentages, PSFS as its 0-10 mean.
        check_range("Neck Disability Index", self.ndi, 0, 100, "%")
        check_range("Oswestry Disability Index", self.odi, 0, 100, "%")
        check_range("Patient-Specific Functional Scale", self.psfs, 0, 10)
        object.__setattr__(self, "status", SessionStatus(self.status))
        if self.version < 1:
            raise ValidationError(f"Session version must be 1 or more, got {self.version}")
        check_aware("Signing time", self.signed_at)

    def check_for_saving(self, before: Session | None = None, now: datetime | None = None) -> None:
        """Raise ValidationError unless this session may be written: start and consent
        time from 1900 to a day after ``now`` (`check_session_time`) and every text, the
        adverse events' too, passing `check_text_for_saving`.

        ``before`` is the stored session being updated: a value left as it was is not
        judged again. Older versions stored sessions and text these rules refuse; such a
        session must still load, print and take corrections of its other fields."""

        def changed(name: str) -> bool:
            return before is None or getattr(before, name) != getattr(self, name)

        for label, name in (("Session start", "started_at"), ("Consent time", "consent_at")):
            if changed(name):
                check_session_time(label, getattr(self, name), now)
        if changed("consent_by") or changed("consent_given"):
            # Given consent needs a name that shows, not only zero-width characters.
            check_text_for_saving("Consent given by", self.consent_by, required=self.consent_given)
        for label, name in (
            ("Chief complaint", "chief_complaint"),
            ("Aftercare advice", "aftercare_text"),
            ("Follow-up plan", "follow_up"),
            ("Notes", "notes"),
            ("Red flag decision", "red_flag_reason"),
        ):
            if changed(name):
                check_text_for_saving(label, getattr(self, name))
        if changed("precaution_sites") or changed("contraindications"):
            check_sites_ticked(self.precaution_sites, self.contraindications)
        if changed("red_flag_decision") or changed("red_flag_reason") or changed("red_flags"):
            problem = self.red_flag_decision_problem
            if problem:
                raise ValidationError(problem)
            if (
                before is not None
                and self.red_flag_decision is not None
                and self.red_flags - before.red_flags
                and (self.red_flag_decision, self.red_flag_reason)
                == (before.red_flag_decision, before.red_flag_reason)
            ):
                # The decision was made on the flags ticked then, not on the new one.
                raise ValidationError("A red flag was added after the decision: decide again")
        kept = set(before.adverse_events) if before is not None else set()
        for event in self.adverse_events:
            if event not in kept:
                event.check_for_saving()

    @property
    def editable(self) -> bool:
        """Drafts and amendments in progress may change; signed sessions may not."""
        return self.status is not SessionStatus.SIGNED

    @property
    def red_flag_decision_problem(self) -> str:
        """Why the recorded red-flag decision cannot stand, or "": a decision needs a
        red flag, and "safe to proceed" needs its reason."""
        if self.red_flag_decision is None:
            return ""
        if not self.red_flags:
            return "A red-flag decision needs a red flag ticked"
        if self.red_flag_decision is RedFlagDecision.SAFE_TO_PROCEED and not (
            self.red_flag_reason.strip()
        ):
            return "Say why it is safe to proceed despite the red flag"
        return ""

    @property
    def red_flag_undecided(self) -> bool:
        """A red flag is ticked and no decision is recorded yet."""
        return bool(self.red_flags) and self.red_flag_decision is None

    @property
    def referred(self) -> bool:
        """The doctor referred the patient for a red flag: no needling this session."""
        return bool(self.red_flags) and self.red_flag_decision is RedFlagDecision.REFERRED

    def needling_refused(self) -> str:
        """Why no point may be needled (marked) now, or "" when needling may go on. A
        positive red flag needs a recorded decision first [Finucane et al., JOSPT
        2020;50:350; shared/clinical.md, "Red flags depend on the complaint"]."""
        if self.red_flag_undecided:
            return (
                "A red flag is ticked: record a decision first (referred, or safe to "
                "proceed with the reason)."
            )
        if self.referred:
            return "The patient was referred for a red flag: no needling this session."
        return ""

    @property
    def adverse_events_answer(self) -> str:
        """The adverse-event question's answer in words: the events, "asked, none" or
        "not asked"."""
        if self.adverse_events:
            return "; ".join(e.text for e in self.adverse_events)
        return "Asked, none" if self.adverse_events_asked else "Not asked"

    def ensure_editable(self) -> None:
        """Raise SignedRecordError for a signed session."""
        if not self.editable:
            raise SignedRecordError(
                "This session is signed and cannot be changed; amend it with a reason instead."
            )

    def missing_for_signature(self, point_count: int) -> list[str]:
        """What must be recorded before this session can be signed."""
        missing = []
        if not self.screening_done:
            missing.append("screening")
        if point_count and not self.consent_given:
            missing.append("consent")
        if self.red_flag_undecided:
            missing.append("a decision on the red flag (referred, or safe to proceed and why)")
        elif self.red_flag_decision_problem:
            missing.append(
                self.red_flag_decision_problem[0].lower() + self.red_flag_decision_problem[1:]
            )
        return missing

    def sign(self, practitioner_id: int, at: datetime, point_count: int) -> Session:
        """The signed version of this session; refuses if signed or incomplete."""
        self.ensure_editable()
        missing = self.missing_for_signature(point_count)
        if missing:
            raise ValidationError("Cannot sign yet, record: " + "; ".join(missing))
        return replace(self, status=SessionStatus.SIGNED, signed_by=practitioner_id, signed_at=at)

    def amend(self) -> Session:
        """Reopen a signed session as the next version (the store records why)."""
        if self.status is not SessionStatus.SIGNED:
            raise ValidationError("Only a signed session can be amended")
        return replace(
            self,
            status=SessionStatus.AMENDING,
            version=self.version + 1,
            signed_by=None,
            signed_at=None,
        )
