"""Everything one document needs, read from the store in one place.

The layout modules take these plain records and never touch the store, so they
can be tested with records built by hand and stay fast (no query inside a loop).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tpchart.core.adverse_events import ReportedLater
from tpchart.core.audit import Amendment, SignedVersion
from tpchart.core.clinic import ClinicProfile
from tpchart.core.errors import NotFoundError
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store


@dataclass(frozen=True)
class AmendmentNote:
    """Why a signed session was reopened, with the name of who reopened it."""

    amendment: Amendment
    by: str


@dataclass(frozen=True)
class LaterReport:
    """An adverse event reported after the session, with the name of who recorded it."""

    reported: ReportedLater
    by: str


@dataclass(frozen=True)
class SessionRecord:
    """One session with its patient, practitioner, signer, points, amendment history
    (reasons and signed versions) and the adverse events reported after it (recorded
    against it without amending it)."""

    clinic: ClinicProfile
    patient: Patient
    session: Session
    practitioner: Practitioner | None
    signer: Practitioner | None
    points: tuple[TriggerPoint, ...]
    amendments: tuple[AmendmentNote, ...] = ()
    reported_later: tuple[LaterReport, ...] = ()
    # Every signed version as it was signed, oldest first: the record prints what each
    # amendment changed, not only why it was made.
    versions: tuple[SignedVersion, ...] = ()
    # The names of the practitioners those versions name, by id.
    names: Mapping[int, str] = field(default_factory=dict)

    @property
    def internal_notes(self) -> int:
        """How many notes (the session's and each point's) the doctor kept off the
        patient's copy: marked internal and not empty, so there is something left out."""
        notes = [(self.session.notes, self.session.notes_internal)]
        notes += [(p.notes, p.notes_internal) for p in self.points]
        return sum(1 for text, internal in notes if internal and text.strip())


@dataclass(frozen=True)
class ProgressRecord:
    """A patient's sessions, oldest first, each with its points, and the adverse events
    reported after a session, by the id of the session they followed."""

    clinic: ClinicProfile
    patient: Patient
    sessions: tuple[tuple[Session, tuple[TriggerPoint, ...]], ...]
    practitioner: Practitioner | None = None  # who prints it: the current practitioner
    reported_later: Mapping[int, tuple[LaterReport, ...]] = field(default_factory=dict)


def _practitioner(store: Store, practitioner_id: int | None) -> Practitioner | None:
    if practitioner_id is None:
        return None
    try:
        return store.practitioners.get(practitioner_id)
    except NotFoundError:
        return None


def _namer(store: Store) -> Callable[[int], str]:
    """A practitioner's name by id, each looked up once (a missing one is named by id)."""
    names: dict[int, str] = {}

    def name(pid: int) -> str:
        if pid not in names:
            who = _practitioner(store, pid)
            names[pid] = who.name if who else f"practitioner {pid}"
        return names[pid]

    return name


def load_session_record(store: Store, session_id: int) -> SessionRecord:
    """The record of session ``session_id`` (NotFoundError if there is none)."""
    session = store.sessions.get(session_id)
    name = _namer(store)
    versions = tuple(store.sessions.signed_versions(session_id))
    return SessionRecord(
        clinic=store.clinic.load(),
        patient=store.patients.get(session.patient_id),
        session=session,
        practitioner=_practitioner(store, session.practitioner_id),
        signer=_practitioner(store, session.signed_by),
        points=tuple(store.points.for_session(session_id)),
        amendments=tuple(
            AmendmentNote(a, name(a.practitioner_id)) for a in store.sessions.amendments(session_id)
        ),
        reported_later=tuple(
            LaterReport(r, name(r.recorded_by)) for r in store.later_events.for_session(session_id)
        ),
        versions=versions,
        names={
            pid: name(pid)
            for v in versions
            if (pid := v.snapshot.get("session", {}).get("practitioner_id")) is not None
        },
    )


def load_progress_record(store: Store, patient_id: int) -> ProgressRecord:
    """Every session of patient ``patient_id`` with its points and the adverse events
    reported after each (NotFoundError if no patient). The same few queries however
    many sessions there are."""
    patient = store.patients.get(patient_id)
    # A session being amended counts as last signed until it is signed again.
    signed, points = store.sessions.as_signed(
        store.sessions.for_patient(patient_id), store.points.for_patient(patient_id)
    )
    name = _namer(store)
    later = {
        sid: tuple(LaterReport(r, name(r.recorded_by)) for r in reports)
        for sid, reports in store.later_events.for_patient(patient_id).items()
    }
    sessions = tuple((s, tuple(points.get(s.id or 0, ()))) for s in signed)
    return ProgressRecord(
        clinic=store.clinic.load(),
        patient=patient,
        sessions=sessions,
        practitioner=_practitioner(store, store.practitioner_id),
        reported_later=later,
    )
