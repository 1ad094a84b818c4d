"""What a doctor feels, measured in this process on a generated clinic: a click on the
map, a keystroke in the patient search, opening a patient, printing.

Each function returns ``Sample``s in seconds. The window is the real ``MainWindow`` on
the offscreen Qt platform, shown, so markers are painted when events are processed.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bench import rows
from bench.measure import Sample, repeat
from bench.names import sample_names
from bench.synthetic import Clinic
from tpchart.core.regions import View
from tpchart.report.documents import progress_pdf, session_pdf
from tpchart.store import Store
from tpchart.ui.chart_panel import ChartPanel
from tpchart.ui.main_window import MainWindow


@contextmanager
def open_window(clinic: Clinic) -> Iterator[MainWindow]:
    """The main window on ``clinic``, shown, charting as its first practitioner."""
    store = Store.open(clinic.path)
    window = None
    try:
        store.practitioner_id = store.practitioners.all()[0].id
        window = MainWindow(store)
        window.show()
        QApplication.processEvents()
        yield window
    finally:
        if window is not None:
            window.hide()
            window.deleteLater()
            QApplication.processEvents()
        store.close()


def _select(window: MainWindow, patient_id: int) -> None:
    window.patients.select_patient(patient_id)
    QApplication.processEvents()
    if window.patient is None or window.patient.id != patient_id:
        raise RuntimeError(f"patient {patient_id} could not be selected in the list")


def _draft_on_front(window: MainWindow, clinic: Clinic) -> ChartPanel:
    """The busy patient's 200-point draft in the chart, its front diagram shown."""
    _select(window, clinic.busy_patient)
    chart = window.chart
    if chart.session is None or chart.session.id != clinic.draft_session:
        raise RuntimeError("the busy patient's newest session should be the 200-point draft")
    chart.show_view(View.FRONT)
    QApplication.processEvents()
    return chart


Place = tuple[str, tuple[float, float]]  # a region id and a point inside it


def click_at(chart: ChartPanel, place: Place) -> None:
    """One click on the map at ``place``, its events processed until it is painted."""
    region_id, (x, y) = place
    chart.add_point(region_id, x, y)
    QApplication.processEvents()


def expect_points(chart: ChartPanel, count: int) -> None:
    """Stop a measurement whose click did not add its point: it would time nothing."""
    if len(chart.points) != count:
        raise RuntimeError("a click on the map did not add a point")


def click_on_map(
    window: MainWindow,
    clinic: Clinic,
    runs: int,
    cpu: list[float] | None = None,
    pace: list[float] | None = None,
) -> Sample:
    """``ChartPanel.add_point`` (undo stack, store transaction with its audit row) and
    ``processEvents`` until the marker is painted, with 200 points on the diagram.
    Each click is undone outside the timing, so every click meets 200 points. ``cpu``
    receives each click's CPU time and ``pace`` the machine's pace around it (``repeat``)."""
    chart = _draft_on_front(window, clinic)
    shown = len(chart.scenes[View.FRONT].markers)
    # Forearm extensors, away from the lung: a lung-risk click also re-lays out the
    # caution banner above the map, which docs/performance.md measures on its own.
    region_id = "front.forearm.right"
    place = (region_id, rows.spots(region_id)[0])

    def undo() -> None:
        expect_points(chart, shown + 1)
        chart.undo_stack.undo()
        QApplication.processEvents()

    return repeat(lambda: click_at(chart, place), runs, warmup=2, after=undo, cpu=cpu, pace=pace)


SEQUENCE_REGIONS = 20


