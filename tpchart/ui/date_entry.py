"""A date typed as a doctor writes it, day first, with what was understood shown beside it.

Typing is the main path: `tpchart.core.dates.parse_date` reads 15.03.1985, 15/03/1985,
1985-03-15, "15 Mar 1985" and the like. The field starts empty (a default date would be
saved by a doctor who never looked at it), and the words beside it ("15 March 1985 ·
41 years") let the doctor see at a glance that 03.04 was read as the 3rd of April. A
small calendar button is there for those who prefer to pick.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from tpchart.core.dates import (
    DATE_FORMAT_HINT,
    describe_birth_date,
    format_date,
    parse_date_of_birth,
)
from tpchart.core.errors import ValidationError
from tpchart.core.validation import EARLIEST_BIRTH
from tpchart.ui.style import ERROR_TEXT


class DateOfBirthEntry(QWidget):
    """A line edit for a date of birth, a calendar button and the date as understood."""

    date_changed = Signal(object)  # the date understood, or None

    def __init__(self, parent: QWidget | None = None, *, object_name: str = "dateOfBirth"):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.edit = QLineEdit(self, objectName=f"{object_name}Text")
        self.edit.setPlaceholderText(DATE_FORMAT_HINT)
        self.edit.setAccessibleName("Date of birth")
        self.edit.setAccessibleDescription(
            "Day first: dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd or 15 Mar 1985"
        )
        self.edit.setToolTip(
            "Day first: 15.03.1985, 15/03/1985, 1985-03-15, 15 Mar 1985 or 15031985"
        )
        # Room for the longest form typed by hand ("28 September 1985"), no more.
        metrics = self.edit.fontMetrics()
        self.edit.setFixedWidth(metrics.horizontalAdvance("28 September 19850") + 12)

        self.calendar = QCalendarWidget(objectName=f"{object_name}Calendar")
        self.calendar.setMinimumDate(QDate(EARLIEST_BIRTH))
        self.calendar.setMaximumDate(QDate.currentDate())
        self.calendar.setGridVisible(True)
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self._menu = menu
        self.pick = QToolButton(self, objectName=f"{object_name}Pick", text="…")
        self.pick.setToolTip("Pick the date on a calendar")
        self.pick.setAccessibleName("Pick date of birth on a calendar")
        self.pick.setMenu(menu)
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # Tab goes from the date straight to the next field: typing is the keyboard
        # path, and Alt+Down in the field opens the calendar as in Qt's own date fields.
        self.pick.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        QShortcut(
            QKeySequence("Alt+Down"),
            self.edit,
            self.pick.showMenu,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        # The arrow a menu button draws is not needed: the button is the calendar.
        self.pick.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        menu.aboutToShow.connect(self._open_calendar_at_entry)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)

        self.understood = QLabel(self, objectName=f"{object_name}Understood")
        self.understood.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # Two lines kept for it from the start: a message appearing there wraps into
        # room it already has, so the fields below never move under the mouse.
        self.understood.setWordWrap(True)
        self.understood.setMinimumHeight(2 * self.understood.fontMetrics().lineSpacing() + 2)
        self.understood.setAccessibleName("Date of birth as understood")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Field and button on the first line, level with the form's "Date of birth".
        top = Qt.AlignmentFlag.AlignTop
        layout.addWidget(self.edit, 0, top)
        layout.addWidget(self.pick, 0, top)
        layout.addWidget(self.understood, 1)
        self.understood.setAlignment(top | Qt.AlignmentFlag.AlignLeft)
        self.understood.setContentsMargins(0, 3, 0, 0)
        # The form's "Date of birth" label and Tab order lead to the text, not the frame.
        self.setFocusProxy(self.edit)

        self.edit.textChanged.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)

    # -- reading and setting -----------------------------------------------------------
    def text(self) -> str:
        """What is typed."""
        return self.edit.text()

    # setText / setDate: camelCase like the QLineEdit and QDateEdit this field replaces.
    def setText(self, text: str) -> None:
        """Replace what is typed."""
        self.edit.setText(text)

    def value(self) -> date:
        """The date of birth typed; ValidationError with a plain message when it is
        empty, not a date, in the future or before 1900."""
        return parse_date_of_birth(self.edit.text())

    def date(self) -> date | None:
        """The date of birth typed, or None while it is empty or not a valid one."""
        try:
            return self.value()
        except ValidationError:
            return None

    def setDate(self, day: date | QDate) -> None:
        """Show ``day`` as if typed (dd.mm.yyyy)."""
        if isinstance(day, QDate):
            day = day.toPython()
        self.edit.setText(format_date(day))
        self._finished()

    # -- what is shown beside -------------------------------------------------------------
    @Slot(str)
    def _typed(self, _text: str) -> None:
        """While typing: the date as understood, or nothing yet (no red while the
        doctor is half-way through "15.03.19")."""
        born = self.date()
        if born is not None:
            self._say(describe_birth_date(born), error=False)
        else:
            self._say("", error=False)
        self.date_changed.emit(born)

    @Slot()
    def _finished(self) -> None:
        """On leaving the field: say plainly what is wrong with a date that is not one."""
        if not self.edit.text().strip():
            self._say("", error=False)
            return
        try:
            self._say(describe_birth_date(self.value()), error=False)
        except ValidationError as exc:
            # The field already says "Date of birth"; the label keeps only the reason.
            self._say(str(exc).removeprefix("Date of birth: "), error=True)

    def _say(self, text: str, *, error: bool) -> None:
        self.understood.setText(text)
        self.understood.setToolTip(text)
        self.understood.setStyleSheet(ERROR_TEXT if error else "")

    # -- the calendar ----------------------------------------------------------------------
    @Slot()
    def _open_calendar_at_entry(self) -> None:
        born = self.date()
        if born is not None:
            self.calendar.setSelectedDate(QDate(born))
        # Arrow keys and Enter work in the calendar as soon as it opens.
        self.calendar.setFocus()

    @Slot(QDate)
    def _picked(self, day: QDate) -> None:
        self.setDate(day)
        self._menu.hide()
        self.edit.setFocus()
