"""The patient's sessions in the left column: one line each, newest first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from tpchart.core.session import Session, SessionStatus

SessionRole = Qt.ItemDataRole.UserRole + 2


def session_caption(session: Session) -> str:
    """One line per session: local date and time, status, pain before → after."""
    when = session.started_at.astimezone()
    status = {
        SessionStatus.DRAFT: "draft",
        SessionStatus.SIGNED: "signed",
        SessionStatus.AMENDING: f"amending v{session.version}",
    }[session.status]
    pain = ""
    if session.pain_before is not None:
        after = "–" if session.pain_after is None else session.pain_after
        pain = f" · pain {session.pain_before} → {after}"
    return f"{when:%d %b %Y %H:%M} · {status}{pain}"


class SessionList(QListWidget):
    """Lists sessions; choosing one emits ``session_chosen`` with its session id."""

    session_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionList")
        self.setAccessibleName("Sessions of the chosen patient")
        self.setAccessibleDescription(
            "Newest first: date, status and pain before and after. Choose one to chart it."
        )
        self.setAlternatingRowColors(True)
        # A narrow column wraps a caption onto a second line rather than scrolling sideways.
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.currentItemChanged.connect(self._current_changed)

    def show_sessions(self, sessions: list[Session], select_id: int | None) -> bool:
        """List ``sessions`` (newest first) and choose ``select_id`` or the newest, which
        emits ``session_chosen``; False when there is no session to choose."""
        self.blockSignals(True)
        self.clear()
        for session in sessions:
            item = QListWidgetItem(session_caption(session))
            item.setData(SessionRole, session.id)
            self.addItem(item)
        self.blockSignals(False)
        chosen = next((s for s in sessions if s.id == select_id), sessions[0] if sessions else None)
        if chosen is None:
            return False
        self.setCurrentRow(sessions.index(chosen))
        return True

    def update_caption(self, session: Session) -> None:
        """A session's fields changed: rewrite its line if it is the one chosen."""
        item = self.item(self.currentRow())
        if item is not None and item.data(SessionRole) == session.id:
            item.setText(session_caption(session))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.session_chosen.emit(current.data(SessionRole))
