"""sqlite-utils without NumPy, and its date parser loaded on first use: imported first
by ``tpchart.store``.

sqlite-utils imports NumPy whenever it is installed, only to map NumPy's number
types to column types when a table is created from NumPy values. tpchart never
writes NumPy values (the store writes its dataclasses' ints, floats and text), yet
NumPy is installed for the Progress tab's charts (pyqtgraph): importing it at start
cost about 0.1 s and 20 MB of every start (docs/performance.md). So sqlite-utils is
imported here with NumPy marked as absent, which Python's import system turns into
the ImportError sqlite-utils expects; the mark is removed at once, so the Progress
tab imports NumPy as usual when it is first shown. Pandas, which sqlite-utils probes
the same way, needs NumPy and is left out the same way.

sqlite-utils also imports dateutil's date parser for its command line's "convert"
recipes, which tpchart never calls: about 25 ms of every start. The parser module is
registered with the standard library's ``importlib.util.LazyLoader``, so it is run the
first time anything reads from it (a recipe, or anyone else importing it), never at
start. Python 3.11's LazyLoader is not safe for two threads reading a module for the
first time at once (one may find it half made; later Pythons fixed this): nothing in
tpchart or its dependencies reads dateutil's parser at all, let alone from threads.

If NumPy or sqlite-utils is already imported (a test run, a tool), nothing changes.
"""

from __future__ import annotations

import importlib.util
import sys

_LAZY = "dateutil.parser"


def import_sqlite_utils() -> None:
    """Import sqlite-utils, keeping NumPy (and with it pandas) out of the process and
    dateutil's parser unrun until it is used."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    _register_lazily(_LAZY)
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]


def _register_lazily(name: str) -> None:
    """Put ``name`` in ``sys.modules`` as a module that runs on first attribute access
    (the recipe of the ``importlib`` documentation, "Implementing lazy imports")."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package
    except ModuleNotFoundError:
        return  # not installed: sqlite-utils reports that itself
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return  # not there, or a loader LazyLoader cannot wrap: imported as usual
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    # "from dateutil import parser" reads the attribute of the package.
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


import_sqlite_utils()
