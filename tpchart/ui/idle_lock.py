"""The idle lock: a screen left alone hides every patient detail until a practitioner
signs in again (HIPAA's automatic logoff).

``IdleWatch`` is an event filter on the QApplication: each key press, click, wheel
turn or mouse move restarts a clock, and a single timer emits ``locked`` once nothing
came for the idle time the administrator set (``store.idle_lock_minutes``). The
filter only restarts a QElapsedTimer: it runs for every event of the app and must
cost nothing; the timer re-arms itself for the time still left instead of being
restarted on every mouse move.

``LockScreen`` covers the whole main window (menus, toolbars, the chart, the lists),
gives the window a title without the patient, covers and retitles any open dialog
(a "New session — <patient>" dialog keeps its typing, but not on show), swallows the
window's keyboard shortcuts, saves what was being typed (it is the previous
practitioner's), and holds the sign-in form. Whoever signs in charts from then on:
the same practitioner carries on where they were; another one is a switch, audited
by the store as taking over from the previous one and announced with
``practitioner_switched``. The previous practitioner stays signed in underneath
until then (nothing can be done as them: every input goes to the sign-in), which is
what lets the store name the switch in the audit trail. When a modal dialog was open the window
cannot take input, so the sign-in comes in a small dialog in front of it instead.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QElapsedTimer,
    QEvent,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.accounts import DEFAULT_IDLE_LOCK_MINUTES, Account
from tpchart.store import Store
from tpchart.ui.operations import Changed, Operations, What
from tpchart.ui.sign_in import FORM_WIDTH, SignInDialog, SignInForm

LOCKED_TITLE = "tpchart — locked"

# What counts as someone at the computer. Paint, timer and focus events do not.
_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


class IdleWatch(QObject):
    """Emits ``locked`` after ``idle_ms`` without keyboard or mouse input anywhere in
    the application. Paused while locked (``pause``), counting again on ``resume``."""

    locked = Signal()

    def __init__(
        self, minutes: float = DEFAULT_IDLE_LOCK_MINUTES, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._idle_ms = round(minutes * 60_000)
        self._since = QElapsedTimer()
        self._since.start()
        self._timer = QTimer(self, objectName="idleLockTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        self._paused = True
        self._installed = False

    @property
    def watching(self) -> bool:
        """Whether the application's input is watched (``start`` until ``stop``)."""
        return self._installed

    @property
    def idle_ms(self) -> int:
        """The idle time before locking, in milliseconds."""
        return self._idle_ms

    def set_minutes(self, minutes: float) -> None:
        """Lock after ``minutes`` without input (the administrator's setting)."""
        self.set_idle_ms(round(minutes * 60_000))

    def set_idle_ms(self, ms: int) -> None:
        """Lock after ``ms`` milliseconds without input (tests use a few hundred)."""
        self._idle_ms = max(1, int(ms))
        if not self._paused:
            self._arm()

    def start(self) -> None:
        """Watch the whole application's input and start counting."""
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.resume()

    def stop(self) -> None:
        """Stop watching (the window closes)."""
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False
        self.pause()

    def pause(self) -> None:
        """Stop counting (locked: nothing more to lock)."""
        self._paused = True
        self._timer.stop()

    def resume(self) -> None:
        """Count again from now (unlocked)."""
        self._paused = False
        self._since.restart()
        self._arm()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self._since.restart()
        return False

    def _arm(self) -> None:
        self._timer.start(max(0, self._idle_ms - self._since.elapsed()))

    @Slot()
    def _check(self) -> None:
        if self._paused:
            return
        if self._since.elapsed() >= self._idle_ms:
            self.pause()
            self.locked.emit()
        else:
            self._arm()  # input came meanwhile: wait for the time still left


