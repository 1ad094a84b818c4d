"""The strip above the chart: who, which session, and what must stay in sight."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from tpchart.core.patient import Patient
from tpchart.core.screening import REFERRAL_ADVICE
from tpchart.core.session import Session, SessionStatus
from tpchart.ui.style import CAUTION, WARNING, banner


def escape(text: str) -> str:
    """Text safe to put into a rich-text label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_text(session: Session) -> str:
    """A session's status in words."""
    if session.status is SessionStatus.SIGNED:
        return f"signed (version {session.version})" if session.version > 1 else "signed"
    if session.status is SessionStatus.AMENDING:
        return f"amending — version {session.version}, not yet signed"
    return "draft — not signed"


class SessionHeader(QWidget):
    """Patient, age, session date and status; positive precautions and red flags in banners."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionHeader")
        self.title = QLabel(objectName="headerTitle", textFormat=Qt.TextFormat.RichText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.precautions = banner(CAUTION, "headerPrecautions")
        self.red_flags = banner(WARNING, "headerRedFlags")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.precautions)
        layout.addWidget(self.red_flags)

    def show_session(self, patient: Patient, session: Session | None) -> None:
        """Fill in the header for ``patient`` and, if any, the session being charted."""
        age = patient.age_on(date.today())
        who = (
            f"<span style='font-size:15px'><b>{escape(patient.full_name)}</b></span> · "
            f"{age} y · {patient.sex.value} · born {patient.date_of_birth:%d %b %Y} · "
            f"{escape(patient.record_number)}"
        )
        if session is None:
            self.title.setText(who + " · <i>no session selected</i>")
        else:
            when = session.started_at.astimezone()
            self.title.setText(
                f"{who}<br>Session {when:%a %d %b %Y, %H:%M} · <b>{status_text(session)}</b>"
                + (f" · {escape(session.chief_complaint)}" if session.chief_complaint else "")
            )
        # While charting, the screening of this session counts; otherwise the standing list.
        precautions = session.contraindications if session is not None else patient.precautions
        self.precautions.setText(
            "⚠ Precautions: " + ", ".join(p.label for p in sorted(precautions))
        )
        self.precautions.setVisible(bool(precautions))
        flags = session.red_flags if session is not None else frozenset()
        self.red_flags.setText(
            "⛔ " + ", ".join(f.label for f in sorted(flags)) + ". " + REFERRAL_ADVICE
        )
        self.red_flags.setVisible(bool(flags))
