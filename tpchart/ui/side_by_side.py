"""Working beside colleagues on a clinic server (issue 21): a session open for editing
here is held by a lease, a session a colleague holds is read-only here with their name
above the chart, and what colleagues save appears on this screen within a second.

``SideBySide`` belongs to the main window. The window tells it which session it is
about to chart (``chart``); it takes the lease when that session is a draft or
amending, renews it every RENEW_SECONDS, and releases it when the doctor moves to
another session or patient, the screen locks or the window closes. Colleagues'
changes arrive on the store's listener thread; a Qt signal brings them to the GUI
thread, where the patient list, the open patient's sessions and the open session
(unless this workstation holds it: it is then the only writer) are read again.

On a database file (one doctor) none of this exists: no timer, no listener, no banner.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot

from tpchart.core.errors import TpchartError
from tpchart.core.session import Session

if TYPE_CHECKING:
    from tpchart.ui.main_window import MainWindow

log = logging.getLogger("tpchart.ui")

# The server sends no word when a colleague's lease lapses (their tpchart died): look
# again this long after it should have lapsed.
_RECHECK_GRACE_MS = 1000


class SideBySide(QObject):
    """Leases and colleagues' changes for one main window on a clinic server."""

    # From the listener's thread; connected queued, so handled on the GUI thread.
    colleagues_changed = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from tpchart.store.server.leases import RENEW_SECONDS

        self._window = window
        self._store = window.store
        self.held_by = ""  # the banner's words while a colleague holds the charted session
        self.renew_timer = QTimer(self, objectName="leaseRenewal", interval=RENEW_SECONDS * 1000)
        self.renew_timer.timeout.connect(self.renew)
        # Looks again when the colleague's lease should have lapsed.
        self.recheck_timer = QTimer(self, objectName="leaseRecheck", singleShot=True)
        self.recheck_timer.timeout.connect(self._look_again)
        self.colleagues_changed.connect(self._heard, Qt.ConnectionType.QueuedConnection)
        window.lock_screen.installEventFilter(self)
        window.lock_screen.unlocked.connect(self._unlocked)
        changes = self._store.colleague_changes
        if changes is not None:
            changes.start(self.colleagues_changed.emit)

    # -- the charted session's lease ----------------------------------------------------
    def chart(self, session: Session | None) -> str:
        """The window is about to chart ``session``: release the one left, take this one
        if it can be edited. Returns the read-only banner's words ("" when editable
        here, or nothing to say)."""
        editing = self._store.editing
        keep = session.id if session is not None and session.editable else None
        for held in editing.held():
            if held != keep:
                editing.release(held)
        self.recheck_timer.stop()
        self.held_by = ""
        if keep is not None and not self._store.read_only:
            self.held_by = self._take(keep)
        if editing.held():
            self.renew_timer.start()
        else:
            self.renew_timer.stop()
        return self.held_by

    def _take(self, session_id: int) -> str:
        from tpchart.store.server.leases import SessionHeld

        try:
            self._store.editing.take(session_id)
        except SessionHeld as held:
            self._recheck_at(held.holder.until)
            return str(held)
        except TpchartError as error:  # the server cannot be reached, or not signed in
            return f"This session is read-only here for now: {error}"
        return ""

    def _recheck_at(self, until: datetime) -> None:
        left = (until - datetime.now(until.tzinfo)).total_seconds() * 1000
        self.recheck_timer.start(max(0, int(left)) + _RECHECK_GRACE_MS)

    @Slot()
    def renew(self) -> None:
        """Keep the charted session; if a colleague took it over meanwhile, it turns
        read-only here, the status bar saying so in plain words."""
        editing, session = self._store.editing, self._window.session
        charted = session.id if session is not None else None
        had = charted is not None and editing.holds(charted)
        try:
            lost = editing.renew()
        except TpchartError as error:  # unreachable now: the next renewal tries again
            log.warning("Could not renew the session's lease: %s", error)
            return
        if had and charted is not None and not editing.holds(charted) and lost:
            self._window.statusBar().showMessage(str(lost[0]))
            self._reload_session()

    @Slot()
    def _look_again(self) -> None:
        """The colleague's lease should have lapsed (or was released): chart the session
        again, editable if it can be taken now."""
        self._reload_session()

    def release_all(self) -> None:
        """Done with every session here (locking, closing)."""
        self.renew_timer.stop()
        self.recheck_timer.stop()
        self._store.editing.release_all()

    # -- locking -----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window.lock_screen and event.type() == QEvent.Type.Show:
            # Nobody charts behind a locked screen: colleagues may take its session.
            self.release_all()
        return False

    @Slot(object)
    def _unlocked(self, _account: object) -> None:
        self._reload_session()

    # -- colleagues' changes -----------------------------------------------------------
    @Slot(object)
    def _heard(self, batch: list[object]) -> None:
        """Read again what colleagues changed that this window shows."""
        from tpchart.store.server.changes import Resync

        window = self._window
        if not self._store.is_open:
            return
        resync = any(isinstance(e, Resync) for e in batch)
        patient = window.patient.id if window.patient is not None else None
        session = window.session.id if window.session is not None else None
        tables = {getattr(e, "table", None) for e in batch}
        if resync or "patients" in tables:
            window.patients.refresh_keeping_choice()
            if patient is not None:
                self._patient_changed()
        if patient is None:
            return
        sessions = resync or any(
            getattr(e, "table", None) in ("sessions", "session_versions", "amendments")
            and getattr(e, "patient_id", None) in (patient, None)
            for e in batch
        )
        if sessions:
            self._sessions_changed()
        touched = resync or any(
            getattr(e, "session_id", None) == session
            and getattr(e, "table", None) != "session_leases"
            for e in batch
        )
        lease = any(
            getattr(e, "table", None) == "session_leases"
            and getattr(e, "session_id", None) == session
            for e in batch
        )
        holds = session is not None and self._store.editing.holds(session)
        if session is not None and not holds and (touched or (lease and self.held_by)):
            self._reload_session()

    def _reload_session(self) -> None:
        window = self._window
        if window.session is None or window.session.id is None:
            return
        try:
            fresh = window.store.sessions.get(window.session.id)
        except TpchartError:  # discarded by a colleague: the list shows what is left
            self._sessions_changed()
            return
        window.show_session(fresh)

    def _patient_changed(self) -> None:
        """The open patient's details, as a colleague saved them."""
        window = self._window
        assert window.patient is not None and window.patient.id is not None
        try:
            patient = window.store.patients.get(window.patient.id)
        except TpchartError:
            return
        if patient.archived:
            window.show_patient(None)  # archived elsewhere: off the list, off the screen
            return
        window.patient = patient
        window.summary.show_patient(patient)
        window.header.show_session(patient, window.session)

    def _sessions_changed(self) -> None:
        """The open patient's list of sessions, read again; the charted session stays
        charted (undo history and all) when it is still there."""
        window = self._window
        assert window.patient is not None and window.patient.id is not None
        sessions = list(reversed(window.store.sessions.for_patient(window.patient.id)))
        current = window.session.id if window.session is not None else None
        if current is not None and any(s.id == current for s in sessions):
            window.session_list.blockSignals(True)
            try:
                window.session_list.show_sessions(sessions, current)
            finally:
                window.session_list.blockSignals(False)
        elif not window.session_list.show_sessions(sessions, None):
            window.show_session(None)

    def close(self) -> None:
        """The window closes: stop listening and release every session."""
        self.release_all()
        changes = self._store.colleague_changes
        if changes is not None:
            changes.listener.stop()
