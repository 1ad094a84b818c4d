"""The main window: patients on the left, the selected patient's visits beside them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.store import Store
from tpchart.ui.patient_dialog import PatientDialog
from tpchart.ui.patient_list import PatientListPanel
from tpchart.ui.style import CAUTION, banner
from tpchart.ui.welcome import WelcomePage

SessionRole = Qt.ItemDataRole.UserRole + 2


def session_caption(session: Session) -> str:
    """One line per visit: local date and time, status, pain before → after."""
    when = session.started_at.astimezone()
    status = {SessionStatus.DRAFT: "draft", SessionStatus.SIGNED: "signed",
              SessionStatus.AMENDING: f"amending v{session.version}"}[session.status]  # fmt: skip
    pain = ""
    if session.pain_before is not None:
        after = "–" if session.pain_after is None else session.pain_after
        pain = f" · pain {session.pain_before} → {after}"
    return f"{when:%d %b %Y %H:%M} · {status}{pain}"


class PatientSummary(QWidget):
    """Who the selected patient is: identity, contact, history and standing precautions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientSummary")
        self.title = QLabel(objectName="patientTitle", textFormat=Qt.TextFormat.RichText)
        self.precautions = banner(CAUTION, "patientPrecautions")
        self.details = QLabel(objectName="patientDetails", wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.precautions)
        layout.addWidget(self.details)
        layout.addStretch()

    def show_patient(self, patient: Patient) -> None:
        """Fill in the labels for ``patient``."""
        age = patient.age_on(date.today())
        self.title.setText(
            f"<h2>{_escape(patient.full_name)}</h2>{_escape(patient.record_number)} · born "
            f"{patient.date_of_birth:%d %b %Y} (age {age}) · {patient.sex.value}"
        )
        if patient.precautions:
            labels = ", ".join(p.label for p in sorted(patient.precautions))
            self.precautions.setText(f"⚠ Precautions: {labels}")
        self.precautions.setVisible(bool(patient.precautions))
        contact = " · ".join(filter(None, [patient.phone, patient.email])) or "no contact details"
        history = patient.medical_history or "No medical history recorded."
        self.details.setText(f"{contact}\n\n{history}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MainWindow(QMainWindow):
    """The application window over one open store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"tpchart — {store.path.name}")
        self.patient: Patient | None = None

        self.patients = PatientListPanel(store)
        self.new_patient_button = QPushButton("New patient…", objectName="newPatientButton")
        self.session_list = QListWidget(objectName="sessionList")
        self.session_list.setAlternatingRowColors(True)
        left = QWidget(objectName="leftColumn")
        column = QVBoxLayout(left)
        column.setContentsMargins(6, 6, 0, 6)
        column.addWidget(self.new_patient_button)
        column.addWidget(self.patients, stretch=3)
        column.addWidget(QLabel("<b>Visits</b>"))
        column.addWidget(self.session_list, stretch=2)

        self.welcome = WelcomePage(store)
        self.summary = PatientSummary()
        self.no_selection = QLabel("Choose a patient on the left, or add a new one.",
                                   alignment=Qt.AlignmentFlag.AlignCenter)  # fmt: skip
        self.pages = QStackedWidget(objectName="mainPages")
        for page in (self.welcome, self.no_selection, self.summary):
            self.pages.addWidget(page)

        self.splitter = QSplitter(objectName="mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 1000])
        self.setCentralWidget(self.splitter)
        self._build_menus()

        self.new_patient_button.clicked.connect(self.new_patient)
        self.patients.patient_selected.connect(self.show_patient)
        self.welcome.new_patient_requested.connect(self.new_patient)
        self.welcome.demo_requested.connect(self.load_demo)
        self._restore_layout()
        self._show_start_page()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_patient_action = QAction(
            "&New patient…", self, shortcut=QKeySequence.StandardKey.New
        )
        self.new_patient_action.triggered.connect(self.new_patient)
        file_menu.addAction(self.new_patient_action)
        self.edit_patient_action = QAction("&Edit patient…", self, enabled=False)
        self.edit_patient_action.triggered.connect(self.edit_patient)
        file_menu.addAction(self.edit_patient_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        find = QAction("&Find patient", self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.patients.search_box.setFocus())
        self.addAction(find)

    def _show_start_page(self) -> None:
        if self.store.patients.count(include_archived=True) == 0:
            self.welcome.refresh()
            self.pages.setCurrentWidget(self.welcome)
        elif self.patient is None:
            self.pages.setCurrentWidget(self.no_selection)

    @Slot(object)
    def show_patient(self, patient: Patient | None) -> None:
        """Show the selected patient and list their visits, newest first."""
        self.patient = patient
        self.edit_patient_action.setEnabled(patient is not None)
        self.session_list.clear()
        if patient is None:
            self._show_start_page()
            return
        self.summary.show_patient(patient)
        self.pages.setCurrentWidget(self.summary)
        for session in reversed(self.store.sessions.for_patient(patient.id)):  # type: ignore[arg-type]
            item = QListWidgetItem(session_caption(session))
            item.setData(SessionRole, session)
            self.session_list.addItem(item)

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
            self.show_patient(dialog.saved)

    @Slot()
    def load_demo(self) -> None:
        """Fill an empty database with demo patients so the app can be tried out."""
        from tpchart.demo import write_demo

        try:
            added = write_demo(self.store)
        except Exception as exc:  # shown, logged by the app's handler, never swallowed
            QMessageBox.critical(self, "Demo data", f"Demo data could not be written: {exc}")
            raise
        self.patients.refresh()
        if added:
            self.patients.select_patient(added[0].id)  # type: ignore[arg-type]

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("mainWindow/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        state = settings.value("mainWindow/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/splitter", self.splitter.saveState())
        super().closeEvent(event)
