"""The main window: patients and sessions on the left, the body-map chart in the middle,
the selected point and the session's record on the right.

It composes the pieces and keeps what they show in step: ``Operations`` carries
every change to the records and says what changed (``records_changed``); the
window then refreshes the views that show it. The menus are in ``window_menus``,
the sessions list in ``session_list``, the Progress tab in ``progress_tab``. The app
(``tpchart.app``) uses the methods under "For the app".
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.errors import TpchartError
from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.store import RecordStore
from tpchart.store.autobackup import AutoBackup
from tpchart.ui import backup_settings
from tpchart.ui.chart_panel import ChartPanel
from tpchart.ui.demo_mode import DemoBanner, add_demo_banner, window_title
from tpchart.ui.idle_lock import install_idle_lock
from tpchart.ui.layout_memory import restore_layout, save_layout
from tpchart.ui.operations import Changed, Operations, What
from tpchart.ui.patient_column import PatientColumn
from tpchart.ui.patient_summary import PatientSummary
from tpchart.ui.point_inspector import PointInspector
from tpchart.ui.progress_tab import ProgressTab
from tpchart.ui.session_header import SessionHeader
from tpchart.ui.session_panel import SessionPanel
from tpchart.ui.welcome import WelcomePage
from tpchart.ui.window_menus import WindowMenus

if TYPE_CHECKING:
    from tpchart.ui.progress_view import ProgressView
    from tpchart.ui.side_by_side import SideBySide


def _take_back() -> ModuleType:
    """``tpchart.ui.take_back``, imported when first asked for: its dialogs (archive,
    discard, bring back, the quit reminder) cost every start ~15 ms otherwise."""
    from tpchart.ui import take_back

    return take_back


def _side_by_side(window: MainWindow) -> SideBySide:
    """Working beside colleagues (``tpchart.ui.side_by_side``), imported on a clinic
    server only: a single doctor's start never loads it."""
    from tpchart.ui.side_by_side import SideBySide

    return SideBySide(window)


