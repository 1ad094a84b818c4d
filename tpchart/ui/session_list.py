"""The patient's sessions in the left column: one line each, newest first."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent, QTextLayout
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

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
        self._widest = 0.0  # the widest caption listed, in pixels of the list's font
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
        self._measure()
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
            self._measure()

    # -- rows of one height ---------------------------------------------------------
    # Selecting a session makes Qt lay out the list, asking each row's height of its
    # word-wrapped caption: ~2 ms for a patient's 100 sessions, on every opening. When
    # every caption fits on one line, every row has the height of one line (one font,
    # no icons), so Qt is told the rows are uniform and measures one. A caption that
    # wraps makes the rows differ again, and Qt measures each, as before.
    def _measure(self) -> None:
        # Laid out as Qt's item delegate lays it out (QTextLayout): a caption's advance
        # (QFontMetricsF) can be up to 1 px short of that, enough to wrap it.
        layout = QTextLayout("", self.font())
        self._widest = max(
            (_one_line_width(layout, self.item(row).text()) for row in range(self.count())),
            default=0.0,
        )
        self._size_rows(self.viewport().width())

    def _size_rows(self, width: int) -> None:
        # Qt's item text is laid out inside this margin on each side (QCommonStyle).
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        uniform = self._widest + 2 * margin <= width
        if uniform != self.uniformItemSizes():
            self.setUniformItemSizes(uniform)
            self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The viewport's (a scroll area's resize events are its viewport's), before Qt
        # lays out the rows for its new width.
        self._size_rows(event.size().width())
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._measure()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _current_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.session_chosen.emit(current.data(SessionRole))


def _one_line_width(layout: QTextLayout, text: str) -> float:
    """The width ``text`` takes laid out on one line, in ``layout``'s font."""
    layout.setText(text)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(1e6)
    layout.endLayout()
    return line.naturalTextWidth()
