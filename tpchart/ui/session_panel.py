"""The "Session" side panel: every field of the open session, saved as soon as it is edited.

Each user action is one save through the window's ``Operations`` (one transaction).
A value the record refuses is explained inline and the widget goes back to the
stored value, so the screen always equals the database. Signing and amending live
here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.adverse_events import AdverseEvent, Onset
from tpchart.core.consent import CURRENT_VERSION
from tpchart.core.errors import TpchartError, ValidationError
from tpchart.core.patient import Patient
from tpchart.core.screening import RedFlagDecision, decision_after
from tpchart.core.session import DEFAULT_AFTERCARE, Session, SessionStatus
from tpchart.store import Store
from tpchart.ui.adverse_event_dialog import AdverseEventDialog
from tpchart.ui.amend_dialog import AmendDialog
from tpchart.ui.confirm_identity import NOT_NEEDED, confirm_identity
from tpchart.ui.later_events import session_name
from tpchart.ui.operations import Changed, Operations, Report, What
from tpchart.ui.red_flag_decision import RedFlagBar, RedFlagDecisionDialog
from tpchart.ui.session_form import SessionForm
from tpchart.ui.style import CAUTION, INFO, MessageArea

_STATUS = " border-radius: 4px; padding: 6px;"


class SessionPanel(QWidget):
    """Edits, signs and amends one session. Each save is announced by the operations'
    ``records_changed`` (what the window listens to) and by this panel's own
    ``session_changed``."""

    session_changed = Signal(object)  # the Session as stored
    # Too many wrong PINs or passphrases when confirming: the store signed the
    # practitioner out; carries its words, for the lock screen (the window connects it).
    signed_out = Signal(str)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sessionPanel")
        self._store = store
        self._operations = operations or Operations(store, self)
        self._session: Session | None = None
        self._patient: Patient | None = None
        # A colleague's words when they hold this session on another workstation.
        self.held_by = ""
        self._previous: Session | None = None  # the patient's session before this one
        self._build()
        self._connect()
        self.set_session(None, None)

    def _build(self) -> None:
        self.status = QLabel(objectName="sessionStatus", wordWrap=True)
        # Stays above the scrolling form: a red flag and its decision must not scroll
        # out of sight.
        self.red_flag_bar = RedFlagBar("sessionRedFlag")
        self.empty = QLabel("No session open. Choose a session, or start one with New session.",
                            objectName="noSession", wordWrap=True)  # fmt: skip
        self.form = SessionForm()
        self.scroll = QScrollArea(objectName="sessionScroll", widgetResizable=True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(self.form)
        # Three lines always kept for a refusal: a message showing or going never moves
        # the form or the Sign button under the mouse.
        self.error = MessageArea("sessionError", lines=3)
        self.sign_button = QPushButton("Sign session…", objectName="signButton")
        self.amend_button = QPushButton("Amend…", objectName="amendButton")
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.amend_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.red_flag_bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, stretch=1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        f = self.form
        f.chief_complaint.editingFinished.connect(self._chief_complaint_edited)
        f.likely_cause.currentIndexChanged.connect(self._likely_cause_chosen)
        f.pain_before.value_changed.connect(lambda v: self._save_if_changed(pain_before=v))
        f.pain_after.value_changed.connect(lambda v: self._save_if_changed(pain_after=v))
        f.pain_before.refused.connect(self._show_error)
        f.pain_after.refused.connect(self._show_error)
        f.screening.changed.connect(self._screening_ticked)
        f.screening_done.toggled.connect(lambda on: self._save_if_changed(screening_done=on))
        f.consent_given.toggled.connect(self._consent_toggled)
        f.consent_by.editingFinished.connect(self._consent_by_edited)
        f.skin_prepared.toggled.connect(lambda on: self._save_if_changed(skin_prepared=on))
        f.notes_internal.toggled.connect(lambda on: self._save_if_changed(notes_internal=on))
        f.adverse.asked_changed.connect(lambda on: self._save_if_changed(adverse_events_asked=on))
        f.adverse.add_requested.connect(self.add_adverse_event)
        f.adverse.remove_requested.connect(self._remove_adverse_event)
        f.adverse.later.report_requested.connect(self.report_since_last_session)
        self.red_flag_bar.decide_requested.connect(self.decide_red_flag)
        f.aftercare_given.toggled.connect(self._aftercare_toggled)
        for box in f.text_boxes:
            box.editing_finished.connect(self._texts_edited)
        for edit in f.outcome_edits.values():
            edit.editingFinished.connect(self._outcomes_edited)
        self.sign_button.clicked.connect(self.sign)
        self.amend_button.clicked.connect(self.amend)
        self._operations.records_changed.connect(self._records_changed)

    # -- showing --------------------------------------------------------------------

    def session(self) -> Session | None:
        """The session shown, as last read from or written to the store."""
        return self._session

    def set_session(
        self, session: Session | None, patient: Patient | None, *, held_by: str = ""
    ) -> None:
        """Show ``session`` (None: nothing open); text still being typed is saved first.
        ``held_by``: a colleague has it open (clinic server): read-only here.

        The session is read back from the store, so a caller holding an older copy
        cannot overwrite what was just typed (the screen always shows the database)."""
        self.commit_pending()
        self.held_by = held_by
        if session is not None and session.id is not None:
            session = self._store.sessions.get(session.id)
        same = session is not None and self._session is not None and session.id == self._session.id
        self._session, self._patient = session, patient
        if not same:  # the same session shown again (a reload) keeps the reason it reverted
            self._hide_error()
        if session is not None:
            # Precautions for this patient's sex, and whatever this session recorded.
            # A reload of the same session also keeps what is shown, so unticking one
            # never makes it vanish from under the mouse.
            sex = patient.sex if patient is not None else None
            shown = set(self.form.screening.offered()) if same else set()
            self.form.screening.offer(sex, shown | session.contraindications)
            standing = patient.precaution_sites if patient is not None else ()
            self.form.screening.set_standing_sites(standing)
        self.empty.setVisible(session is None)
        self.scroll.setVisible(session is not None)
        if session is not None:
            self.form.fill(session, reload=same)
            if held_by:
                self.form.set_editable(False)
        self._show_status()
        self._show_later_events()
        if same:  # a reload under the doctor's hands: keep the form where it is
            self._keep_form_still(self._show_red_flags)
        else:
            self._show_red_flags()

    @Slot(object)
    def _records_changed(self, changed: Changed) -> None:
        """Another view saved this session (the chart's both-sides acknowledgement):
        keep the copy this panel judges by, and the lines above the form, up to date.
        The form is left alone: it shows no field the others save, and refilling it
        could undo text being typed."""
        record, s = changed.record, self._session
        if changed.what is not What.SESSION or not isinstance(record, Session) or s is None:
            return
        if record.id == s.id and record != s:
            self._session = record
            self._show_status()
            self._keep_form_still(self._show_red_flags)

    def _show_status(self) -> None:
        s = self._session
        self.status.setVisible(s is not None)
        self.sign_button.setVisible(s is not None and self._editable(s))
        self.amend_button.setVisible(s is not None and not s.editable)
        if s is None:
            return
        if self.held_by:
            self.status.setText(self.held_by)
            self.status.setStyleSheet(CAUTION + _STATUS)
            return
        started = f"{s.started_at.astimezone():%d %b %Y %H:%M}"
        if s.status is SessionStatus.SIGNED:
            name = self._practitioner_name(s.signed_by)
            signed = f"{s.signed_at.astimezone():%d %b %Y %H:%M}" if s.signed_at else "?"
            version = f"Version {s.version} · " if s.version > 1 else ""
            text, style = f"{version}Signed by {name} on {signed}", INFO
        elif s.status is SessionStatus.AMENDING:
            amendments = self._store.sessions.amendments(s.id)  # type: ignore[arg-type]
            reason = amendments[-1].reason if amendments else "not recorded"
            text, style = f"Amending version {s.version} — reason: {reason}", CAUTION
        else:
            text, style = f"Draft · started {started} · every change is saved", ""
        self.status.setText(text)
        # A draft's line takes the palette's own text colour: readable on a dark palette.
        self.status.setStyleSheet(style + _STATUS)
        self.sign_button.setText(f"Sign version {s.version}…" if s.version > 1 else "Sign session…")

    def _show_red_flags(self) -> None:
        s = self._session
        if s is None:
            self.red_flag_bar.hide()
            return
        self.red_flag_bar.show_state(
            s.red_flags, s.red_flag_decision, s.red_flag_reason, self._editable(s)
        )

    def _show_later_events(self) -> None:
        """The events reported since the previous session, and about this one later."""
        s = self._session
        if s is None or s.id is None:
            self._previous = None
            return
        later = self._store.later_events
        # The one session needed, not all of them (issue 19: ~6 ms of opening a patient).
        previous = self._store.sessions.last_signed_before(s)
        since = later.for_session(previous.id) if previous and previous.id is not None else []
        self._previous = previous
        self.form.adverse.later.show_events(
            previous, since, later.for_session(s.id), self._editable(s)
        )

    def _editable(self, s: Session) -> bool:
        """Editable here: a draft or amending session no colleague holds."""
        return s.editable and not self.held_by

    def _practitioner_name(self, practitioner_id: int | None) -> str:
        if practitioner_id is None:
            return "unknown"
        try:
            return self._store.practitioners.get(practitioner_id).name
        except TpchartError:
            return f"practitioner #{practitioner_id}"

    def _keep_form_still(self, change: Callable[[], None]) -> None:
        """Run ``change`` (a banner above the form shown, hidden or rewrapped) and
        scroll by as much as the form was pushed, so the field under the mouse stays
        under it: ticking a red flag must not move the next checkbox away."""
        viewport = self.scroll.viewport()
        layout = self.layout()
        if layout is not None:
            layout.activate()  # changes made before (the status line) are not ours to undo
        before = viewport.mapTo(self, QPoint(0, 0)).y()
        change()
        if layout is not None:
            layout.activate()
        moved = viewport.mapTo(self, QPoint(0, 0)).y() - before
        if moved:
            bar = self.scroll.verticalScrollBar()
            bar.setValue(bar.value() + moved)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)

    def _hide_error(self) -> None:
        self.error.clear()

    # -- saving ---------------------------------------------------------------------

    def _save(self, **changes: Any) -> bool:
        """One user action, one update; on refusal explain and show the stored values."""
        return self._save_with(self._refused, **changes)

    def _save_with(self, report: Report, **changes: Any) -> bool:
        """`_save`, with a refusal told to ``report`` (a dialog's own message area)."""
        session = self._session
        if session is None:
            return False

        def change() -> Session:
            # On the session as stored: other views save it too (the chart's
            # acknowledgement of both sides), and this copy may predate their save.
            return replace(self._store.sessions.get(session.id), **changes)  # type: ignore[arg-type]

        saved = self._operations.save_session(change, report)
        if saved is None:
            return False
        self._session = saved
        self._hide_error()
        self.form.fill(saved, reload=True)
        self._keep_form_still(self._show_red_flags)
        self.session_changed.emit(saved)
        return True

    def _refused(self, message: str) -> None:
        self._show_error(message)
        if self._session is not None:
            self.form.fill(self._session, reload=True)

    def _save_if_changed(self, **changes: Any) -> None:
        s = self._session
        if s is not None and any(getattr(s, k) != v for k, v in changes.items()):
            self._save(**changes)

    def commit_pending(self) -> None:
        """Save text still being typed (call before closing or switching sessions)."""
        if self._session is None or not self._editable(self._session):
            return
        self._chief_complaint_edited()
        self._consent_by_edited()
        self._texts_edited()
        self._outcomes_edited()

    @Slot()
    def _chief_complaint_edited(self) -> None:
        self._save_if_changed(chief_complaint=self.form.chief_complaint.text().strip())

    @Slot(int)
    def _likely_cause_chosen(self, _index: int) -> None:
        self._save_if_changed(likely_cause=self.form.likely_cause.currentData())

    @Slot()
    def _screening_ticked(self) -> None:
        s = self._session
        if s is None:
            return
        screening = self.form.screening
        flags = screening.red_flags()
        # No flag left: no decision; a flag added: the decision was on the others.
        decision, reason = decision_after(
            s.red_flags, flags, s.red_flag_decision, s.red_flag_reason
        )
        self._save_if_changed(
            contraindications=screening.contraindications(),
            precaution_sites=screening.precaution_sites(),
            complaint_areas=screening.complaint_areas(),
            red_flags=flags,
            red_flag_decision=decision,
            red_flag_reason=reason,
        )

    @Slot()
    def decide_red_flag(self) -> None:
        """Ask for the decision on the ticked red flags; saved as one update."""
        s = self._session
        if s is None or not s.red_flags or not self._editable(s):
            return

        def save(decision: RedFlagDecision, reason: str, report: Report) -> bool:
            return self._save_with(report, red_flag_decision=decision, red_flag_reason=reason)

        dialog = RedFlagDecisionDialog(
            s.red_flags, s.red_flag_decision, s.red_flag_reason, save, self
        )
        dialog.exec()

    @Slot(bool)
    def _consent_toggled(self, given: bool) -> None:
        if given:
            # Consent is timed when it is recorded; "Patient" unless someone else gave it.
            # The wording explained is today's (the consent form prints that version).
            by = self.form.consent_by.text().strip() or "Patient"
            at = datetime.now().astimezone()
            self._save_if_changed(
                consent_given=True,
                consent_by=by,
                consent_at=at,
                consent_text_version=CURRENT_VERSION,
            )
        else:
            self._save_if_changed(consent_given=False, consent_at=None, consent_text_version="")

    @Slot()
    def _consent_by_edited(self) -> None:
        self._save_if_changed(consent_by=self.form.consent_by.text().strip())

    @Slot(bool)
    def _aftercare_toggled(self, given: bool) -> None:
        changes: dict[str, Any] = {"aftercare_given": given}
        if given and self._session is not None and not self._session.aftercare_text.strip():
            changes["aftercare_text"] = DEFAULT_AFTERCARE
        self._save_if_changed(**changes)

    @Slot()
    def _texts_edited(self) -> None:
        # Only one box can have been typed in since the last save; this saves that one.
        self._save_if_changed(
            aftercare_text=self.form.aftercare_text.toPlainText(),
            follow_up=self.form.follow_up.toPlainText(),
            notes=self.form.notes.toPlainText(),
        )

    @Slot()
    def _outcomes_edited(self) -> None:
        try:
            values = self.form.outcomes()
        except ValidationError as exc:
            self._show_error(str(exc))
            if self._session is not None:
                self.form.fill(self._session)
            return
        self._save_if_changed(**values)

    @Slot()
    def add_adverse_event(self) -> None:
        """Ask for one adverse event of this session; saved as one update."""
        if self._session is None or not self._editable(self._session):
            return

        def save(event: AdverseEvent, report: Report) -> bool:
            events = self._session.adverse_events if self._session else ()
            return self._save_with(report, adverse_events=(*events, event))

        AdverseEventDialog("Adverse event", save, self).exec()

    @Slot()
    def report_since_last_session(self) -> None:
        """Record an event the patient reports today against the previous session, as
        one store call; that session is not amended, signed or not."""
        previous = self._previous
        if self._session is None or previous is None or previous.id is None:
            return
        previous_id = previous.id

        def save(event: AdverseEvent, report: Report) -> bool:
            reported = self._operations.report_later_event(previous_id, event, report)
            if reported is None:
                return False
            self._show_later_events()
            return True

        where = session_name(previous)
        AdverseEventDialog(
            "Reported since last session",
            save,
            self,
            intro=f"Reported today, recorded against {where}. That session is not changed.",
            onset=Onset.DELAYED,
        ).exec()

    @Slot(int)
    def _remove_adverse_event(self, index: int) -> None:
        if self._session is None:
            return
        events = list(self._session.adverse_events)
        del events[index]
        self._save(adverse_events=tuple(events))

    # -- signing and amending -------------------------------------------------------

    @Slot()
    def sign(self) -> None:
        """Sign the session, or say plainly what is still missing."""
        self.commit_pending()
        s = self._session
        if s is None or s.id is None or not self._editable(s):
            return
        point_count = len(self._store.points.for_session(s.id))
        missing = s.missing_for_signature(point_count)
        if missing:
            self._show_error(_missing_message(missing, point_count))
            if "screening" in missing:
                self.scroll.ensureWidgetVisible(self.form.screening_done)
                self.form.screening_done.setFocus()
            elif "consent" in missing:
                self.scroll.ensureWidgetVisible(self.form.consent_given)
                self.form.consent_given.setFocus()
            elif self.red_flag_bar.button.isVisible():
                self.red_flag_bar.button.setFocus()  # the decision it waits for
            return
        patient = f" for {self._patient.full_name}" if self._patient else ""
        if self._store.accounts.any():
            # Typing the PIN or passphrase again is the question "sign as you?" (issue 18):
            # a colleague at a screen left unlocked cannot sign as the doctor.
            secret = confirm_identity(
                self,
                self._store,
                f"Sign this session{patient}",
                action="Sign",
                on_signed_out=self.signed_out.emit,
            )
            if secret is None:
                return
        else:
            name = self._practitioner_name(self._store.practitioner_id)
            answer = QMessageBox.question(
                self,
                "Sign session",
                f"Sign this session{patient} as {name}?\n\nAfter signing, it can only be "
                "changed by an amendment with a reason.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            secret = NOT_NEEDED
        saved = self._operations.sign_session(s.id, self._show_error, confirm=secret or None)
        if saved is None:
            return
        self.set_session(saved, self._patient)
        self._hide_error()
        self.session_changed.emit(saved)

    @Slot()
    def amend(self) -> None:
        """Ask for a reason, then reopen the signed session as its next version."""
        s = self._session
        if s is None or s.id is None or s.editable:
            return
        dialog = AmendDialog(s, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        # With sign-ins, amending is confirmed like signing (NOT_NEEDED without).
        patient = f" for {self._patient.full_name}" if self._patient else ""
        secret = confirm_identity(
            self,
            self._store,
            f"Amend this session{patient}",
            action="Amend",
            on_signed_out=self.signed_out.emit,
        )
        if secret is None:
            return
        saved = self._operations.amend_session(
            s.id, dialog.reason(), self._show_error, confirm=secret or None
        )
        if saved is None:
            return
        self.set_session(saved, self._patient)
        self._hide_error()
        self.session_changed.emit(saved)


def _missing_message(missing: list[str], point_count: int) -> str:
    # Short enough for the three lines the panel keeps for messages at 300 px.
    points = "1 point is" if point_count == 1 else f"{point_count} points are"
    reasons = {
        "screening": 'ask the screening questions and tick "Screening done"',
        "consent": f'tick "Consent given" ({points} charted)',
    }

    def reason(item: str) -> str:
        if item.startswith("a decision on the red flag"):
            return 'decide on the red flag ("Record decision…" above)'
        return reasons.get(item, item)

    return "Cannot sign yet: " + "; ".join(reason(m) for m in missing) + "."
