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

from tpchart.core.errors import TpchartError, ValidationError
from tpchart.core.patient import Patient
from tpchart.core.screening import REFERRAL_ADVICE
from tpchart.core.session import DEFAULT_AFTERCARE, Session, SessionStatus
from tpchart.store import Store
from tpchart.ui.amend_dialog import AmendDialog
from tpchart.ui.operations import Operations
from tpchart.ui.session_form import SessionForm
from tpchart.ui.style import CAUTION, INFO, WARNING, MessageArea, banner

_STATUS = " border-radius: 4px; padding: 6px;"


class SessionPanel(QWidget):
    """Edits, signs and amends one session. Each save is announced by the operations'
    ``records_changed`` (what the window listens to) and by this panel's own
    ``session_changed``."""

    session_changed = Signal(object)  # the Session as stored

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sessionPanel")
        self._store = store
        self._operations = operations or Operations(store, self)
        self._session: Session | None = None
        self._patient: Patient | None = None
        self._build()
        self._connect()
        self.set_session(None, None)

    def _build(self) -> None:
        self.status = QLabel(objectName="sessionStatus", wordWrap=True)
        # Stays above the scrolling form: a red flag must not scroll out of sight.
        self.referral = banner(WARNING, "sessionReferral")
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
        layout.addWidget(self.referral)
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
        f.adverse.add_requested.connect(self._add_adverse_event)
        f.adverse.remove_requested.connect(self._remove_adverse_event)
        f.aftercare_given.toggled.connect(self._aftercare_toggled)
        for box in f.text_boxes:
            box.editing_finished.connect(self._texts_edited)
        for edit in f.outcome_edits.values():
            edit.editingFinished.connect(self._outcomes_edited)
        self.sign_button.clicked.connect(self.sign)
        self.amend_button.clicked.connect(self.amend)

    # -- showing --------------------------------------------------------------------

    def session(self) -> Session | None:
        """The session shown, as last read from or written to the store."""
        return self._session

    def set_session(self, session: Session | None, patient: Patient | None) -> None:
        """Show ``session`` (None: nothing open); text still being typed is saved first.

        The session is read back from the store, so a caller holding an older copy
        cannot overwrite what was just typed (the screen always shows the database)."""
        self.commit_pending()
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
        self.empty.setVisible(session is None)
        self.scroll.setVisible(session is not None)
        if session is not None:
            self.form.fill(session)
        self._show_status()
        if same:  # a reload under the doctor's hands: keep the form where it is
            self._keep_form_still(self._show_referral)
        else:
            self._show_referral()

    def _show_status(self) -> None:
        s = self._session
        self.status.setVisible(s is not None)
        self.sign_button.setVisible(s is not None and s.editable)
        self.amend_button.setVisible(s is not None and not s.editable)
        if s is None:
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

    def _show_referral(self) -> None:
        s = self._session
        if s is not None and s.referral_needed:
            flags = ", ".join(flag.label for flag in sorted(s.red_flags))
            flag_line, _, advice = REFERRAL_ADVICE.partition(": ")
            self.referral.setText(f"⚠ {flag_line} ({flags}): {advice}")
        self.referral.setVisible(s is not None and s.referral_needed)

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
        session = self._session
        if session is None:
            return False
        saved = self._operations.save_session(lambda: replace(session, **changes), self._refused)
        if saved is None:
            return False
        self._session = saved
        self._hide_error()
        self.form.fill(saved)
        self._keep_form_still(self._show_referral)
        self.session_changed.emit(saved)
        return True

    def _refused(self, message: str) -> None:
        self._show_error(message)
        if self._session is not None:
            self.form.fill(self._session)

    def _save_if_changed(self, **changes: Any) -> None:
        s = self._session
        if s is not None and any(getattr(s, k) != v for k, v in changes.items()):
            self._save(**changes)

    def commit_pending(self) -> None:
        """Save text still being typed (call before closing or switching sessions)."""
        if self._session is None or not self._session.editable:
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
        self._save_if_changed(
            contraindications=self.form.screening.contraindications(),
            red_flags=self.form.screening.red_flags(),
        )

    @Slot(bool)
    def _consent_toggled(self, given: bool) -> None:
        if given:
            # Consent is timed when it is recorded; "Patient" unless someone else gave it.
            by = self.form.consent_by.text().strip() or "Patient"
            at = datetime.now().astimezone()
            self._save_if_changed(consent_given=True, consent_by=by, consent_at=at)
        else:
            self._save_if_changed(consent_given=False, consent_at=None)

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
    def _add_adverse_event(self) -> None:
        if self._session is None:
            return
        try:
            event = self.form.adverse.entered_event()
        except TpchartError as exc:
            self._show_error(str(exc))
            return
        if self._save(adverse_events=(*self._session.adverse_events, event)):
            self.form.adverse.clear_entry()

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
        if s is None or s.id is None or not s.editable:
            return
        point_count = len(self._store.points.for_session(s.id))
        missing = s.missing_for_signature(point_count)
        if missing:
            self._show_error(_missing_message(missing, point_count))
            first = self.form.screening_done if "screening" in missing else self.form.consent_given
            self.scroll.ensureWidgetVisible(first)
            first.setFocus()
            return
        name = self._practitioner_name(self._store.practitioner_id)
        patient = f" for {self._patient.full_name}" if self._patient else ""
        answer = QMessageBox.question(
            self,
            "Sign session",
            f"Sign this session{patient} as {name}?\n\nAfter signing, it can only be changed "
            "by an amendment with a reason.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        saved = self._operations.sign_session(s.id, self._show_error)
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
        saved = self._operations.amend_session(s.id, dialog.reason(), self._show_error)
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
    return "Cannot sign yet: " + "; ".join(reasons.get(m, m) for m in missing) + "."