class MainWindow(QMainWindow):
    """The application window over one open store."""

    # The app switches databases: to the demo one (made or opened), or back to the clinic's.
    open_demo_requested = Signal()
    leave_demo_requested = Signal()
    # File › Connect to clinic server… answered: (ServerSettings, password) to switch to;
    # File › Use this computer's database: back from the clinic server (clinic mode).
    connect_server_requested = Signal(object)
    local_database_requested = Signal()

    def __init__(self, store: RecordStore) -> None:
        super().__init__()
        self.store = store
        self.setObjectName("mainWindow")
        self.setWindowTitle(window_title(store.title, store.is_demo))
        self.patient: Patient | None = None
        self.session: Session | None = None
        ops = self.operations = Operations(store, self)
        # Set by the app (see "For the app" below); None until then.
        self.backup_settings_action: QAction | None = None
        self.read_only_banner: QLabel | None = None
        self.backup_timer: QTimer | None = None

        # Left: patients and their sessions.
        self.column = PatientColumn(store)
        self.patients, self.session_list = self.column.patients, self.column.sessions

        # Middle: the header and the chart (and the patient's details).
        self.header = SessionHeader()
        self.chart = ChartPanel(store, operations=ops)
        self.summary = PatientSummary()
        self.tabs = QTabWidget(objectName="mainTabs")
        self.progress_tab = ProgressTab(store, self.tabs)
        self.tabs.addTab(self.chart, "Chart")
        self.tabs.addTab(self.progress_tab, "Progress")
        self.tabs.addTab(self.summary, "Patient")
        patient_page = QWidget(objectName="patientPage")
        middle = QVBoxLayout(patient_page)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.header)
        middle.addWidget(self.tabs, stretch=1)

        # Right: the selected point and the session's record.
        self.inspector = PointInspector()
        self.side_tabs = QTabWidget(objectName="sideTabs")
        self.side_tabs.addTab(self.inspector, "Point")
        self.session_panel = SessionPanel(store, operations=ops)
        self.side_tabs.addTab(self.session_panel, "Session")
        self.side_tabs.setMinimumWidth(300)

        self.welcome = WelcomePage(store, operations=ops)
        self.no_selection = QLabel(
            "Choose a patient on the left, or add a new one.",
            alignment=Qt.AlignmentFlag.AlignCenter,
        )
        self.work = QSplitter(objectName="workSplitter")
        self.work.addWidget(patient_page)
        self.work.addWidget(self.side_tabs)
        self.work.setStretchFactor(0, 1)
        self.work.setCollapsible(0, False)
        self.pages = QStackedWidget(objectName="mainPages")
        for page in (self.welcome, self.no_selection, self.work):
            self.pages.addWidget(page)

        self.splitter = QSplitter(objectName="mainSplitter")
        self.splitter.addWidget(self.column)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.setCentralWidget(self.splitter)
        self.menus = WindowMenus(self)
        # The old "Charting as" list, on a clinic without sign-ins only (else None: who
        # charts is whoever signed in, ``menus.charting_as``).
        self.practitioner_picker = self.menus.practitioner_picker
        # Issue 18: the screen locks after the administrator's idle time (or File › Lock
        # now); whoever signs in there charts from then on.
        self.idle_watch, self.lock_screen = install_idle_lock(self, store, ops)
        self.lock_screen.practitioner_switched.connect(self._practitioner_switched)
        self.session_panel.signed_out.connect(self.lock_screen.lock)
        if self.menus.charting_as is not None:
            self.menus.charting_as.lock_requested.connect(self.lock_screen.lock)
            self.menus.charting_as.account_requested.connect(self.show_accounts)
        self._update_actions()
        # Issue 21: on a clinic server, leases and colleagues' changes (nothing on a file).
        self.side_by_side = _side_by_side(self) if store.editing.shared else None

        # Text still being typed is saved before any change, switch, undo or export.
        ops.keep_pending(self.session_panel.commit_pending, self.inspector.commit_pending)
        ops.records_changed.connect(self._records_changed)
        ops.reload_requested.connect(self.reload_from_store, Qt.ConnectionType.QueuedConnection)
        self.column.new_patient_button.clicked.connect(self.new_patient)
        self.column.new_session_button.clicked.connect(self.new_session)
        self.patients.patient_selected.connect(self.show_patient)
        self.session_list.session_chosen.connect(lambda i: self.show_session(store.sessions.get(i)))
        self.welcome.new_patient_requested.connect(self.new_patient)
        self.welcome.demo_requested.connect(self.open_demo_requested)
        self.chart.point_selected.connect(self._point_selected)
        self.chart.status_message.connect(lambda text: self.statusBar().showMessage(text))
        self.inspector.point_edited.connect(self.chart.edit_point)
        self.demo_banner: DemoBanner | None = None
        # Off when the app closes the window itself (see closeEvent).
        self.confirm_on_close = True
        if store.is_demo:
            self.demo_banner = add_demo_banner(self)
            self.demo_banner.leave_requested.connect(self.leave_demo_requested)
        restore_layout(self, self.splitter, self.work)
        self._show_start_page()

    @property
    def progress(self) -> ProgressView | None:
        """The Progress tab's view; None until the tab is first shown."""
        return self.progress_tab.view

    def _update_actions(self) -> None:
        writable, has_patient = not self.store.read_only, self.patient is not None
        session = self.session
        draft = (
            session is not None and session.status is SessionStatus.DRAFT and session.version == 1
        )
        self.menus.update(writable, has_patient, session is not None, draft)
        self.column.update_buttons(writable, has_patient)
        self._update_account_actions()

    def _update_account_actions(self) -> None:
        store = self.store
        account = store.signed_in
        self.menus.update_accounts(
            store.accounts.any(),
            account is not None and account.is_admin,
            self.backup_settings_action,
        )

    # -- what is on screen -------------------------------------------------------------
    def _show_start_page(self) -> None:
        if self.store.patients.count(include_archived=True) == 0:
            self.welcome.refresh()
            self.pages.setCurrentWidget(self.welcome)
        elif self.patient is None:
            self.pages.setCurrentWidget(self.no_selection)

    @Slot(object)
    def show_patient(self, patient: Patient | None) -> None:
        """Show the selected patient: sessions newest first, the newest one charted."""
        self.operations.flush_pending()
        self.patient = patient
        self._update_actions()
        if patient is None:
            self.session = None
            if self.side_by_side is not None:
                self.side_by_side.chart(None)  # the session left is released
            self._update_actions()
            self.session_list.clear()
            self.chart.set_session(None, None)
            self.session_panel.set_session(None, None)
            self.progress_tab.show_patient(None)
            self._show_start_page()
            return
        self.summary.show_patient(patient)
        self.pages.setCurrentWidget(self.work)
        self._show_sessions(select_id=None)
        # After the newest session is charted, which brings the Chart tab to the front:
        # the Progress tab is then hidden and is drawn when next shown, not now (a
        # patient chosen while it was in front cost a whole progress page, unseen).
        self.progress_tab.show_patient(patient.id)

    def _show_sessions(self, select_id: int | None) -> None:
        """List the patient's sessions; chart ``select_id`` or the newest."""
        assert self.patient is not None and self.patient.id is not None
        sessions = list(reversed(self.store.sessions.for_patient(self.patient.id)))
        if not self.session_list.show_sessions(sessions, select_id):
            self.show_session(None)

    def show_session(self, session: Session | None) -> None:
        """Chart ``session`` of the current patient (None: no session yet)."""
        # Text still being typed belongs to the session on screen: save it before switching.
        self.operations.flush_pending()
        # On a clinic server: taken here, or read-only with the colleague who has it.
        held_by = self.side_by_side.chart(session) if self.side_by_side is not None else ""
        self.session = session
        self._update_actions()
        self.header.show_session(self.patient, session)  # type: ignore[arg-type]
        self.chart.set_session(self.patient, session, held_by=held_by)
        self.session_panel.set_session(session, self.patient, held_by=held_by)
        self.tabs.setCurrentWidget(self.chart)

    def session_saved(self, session: Session) -> None:
        """A session's fields were saved (signed, amended, pain recorded): refresh its views."""
        if self.session is None or session.id != self.session.id:
            return  # a late save of the session just left: the screen shows another one
        self.session = session
        self.header.show_session(self.patient, session)  # type: ignore[arg-type]
        self.chart.refresh_session(session)
        self.progress_tab.refresh()
        self.session_list.update_caption(session)
        self._point_selected(self.chart.selected_point())

    @Slot(object)
    def _records_changed(self, changed: Changed) -> None:
        """Bring the views in line with a change saved through the operations."""
        record = changed.record
        if changed.what is What.PATIENT:
            self.patients.refresh()
            if isinstance(record, Patient) and self.patient and record.id == self.patient.id:
                self.patient = record
                self.summary.show_patient(record)
                self.header.show_session(record, self.session)
        elif changed.what is What.NEW_SESSION and isinstance(record, Session):
            if self.patient is not None and record.patient_id == self.patient.id:
                self._show_sessions(select_id=record.id)
                self.progress_tab.refresh()
        elif changed.what is What.SESSION and isinstance(record, Session):
            self.session_saved(record)
        elif changed.what is What.POINTS:
            self.progress_tab.refresh()
        elif changed.what is What.SESSIONS and self.patient is not None:
            self._sessions_taken_back(record)
        elif changed.what is What.PRACTITIONER:
            self._update_account_actions()  # signed in, role changed, clinic set up
        archived = isinstance(record, Patient) and record.archived
        if archived and self.patient is not None and record.id == self.patient.id:  # type: ignore[union-attr]
            self.show_patient(None)  # archived: off the list, off the screen

    def _sessions_taken_back(self, record: object) -> None:
        """A draft was discarded (``record`` is a DiscardedDraft) or brought back (a Session)."""
        if isinstance(record, Session):
            if record.patient_id == self.patient.id:  # type: ignore[union-attr]
                self._show_sessions(select_id=record.id)
        elif self.session is not None and getattr(record, "session", None) is not None:
            if record.session.id == self.session.id:  # type: ignore[attr-defined]
                # The session on screen is gone: its undo steps would write into nothing.
                self.chart.undo_stack.clear()
                self.session = None
            self._show_sessions(select_id=None)
        self.progress_tab.refresh()

    @Slot(object)
    def _point_selected(self, point) -> None:
        self.inspector.set_point(point, self.chart.editable)
        # Only the doctor switches tabs: a point chosen on the chart (the map or the
        # point list has the keyboard) shows the Point tab; a save made from the Session
        # tab, an undo from the toolbar or a refresh leaves the tab where it is, so the
        # next click lands in the form the doctor is looking at.
        focused = QApplication.focusWidget()
        if point is not None and focused is not None and self.chart.isAncestorOf(focused):
            self.side_tabs.setCurrentWidget(self.inspector)

    @Slot(int)
    def _practitioner_switched(self, _practitioner_id: int) -> None:
        """Another practitioner signed in at the lock screen: the undo steps are the
        previous one's (undoing them would write as the new one), and what shows is
        read again as the new practitioner may see it."""
        self.chart.undo_stack.clear()
        self.reload_from_store()
        self._update_actions()

    # -- the doctor's commands -----------------------------------------------------------
    @Slot()
    def show_accounts(self) -> None:
        """Settings › Accounts…: an administrator manages every sign-in; everyone else
        their own passphrase and PIN."""
        if self.store.signed_in is None:
            return
        from tpchart.ui.accounts_dialog import show_accounts  # built when asked for

        show_accounts(self, self.store, self.operations)
        self._update_account_actions()

    @Slot()
    def new_patient(self) -> None:
        """Ask for a new patient's details; select them once saved."""
        if self.store.practitioner_id is None:
            self.pages.setCurrentWidget(self.welcome)
            self.welcome.name.setFocus()
            return
        from tpchart.ui.patient_dialog import PatientDialog

        dialog = PatientDialog(self.store, parent=self, operations=self.operations)
        if not dialog.exec():
            return
        chosen = dialog.saved or dialog.existing  # added, or "Open existing" of a duplicate
        if chosen is not None and chosen.archived:
            # The one on file was archived: bring it back only if the doctor says so.
            chosen = _take_back().bring_back_patient(self, self.operations, chosen)
        if chosen is not None and chosen.id is not None:
            self.patients.select_patient(chosen.id)

    @Slot()
    def edit_patient(self) -> None:
        """Edit the selected patient's details."""
        if self.patient is not None:
            from tpchart.ui.patient_dialog import PatientDialog

            PatientDialog(self.store, self.patient, self, operations=self.operations).exec()

    @Slot()
    def new_session(self) -> None:
        """Start a session for the selected patient: screening and consent first."""
        if self.patient is None:
            return
        from tpchart.ui.session_start import StartSessionDialog

        dialog = StartSessionDialog(self.store, self.patient, self, operations=self.operations)
        if dialog.exec() and dialog.saved is not None:
            self.chart.focus_map()

    @Slot()
    def archive_patient(self) -> None:
        """Archive the patient on screen (asked first; File › Archived patients brings back)."""
        if self.patient is not None:
            _take_back().archive_patient(self, self.operations, self.patient)

    @Slot()
    def show_archived_patients(self) -> None:
        """List archived patients, to bring one back."""
        dialog = _take_back().ArchivedPatientsDialog(self, self.operations)
        dialog.exec()
        if dialog.restored is not None and dialog.restored.id is not None:
            self.patients.refresh()
            self.patients.select_patient(dialog.restored.id)

    @Slot()
    def discard_draft(self) -> None:
        """Discard the draft session on screen (asked first; Edit › Discarded drafts)."""
        if self.patient is not None and self.session is not None:
            _take_back().discard_draft(self, self.operations, self.session, self.patient)

    @Slot()
    def show_discarded_drafts(self) -> None:
        """List the patient's discarded drafts, to bring one back."""
        if self.patient is not None:
            _take_back().DiscardedDraftsDialog(self, self.operations, self.patient).exec()

    @Slot()
    def undo(self) -> None:
        """Undo the last change to the points (typed notes count as one)."""
        self.operations.flush_pending()
        self.chart.undo_stack.undo()

    @Slot()
    def redo(self) -> None:
        """Redo the last undone change."""
        self.operations.flush_pending()
        self.chart.undo_stack.redo()

    @Slot()
    def delete_point(self) -> None:
        """Remove the selected points (Edit menu)."""
        self.operations.flush_pending()
        self.chart.delete_selected()

    # -- for the app ---------------------------------------------------------------------
    @Slot()
    def reload_from_store(self) -> None:
        """Show exactly what the database holds (after a write failed, for example)."""
        self.patients.refresh()
        if self.patient is not None and self.patient.id is not None:
            self.patient = self.store.patients.get(self.patient.id)
            self._show_sessions(select_id=self.session.id if self.session else None)

    def add_backups_action(self, open_backups: Callable[[], None]) -> QAction:
        """Put "Backups…" in the Settings menu; it calls ``open_backups``."""
        action = QAction("&Backups…", self, objectName="backupSettingsAction")
        action.triggered.connect(open_backups)
        self.menus.settings_menu.addAction(action)
        self.backup_settings_action = action
        self._update_account_actions()  # an administrator's, once the clinic has sign-ins
        return action

    def show_read_only(self, reason: str) -> QLabel:
        """Say across the top that nothing can be changed, and why (``reason``)."""
        self.read_only_banner = backup_settings.read_only_banner(self, reason)
        return self.read_only_banner

    def install_backup_timer(self, auto: AutoBackup) -> QTimer:
        """Back up every few minutes while the records change (see ``backup_settings``)."""
        self.backup_timer = backup_settings.install_backup_timer(self, auto)
        return self.backup_timer

    def may_quit(self) -> bool:
        """Whether the doctor, told of sessions not yet signed, still wants to quit
        (True at once when there is nothing to sign or nothing could be signed)."""
        store = self.store
        if store.read_only or not store.is_open or store.damaged or store.check_pending:
            return True  # nothing can be signed now: nothing to ask
        self.operations.flush_pending()
        try:
            return _take_back().confirm_quit(self, store)
        except TpchartError:  # the records cannot be read now; quitting loses nothing
            return True

    @Slot()
    def quit(self) -> None:
        """File › Quit: the reminder of unsigned sessions, then close."""
        if self.lock_screen.is_locked or self.may_quit():
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Text still being typed (notes, complaint) is saved before the window goes.
        focused = self.focusWidget()
        if focused is not None:
            focused.clearFocus()
        self.operations.flush_pending()
        # Only the doctor's own close (the title bar's button: a spontaneous event) is
        # reminded of unsigned sessions; File › Quit asked already (``quit``); the app or
        # the system closing the window (a log-out, a restore) never waits for an answer.
        # A locked window never asks: the reminder names patients, and whoever closes a
        # locked screen has not signed in.
        asks = (
            event.spontaneous()
            and self.confirm_on_close
            and self.store.is_open
            and not self.lock_screen.is_locked
        )
        if asks and not self.may_quit():
            event.ignore()
            if focused is not None:
                focused.setFocus()  # "Go back": where the doctor was
            return
        self.idle_watch.stop()  # no lock over a window that is going
        if self.side_by_side is not None:
            self.side_by_side.close()  # colleagues may take its sessions at once
        save_layout(self, self.splitter, self.work)
        super().closeEvent(event)
