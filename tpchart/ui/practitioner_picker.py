"""Who is charting: a toolbar picker of practitioners, remembered per database."""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtWidgets import QComboBox, QInputDialog, QWidget

from tpchart.core.errors import TpchartError
from tpchart.core.practitioner import Practitioner
from tpchart.store import Store
from tpchart.ui.operations import Changed, Operations, What, message_box

ADD = -1


class PractitionerPicker(QComboBox):
    """Lists active practitioners and "Add practitioner…"; the choice becomes the
    store's current practitioner, recorded as "who" in every audit row."""

    practitioner_changed = Signal()

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, operations: Operations | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("practitionerPicker")
        self.setToolTip("Who is charting: recorded with every change and signature")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setPlaceholderText("nobody yet")
        self._store = store
        self._operations = operations or Operations(store, self)
        # A practitioner added anywhere (here, or on the welcome page) is listed at once.
        self._operations.records_changed.connect(self._records_changed)
        self._key = f"practitioner/{store.file.resolve() if store.file else store.location}"
        remembered = QSettings().value(self._key)
        if remembered is not None and store.practitioner_id is None:
            # A practitioner remembered from another copy of this file may not exist here.
            with suppress(TpchartError, ValueError):
                store.practitioner_id = int(remembered)
        self.refresh()
        self.activated.connect(self._chosen)

    def refresh(self) -> None:
        """Reload the list, keeping the current practitioner selected."""
        self.blockSignals(True)
        self.clear()
        for practitioner in self._store.practitioners.all():
            self.addItem(practitioner.name, practitioner.id)
        self.addItem("Add practitioner…", ADD)
        index = self.findData(self._store.practitioner_id)
        self.setCurrentIndex(index if index >= 0 else -1)
        self.blockSignals(False)

    @Slot(object)
    def _records_changed(self, changed: Changed) -> None:
        if changed.what is What.PRACTITIONER:
            self.refresh()

    @Slot(int)
    def _chosen(self, index: int) -> None:
        chosen = self.itemData(index)
        if chosen == ADD:
            chosen = self._add()
        if chosen is not None and chosen != ADD:
            try:
                self._store.practitioner_id = chosen
            except TpchartError as exc:
                # A clinic with sign-ins (issue 18): only signing in changes who charts.
                message_box(self, "Charting as")(str(exc))
            else:
                QSettings().setValue(self._key, chosen)
                self.practitioner_changed.emit()
        self.refresh()

    def _add(self) -> int | None:
        name, ok = QInputDialog.getText(self, "Add practitioner", "Name, as it appears on records:")
        if not ok:
            return None
        added = self._operations.add_practitioner(
            lambda: Practitioner(name=name.strip()), message_box(self, "Add practitioner")
        )
        return added.id if added is not None else None
