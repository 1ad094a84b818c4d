"""The benchmark's two clicks, in turns in one process: the click on a chart where
nothing is selected (``bench.scenarios.click_on_map``) and clicks in a row, each with
the point before it selected (``bench.scenarios.clicks_in_a_row``); and clicks in a
row on a draft of a real session's size, for comparison.

    .venv/bin/python tools/click_kinds.py [ROUNDS]

Builds a 200-patient synthetic clinic (``bench.synthetic``) and opens the main window
on it as the benchmark does (offscreen, 1366 x 740). Each round times 20 clicks of each
kind, in an order that turns round from one round to the next, so all meet the same
minutes of the machine (a virtual machine's speed changes from one minute to the next,
and the benchmark times them a second apart). Prints the median and p95 of each kind,
and the median of each round's difference between the benchmark's two.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from bench import scenarios
from bench.measure import Sample, repeat
from bench.synthetic import Clinic, ClinicSize, generate_clinic
from tpchart.core.regions import View
from tpchart.ui.main_window import MainWindow

CLICKS = 20


def small_draft(clinic: Clinic) -> tuple[int, int]:
    """(patient id, points) of the largest draft after the busy patient's 200."""
    with sqlite3.connect(clinic.path) as conn:
        patient, points = conn.execute(
            "SELECT s.patient_id, count(p.id) AS n FROM sessions s"
            " JOIN trigger_points p ON p.session_id = s.id"
            " WHERE s.status = 'draft' AND s.patient_id != ?"
            " GROUP BY s.id ORDER BY n DESC LIMIT 1",
            (clinic.busy_patient,),
        ).fetchone()
    return patient, points


def in_a_row_on(patient: int) -> Callable[[MainWindow, Clinic, int], Sample]:
    """Clicks in a row on ``patient``'s draft at the places of ``clicks_in_a_row``,
    none undone until the end: a 10-point draft grows to 32 points (with the two
    warm-up clicks) while it is timed, a session's size all the same."""

    def clicks(window: MainWindow, clinic: Clinic, runs: int) -> Sample:
        scenarios._select(window, patient)
        chart = window.chart
        if chart.session is None or not chart.editable:
            raise RuntimeError(f"patient {patient}'s newest session should be a draft")
        chart.show_view(View.FRONT)
        shown = len(chart.points)
        start = chart.undo_stack.index()
        places = scenarios.places_in_a_row()
        clicked = 0

        def count() -> None:
            nonlocal clicked
            clicked += 1
            scenarios.expect_points(chart, shown + clicked)

        def click() -> None:
            scenarios.click_at(chart, places[clicked % len(places)])

        try:
            return repeat(click, runs, warmup=2, after=count)
        finally:
            while chart.undo_stack.index() > start:
                chart.undo_stack.undo()
            QApplication.processEvents()

    return clicks


def main(rounds: int) -> None:
    """Time ``rounds`` rounds of each kind of click and print what they show."""
    _app = QApplication.instance() or QApplication([])  # held: the windows need it alive
    folder = Path(tempfile.mkdtemp(prefix="tpchart-click-kinds-"))
    try:
        clinic = generate_clinic(folder / "clinic.db", ClinicSize(200, 3, 10))
        patient, points = small_draft(clinic)
        kinds = {
            "nothing selected (click_on_map)": scenarios.click_on_map,
            "in a row (clicks_in_a_row)": scenarios.clicks_in_a_row,
            f"in a row, a {points}-point draft": in_a_row_on(patient),
        }
        times: dict[str, list[float]] = {name: [] for name in kinds}
        differences = []
        with scenarios.open_window(clinic) as window:  # the benchmark's window, as it opens
            for index in range(rounds):
                order = list(kinds) if index % 2 == 0 else list(reversed(kinds))
                medians = {}
                for name in order:
                    sample = kinds[name](window, clinic, CLICKS)
                    times[name].extend(sample.values)
                    medians[name] = sample.median
                first, second, _ = kinds
                differences.append(medians[second] - medians[first])
        for name, values in times.items():
            sample = Sample(tuple(values))
            print(
                f"{name:34} median {sample.median * 1000:5.2f} ms"
                f"  p95 {sample.p95 * 1000:5.2f} ms  ({len(values)} clicks)"
            )
        print(
            f"in a row minus nothing selected, median of {rounds} rounds:"
            f" {statistics.median(differences) * 1000:+.2f} ms"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
