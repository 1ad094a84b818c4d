"""A guard on the Qt bindings themselves: PySide6 6.12.0 decremented None's reference
count on every call of a void method, which aborts the app after a few thousand
clicks. pyproject excludes it; this test fails if such a build comes back."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QComboBox, QWidget


def test_void_calls_and_item_data_keep_reference_counts(qtbot):
    widget = QWidget()
    combo = QComboBox()
    combo.addItem("none", None)
    qtbot.addWidget(widget)
    qtbot.addWidget(combo)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        widget.setEnabled(True)
        widget.update()
        combo.itemData(0)
        combo.blockSignals(False)
    assert (sys.getrefcount(None), sys.getrefcount(True)) == before
