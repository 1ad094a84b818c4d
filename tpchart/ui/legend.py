"""The marker legend, drawn with the same shapes and fills as the markers."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from tpchart.bodymap.markers import STROKE, legend
from tpchart.ui.markers import marker_path

ENTRY_GAP = 14
SYMBOL = 14


class Legend(QWidget):
    """One row: Active ● Latent ◆ · No/Weak/Medium/Strong twitch fills."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("markerLegend")
        self._rows = legend()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        width = sum(
            SYMBOL + 6 + metrics.horizontalAdvance(label) + ENTRY_GAP for label, _, _ in self._rows
        )
        return QSize(width, max(SYMBOL + 6, metrics.height() + 4))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        x = 2.0
        middle = self.height() / 2
        for label, shape, fill in self._rows:
            painter.save()
            painter.translate(QPointF(x + SYMBOL / 2, middle))
            painter.setPen(QPen(QColor(STROKE), 1.2))
            painter.setBrush(QColor(fill))
            painter.drawPath(marker_path(shape, SYMBOL / 2 - 1))
            painter.restore()
            x += SYMBOL + 4
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QPointF(x, middle + metrics.ascent() / 2 - 1), label)
            x += metrics.horizontalAdvance(label) + ENTRY_GAP
