"""Choosing which of the previous session's points to carry forward into this one.

"Carry forward" opens a checklist of the previous session's points, every one ticked:
the doctor unticks the points that have resolved, and OK copies the ticked ones into
the session as one undoable step (the chart does the copying). What a copy keeps and
what starts afresh is `TriggerPoint.carried_to`.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tpchart.core.trigger_point import TriggerPoint
from tpchart.ui.muscle_field import muscle_label
from tpchart.ui.point_list import DASH, VIEW_NAMES

COLUMNS = ["#", "Muscle", "Side", "View"]


class CarryForwardDialog(QDialog):
    """A checklist of ``earlier`` points (number, muscle, side, view), all ticked."""

    def __init__(self, earlier: Iterable[TriggerPoint], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("carryForwardDialog")
        self.setWindowTitle("Carry forward")
        self.points = sorted(earlier, key=lambda p: p.number)
        intro = QLabel(
            "Points of the previous session to copy into this one. Untick those that have "
            "resolved; findings and needling start afresh.",
            wordWrap=True,
        )
        self.checklist = QTreeWidget(objectName="carryForwardList")
        self.checklist.setAccessibleName("Points of the previous session")
        self.checklist.setHeaderLabels(COLUMNS)
        self.checklist.setRootIsDecorated(False)
        self.checklist.setUniformRowHeights(True)
        self.checklist.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.checklist.header()
        header.setStretchLastSection(False)
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for point in self.points:
            item = QTreeWidgetItem(
                [
                    str(point.number),
                    muscle_label(point) or DASH,
                    point.side.value.capitalize(),
                    VIEW_NAMES[point.view],
                ]
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            self.checklist.addTopLevelItem(item)
        self.checklist.itemChanged.connect(lambda _item, _column: self._update_ok())

        tick_all = QPushButton("Tick all", objectName="tickAll")
        tick_none = QPushButton("Tick none", objectName="tickNone")
        tick_all.clicked.connect(lambda: self._tick_every(Qt.CheckState.Checked))
        tick_none.clicked.connect(lambda: self._tick_every(Qt.CheckState.Unchecked))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        ticks = QHBoxLayout()
        ticks.addWidget(tick_all)
        ticks.addWidget(tick_none)
        ticks.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.checklist, stretch=1)
        layout.addLayout(ticks)
        layout.addWidget(self.buttons)
        self.resize(420, 360)
        self._update_ok()

    def items(self) -> list[QTreeWidgetItem]:
        """The checklist's rows, one per earlier point in number order."""
        return [self.checklist.topLevelItem(r) for r in range(self.checklist.topLevelItemCount())]

    def chosen(self) -> list[TriggerPoint]:
        """The ticked points, in number order."""
        return [
            point
            for point, item in zip(self.points, self.items(), strict=True)
            if item.checkState(0) is Qt.CheckState.Checked
        ]

    def _tick_every(self, state: Qt.CheckState) -> None:
        for item in self.items():
            item.setCheckState(0, state)

    def _update_ok(self) -> None:
        count = len(self.chosen())
        self.ok.setEnabled(count > 0)
        self.ok.setText(f"Carry forward {count} point{'' if count == 1 else 's'}")


def choose_points_to_carry(
    earlier: Iterable[TriggerPoint], parent: QWidget | None = None
) -> list[TriggerPoint]:
    """Ask which of ``earlier`` points to carry forward: the ticked ones, or none if
    the doctor cancels."""
    dialog = CarryForwardDialog(earlier, parent)
    return dialog.chosen() if dialog.exec() else []
