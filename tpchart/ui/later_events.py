"""Adverse events reported at a later session, recorded against the session they
followed without amending it (`core.adverse_events.ReportedLater`): a bruise noticed
at home, a delayed pneumothorax [shared/clinical.md, "Pneumothorax can show hours
later"].

`LaterEventsView` shows, for the session on screen, what was reported since the
previous session (with the button that records one) and what later sessions reported
about this one. It only shows; the session panel records through ``Operations``.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from tpchart.core.adverse_events import ReportedLater, Severity
from tpchart.core.session import Session, SessionStatus
from tpchart.ui.session_header import status_text


def previous_session(sessions: Iterable[Session], session: Session) -> Session | None:
    """The patient's last signed session before ``session`` (by start time), or None:
    a draft takes its events directly, so a later report goes against a signed one."""
    earlier = [
        s
        for s in sessions
        if s.id != session.id
        and s.started_at < session.started_at
        and s.status is SessionStatus.SIGNED
    ]
    return max(earlier, key=lambda s: s.started_at) if earlier else None


def session_name(session: Session) -> str:
    """A session as the doctor names it: "the session of 12 Mar 2025 (signed)"."""
    when = session.started_at.astimezone()
    status = "signed" if session.status is SessionStatus.SIGNED else status_text(session)
    return f"the session of {when:%d %b %Y} ({status})"


def event_lines(reported: Iterable[ReportedLater]) -> str:
    """One line per reported event: what it was, and when it was reported."""
    return "\n".join(
        f"• {r.event.text} — reported {r.recorded_at.astimezone():%d %b %Y}" for r in reported
    )


class LaterEventsView(QWidget):
    """Events reported since the previous session (and the button that records one),
    and events reported about this session at later ones, both read-only."""

    report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("laterEvents")
        self.since_caption = QLabel(objectName="sinceLastSession", wordWrap=True)
        self.since_list = _text_label("sinceLastSessionEvents")
        self.since_list.setAccessibleName("Adverse events reported since the last session")
        self.report_button = QPushButton("Reported since last session…")
        self.report_button.setObjectName("reportSinceLastSession")
        self.report_button.setToolTip(
            "An event the patient reports today about the last session (a bruise, "
            "dizziness at home): recorded against that session, which is not amended."
        )
        self.report_button.clicked.connect(self.report_requested)
        self.later_caption = QLabel(
            "Reported at later sessions:", objectName="reportedLaterCaption", wordWrap=True
        )
        self.later_list = _text_label("reportedLaterEvents")
        self.later_list.setAccessibleName("Adverse events reported about this session later")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.since_caption)
        layout.addWidget(self.since_list)
        layout.addWidget(self.report_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.later_caption)
        layout.addWidget(self.later_list)

    def show_events(
        self,
        previous: Session | None,
        since: list[ReportedLater],
        later: list[ReportedLater],
        editable: bool,
    ) -> None:
        """Show the events reported about ``previous`` (since it) and about this session
        (``later``); the button only while this session may change and has a previous."""
        if previous is None:
            self.since_caption.setText("")
        elif since:
            self.since_caption.setText(f"Since {session_name(previous)}:")
        else:
            self.since_caption.setText(f"Since {session_name(previous)}: none reported.")
        self.since_caption.setVisible(previous is not None)
        _fill(self.since_list, since)
        self.report_button.setVisible(previous is not None and editable)
        self.later_caption.setVisible(bool(later))
        _fill(self.later_list, later)


def _text_label(object_name: str) -> QLabel:
    label = QLabel(objectName=object_name, wordWrap=True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setContentsMargins(8, 0, 0, 0)
    return label


def _fill(label: QLabel, reported: list[ReportedLater]) -> None:
    label.setText(event_lines(reported))
    label.setVisible(bool(reported))
    # A significant or serious event must not read like a bruise.
    serious = any(r.event.severity is not Severity.MILD for r in reported)
    label.setStyleSheet("font-weight: bold;" if serious else "")
