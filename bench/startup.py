"""Cold start and peak memory: the app and a bare PySide6 window, each in a new process.

Both children are started the same way (``python -c``, offscreen Qt, a private
settings folder, compiled bytecode as an installed app has) and print "ready" after
their first ``processEvents()`` with the window shown, so the difference is what
tpchart adds: its imports, opening and checking the database, and building the main
window with the patient list.

"Cold" means a new process; the operating system's file cache is warm after the
untimed first run (emptying it needs root and would slow everyone else on the machine).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Sample, run_child

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1366, 740)
window.show()
app.processEvents()
print("ready", flush=True)
"""

# argv: database path, then optionally a patient id to open once the window is up
# (for the memory figure: the app in use, not only its empty first screen).
APP_WINDOW = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from tpchart.store import Store
from tpchart.ui.main_window import MainWindow
app = QApplication(sys.argv[:1])
app.setOrganizationName("tpchart")
app.setApplicationName("tpchart")
# As the app opens it: a large file's start-up check runs beside the window.
store = Store.open(Path(sys.argv[1]), defer_check=True)
window = MainWindow(store)
window.show()
store.start_deferred_check(lambda report: None)
app.processEvents()
print("ready", flush=True)
if len(sys.argv) > 2:
    window.patients.select_patient(int(sys.argv[2]))
    app.processEvents()
    assert window.patient is not None and window.patient.id == int(sys.argv[2])
    print("opened", flush=True)
store.close()
"""


def child_env(settings: str) -> dict[str, str]:
    """The environment of a timed child: Qt offscreen, QSettings and compiled bytecode
    in the throw-away folder ``settings`` (see ``measure_startup``)."""
    return {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": settings,
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(Path(settings) / "bytecode"),
    }


@dataclass(frozen=True)
class StartupResult:
    """Seconds to an interactive window and peak resident bytes, app and bare window."""

    app_seconds: Sample
    bare_seconds: Sample
    app_rss: Sample
    bare_rss: Sample


def measure_startup(database: Path, runs: int, open_patient: int | None = None) -> StartupResult:
    """Start the bare window and the app on ``database`` alternately, ``runs`` timed
    times each after one untimed start (alternating, so a burst of load from another
    process hits both alike)."""
    app_s, bare_s, app_m, bare_m = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="tpchart-bench-settings-") as settings:
        # Qt offscreen, and QSettings in a throw-away folder (never the doctor's layout).
        # Bytecode as an installed app has it (pip compiles a wheel's modules when it
        # installs them; the bundle holds .pyc files), even where the environment asks
        # Python not to write any (PYTHONDONTWRITEBYTECODE): the untimed first start
        # compiles into the throw-away folder, never into the checkout. Without it every
        # start compiled tpchart's modules from source, about 0.1 s here.
        env = child_env(settings)
        args = [str(database)] + ([str(open_patient)] if open_patient else [])
        for index in range(runs + 1):
            bare = run_child(BARE_WINDOW, env=env)
            app = run_child(APP_WINDOW, args, env=env)
            if index == 0:
                continue
            bare_s.append(bare.ready_seconds)
            app_s.append(app.ready_seconds)
            bare_m.append(float(bare.peak_rss_bytes))
            app_m.append(float(app.peak_rss_bytes))
    return StartupResult(
        Sample(tuple(app_s)), Sample(tuple(bare_s)), Sample(tuple(app_m)), Sample(tuple(bare_m))
    )
