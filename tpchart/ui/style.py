"""Shared look: banner colours for precautions, cautions and errors, used by every panel,
and the two widgets that keep narrow panels still and uncut: `MessageArea` (room kept
for a message) and `WrappingCheckBox` (a check box whose text wraps).

Text colours that stand alone on the window background (errors, a ticked precaution,
a serious adverse event) are chosen for the palette in use: the dark reds and ambers
that read well on a light window are unreadable on a dark one, so a dark palette gets
light variants. Banners set their own background and need no variant.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFocusRect,
    QStylePainter,
    QWidget,
)

# Background, text and border colours; each pair has a contrast ratio above 7:1.
CAUTION = "background: #fff3cd; color: #5c4400; border: 1px solid #e0b400;"
WARNING = "background: #fde2e1; color: #7a0b0b; border: 1px solid #d93025;"
INFO = "background: #e8f0fe; color: #0b3a7a; border: 1px solid #7aa7e9;"
_BANNER = " border-radius: 4px; padding: 6px; font-weight: bold;"
ERROR_TEXT = "color: #b00020; font-weight: bold;"

# Text on the window background, (light palette, dark palette). The light ones are
# above 7:1 on white; the dark ones above 4.5:1 on the usual dark greys (#2b2b2b-#3c3c3c).
_ERROR = ("#b00020", "#ff8a80")
_CAUTION_TEXT = ("#5c4400", "#ffd666")
_WARNING_TEXT = ("#7a0b0b", "#ff9e9e")


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """True when the window background is dark (the application's palette if None)."""
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_colour(palette: QPalette | None = None) -> QColor:
    """Red for refusal messages, readable on this palette's window background."""
    return QColor(_ERROR[palette_is_dark(palette)])


def caution_text_colour(palette: QPalette | None = None) -> QColor:
    """Amber for a positive screening answer (a precaution ticked)."""
    return QColor(_CAUTION_TEXT[palette_is_dark(palette)])


def warning_text_colour(palette: QPalette | None = None) -> QColor:
    """Dark red (light red on a dark palette) for a red flag or a serious adverse event."""
    return QColor(_WARNING_TEXT[palette_is_dark(palette)])


def readable_when_disabled(widget: QWidget) -> None:
    """Give ``widget`` and its children disabled text that still reads easily: a signed
    session is shown disabled, yet the doctor must read it. The colour is mixed from
    the palette's own text and window colours, so it works on light and dark palettes."""
    palette = widget.palette()
    group = QPalette.ColorGroup
    window = palette.color(group.Active, QPalette.ColorRole.Window)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        text = palette.color(group.Active, role)
        palette.setColor(group.Disabled, role, _mix(text, window, 0.8))
    widget.setPalette(palette)


def _mix(first: QColor, second: QColor, share: float) -> QColor:
    """``share`` of ``first`` with the rest of ``second``, channel by channel."""
    return QColor(
        round(first.red() * share + second.red() * (1 - share)),
        round(first.green() * share + second.green() * (1 - share)),
        round(first.blue() * share + second.blue() * (1 - share)),
    )


def banner(kind: str, object_name: str, parent: QWidget | None = None) -> QLabel:
    """A word-wrapped, hidden-until-needed label styled as a caution/warning/info banner."""
    label = QLabel(parent, objectName=object_name, wordWrap=True)
    label.setStyleSheet(kind + _BANNER)
    label.hide()
    return label


def _error_style() -> str:
    return f"color: {error_colour().name()}; font-weight: bold;"


def error_label(object_name: str = "errorMessage", parent: QWidget | None = None) -> QLabel:
    """A red, word-wrapped label for validation messages, hidden until used."""
    label = QLabel(parent, objectName=object_name, wordWrap=True)
    label.setStyleSheet(_error_style())
    label.hide()
    return label


class MessageArea(QScrollArea):
    """Room for a refusal message that is always there, empty when all is well.

    Showing or clearing a message never moves the fields around it (a form that jumps
    under the mouse makes the next click land on the wrong field). The height is fixed
    at ``lines`` lines of text; a longer message scrolls inside it and is also the
    tool tip. Same calls as a label: ``setText``, ``text``, ``clear``.
    """

    def __init__(self, object_name: str, lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._lines = lines
        self.label = QLabel(objectName=f"{object_name}Text", wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setContentsMargins(4, 2, 4, 2)  # clear of the panel's edge
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # The window shows through: no white box where nothing is said.
        self.viewport().setAutoFillBackground(False)
        self.label.setAutoFillBackground(False)
        self.setAccessibleName("Message")
        self._restyle()

    def setText(self, text: str) -> None:  # the QLabel name, on purpose
        """Show ``text`` (empty: nothing to say)."""
        if not text and not self.label.text():
            # Cleared again (each point shown clears it): the tool tip and accessible
            # description would be set to the same nothing, at a cost on every click.
            return
        self.label.setText(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self.verticalScrollBar().setValue(0)

    def text(self) -> str:
        """The message shown, or "" when there is none."""
        return self.label.text()

    def clear(self) -> None:
        """Say nothing; the room stays."""
        self.setText("")

    def changeEvent(self, event: QEvent) -> None:
        # A new font changes the height of a line; a new palette the readable red.
        if event.type() in (
            QEvent.Type.FontChange,
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        self.label.setStyleSheet(f"color: {error_colour(self.palette()).name()};")
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        margins = self.label.contentsMargins()
        height = self._lines * self.label.fontMetrics().lineSpacing()
        self.setFixedHeight(height + margins.top() + margins.bottom() + 4)


class WrappingCheckBox(QCheckBox):
    """A check box whose text wraps onto more lines where the panel is narrow, instead
    of being cut off ("Heart valve disease or recent cardiac s" in a 300 px side panel).

    ``emphasis`` gives the text colour while ticked, for the palette in use: a positive
    screening answer stands out. The whole box and text are the click target."""

    def __init__(
        self,
        text: str,
        object_name: str = "",
        parent: QWidget | None = None,
        *,
        emphasis: Callable[[QPalette], QColor] | None = None,
    ) -> None:
        super().__init__(text, parent)
        if object_name:
            self.setObjectName(object_name)
        self._emphasis = emphasis
        # Preferred, not a check box's usual Minimum: it may be narrower than its text.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        # Measurements that depend only on the text, font and style, kept until one of
        # them changes: a layout asks heightForWidth a dozen times each time a form
        # appears, and each answer measured the text and asked the style again.
        self._measured: dict[tuple, int] = {}

    def _option(self) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        return option

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
            QEvent.Type.LayoutDirectionChange,
        ):
            # Measured in the old font or style (may come before __init__ is done).
            getattr(self, "_measured", {}).clear()
        super().changeEvent(event)

    def _text_left(self) -> int:
        left = self._measured.get(("left",))
        if left is None:
            option = self._option()
            style = self.style()
            contents = style.subElementRect(QStyle.SubElement.SE_CheckBoxContents, option, self)
            left = self._measured["left",] = contents.left()
        return left

    def _line_height(self) -> int:
        key = ("line", self.text())
        height = self._measured.get(key)
        if height is None:
            height = self._measured[key] = super().sizeHint().height()  # a one-line check box
        return height

    def _flags(self) -> int:
        underline = self.style().styleHint(QStyle.StyleHint.SH_UnderlineShortcut, None, self)
        mnemonic = Qt.TextFlag.TextShowMnemonic if underline else Qt.TextFlag.TextHideMnemonic
        return (
            Qt.TextFlag.TextWordWrap.value
            | mnemonic.value
            | Qt.AlignmentFlag.AlignLeft.value
            | Qt.AlignmentFlag.AlignTop.value
        )

    def _text_rect(self, width: int, height: int) -> QRect:
        left = self._text_left()
        top = max(0, (self._line_height() - self.fontMetrics().height()) // 2)
        return QRect(left, top, max(1, width - left), max(1, height - top))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        key = ("height", self.text(), width)
        height = self._measured.get(key)
        if height is None:
            rect = self._text_rect(width, 100_000)
            text = self.fontMetrics().boundingRect(rect, self._flags(), self.text())
            height = max(self._line_height(), text.bottom() + 1 + rect.top())
            if len(self._measured) > 200:  # a panel dragged through many widths
                self._measured = {k: v for k, v in self._measured.items() if k[0] != "height"}
            self._measured[key] = height
        return height

    def minimumSizeHint(self) -> QSize:
        # As narrow as the longest word: the rest wraps.
        words = self.text().replace("&", "").split() or [""]
        longest = max(self.fontMetrics().horizontalAdvance(word) for word in words)
        return QSize(self._text_left() + longest + 2, self._line_height())

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = self._option()
        text_colour = option.palette.color(QPalette.ColorRole.WindowText)
        if self.isChecked() and self._emphasis is not None:
            text_colour = self._emphasis(self.palette())
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        # The style draws the indicator only (level with the first line of text); the
        # text is drawn here, wrapped.
        option.text = ""
        option.state = option.state & ~QStyle.StateFlag.State_HasFocus
        option.rect = QRect(0, 0, self.width(), self._line_height())
        painter.drawControl(QStyle.ControlElement.CE_CheckBox, option)
        rect = self._text_rect(self.width(), self.height())
        painter.setPen(text_colour)
        painter.drawText(rect, self._flags(), self.text())
        if focused:
            focus = QStyleOptionFocusRect()
            focus.initFrom(self)
            used = painter.boundingRect(rect, self._flags(), self.text())
            focus.rect = used.adjusted(-1, 0, 1, 0)
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)
