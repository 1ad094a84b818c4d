"""The patient list: a model over the store's search, and the widget around it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLineEdit, QListView, QVBoxLayout, QWidget

from tpchart.core.patient import Patient
from tpchart.store import Store

PatientRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class PatientListModel(QAbstractListModel):
    """Patients matching the current search text, one row each."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._patients: list[Patient] = []
        self._query = ""

    def search(self, query: str) -> None:
        """Show the patients matching ``query`` (empty: everyone, by name)."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Reload from the store after a change."""
        self.beginResetModel()
        self._patients = self._store.patients.find(self._query)
        self.endResetModel()

    def patient(self, row: int) -> Patient:
        """The patient shown in ``row``."""
        return self._patients[row]

    def row_of(self, patient_id: int) -> int | None:
        """Where a patient is shown, if at all."""
        for row, patient in enumerate(self._patients):
            if patient.id == patient_id:
                return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt override)
        return 0 if parent.isValid() else len(self._patients)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        patient = self._patients[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{patient.full_name}\n{patient.record_number} · born "
                f"{patient.date_of_birth:%d %b %Y} ({patient.age_on(date.today())})"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return patient.full_name
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # One sentence for a screen reader, not two lines and a dot separator.
            return (
                f"{patient.full_name}, record {patient.record_number}, born "
                f"{patient.date_of_birth:%d %B %Y}, {patient.age_on(date.today())} years"
            )
        if role == Qt.ItemDataRole.SizeHintRole:
            # Two lines, with room for scripts whose fallback fonts are taller (CJK).
            return QSize(-1, int(QFontMetrics(QFont()).lineSpacing() * 2.7))
        if role == PatientRole:
            return patient
        return None


class PatientListPanel(QWidget):
    """Search box over the patient list; emits the chosen patient."""

    patient_selected = Signal(object)  # Patient or None

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PatientListModel(store, self)
        self.search_box = QLineEdit(objectName="patientSearch")
        self.search_box.setPlaceholderText("Search name, record number or birth date")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search patients")
        self.search_box.setAccessibleDescription(
            "Name in any script (Chinese also in pinyin), record number, or date of birth "
            "day first (dd.mm.yyyy); the list below shows the patients found"
        )
        self.search_box.setToolTip(
            "Name (陈美玲 or chen meiling), record number, or birth date as dd.mm.yyyy"
        )
        self.list_view = QListView(objectName="patientList")
        self.list_view.setAccessibleName("Patients")
        self.list_view.setAccessibleDescription(
            "Patients matching the search; choose one to see their sessions"
        )
        self.list_view.setModel(self.model)
        self.list_view.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_box)
        layout.addWidget(self.list_view)
        # Search after a short pause in typing, not on every keystroke's full repaint.
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self._run_search)
        self.search_box.textChanged.connect(self._debounce.start)
        self.search_box.returnPressed.connect(self._run_search)
        self.list_view.selectionModel().currentChanged.connect(self._current_changed)
        self.model.modelReset.connect(self._after_reset)
        self._selected_id: int | None = None
        self.model.refresh()

    @Slot()
    def _run_search(self) -> None:
        self._debounce.stop()
        self.model.search(self.search_box.text())

    def select_patient(self, patient_id: int) -> None:
        """Select a patient by id, clearing the search if it hides them."""
        row = self.model.row_of(patient_id)
        if row is None:
            self.search_box.clear()
            self._run_search()
            row = self.model.row_of(patient_id)
        if row is not None:
            self.list_view.setCurrentIndex(self.model.index(row))

    def refresh(self) -> None:
        """Reload the list, keeping the selection."""
        self.model.refresh()

    def refresh_keeping_choice(self) -> None:
        """Reload the list after a colleague's change without choosing the patient on
        screen again (which would chart them afresh under the doctor's hands); only a
        patient gone from the list (archived elsewhere) is let go."""
        chosen = self._selected_id
        selection = self.list_view.selectionModel()
        selection.blockSignals(True)
        try:
            self.model.refresh()
        finally:
            selection.blockSignals(False)
        if chosen is not None and self.model.row_of(chosen) is None:
            self.list_view.clearSelection()
            self._selected_id = None
            self.patient_selected.emit(None)

    @Slot()
    def _after_reset(self) -> None:
        if self._selected_id is not None:
            row = self.model.row_of(self._selected_id)
            if row is not None:
                self.list_view.setCurrentIndex(self.model.index(row))

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        patient = self.model.patient(current.row()) if current.isValid() else None
        self._selected_id = patient.id if patient else None
        self.patient_selected.emit(patient)
