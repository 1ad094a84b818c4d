"""The point inspector's lung box: why this point risks the lung, and the precautions
taken, ticked.

Shown only for a point over the lung (`core.lung.lung_risk_reason`: by its region or
its muscle). Recording a precaution turns the point's caution above the map into a
calm line of what was done (`core.safety.lung_cautions`), so a warning that is always
there for routine work on the upper trapezius does not teach the doctor to ignore it
[AIS position statement on dry needling; shared/clinical.md, "Lung risk, more places"].
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from tpchart.core.lung import LungPrecaution
from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.style import WrappingCheckBox


class LungPrecautionsBox(QGroupBox):
    """The reason a point risks the lung and one box per recognised precaution;
    ``changed`` is emitted when the doctor ticks or unticks one."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Over the lung: precautions taken", parent)
        self.setObjectName("lungPrecautions")
        self.reason = QLabel(objectName="lungReason", wordWrap=True)
        self.boxes: dict[LungPrecaution, WrappingCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        layout.addWidget(self.reason)
        for precaution in LungPrecaution:
            box = WrappingCheckBox(precaution.label.capitalize(), f"lung_{precaution.value}")
            box.setAccessibleName(f"Lung precaution: {precaution.label}")
            box.toggled.connect(self._toggled)
            self.boxes[precaution] = box
            layout.addWidget(box)
        self._filling = False
        self.hide()

    def show_point(self, point: TriggerPoint | None) -> None:
        """Show ``point``'s reason and precautions, or hide when it is not over the lung."""
        reason = point.lung_risk_reason if point else ""
        self.reason.setText(reason)
        self._filling = True
        try:
            for precaution, box in self.boxes.items():
                box.setChecked(point is not None and precaution in point.lung_precautions)
        finally:
            self._filling = False
        self.setVisible(bool(reason))

    def chosen(self) -> frozenset[LungPrecaution]:
        """The precautions ticked."""
        return frozenset(p for p, box in self.boxes.items() if box.isChecked())

    def editors(self) -> list[QWidget]:
        """The boxes the doctor ticks (enabled only while the point may change)."""
        return list(self.boxes.values())

    def _toggled(self, _on: bool) -> None:
        if not self._filling:
            self.changed.emit()
