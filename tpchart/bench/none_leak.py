"""PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a Qt
method that returns nothing (``update()``, ``setText()``, ``setPos()`` ...), and one to
``True``/``False`` on every emit of a ``Signal(bool)``. Python 3.12 made these objects
immortal, so there it is harmless; on 3.11 a count reaches zero after some tens of
thousands of such calls and the process aborts with "Fatal Python error: none_dealloc"
(or bool_dealloc). PySide6 6.11.2 does not do this.

The benchmark makes many more calls than a short session of the app, so it detects the
leak, says so in its output, and lifts the three counts far out of reach in its own
process only (they are never freed, so a higher count changes nothing else). The app
itself needs the real fix: a PySide6 without the bug, or Python 3.12 or later.
"""

from __future__ import annotations

import ctypes
import sys

# Enough headroom for any benchmark run (each call takes one).
_HEADROOM = 1 << 40


def none_refs_lost_per_call() -> float:
    """References to None lost per void Qt call (0 on a healthy PySide6)."""
    from PySide6.QtWidgets import QApplication, QWidget

    if QApplication.instance() is None:
        raise RuntimeError("create the QApplication first")
    widget = QWidget()
    calls = 200
    before = sys.getrefcount(None)
    for _ in range(calls):
        widget.update()
    lost = before - sys.getrefcount(None)
    widget.deleteLater()
    return max(0.0, lost / calls)


def protect_benchmark_process() -> str | None:
    """If this PySide6 leaks None, raise the counts of None, True and False in this
    process and return a warning for the report; otherwise None."""
    lost = none_refs_lost_per_call()
    if lost < 0.5 or sys.version_info >= (3, 12):
        return None
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    import PySide6

    return (
        f"WARNING: PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} loses a "
        "reference to None per void Qt call (and to True/False per bool signal): the app "
        "aborts (none_dealloc) after about a dozen clicks on a 200-point map. The benchmark "
        "protected its own process; the app needs PySide6 != 6.12.0 or Python >= 3.12."
    )
