"""Nothing moves the map under the mouse (issue 14, finding 10), a click that only
activates the window adds no point, the map takes the keyboard after Start session,
and the header stays narrow and of one height (finding 3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from tpchart.core.lung import lung_risk_reason
from tpchart.core.patient import Patient
from tpchart.core.regions import View
from tpchart.core.screening import Precaution, RedFlag, RedFlagDecision
from tpchart.core.session import Session
from tpchart.ui.body_map_view import is_focus_click
from tpchart.ui.session_header import SessionHeader

from .charting import click_region

CHEST_LEFT = "front.chest.left"
CHEST_RIGHT = "front.chest.right"
ABDOMEN_POINT = QPointF(250, 480)  # a fixed place on the front diagram


def where_on_screen(win) -> tuple[QPoint, QPoint]:
    """A fixed diagram point: in the view's pixels, and in the window's."""
    canvas = win.chart.canvas
    in_view = canvas.mapFromScene(ABDOMEN_POINT)
    return in_view, canvas.viewport().mapTo(win, in_view)


def test_the_map_stays_put_as_cautions_notes_and_red_flags_come_and_go(qtbot, window, store):
    chart = window.chart
    chart.show_view(View.FRONT)
    QApplication.processEvents()
    before = where_on_screen(window)
    header_height = window.header.height()

    click_region(qtbot, window, CHEST_LEFT)  # a lung-risk zone: a caution appears
    QApplication.processEvents()
    assert chart.notices.shown() is chart.caution and chart.caution.isVisible()
    assert where_on_screen(window) == before

    click_region(qtbot, window, CHEST_RIGHT)  # both sides of the thorax: a warning too
    QApplication.processEvents()
    assert chart.notices.shown() is chart.warning and "+1 more" in chart.notices.more.text()
    assert where_on_screen(window) == before

    session = store.sessions.update(
        replace(
            window.session,
            red_flags=frozenset({RedFlag.FEVER}),
            contraindications=frozenset({Precaution.ANTICOAGULANTS}),
        )
    )
    window.session_saved(session)  # red flag and precaution in the header
    QApplication.processEvents()
    assert window.header.red_flags.isVisible() and "Fever" in window.header.red_flags.text()
    assert window.header.height() == header_height
    assert chart.notices.shown() is chart.refusal  # no needling until it is decided
    assert where_on_screen(window) == before

    session = store.sessions.update(
        replace(
            session,
            red_flag_decision=RedFlagDecision.SAFE_TO_PROCEED,
            red_flag_reason="Fever two weeks ago, well since",
        )
    )
    window.session_saved(session)
    QApplication.processEvents()
    assert chart.notices.shown() is chart.warning
    assert where_on_screen(window) == before

    window.session_saved(store.sessions.sign(session.id))  # signed: a note, points locked
    QApplication.processEvents()
    assert "signed" in window.header.title.text()
    assert where_on_screen(window) == before

    chart.undo_stack.clear()
    window.session_saved(store.sessions.amend(session.id, "Pain score typo"))
    QApplication.processEvents()
    assert "amending" in window.header.title.text()
    assert where_on_screen(window) == before
    assert window.header.height() == header_height


def test_more_shows_every_message_in_full(qtbot, window):
    from PySide6.QtWidgets import QToolTip

    click_region(qtbot, window, CHEST_LEFT)
    click_region(qtbot, window, CHEST_RIGHT)
    notices = window.chart.notices
    assert notices.more.isVisible()
    qtbot.mouseClick(notices.more, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(QToolTip.isVisible)
    shown = QToolTip.text()
    assert "both sides of the thorax" in shown and "Over the lung: points 1, 2" in shown
    assert lung_risk_reason(CHEST_LEFT, "pectoralis_major") in shown  # point by point
    assert "Click: add" not in shown  # the key hint is no news


def test_deleting_the_last_lung_point_takes_the_caution_away_without_a_jump(qtbot, window):
    chart = window.chart
    chart.show_view(View.FRONT)
    QApplication.processEvents()
    before = where_on_screen(window)
    click_region(qtbot, window, CHEST_LEFT)
    chart.canvas.setFocus()
    qtbot.keyClick(chart.canvas, Qt.Key.Key_Delete)
    QApplication.processEvents()
    assert chart.notices.shown() is chart.hint and not chart.caution.isVisible()
    assert where_on_screen(window) == before


def test_a_click_that_only_activates_the_window_adds_no_point(qtbot, window, store):
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow)
    assert not window.isActiveWindow()

    click_region(qtbot, window, CHEST_LEFT)
    assert store.points.for_session(window.session.id) == []
    qtbot.waitUntil(window.isActiveWindow)  # the click brought the window forward

    click_region(qtbot, window, CHEST_LEFT)  # now the doctor means it
    (point,) = store.points.for_session(window.session.id)
    assert point.region_id == CHEST_LEFT


def test_a_click_delivered_with_the_activation_adds_no_point(qtbot, window, store):
    """As under a window manager: the window is activated, and the click that did it
    arrives in the same turn of the event loop."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QGuiApplication

    canvas = window.chart.canvas
    QGuiApplication.sendEvent(canvas, QEvent(QEvent.Type.WindowActivate))
    click_region(qtbot, window, CHEST_LEFT)
    assert store.points.for_session(window.session.id) == []
    qtbot.wait(1)  # the event loop turns: the next click is the doctor's own
    click_region(qtbot, window, CHEST_LEFT)
    assert len(store.points.for_session(window.session.id)) == 1


