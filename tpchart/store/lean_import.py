"""sqlite-utils without NumPy: imported first by ``tpchart.store``.

sqlite-utils imports NumPy whenever it is installed, only to map NumPy's number
types to column types when a table is created from NumPy values. tpchart never
writes NumPy values (the store writes its dataclasses' ints, floats and text), yet
NumPy is installed for the Progress tab's charts (pyqtgraph): importing it at start
cost about 0.1 s and 20 MB of every start (docs/performance.md). So sqlite-utils is
imported here with NumPy marked as absent, which Python's import system turns into
the ImportError sqlite-utils expects; the mark is removed at once, so the Progress
tab imports NumPy as usual when it is first shown. Pandas, which sqlite-utils probes
the same way, needs NumPy and is left out the same way.

If NumPy or sqlite-utils is already imported (a test run, a tool), nothing changes.
"""

from __future__ import annotations

import sys


def import_sqlite_utils() -> None:
    """Import sqlite-utils, keeping NumPy (and with it pandas) out of the process."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]


import_sqlite_utils()
