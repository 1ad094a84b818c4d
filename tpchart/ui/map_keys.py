"""Single keys on the body map: a view, or a finding of the selected point.

They are shortcuts of the map widget alone (``WidgetShortcut``): typed into the
inspector or a form, the same letters are text. Each key names one field, so
repeated presses for a field merge into one undo step (`ChartPanel.edit_point`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from tpchart.core.charting import with_twitch
from tpchart.core.regions import View
from tpchart.core.trigger_point import PointKind, TriggerPoint, TwitchStrength

# The findings set most often, one key each.
KIND_KEYS = {Qt.Key.Key_A: PointKind.ACTIVE, Qt.Key.Key_L: PointKind.LATENT}
TWITCH_KEYS = {
    Qt.Key.Key_N: None,
    Qt.Key.Key_W: TwitchStrength.WEAK,
    Qt.Key.Key_M: TwitchStrength.MEDIUM,
    Qt.Key.Key_S: TwitchStrength.STRONG,
}

Edit = Callable[[str, Callable[[TriggerPoint], TriggerPoint]], None]


def install_map_keys(
    canvas: QWidget,
    views: Iterable[tuple[View, str]],
    show_view: Callable[[View], None],
    delete: Callable[[], None],
    edit: Edit,
) -> None:
    """Bind the map's keys on ``canvas``: each of ``views`` (view, key) shows that view,
    Delete and Backspace call ``delete``, and the finding keys call ``edit(field,
    change)`` with the change to make to the selected point."""

    def on_map(sequence: QKeySequence | str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(sequence), canvas)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(slot)

    for view, key in views:
        on_map(key, lambda v=view: show_view(v))
    on_map(QKeySequence.StandardKey.Delete, delete)
    on_map("Backspace", delete)
    for key, kind in KIND_KEYS.items():
        on_map(QKeySequence(key), lambda k=kind: edit("kind", lambda p: replace(p, kind=k)))
    for key, strength in TWITCH_KEYS.items():
        on_map(QKeySequence(key), lambda s=strength: edit("twitch", lambda p: with_twitch(p, s)))
    for digit in range(10):
        on_map(str(digit), lambda d=digit: edit("pain", lambda p: replace(p, pain=d)))