class Curtain(QWidget):
    """An opaque cover over a dialog left open when the screen locked."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockCurtain")
        self.setAutoFillBackground(True)
        label = QLabel("Locked", alignment=Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self._covered = parent
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._covered and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._covered.rect())
            self.raise_()
        return False


class LockScreen(QWidget):
    """Covers ``window`` while locked, with the sign-in form inside.

    ``lock()`` locks (the idle watch's ``locked`` is connected to it); ``unlocked``
    carries the Account signed in; ``practitioner_switched`` the new practitioner's
    id when it is not the one who was charting."""

    unlocked = Signal(object)  # Account
    practitioner_switched = Signal(int)

    def __init__(self, window: QMainWindow, store: Store, operations: Operations) -> None:
        super().__init__(window)
        self.setObjectName("lockScreen")
        self.setAutoFillBackground(True)  # opaque: nothing of the window shows through
        self._window = window
        self._store = store
        self._operations = operations
        self._title = ""
        self._before: int | None = None
        self._last: int | None = store.practitioner_id
        self._locked = False
        # What the lock changed, to put back: widgets it disabled; windows it covered
        # (window, its title, the curtain, whether the lock disabled it); the focus.
        self._disabled: list[QWidget] = []
        self._covered: list[tuple[QWidget, str, Curtain, bool]] = []
        self._focus: QWidget | None = None
        self.modal_sign_in: SignInDialog | None = None

        heading = QLabel("<h1>tpchart is locked</h1>", objectName="lockHeading")
        self.explain = QLabel(wordWrap=True, objectName="lockExplain")
        self.form = SignInForm(store, operations, self, object_name="lockSignIn")
        self.form.signed_in.connect(self._signed_in)
        box = QFrame(objectName="lockBox")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        # A fixed width: the wrapped text then has one height, and the fields are never
        # squeezed (the box fits the smallest window, 1093 px wide at 125 %).
        box.setFixedWidth(FORM_WIDTH + 40)
        self._box = box
        column = QVBoxLayout(box)
        column.addWidget(heading)
        column.addWidget(self.explain)
        column.addWidget(self.form)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        window.installEventFilter(self)
        self.hide()

    @property
    def is_locked(self) -> bool:
        """Whether the window is covered now."""
        return self._locked

    @Slot()
    def lock(self, reason: str = "") -> None:
        """Save the typing, hide every patient detail, ask who goes on.
        ``reason``, when given, is said under the passphrase (e.g. the store signed
        the practitioner out after too many wrong confirmations)."""
        if self._locked:
            return
        self._locked = True
        store, window = self._store, self._window
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()  # an open menu or completer list is closed, not covered
        # What is being typed is the previous practitioner's: saved under their name.
        self._operations.flush_pending()
        # Who was charting: signed in now, or signed out by the store a moment ago
        # (too many wrong confirmations), in which case the last one unlocked.
        self._before = store.practitioner_id or self._last
        self._focus = QApplication.focusWidget()
        modal = QApplication.activeModalWidget()
        self._title = window.windowTitle()
        window.setWindowTitle(LOCKED_TITLE)
        self._cover_other_windows()
        for child in window.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            if child is not self and child.isEnabled():
                child.setEnabled(False)  # no focus, click or key reaches what is beneath
                self._disabled.append(child)
        minutes = store.idle_lock_minutes
        self.explain.setText(
            "Patient details are hidden. Sign in to carry on; another practitioner signing "
            f"in charts as themselves. The screen locks after {minutes} minutes without use."
        )
        # The box's height follows its wrapped text; a layout does not ask for that on
        # its own, and would squeeze the fields.
        self._box.setFixedHeight(self._box.heightForWidth(self._box.width()))
        self.setGeometry(window.rect())
        self.show()
        self.raise_()
        self.form.refresh(preferred=self._before)
        self.form.error.setText(reason)
        _application().installEventFilter(self)
        if modal is not None and modal is not window:
            self._ask_in_front(reason)
        else:
            self.form.focus_passphrase()

    def _cover_other_windows(self) -> None:
        for top in QApplication.topLevelWidgets():
            if top is self._window or not top.isVisible() or top.isHidden():
                continue
            if top.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
                continue
            enabled = top.isEnabled()
            curtain = Curtain(top)
            self._covered.append((top, top.windowTitle(), curtain, enabled))
            top.setWindowTitle(LOCKED_TITLE)
            if enabled:
                top.setEnabled(False)

    def _ask_in_front(self, reason: str) -> None:
        """A modal dialog blocks the window: sign in from a dialog in front of it."""
        # Not cancellable: that would leave nobody signed in and the screen locked.
        dialog = SignInDialog(
            self._store,
            self._window,
            operations=self._operations,
            title=LOCKED_TITLE,
            explanation="Patient details are hidden. Sign in to carry on.",
            cancellable=False,
        )
        dialog.setObjectName("lockSignInDialog")
        dialog.form.refresh(preferred=self._before)
        dialog.form.error.setText(reason)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.form.signed_in.connect(self._signed_in)
        self.modal_sign_in = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.form.focus_passphrase()

    @Slot(object)
    def _signed_in(self, account: Account) -> None:
        """Uncover everything; the same practitioner goes back where they were."""
        _application().removeEventFilter(self)
        if self.modal_sign_in is not None:
            dialog, self.modal_sign_in = self.modal_sign_in, None
            dialog.hide()
            dialog.deleteLater()
        for widget in self._disabled:
            if _alive(widget):
                widget.setEnabled(True)
        self._disabled.clear()
        for top, title, curtain, enabled in self._covered:
            if _alive(top):  # a dialog may have closed itself meanwhile
                top.setWindowTitle(title)
                if enabled:
                    top.setEnabled(True)
                curtain.deleteLater()
        self._covered.clear()
        self._window.setWindowTitle(self._title)
        self.hide()
        self._locked = False
        self._last = account.practitioner_id
        switched = account.practitioner_id != self._before
        if not switched and self._focus is not None and _alive(self._focus):
            self._focus.setFocus()
        self._focus = None
        self.unlocked.emit(account)
        if switched:
            self.practitioner_switched.emit(account.practitioner_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._window.rect())
            self.raise_()
        elif kind == QEvent.Type.Shortcut and self._locked:
            # While locked, the window's shortcuts (Print, Export, New session…) do
            # nothing; the sign-in's own (Alt+P, Alt+A) still work.
            return not self._is_mine(watched)
        return False

    def _is_mine(self, watched: QObject) -> bool:
        if not isinstance(watched, QWidget):
            return False  # an action's shortcut: the window's menus
        hosts = (self, self.modal_sign_in)
        return any(h is not None and (h is watched or h.isAncestorOf(watched)) for h in hosts)


def _application() -> QCoreApplication:
    """The running application (a lock screen exists only inside one)."""
    app = QApplication.instance()
    assert app is not None
    return app


def _alive(widget: QWidget) -> bool:
    """Whether the C++ widget still exists (a dialog may be deleted while locked)."""
    return shiboken6.isValid(widget)


def install_idle_lock(
    window: QMainWindow, store: Store, operations: Operations
) -> tuple[IdleWatch, LockScreen]:
    """Watch for idleness and lock ``window`` after the administrator's idle time.
    Nothing locks on a clinic without accounts (there is nobody to sign in)."""
    watch = IdleWatch(store.idle_lock_minutes, window)
    screen = LockScreen(window, store, operations)
    watch.locked.connect(screen.lock)
    screen.unlocked.connect(lambda _account: watch.resume())

    def accounts_changed(changed: Changed) -> None:
        # An account action (set-up, the administrator's new idle time) says
        # What.PRACTITIONER; other changes (every click on the map) cost nothing here.
        if changed.what is not What.PRACTITIONER or screen.is_locked:
            return
        watch.set_minutes(store.idle_lock_minutes)
        if store.accounts.any() and not watch.watching:
            watch.start()  # the clinic was set up while the window was open

    operations.records_changed.connect(accounts_changed)
    if store.accounts.any():
        watch.start()
    return watch, screen
