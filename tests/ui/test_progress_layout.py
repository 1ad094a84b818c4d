"""The Progress tab read on the clinic's 1366x768 laptop (issue 14, finding 11).

Nothing cut, nothing scrolling sideways, no legend floating in blank space, and the
compare view numbering each point as the chart and the PDF do: the point's own number
in its session. 125 % scale is the same page at 560 logical pixels wide (the centre
column's width there), so it is tested by width in this one process.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QListView, QStyle, QTableView

from tpchart.bodymap.geometry import load_body_map
from tpchart.core.patient import Patient
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.demo import write_demo
from tpchart.store import DEMO_KEY
from tpchart.ui.main_window import MainWindow
from tpchart.ui.progress_maps import HeatLegend
from tpchart.ui.progress_table import share_width
from tpchart.ui.progress_view import MIN_WIDTH, ProgressView

# The centre column's width at 125 % scale on a 1366x768 screen, in logical pixels.
WIDTH_AT_125 = 560


@pytest.fixture
def demo(store):
    """Three demo patients; returns the one with the most sessions."""
    store.settings.set_many({DEMO_KEY: "yes"})  # a demo database, as `tpchart demo` makes
    patients = write_demo(store, patients=3, seed=11)
    return max(patients, key=lambda p: len(store.sessions.for_patient(p.id)))


@pytest.fixture
def window_on_progress(qtbot, store, demo):
    """The main window at 1366x768, the demo patient clicked in the list, then the
    Progress tab clicked."""
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    patients = window.findChild(QListView, "patientList")
    model = patients.model()
    row = next(
        r for r in range(model.rowCount()) if demo.full_name in str(model.index(r, 0).data())
    )
    rect = patients.visualRect(model.index(row, 0))
    qtbot.mouseClick(patients.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    bar = window.tabs.tabBar()
    progress_index = window.tabs.indexOf(window.progress_tab)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(progress_index).center())
    assert window.progress is not None and window.progress.patient_id == demo.id
    return window


def cut_text(table: QTableView) -> list[str]:
    """Every header and cell whose text the table would cut ("…"), measured as the
    item delegate lays it out: inside the cell less its text margins, wrapped at the
    table's word-wrap setting, within the row's height."""
    cut = []
    header = table.horizontalHeader()
    for column in range(header.count()):
        if header.sectionSizeFromContents(column).width() > header.sectionSize(column):
            cut.append(f"header {column}")
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    flags = Qt.TextFlag.TextWordWrap if table.wordWrap() else Qt.TextFlag.TextSingleLine
    model = table.model()
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = str(index.data() or "")
            font = index.data(Qt.ItemDataRole.FontRole)
            font = font.resolve(table.font()) if isinstance(font, QFont) else table.font()
            cell = table.visualRect(index)
            width = cell.width() - 2 * margin
            needed = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), flags, text)
            if needed.width() > width or needed.height() > cell.height():
                cut.append(f"row {row} column {column}: {text!r}")
    return cut


def test_tables_fit_the_tab_at_1366x768(window_on_progress):
    view = window_on_progress.progress
    compare, muscles = view.compare.table, view.muscle_table
    assert compare.rowCount() > 0 and muscles.model().rowCount() > 0
    # Nothing scrolls sideways: not the page, not either table.
    assert view.scroll.horizontalScrollBar().maximum() == 0
    assert compare.horizontalScrollBar().maximum() == 0
    assert muscles.horizontalScrollBar().maximum() == 0
    # ... and no text is cut, the Twitch column included.
    assert cut_text(muscles) == []
    assert cut_text(compare) == []
    # The columns fill the table's width, so the last one does not end in mid-air.
    for table in (compare, muscles):
        widths = sum(
            table.horizontalHeader().sectionSize(c) for c in range(table.model().columnCount())
        )
        assert widths == table.viewport().width()


def test_choosing_another_session_by_keyboard_keeps_the_table_fitted(qtbot, window_on_progress):
    view = window_on_progress.progress
    compare = view.compare
    earlier_number = compare.earlier.currentIndex() + 1
    compare.earlier.setFocus()
    qtbot.keyClick(compare.earlier, Qt.Key.Key_Up)
    header = compare.table.horizontalHeaderItem(2).text()
    assert header.startswith(f"Session {earlier_number - 1}\n")
    assert compare.table.horizontalScrollBar().maximum() == 0
    assert cut_text(compare.table) == []


@pytest.mark.parametrize("page_width", [WIDTH_AT_125, MIN_WIDTH])
def test_tables_fit_the_narrower_tab_at_125_percent_and_the_minimum(qtbot, store, demo, page_width):
    view = ProgressView(store)
    qtbot.addWidget(view)
    bar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view)
    view.resize(page_width + bar, 700)  # the page, beside its vertical scroll bar
    view.show()
    qtbot.waitExposed(view)
    view.show_patient(demo.id)
    assert view.scroll.horizontalScrollBar().maximum() == 0
    for table in (view.muscle_table, view.compare.table):
        assert table.horizontalScrollBar().maximum() == 0
        assert cut_text(table) == []


def test_chart_legends_sit_on_their_charts(window_on_progress):
    view = window_on_progress.progress
    spacing = view.pain_chart.parentWidget().layout().spacing()
    charts = [view.pain_chart] + [c for c in view.outcome_charts.values() if c.isVisible()]
    assert len(charts) >= 2  # the demo patient has an outcome measure too
    for chart in charts:
        legend = chart.legend
        # As tall as its lines, right above its chart: no blank band around it.
        assert legend.height() == legend.heightForWidth(legend.width())
        assert chart.geometry().top() - legend.geometry().bottom() - 1 == spacing
    # The heat map's key wraps rather than losing its last entry off the edge.
    key = view.heat.findChild(HeatLegend, "heatLegend")
    assert len(key.entry_rects(key.width())) == len(HeatLegend.ENTRIES)
    for rect in key.entry_rects(key.width()):
        assert QRectF(key.rect()).contains(rect)


def _point(session_id: int, number: int, region_id: str, side: Side, muscle: str, pain: int):
    x, y = load_body_map(View.BACK).interior_point(region_id)
    return TriggerPoint(session_id=session_id, number=number, view=View.BACK,
                        region_id=region_id, side=side, x=x, y=y,
                        muscle=muscle, pain=pain)  # fmt: skip


def test_compare_numbers_points_as_the_chart_does(qtbot, store):
    """Each marker and table cell shows the point's own number in its session, not
    the table's row number; a persisting point keeps both of its numbers."""
    patient = store.patients.add(
        Patient(record_number="P-9", full_name="Nu Example", date_of_birth=date(1975, 4, 2))
    )
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    first, second = (
        store.sessions.start(
            Session(
                patient_id=patient.id,
                practitioner_id=store.practitioner_id,
                started_at=start + timedelta(weeks=week),
                pain_before=6 - week,
            )
        )
        for week in (0, 1)
    )
    neck_l, neck_r = "back.neck.posterior.left", "back.neck.posterior.right"
    earlier = [
        _point(first.id, 1, neck_l, Side.LEFT, "upper trapezius", 7),
        _point(first.id, 2, neck_r, Side.RIGHT, "levator scapulae", 6),
        _point(first.id, 3, "back.calf.left", Side.LEFT, "soleus", 5),
    ]
    later = [
        _point(second.id, 1, neck_r, Side.RIGHT, "levator scapulae", 4),
        _point(second.id, 2, "back.calf.right", Side.RIGHT, "gastrocnemius", 6),
        _point(second.id, 3, neck_l, Side.LEFT, "upper trapezius", 5),
    ]
    for point in earlier + later:
        store.points.add(point)
    view = ProgressView(store)
    qtbot.addWidget(view)
    view.resize(1366 - 600, 700)
    view.show()
    view.show_patient(patient.id)

    table = view.compare.table
    shown = [
        (table.item(r, 0).text(), table.item(r, 1).text(),
         table.item(r, 2).text().split(":")[0], table.item(r, 3).text().split(":")[0])
        for r in range(table.rowCount())
    ]  # fmt: skip
    assert shown == [
        ("Persisting", "Right levator scapulae", "#2", "#1"),
        ("Persisting", "Left upper trapezius", "#1", "#3"),
        ("New", "Right gastrocnemius", "—", "#2"),
        ("Gone", "Left soleus", "#3", "—"),
    ]
    # The diagrams, on the back view, carry the same numbers at the points' places.
    assert view.compare.tabs.tabData(view.compare.tabs.currentIndex()) == View.BACK
    for side, points in (("earlier", earlier), ("later", later)):
        marks = set()
        for item in view.compare.scenes[side][View.BACK].overlay:
            label = next(c for c in item.childItems() if isinstance(c, QGraphicsSimpleTextItem))
            marks.add((label.text(), round(item.pos().x(), 1), round(item.pos().y(), 1)))
        assert marks == {(str(p.number), round(p.x, 1), round(p.y, 1)) for p in points}
    # The session columns say which sessions they are.
    assert table.horizontalHeaderItem(2).text().startswith("Session 1\n")
    assert table.horizontalHeaderItem(3).text().startswith("Session 2\n")


def test_share_width():
    # Room to spare: each column on one line, the rest to the stretch column.
    assert share_width([50, 100, 80], [40, 60, 50], 300, stretch=1) == [50, 170, 80]
    # Too narrow: columns give up what they can spare, in proportion, to fit exactly.
    widths = share_width([50, 100, 80], [40, 60, 50], 200, stretch=1)
    assert sum(widths) == 200 and all(w >= m for w, m in zip(widths, [40, 60, 50], strict=True))
    # The wrapping column first, when asked.
    assert share_width([50, 100, 80], [40, 60, 50], 200, stretch=1, wrap_first=True) == [
        50, 70, 80,
    ]  # fmt: skip
    # Narrower than the least widths: the least widths (the table must scroll).
    assert share_width([50, 100, 80], [40, 60, 50], 100, stretch=1) == [40, 60, 50]