def test_focus_click_rule():
    assert is_focus_click(window_active=False, activated_this_turn=False)
    assert is_focus_click(window_active=True, activated_this_turn=True)
    assert not is_focus_click(window_active=True, activated_this_turn=False)


def test_after_start_session_the_map_has_the_keyboard(qtbot, window, store, patient):
    from tpchart.ui.session_start import StartSessionDialog

    def start_it():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, StartSessionDialog)
        dialog.chief_complaint.setText("Neck pain after desk work")
        dialog.screening_done.setChecked(True)
        dialog.accept()
        if dialog.isVisible():  # refused: let the test fail rather than wait for ever
            dialog.reject()

    sessions = len(store.sessions.for_patient(patient.id))
    QTimer.singleShot(0, start_it)
    window.new_session()
    assert len(store.sessions.for_patient(patient.id)) == sessions + 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.chart.canvas)
    assert window.chart.current_scene().view is View.FRONT
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_B)  # as typed: to the focus
    assert window.chart.current_scene().view is View.BACK


def long_amending_session(patient_id: int) -> Session:
    from tpchart.core.session import SessionStatus

    return Session(
        patient_id=patient_id,
        practitioner_id=1,
        started_at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        chief_complaint=(
            "Right-sided neck pain radiating to the temple and behind the eye after "
            "long hours of desk work, worse in the evenings and on waking"
        ),
        screening_done=True,
        contraindications=frozenset({Precaution.ANTICOAGULANTS, Precaution.NEEDLE_PHOBIA}),
        red_flags=frozenset({RedFlag.FEVER, RedFlag.NUMBNESS}),
        status=SessionStatus.AMENDING,
        version=3,
        id=7,
    )


def test_header_stays_narrow_and_one_height_with_a_long_name_while_amending(qtbot):
    name = "Maximiliana Alessandra Konstantinopoulou-Wetherington Smythe"
    assert len(name) >= 60
    patient = Patient(
        record_number="LONG-000123", full_name=name, date_of_birth=date(1950, 1, 1), id=3
    )
    header = SessionHeader()
    qtbot.addWidget(header)
    header.resize(650, 100)
    header.show()
    short = Patient(record_number="A-1", full_name="Ana", date_of_birth=date(1990, 1, 1), id=4)
    header.show_session(short, None)
    plain_height = header.sizeHint().height()

    header.show_session(patient, long_amending_session(patient.id))
    assert header.minimumSizeHint().width() < 200  # it never widens the centre column
    assert header.sizeHint().height() == plain_height  # nor pushes the chart down
    assert name in header.title.text() and "amending" in header.title.text()
    assert header.title.who.toolTip().startswith(name)  # the whole line on hover
    assert header.notices.shown() is header.red_flags
    assert "+1 more" in header.notices.more.text()  # the precautions, one click away
    assert "Anticoagulants" in header.notices.toolTip()


def test_hint_is_readable_on_a_dark_palette(qtbot, window):
    dark = QPalette(window.palette())
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.PlaceholderText, "#a0a0a0"),
    ):
        dark.setColor(role, QColor(colour))
    window.setPalette(dark)
    hint = window.chart.hint
    assert window.chart.notices.shown() is hint and hint.text().startswith("Click: add")
    image = hint.grab().toImage()
    lightest = max(
        image.pixelColor(x, y).lightness()
        for x in range(0, image.width(), 2)
        for y in range(image.height())
    )
    assert lightest > 128  # light text on the dark window, not #555 grey on grey


def test_map_tabs_and_point_list_have_accessible_names(window):
    chart = window.chart
    for widget in (chart.canvas, chart.tabs, chart.point_list):
        assert widget.accessibleName() and widget.accessibleDescription()
