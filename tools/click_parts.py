"""Where a click's time goes: the benchmark's click with one part of the window left out.

    .venv/bin/python tools/click_parts.py [ROUNDS]

Builds a 200-patient synthetic clinic (``bench.synthetic``), opens the main window on
it at 1366 x 768 (offscreen), and clicks the busy patient's 200-point draft as
``bench.scenarios.click_on_map`` does (each click undone outside the timing). Each
round makes 12 pairs of clicks for each part (the first two warm up): one with the
whole window and one with the part left out, one right after the other, which first
by turns. Prints the median wall and CPU time of each, and each part's share of a
click: the median of the differences within its pairs. Paired so, the shares hold
still where medians of separate runs wander by milliseconds (a virtual machine's speed
changes from one minute to the next). Leaving a part out breaks the window for what
it shows (that is the point): nothing here is for use beyond measuring.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from bench import rows, scenarios
from bench.synthetic import Clinic, ClinicSize, generate_clinic
from tpchart.core.regions import View
from tpchart.ui.chart_panel import ChartPanel
from tpchart.ui.point_inspector import PointInspector
from tpchart.ui.point_list import PointList


@contextmanager
def left_out(cls: type, *names: str) -> Iterator[None]:
    """``cls``'s methods ``names`` do nothing while inside."""
    kept = {name: getattr(cls, name) for name in names}
    for name in names:
        setattr(cls, name, lambda *_args, **_kw: None)
    try:
        yield
    finally:
        for name, method in kept.items():
            setattr(cls, name, method)


WHOLE = "the whole window"
PARTS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    WHOLE: nullcontext,
    "the point list's update": lambda: left_out(PointList, "show_points", "show_selection"),
    "the inspector's fill": lambda: left_out(PointInspector, "set_point"),
    "the safety banners": lambda: left_out(ChartPanel, "_update_cautions"),
}


def main(rounds: int) -> None:
    """Generate the clinic, measure, remove the clinic."""
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="tpchart-click-parts-"))
    try:
        measure(app, generate_clinic(folder / "clinic.db", ClinicSize(200, 3, 10)), rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(app: QApplication, clinic: Clinic, rounds: int) -> None:
    """Click ``rounds`` rounds and print the medians and each part's paired share."""
    wall: dict[str, list[float]] = {name: [] for name in PARTS}
    cpu: dict[str, list[float]] = {name: [] for name in PARTS}
    shares: dict[str, list[float]] = {name: [] for name in PARTS}
    with scenarios.open_window(clinic) as window:
        window.resize(1366, 768)
        scenarios._select(window, clinic.busy_patient)
        chart = window.chart
        chart.show_view(View.FRONT)
        app.processEvents()
        region_id = "front.forearm.right"
        x, y = rows.spots(region_id)[0]

        def click(part: Callable[[], AbstractContextManager[None]]) -> tuple[float, float]:
            with part():
                started, used = time.perf_counter(), time.process_time()
                chart.add_point(region_id, x, y)
                app.processEvents()
                took = time.perf_counter() - started, time.process_time() - used
                chart.undo_stack.undo()
                app.processEvents()
            return took

        for _ in range(rounds):
            for turn in range(12):
                for name in [n for n in PARTS if n != WHOLE]:
                    # A pair, one right after the other, in either order by turns.
                    first, second = (WHOLE, name) if turn % 2 else (name, WHOLE)
                    took = {first: click(PARTS[first]), second: click(PARTS[second])}
                    if turn < 2:  # the first two of a round warm it up
                        continue
                    for one in (WHOLE, name):
                        wall[one].append(took[one][0])
                        cpu[one].append(took[one][1])
                    shares[name].append(took[WHOLE][0] - took[name][0])
    print(f"{rounds} rounds of 10 pairs of clicks for each part, 200 points on the front diagram")
    for name in PARTS:
        ms, cpu_ms = statistics.median(wall[name]) * 1000, statistics.median(cpu[name]) * 1000
        share = (
            "" if name == WHOLE else f"  its share {statistics.median(shares[name]) * 1000:5.2f} ms"
        )
        label = f"{'with' if name == WHOLE else 'without'} {name}"
        print(f"  {label:34} {ms:6.2f} ms (CPU {cpu_ms:6.2f}){share}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
