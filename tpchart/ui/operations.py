"""The one path by which the window changes the records (in the spirit of Anki's
``aqt/operations``).

Every user action that changes the store goes through ``Operations.run``, which

1. saves what is still being typed (the session form's and the point inspector's
   unsaved text: the editors registered with ``keep_pending``), so the change
   never overwrites or loses it;
2. runs the change: one store call, one transaction;
3. on an expected refusal (``TpchartError``: a value the record refuses, a signed
   session, or a ``StorageError`` from the disk or the clinic server) shows its
   plain-words message where the caller asked (``report``) and, after a storage
   error, asks the window to show exactly what the database holds
   (``reload_requested``). A change that lost the clinic server's connection and
   certainly did not commit is first run once more (the store reconnects), so a blip
   is not the doctor's problem;
4. on success says what changed (``records_changed``) so the views refresh
   themselves; no widget calls another's refresh.

Unexpected errors (bugs) are not caught here: the app's exception hook logs and
shows them. Reads stay direct (``operations.store``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from tpchart.core.adverse_events import AdverseEvent, ReportedLater
from tpchart.core.clinic import ClinicProfile
from tpchart.core.discarded import DiscardedDraft
from tpchart.core.errors import TpchartError
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import StorageError, Store

log = logging.getLogger("tpchart.ui")

T = TypeVar("T")
# Shows a refusal's plain-words message to the doctor (an inline label, a message box).
Report = Callable[[str], None]
# Points by a key (a point's id, or a negative key for one not yet stored); None: absent.
PointStates = dict[int, TriggerPoint | None]
# What one write of points did, per key: (point before, point after as stored).
PointWrite = tuple[int, TriggerPoint | None, TriggerPoint | None]


class What(Enum):
    """The kind of record a change touched."""

    PATIENT = "patient"  # added, edited, archived or brought back; ``record`` is the Patient
    NEW_SESSION = "new session"  # a session started; ``record`` is its Session
    SESSION = "session"  # a session's fields saved, signed or amended; ``record`` is the Session
    # An adverse event reported at a later session against an earlier one, which is
    # not amended; ``record`` is the ReportedLater.
    LATER_EVENT = "later event"
    POINTS = "points"  # trigger points added, moved, edited or removed
    # A draft discarded or brought back: the patient's list of sessions changed.
    # ``record`` is the DiscardedDraft (discarded) or the Session (brought back).
    SESSIONS = "sessions"
    PRACTITIONER = "practitioner"  # added and now charting; ``record`` is the Practitioner
    CLINIC = "clinic"  # the clinic profile; ``record`` is the ClinicProfile


@dataclass(frozen=True)
class Changed:
    """What ``records_changed`` carries: the kind of record and the record as stored."""

    what: What
    record: object = None


class Operations(QObject):
    """Changes to one store, with one way of saving pending edits, reporting refusals
    and telling the views."""

    records_changed = Signal(object)  # Changed
    # After a storage error: show exactly what the database holds (queued, so the
    # reload never runs in the middle of the change that failed).
    reload_requested = Signal()

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._pending: list[Callable[[], None]] = []
        self._flushing = False

    # -- pending edits -------------------------------------------------------------
    def keep_pending(self, *commits: Callable[[], None]) -> None:
        """Register editors' "save what is still being typed" (``commit_pending``)."""
        self._pending.extend(commits)

    def flush_pending(self) -> None:
        """Save text still being typed, in every registered editor (once, not nested)."""
        if self._flushing:
            return
        self._flushing = True
        try:
            for commit in self._pending:
                commit()
        finally:
            self._flushing = False

    # -- the path ------------------------------------------------------------------
    def run(
        self,
        change: Callable[[], T],
        changed: Callable[[T], Changed],
        report: Report,
        *,
        flush: bool = True,
    ) -> T | None:
        """Run ``change`` (pending edits saved first unless ``flush`` is False); its
        result, or None when it was refused (``report`` was given the reason)."""
        if flush:
            self.flush_pending()
        try:
            result = self._once_more_after_blip(change)
        except TpchartError as exc:
            log.warning("%s: %s", type(exc).__name__, exc)
            if isinstance(exc, StorageError):
                self.reload_requested.emit()
            report(str(exc))
            return None
        self.records_changed.emit(changed(result))
        return result

    def _once_more_after_blip(self, change: Callable[[], T]) -> T:
        """``change()``, run a second time when the clinic server's connection was lost
        and the change certainly did not commit (StorageError kind "server", and
        nothing this attempt did was saved: ``store.changes()`` did not move), so a
        blip on the network or a server restart stays invisible to the doctor. The
        store connects again for the second attempt. Never when the outcome is unknown
        (kind "unknown"): running it again could save it twice."""
        saved_before = self.store.changes()
        try:
            return change()
        except StorageError as exc:
            if exc.kind != "server" or self.store.changes() != saved_before:
                raise
            log.warning("Connection to the clinic server lost; trying once more: %s", exc)
        return change()

    # -- the doctor's changes ------------------------------------------------------
    def save_patient(self, entered: Callable[[], Patient], report: Report) -> Patient | None:
        """Add the patient as entered (no id yet) or save their edited details."""

        def save() -> Patient:
            patient = entered()
            if patient.id is None:
                return self.store.patients.add(patient)
            return self.store.patients.update(patient)

        return self.run(save, lambda p: Changed(What.PATIENT, p), report)

    def add_practitioner(
        self, entered: Callable[[], Practitioner], report: Report
    ) -> Practitioner | None:
        """Add a practitioner and make them the one charting."""

        def add() -> Practitioner:
            practitioner = self.store.practitioners.add(entered())
            self.store.practitioner_id = practitioner.id
            return practitioner

        return self.run(add, lambda p: Changed(What.PRACTITIONER, p), report)

    def save_clinic(
        self, entered: Callable[[], ClinicProfile], report: Report
    ) -> ClinicProfile | None:
        """Save the clinic profile as entered."""
        return self.run(
            lambda: self.store.clinic.save(entered()), lambda c: Changed(What.CLINIC, c), report
        )

    def start_session(self, entered: Callable[[], Session], report: Report) -> Session | None:
        """Start a session (a draft session) as entered."""

        def start() -> Session:
            if self.store.practitioner_id is None:
                raise TpchartError("Choose the practitioner using tpchart before starting")
            return self.store.sessions.start(entered())

        return self.run(start, lambda s: Changed(What.NEW_SESSION, s), report)

    def save_session(self, entered: Callable[[], Session], report: Report) -> Session | None:
        """Save a session's edited fields. Not flushed first: this is itself the save of a
        field just edited, and a flush would save that field twice."""
        return self.run(
            lambda: self.store.sessions.update(entered()),
            lambda s: Changed(What.SESSION, s),
            report,
            flush=False,
        )

    def sign_session(
        self, session_id: int, report: Report, *, confirm: str | None = None
    ) -> Session | None:
        """Sign a session as the practitioner charting. ``confirm``: their PIN or
        passphrase, typed again (a clinic with sign-ins; the store then signs the version
        digitally with their key); None on a clinic without."""
        return self.run(
            lambda: self.store.sessions.sign(session_id, confirm=confirm),
            lambda s: Changed(What.SESSION, s),
            report,
        )

    def amend_session(
        self, session_id: int, reason: str, report: Report, *, confirm: str | None = None
    ) -> Session | None:
        """Reopen a signed session as its next version, with the reason (``confirm`` as
        for ``sign_session``)."""
        return self.run(
            lambda: self.store.sessions.amend(session_id, reason, confirm=confirm),
            lambda s: Changed(What.SESSION, s),
            report,
        )

    def report_later_event(
        self, session_id: int, event: AdverseEvent, report: Report
    ) -> ReportedLater | None:
        """Record an adverse event the patient reports now against an earlier session
        (``session_id``, signed or not), without amending that session."""
        return self.run(
            lambda: self.store.later_events.report(session_id, event),
            lambda r: Changed(What.LATER_EVENT, r),
            report,
        )

    def discard_draft(self, session_id: int, report: Report) -> DiscardedDraft | None:
        """Discard a never-signed draft session with its points (kept in the audit
        trail, so `restore_discarded` can bring it back). Text still being typed is
        saved first, so what comes back is what was on screen."""
        return self.run(
            lambda: self.store.sessions.discard_draft(session_id),
            lambda d: Changed(What.SESSIONS, d),
            report,
        )

    def restore_discarded(self, discard_id: int, report: Report) -> Session | None:
        """Bring back a discarded draft (`DiscardedDraft.discard_id`) as it was."""
        return self.run(
            lambda: self.store.sessions.restore_discarded(discard_id),
            lambda s: Changed(What.SESSIONS, s),
            report,
        )

    def archive_patient(self, patient_id: int, report: Report) -> Patient | None:
        """Hide a patient from the list and search; nothing is erased."""
        return self.run(
            lambda: self.store.patients.archive(patient_id, archived=True),
            lambda p: Changed(What.PATIENT, p),
            report,
        )

    def unarchive_patient(self, patient_id: int, report: Report) -> Patient | None:
        """Bring an archived patient back into the list and search."""
        return self.run(
            lambda: self.store.patients.archive(patient_id, archived=False),
            lambda p: Changed(What.PATIENT, p),
            report,
        )

    def write_points(
        self, old: PointStates, new: PointStates, report: Report
    ) -> list[PointWrite] | None:
        """Bring points from ``old`` to ``new`` in one transaction (an undo step's
        redo or undo). Not flushed first: it runs inside the undo stack, and the
        inspector's pending notes are themselves an undo step."""

        def write() -> list[PointWrite]:
            writes: list[PointWrite] = []
            points = self.store.points
            with self.store.transaction():
                for key, target in new.items():
                    current = old.get(key)
                    if target is None and current is not None and current.id is not None:
                        points.delete(current.id)
                        writes.append((key, current, None))
                    elif target is not None and current is None:
                        writes.append((key, None, points.add(target)))
                    elif target is not None:
                        writes.append((key, current, points.update(target)))
            return writes

        return self.run(write, lambda _w: Changed(What.POINTS), report, flush=False)


def message_box(
    parent: QWidget | None, title: str, template: str = "{}", *, critical: bool = False
) -> Report:
    """A ``Report`` that shows the message in a warning (or critical) box over ``parent``."""
    show = QMessageBox.critical if critical else QMessageBox.warning

    def report(message: str) -> None:
        show(parent, title, template.format(message))

    return report
