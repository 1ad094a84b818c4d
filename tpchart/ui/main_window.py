"""The main window: patients and visits on the left, the body-map chart in the middle,
the selected point and the visit's record on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.store import Store
from tpchart.ui.chart_panel import VIEW_TABS, ChartPanel
from tpchart.ui.clinic_dialog import edit_clinic_profile
from tpchart.ui.patient_dialog import PatientDialog
from tpchart.ui.patient_list import PatientListPanel
from tpchart.ui.patient_summary import PatientSummary
from tpchart.ui.point_inspector import PointInspector
from tpchart.ui.practitioner_picker import PractitionerPicker
from tpchart.ui.session_header import SessionHeader
from tpchart.ui.visit_panel import VisitPanel
from tpchart.ui.welcome import WelcomePage

if TYPE_CHECKING:
    from tpchart.ui.progress_view import ProgressView

SessionRole = Qt.ItemDataRole.UserRole + 2


def session_caption(session: Session) -> str:
    """One line per visit: local date and time, status, pain before → after."""
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


class MainWindow(QMainWindow):
    """The application window over one open store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"tpchart — {store.path.name}")
        self.patient: Patient | None = None
        self.session: Session | None = None

        # Left: patients and their visits.
        self.patients = PatientListPanel(store)
        self.new_patient_button = QPushButton("New patient…", objectName="newPatientButton")
        self.new_session_button = QPushButton("New session…", objectName="newSessionButton")
        self.session_list = QListWidget(objectName="sessionList")
        self.session_list.setAlternatingRowColors(True)
        left = QWidget(objectName="leftColumn")
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 0, 6)
        column.addWidget(self.new_patient_button)
        column.addWidget(self.patients, stretch=3)
        visits = QHBoxLayout()
        visits.addWidget(QLabel("<b>Visits</b>"))
        visits.addStretch()
        visits.addWidget(self.new_session_button)
        column.addLayout(visits)
        column.addWidget(self.session_list, stretch=2)

        # Middle: the header and the chart (and the patient's details).
        self.header = SessionHeader()
        self.chart = ChartPanel(store)
        self.summary = PatientSummary()
        self.tabs = QTabWidget(objectName="mainTabs")
        # The Progress tab is built when first shown: its chart library (pyqtgraph and
        # numpy) costs start-up time and memory a doctor who only charts never needs.
        self.progress: ProgressView | None = None
        self.progress_tab = QWidget(objectName="progressTab")
        QVBoxLayout(self.progress_tab).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.chart, "Chart")
        self.tabs.addTab(self.progress_tab, "Progress")
        self.tabs.addTab(self.summary, "Patient")
        patient_page = QWidget(objectName="patientPage")
        middle = QVBoxLayout(patient_page)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.header)
        middle.addWidget(self.tabs, stretch=1)

        # Right: the selected point and the visit's record.
        self.inspector = PointInspector()
        self.side_tabs = QTabWidget(objectName="sideTabs")
        self.side_tabs.addTab(self.inspector, "Point")
        self.visit_panel = VisitPanel(store)
        self.side_tabs.addTab(self.visit_panel, "Visit")
        self.side_tabs.setMinimumWidth(300)

        self.welcome = WelcomePage(store)
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
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.setCentralWidget(self.splitter)
        self._build_actions()

        self.new_patient_button.clicked.connect(self.new_patient)
        self.new_session_button.clicked.connect(self.new_session)
        self.patients.patient_selected.connect(self.show_patient)
        self.session_list.currentItemChanged.connect(self._session_item_changed)
        self.welcome.new_patient_requested.connect(self.new_patient)
        self.welcome.demo_requested.connect(self.load_demo)
        self.welcome.practitioner_added.connect(self.practitioner_picker.refresh)
        self.chart.point_selected.connect(self._point_selected)
        self.chart.points_changed.connect(self._points_changed)
        self.chart.status_message.connect(lambda text: self.statusBar().showMessage(text))
        self.inspector.point_edited.connect(self.chart.edit_point)
        self.visit_panel.session_changed.connect(self.session_saved)
        self.chart.points_changed.connect(self._refresh_progress)
        self._progress_stale = False
        self.tabs.currentChanged.connect(self._tab_changed)
        self._restore_layout()
        self._show_start_page()

    # -- menus -------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.new_patient_action = self._action(
            "&New patient…", self.new_patient, QKeySequence.StandardKey.New, "newPatientAction"
        )
        self.new_session_action = self._action(
            "New &session…", self.new_session, "Ctrl+Shift+N", "newSessionAction"
        )
        self.edit_patient_action = self._action(
            "&Edit patient…", self.edit_patient, name="editPatientAction"
        )
        quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.export_pdf_action = self._action(
            "&Export PDF…", self.export_session, "Ctrl+E", "exportPdfAction"
        )
        self.print_action = self._action(
            "&Print…", self.print_session, QKeySequence.StandardKey.Print, "printAction"
        )
        self.export_progress_action = self._action(
            "Export progress re&port…", self.export_progress, name="exportProgressAction"
        )
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.new_patient_action, self.new_session_action, self.edit_patient_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        for action in (self.export_pdf_action, self.print_action, self.export_progress_action):
            file_menu.addAction(action)
        self.file_menu = file_menu
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        stack = self.chart.undo_stack
        # Own actions rather than createUndoAction(): notes still being typed are saved
        # first, so Undo reverts them instead of losing them.
        self.undo_action = self._action("&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action("&Redo", self.redo)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        for action, can, text, verb in (
            (self.undo_action, stack.canUndoChanged, stack.undoTextChanged, "Undo"),
            (self.redo_action, stack.canRedoChanged, stack.redoTextChanged, "Redo"),
        ):
            action.setEnabled(False)
            action.setIconText(verb)  # the toolbar keeps a short, fixed width
            can.connect(action.setEnabled)
            text.connect(lambda t, a=action, v=verb: a.setText(f"&{v} {t}".strip()))
        delete = self._action("&Delete point", self.delete_point)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(delete)
        find = self._action(
            "&Find patient",
            lambda: self.patients.search_box.setFocus(),
            QKeySequence.StandardKey.Find,
        )
        edit_menu.addAction(find)

        view_menu = self.menuBar().addMenu("&View")
        for index, (view, label, _key) in enumerate(VIEW_TABS, start=1):
            view_menu.addAction(
                self._action(
                    f"{label} view",
                    lambda _c=False, v=view: self.chart.show_view(v),
                    f"Ctrl+{index}",
                )
            )
        view_menu.addAction(self._action("&Fit diagram", self.chart.canvas.fit, "Ctrl+0"))
        view_menu.addAction(
            self._action(
                "Zoom &in", lambda: self.chart.canvas.zoom(1.2), QKeySequence.StandardKey.ZoomIn
            )
        )
        view_menu.addAction(
            self._action(
                "Zoom &out",
                lambda: self.chart.canvas.zoom(1 / 1.2),
                QKeySequence.StandardKey.ZoomOut,
            )
        )
        self.view_menu = view_menu
        self.settings_menu = self.menuBar().addMenu("&Settings")
        self.settings_menu.addAction(
            self._action(
                "&Clinic profile…",
                lambda: edit_clinic_profile(self, self.store),
                name="clinicProfileAction",
            )
        )

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.new_patient_action, self.new_session_action])
        toolbar.addSeparator()
        toolbar.addActions([self.export_pdf_action, self.print_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Charting as: "))
        self.practitioner_picker = PractitionerPicker(self.store)
        toolbar.addWidget(self.practitioner_picker)
        self.toolbar = toolbar
        self._update_actions()

    def _update_actions(self) -> None:
        writable = not self.store.read_only
        self.new_patient_action.setEnabled(writable)
        self.new_patient_button.setEnabled(writable)
        self.edit_patient_action.setEnabled(writable and self.patient is not None)
        self.new_session_action.setEnabled(writable and self.patient is not None)
        self.new_session_button.setEnabled(writable and self.patient is not None)
        self.export_progress_action.setEnabled(self.patient is not None)
        self.export_pdf_action.setEnabled(self.session is not None)
        self.print_action.setEnabled(self.session is not None)

    # -- pages -------------------------------------------------------------------------
    def _show_start_page(self) -> None:
        if self.store.patients.count(include_archived=True) == 0:
            self.welcome.refresh()
            self.pages.setCurrentWidget(self.welcome)
        elif self.patient is None:
            self.pages.setCurrentWidget(self.no_selection)

    @Slot(object)
    def show_patient(self, patient: Patient | None) -> None:
        """Show the selected patient: visits newest first, the newest one charted."""
        self.visit_panel.commit_pending()
        self.patient = patient
        self._refresh_progress()
        self._update_actions()
        if patient is None:
            self.session = None
            self._update_actions()
            self.session_list.clear()
            self.chart.set_session(None, None)
            self.visit_panel.set_session(None, None)
            self._show_start_page()
            return
        self.summary.show_patient(patient)
        self.pages.setCurrentWidget(self.work)
        self._fill_sessions(select_id=None)

    def _fill_sessions(self, select_id: int | None) -> None:
        """List the patient's visits; select ``select_id`` or the newest."""
        sessions = list(reversed(self.store.sessions.for_patient(self.patient.id)))  # type: ignore[union-attr, arg-type]
        self.session_list.blockSignals(True)
        self.session_list.clear()
        for session in sessions:
            item = QListWidgetItem(session_caption(session))
            item.setData(SessionRole, session.id)
            self.session_list.addItem(item)
        self.session_list.blockSignals(False)
        chosen = next((s for s in sessions if s.id == select_id), sessions[0] if sessions else None)
        if chosen is not None:
            self.session_list.setCurrentRow(sessions.index(chosen))  # emits and charts it
        else:
            self.show_session(None)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _session_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.show_session(self.store.sessions.get(current.data(SessionRole)))

    def show_session(self, session: Session | None) -> None:
        """Chart ``session`` of the current patient (None: no visit yet)."""
        # Text still being typed belongs to the visit on screen: save it before switching.
        self.visit_panel.commit_pending()
        self.inspector.commit_pending()
        self.session = session
        self._update_actions()
        self.header.show_visit(self.patient, session)  # type: ignore[arg-type]
        self.chart.set_session(self.patient, session)
        self.visit_panel.set_session(session, self.patient)
        self.tabs.setCurrentWidget(self.chart)

    def session_saved(self, session: Session) -> None:
        """A visit's fields were saved (signed, amended, pain recorded): refresh its views."""
        if self.session is None or session.id != self.session.id:
            return  # a late save of the visit just left: the screen shows another one
        self.session = session
        self.header.show_visit(self.patient, session)  # type: ignore[arg-type]
        self.chart.refresh_session(session)
        self._refresh_progress()
        row = self.session_list.currentRow()
        item = self.session_list.item(row)
        if item is not None and item.data(SessionRole) == session.id:
            item.setText(session_caption(session))
        self._point_selected(self.chart.selected_point())

    def _refresh_progress(self) -> None:
        """Redraw the progress tab now if it is on screen, else when it is next shown:
        a visit's fields are saved on every edit, and a redraw takes tens of ms."""
        self._progress_stale = self.tabs.currentWidget() is not self.progress_tab
        if not self._progress_stale:
            self.progress_view().show_patient(self.patient.id if self.patient else None)

    def progress_view(self) -> ProgressView:
        """The Progress tab's view, built on first use."""
        if self.progress is None:
            from tpchart.ui.progress_view import ProgressView

            self.progress = ProgressView(self.store)
            self.progress_tab.layout().addWidget(self.progress)
            self.progress.show()
        return self.progress

    @Slot(int)
    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.progress_tab and self._progress_stale:
            self._refresh_progress()

    @Slot()
    def reload_from_store(self) -> None:
        """Show exactly what the database holds (after a write failed, for example)."""
        self.patients.refresh()
        if self.patient is not None:
            self.patient = self.store.patients.get(self.patient.id)  # type: ignore[arg-type]
            self._fill_sessions(select_id=self.session.id if self.session else None)

    @Slot(object)
    def _point_selected(self, point) -> None:
        editable = self.chart.editable
        self.inspector.set_point(point, editable)
        if point is not None:
            self.side_tabs.setCurrentWidget(self.inspector)

    @Slot()
    def _points_changed(self) -> None:
        self._point_selected(self.chart.selected_point())

    # -- actions -------------------------------------------------------------------------
    @Slot()
    def new_patient(self) -> None:
        """Ask for a new patient's details; select them once saved."""
        if self.store.practitioner_id is None:
            self.pages.setCurrentWidget(self.welcome)
            self.welcome.name.setFocus()
            return
        dialog = PatientDialog(self.store, parent=self)
        if dialog.exec() and dialog.saved is not None:
            self.patients.refresh()
            self.patients.select_patient(dialog.saved.id)  # type: ignore[arg-type]

    @Slot()
    def edit_patient(self) -> None:
        """Edit the selected patient's details."""
        if self.patient is None:
            return
        dialog = PatientDialog(self.store, self.patient, parent=self)
        if dialog.exec() and dialog.saved is not None:
            self.patients.refresh()
            self.patient = dialog.saved
            self.summary.show_patient(dialog.saved)
            self.header.show_visit(dialog.saved, self.session)

    @Slot()
    def new_session(self) -> None:
        """Start a visit for the selected patient: screening and consent first."""
        if self.patient is None:
            return
        from tpchart.ui.visit_start import StartVisitDialog

        dialog = StartVisitDialog(self.store, self.patient, parent=self)
        if dialog.exec() and dialog.saved is not None:
            self._fill_sessions(select_id=dialog.saved.id)
            self._refresh_progress()
            self.chart.canvas.setFocus()

    @Slot()
    def undo(self) -> None:
        """Undo the last change to the points (typed notes count as one)."""
        self.inspector.commit_pending()
        self.chart.undo_stack.undo()

    @Slot()
    def redo(self) -> None:
        """Redo the last undone change."""
        self.inspector.commit_pending()
        self.chart.undo_stack.redo()

    @Slot()
    def delete_point(self) -> None:
        """Remove the selected points (Edit menu)."""
        self.inspector.commit_pending()
        self.chart.delete_selected()

    @Slot()
    def export_session(self) -> None:
        """Save the visit's treatment summary as a PDF."""
        if self.session is not None:
            self.visit_panel.commit_pending()
            from tpchart.ui.export import export_session_pdf  # reportlab loads on first use

            export_session_pdf(self, self.store, self.session.id)  # type: ignore[arg-type]

    @Slot()
    def print_session(self) -> None:
        """Print the visit's treatment summary (with a preview)."""
        if self.session is not None:
            self.visit_panel.commit_pending()
            from tpchart.ui.export import print_session

            print_session(self, self.store, self.session.id)  # type: ignore[arg-type]

    @Slot()
    def export_progress(self) -> None:
        """Save the patient's progress report as a PDF."""
        if self.patient is not None:
            from tpchart.ui.export import export_progress_pdf

            export_progress_pdf(self, self.store, self.patient.id)  # type: ignore[arg-type]

    @Slot()
    def load_demo(self) -> None:
        """Fill an empty database with demo patients so the app can be tried out."""
        from tpchart.demo import write_demo

        try:
            added = write_demo(self.store)
        except Exception as exc:  # shown here; the app's exception hook logs it
            QMessageBox.critical(self, "Demo data", f"Demo data could not be written: {exc}")
            raise
        self.patients.refresh()
        if added:
            self.patients.select_patient(added[0].id)  # type: ignore[arg-type]

    # -- layout memory ---------------------------------------------------------------------
    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("mainWindow/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 740)
            self.splitter.setSizes([270, 1096])
            self.work.setSizes([700, 396])
        for splitter in (self.splitter, self.work):
            state = settings.value(f"mainWindow/{splitter.objectName()}")
            if state is not None:
                splitter.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Text still being typed (notes, complaint) is saved before the window goes.
        focused = self.focusWidget()
        if focused is not None:
            focused.clearFocus()
        self.visit_panel.commit_pending()
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        for splitter in (self.splitter, self.work):
            settings.setValue(f"mainWindow/{splitter.objectName()}", splitter.saveState())
        super().closeEvent(event)