def places_in_a_row() -> list[Place]:
    """Where ``clicks_in_a_row`` clicks: a place in each of 20 front regions, in turn."""
    regions = rows.front_regions()
    step = max(1, len(regions) // SEQUENCE_REGIONS)
    return [(r, rows.spots(r)[0]) for r in regions[::step]][:SEQUENCE_REGIONS]


def clicks_in_a_row(
    window: MainWindow,
    clinic: Clinic,
    runs: int,
    cpu: list[float] | None = None,
    pace: list[float] | None = None,
) -> Sample:
    """A doctor charting point after point: one click in each of 20 front regions in
    turn, each while the point before it is selected, as a click leaves it. Beside the
    work of ``click_on_map``, the map repaints that point's marker, unselected, where it
    lies, and the inspector goes from one point to the next. After every 20 clicks their
    points are undone outside the timing and a point of the draft is selected, so each
    round meets the 200-point draft again. ``cpu`` receives each click's CPU time and
    ``pace`` the machine's pace around it (``repeat``)."""
    chart = _draft_on_front(window, clinic)
    shown = len(chart.points)
    last = max(chart.points, key=lambda i: chart.points[i].number)
    places = places_in_a_row()
    start = chart.undo_stack.index()
    clicked = 0

    def select_before_a_round() -> None:
        if clicked == 0:
            chart.select_point(last)
            QApplication.processEvents()

    def click() -> None:
        click_at(chart, places[clicked])

    def count_and_undo() -> None:
        nonlocal clicked
        clicked += 1
        expect_points(chart, shown + clicked)
        if clicked == len(places):
            take_back()

    def take_back() -> None:
        # By the undo stack, not the count: a click that failed half-way is undone too.
        nonlocal clicked
        while chart.undo_stack.index() > start:
            chart.undo_stack.undo()
        QApplication.processEvents()
        clicked = 0

    try:
        sample = repeat(
            click,
            runs,
            warmup=2,
            before=select_before_a_round,
            after=count_and_undo,
            cpu=cpu,
            pace=pace,
        )
    except BaseException:
        take_back()  # the chart as it was; the error raised is the first one
        raise
    take_back()
    if len(chart.points) != shown:
        raise RuntimeError("undo did not take the clicked points back")
    return sample


def raw_insert_commit(folder: Path, runs: int) -> Sample:
    """The floor under any click: one INSERT and COMMIT through plain sqlite3, with the
    app's settings (WAL, synchronous=FULL) on the same disk."""
    path = folder / "raw-insert.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(
            "CREATE TABLE points (id INTEGER PRIMARY KEY, session_id INTEGER,"
            " region_id TEXT, x REAL, y REAL)"
        )

        def insert() -> None:
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO points (session_id, region_id, x, y) VALUES (1, ?, ?, ?)",
                ["front.chest.left", 120.5, 230.25],
            )
            conn.execute("COMMIT")

        return repeat(insert, runs, warmup=2)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def keystrokes() -> list[str]:
    """What is typed into the search box, one entry per keystroke: names in five
    scripts letter by letter, then a record number."""
    texts = [*sample_names(), "TP-00012"]
    return [text[:end] for text in texts for end in range(1, len(text) + 1)]


def patient_search(store: Store, runs: int) -> Sample:
    """``store.patients.find`` for every keystroke, each repeated ``runs`` times."""
    values: list[float] = []
    for typed in keystrokes():
        values += repeat(lambda t=typed: store.patients.find(t), runs, warmup=1).values
    return Sample(tuple(values))


def patient_search_shown(window: MainWindow, runs: int) -> Sample:
    """The same keystrokes through the patient list: search, model reset and repaint."""
    panel = window.patients
    values: list[float] = []
    for typed in keystrokes():

        def search(t: str = typed) -> None:
            panel.model.search(t)
            QApplication.processEvents()

        values += repeat(search, runs, warmup=0).values
    panel.model.search("")
    return Sample(tuple(values))


def open_patient(window: MainWindow, clinic: Clinic, runs: int) -> Sample:
    """Select the patient with 100 sessions: sessions listed and the newest charted, as
    the window does on selection; the Progress tab, hidden behind the Chart tab that
    selecting a patient shows, is filled when the doctor opens it (``progress_tab``).
    Another patient is selected in between, outside the timing."""
    patient_id = clinic.long_history_patient
    return repeat(
        lambda: _select(window, patient_id),
        runs,
        before=lambda: _select(window, clinic.busy_patient),
    )


def progress_tab(window: MainWindow, clinic: Clinic, runs: int) -> Sample:
    """The Progress tab opened on the patient with 100 sessions just selected: every
    figure read and computed from the store, charts and maps drawn. The untimed first
    run builds the tab (and imports its chart library), as a doctor's first look does."""
    patient_id = clinic.long_history_patient

    def select_long() -> None:
        _select(window, clinic.busy_patient)
        _select(window, patient_id)
        if window.tabs.currentWidget() is window.progress_tab:
            raise RuntimeError("selecting a patient should show the Chart tab")

    def show_progress() -> None:
        window.tabs.setCurrentWidget(window.progress_tab)
        QApplication.processEvents()

    sample = repeat(show_progress, runs, before=select_long)
    view = window.progress
    if view is None or view.patient_id != patient_id or len(view.sessions) < 100:
        raise RuntimeError("the Progress tab did not show the patient with 100 sessions")
    window.tabs.setCurrentWidget(window.chart)
    return sample


def session_summary_pdf(store: Store, clinic: Clinic, runs: int) -> Sample:
    """The session summary of a 30-point session, read from the store and built in memory."""
    return repeat(lambda: session_pdf(store, clinic.summary_session), runs)


def progress_report_pdf(store: Store, clinic: Clinic, runs: int) -> Sample:
    """The progress report of the patient with 100 sessions, built in memory."""
    return repeat(lambda: progress_pdf(store, clinic.long_history_patient), runs)


def minimal_reportlab(runs: int) -> Sample:
    """The baseline document: one A4 page with a 30-row table and one small drawing."""
    from reportlab.graphics.shapes import Circle, Drawing, Rect
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table

    data = [[str(i), "Upper trapezius", "right", "active", "0.25 x 30 mm", "7"] for i in range(30)]

    def build() -> None:
        drawing = Drawing(200, 200)
        drawing.add(Rect(10, 10, 180, 180, fillColor=None))
        drawing.add(Circle(100, 100, 6))
        doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4)
        doc.build([Table(data), drawing])

    return repeat(build, runs)


def database_folder() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for the benchmark's databases (deleted afterwards)."""
    return tempfile.TemporaryDirectory(prefix="tpchart-bench-")
