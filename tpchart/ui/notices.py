"""Messages that never move what is under the mouse: one strip of reserved height.

A banner that appears above the body map pushes the map down, and the doctor's next
click lands in another region (issue 14, finding 10). So each screen's messages
share one strip that is always there, a fixed number of lines high whatever it says:
the most important message is shown, wrapped, whole (a safety warning must not be cut;
the lines are chosen so the longest one fits a 1366x768 laptop at 125 %, and only a
longer one would end in "…", its whole text being the tooltip), and a "+N more"
button lists the others. The strip's height never changes, so nothing below it moves
when a message comes or goes.

A banner may bring a button that acts on its message (the lung warning's
"Acknowledge"): it sits at the strip's right, beside the banner, only while that
banner is the one shown and its message asks for it. A ``DONE`` banner is calm: a
line of what was done about a risk, in plain weight on a quiet green, so it never
reads as one more alarm (issue 15, alarm fatigue).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QWidget,
)

# Less padding than a wrapped banner: the reserved lines are the height.
_PADDING = " border-radius: 4px; padding: 3px 6px;"
# What was done about a risk: calm, not amber or red. Text on background above 7:1, like
# the other banners (style.py); a banner sets its own background, so one pair does for
# light and dark palettes.
DONE = "background: #edf5ef; color: #1b3d24; border: 1px solid #a8c8b0;"


def escape(text: str) -> str:
    """Text safe to put into rich text (a tooltip, a rich label)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FixedBanner(QLabel):
    """A banner of ``lines`` lines, whatever its message: the text wraps; what would
    not fit is cut with "…" where it is drawn, while ``text()`` stays the whole message
    (and is the tooltip).

    A ``kind`` of None draws a quiet line instead: no frame, text in the palette's
    placeholder colour, so it stays readable on a dark palette.
    """

    def __init__(
        self, kind: str | None, object_name: str, lines: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, objectName=object_name)
        self.quiet = kind is None
        self.lines = lines
        if kind is None:
            # Margins, not a style sheet: a style sheet would freeze the palette it was
            # polished with, and the line must follow a palette changed later (dark).
            self.setContentsMargins(7, 4, 7, 4)
        else:
            # Alarms in bold; a line of what was done in plain weight.
            weight = "normal" if kind == DONE else "bold"
            self.setStyleSheet(f"{kind}{_PADDING} font-weight: {weight};")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def minimumSizeHint(self) -> QSize:
        # Any width will do (the text wraps); the height is the reserved lines.
        one_line = super().minimumSizeHint().height() - self.fontMetrics().height()
        return QSize(0, one_line + self.lines * self.fontMetrics().lineSpacing())

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as drawn: the whole message, or as much as the lines hold, then "…"."""
        return fitted(self.text(), self.fontMetrics(), self.contentsRect().width(), self.lines)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self.drawFrame(painter)  # the style sheet's border (its background is already there)
        role = QPalette.ColorRole.PlaceholderText if self.quiet else self.foregroundRole()
        painter.setPen(self.palette().color(role))
        flags = self.alignment() | Qt.TextFlag.TextWordWrap
        painter.drawText(self.contentsRect(), int(flags), self.shown_text())


def fitted(text: str, metrics: QFontMetrics, width: int, lines: int) -> str:
    """``text`` if it wraps into ``lines`` lines of ``width``; otherwise its first words
    that do, ending in "…"."""
    room = QRect(0, 0, max(width, 1), lines * metrics.lineSpacing())

    def fits(candidate: str) -> bool:
        used = metrics.boundingRect(room, int(Qt.TextFlag.TextWordWrap), candidate)
        return used.height() <= room.height() and used.width() <= room.width()

    if fits(text):
        return text
    words = text.split(" ")
    while len(words) > 1 and not fits(" ".join(words) + "…"):
        words.pop()
    return " ".join(words) + "…"


class NoticeStrip(QWidget):
    """``lines`` lines that show the most important of its messages and keep their height.

    Banners are added most important first; ``post`` gives one a message (empty text
    takes it away). Only the highest-ranked banner with a message is visible.
    """

    def __init__(self, object_name: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.lines = lines
        self.banners: list[FixedBanner] = []
        self._details: dict[FixedBanner, str] = {}
        self._actions: dict[FixedBanner, QAbstractButton] = {}
        self._asking: set[FixedBanner] = set()  # banners whose message wants its button
        self.more = QToolButton(self, objectName=f"{object_name}More", autoRaise=True)
        self.more.setToolTip("Show every message")
        self.more.clicked.connect(self.show_all)
        self.more.hide()
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addWidget(self.more)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def add_banner(
        self, kind: str | None, object_name: str, action: QAbstractButton | None = None
    ) -> FixedBanner:
        """A banner ranked below those added before it (``kind`` None: a quiet line;
        ``DONE``: a calm one), with ``action`` beside it when its message asks."""
        banner = FixedBanner(kind, object_name, self.lines, self)
        banner.hide()
        self._layout.insertWidget(len(self.banners), banner, stretch=1)
        self.banners.append(banner)
        if action is not None:
            action.setParent(self)
            action.hide()
            # Between the banners and "+N more": the button belongs to the message.
            self._layout.insertWidget(self._layout.indexOf(self.more), action)
            self._actions[banner] = action
        self.updateGeometry()
        return banner

    def post(self, banner: FixedBanner, text: str, details: str = "", ask: bool = False) -> None:
        """Give ``banner`` its message (``details``: rich text for its tooltip); an empty
        ``text`` takes the message away. ``ask``: show the banner's action button with it."""
        asking = bool(ask and text)
        if (
            self._details.get(banner) == details
            and banner.text() == text
            and (banner in self._asking) == asking
        ):
            return  # the same message again: every click posts all five banners
        banner.setText(text)
        self._details[banner] = details
        banner.setToolTip(details or escape(text))
        if asking:
            self._asking.add(banner)
        else:
            self._asking.discard(banner)
        self._arrange()

    def active(self) -> list[FixedBanner]:
        """The banners that have a message, most important first."""
        return [b for b in self.banners if b.text()]

    def shown(self) -> FixedBanner | None:
        """The banner on show: the most important one with a message."""
        active = self.active()
        return active[0] if active else None

    def _arrange(self) -> None:
        shown = self.shown()
        for banner in self.banners:
            banner.setVisible(banner is shown)
        for banner, action in self._actions.items():
            action.setVisible(banner is shown and banner in self._asking)
        # A quiet line (a hint) stands in when there is nothing else: it is not news.
        others = len([b for b in self.active() if b is not shown and not b.quiet])
        self.more.setVisible(others > 0)
        self.more.setText(f"+{others} more")
        self.setAccessibleDescription("\n".join(b.text() for b in self.messages()))
        self.setToolTip("<br><br>".join(self._rich(b) for b in self.messages()) if others else "")

    def messages(self) -> list[FixedBanner]:
        """The banners with news to tell (a quiet line only when it is the one shown)."""
        shown = self.shown()
        return [b for b in self.active() if b is shown or not b.quiet]

    def _rich(self, banner: FixedBanner) -> str:
        details = self._details.get(banner, "")
        text = f"<b>{escape(banner.text())}</b>"
        return f"{text}<br>{details}" if details else text

    @Slot()
    def show_all(self) -> None:
        """Every message, in full, in a tooltip under the strip (the "+N more" button)."""
        text = "<br><br>".join(self._rich(b) for b in self.messages())
        QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), text, self)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._line_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.more.sizeHint().width(), self._line_height())

    def _line_height(self) -> int:
        # The tallest banner, whether or not it has a message now: the strip's
        # height must not depend on what it says.
        heights = [b.minimumSizeHint().height() for b in self.banners]
        buttons = [a.sizeHint().height() for a in self._actions.values()]
        return max([*heights, *buttons, self.more.sizeHint().height()])
