"""Every state of a session fits a 1366x768 laptop, at scale 1 and 1.25 (the suite runs
twice; 1920x1080 at 1.5 gives 1280x720 logical pixels, more than 1366x768 at 1.25).

The window is sized to the screen's available area as a doctor maximises it; then
it must not have grown past it, and what a doctor needs must be on screen: Sign or
Amend, all eleven pain buttons, the map at a usable size, no sideways scrolling.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from tpchart.bodymap import load_body_map
from tpchart.core.patient import Patient, Sex
from tpchart.core.regions import REGIONS
from tpchart.core.screening import Precaution, RedFlag
from tpchart.core.session import Session
from tpchart.ui.main_window import MainWindow

LONG_NAME = "Maximiliana Alexandra Konstantinopoulou-Vanderbilt-Nakamura"
LONG_COMPLAINT = "Neck, shoulder and upper back pain radiating to the left arm after desk work"


def on_screen(widget: QWidget, window: MainWindow) -> bool:
    """The whole widget is visible inside the window (not cut by a scroll area either)."""
    if not widget.isVisible():
        return False
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not window.rect().contains(rect):
        return False
    visible = widget.visibleRegion().boundingRect()
    return visible.size() == widget.size()


def setup(qtbot, store, name="Ana Lima", **fields):
    patient = store.patients.add(
        Patient(record_number=f"S-{len(name)}", full_name=name, date_of_birth=date(1984, 3, 15),
                sex=Sex.FEMALE, precautions=frozenset({Precaution.ANTICOAGULANTS}))
    )  # fmt: skip
    session = store.sessions.start(
        Session(patient_id=patient.id, practitioner_id=store.practitioner_id,
                started_at=datetime.now(UTC), chief_complaint=fields.pop("complaint", "Neck"),
                screening_done=True, consent_given=True, consent_by="Patient", **fields)
    )  # fmt: skip
    window = MainWindow(store)
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    window.setGeometry(available)
    window.show()
    qtbot.waitExposed(window)
    window.patients.select_patient(patient.id)
    return window, session, available


def chart(window, regions):
    for region_id in regions:
        x, y = load_body_map(REGIONS[region_id].view).interior_point(region_id)
        window.chart.add_point(region_id, x, y)


def assert_fits(qtbot, window, available, button):
    qtbot.wait(50)  # layouts settle through the event loop
    assert window.width() <= available.width() and window.height() <= available.height()
    window.side_tabs.setCurrentWidget(window.session_panel)
    qtbot.wait(20)
    panel = window.session_panel
    assert on_screen(button, window), f"{button.text()} is cut or off screen"
    assert not panel.scroll.horizontalScrollBar().isVisible()
    assert not window.session_list.horizontalScrollBar().isVisible()
    for form_scale in (panel.form.pain_before, panel.form.pain_after):
        panel.scroll.ensureWidgetVisible(form_scale)
        qtbot.wait(10)
        assert all(on_screen(b, window) for b in form_scale.buttons), "a pain button is cut"
    # Safety messages are whole: the lung warning above the map, the red flag above it.
    for strip in (window.chart.notices, window.header.notices):
        shown = strip.shown()
        if shown is not None and not shown.quiet:
            assert shown.shown_text() == shown.text(), f"cut: {shown.shown_text()}"
    canvas = window.chart.canvas
    assert canvas.width() >= 250 and canvas.height() >= 250, canvas.size()


@pytest.mark.parametrize("state", ["draft", "signed", "amending"])
def test_a_session_fits_in_every_status(qtbot, store, state):
    window, session, available = setup(qtbot, store)
    chart(window, ["back.neck.posterior.right", "front.chest.right", "front.chest.left"])
    button = window.session_panel.sign_button
    if state != "draft":
        store.sessions.update(replace(store.sessions.get(session.id), pain_after=3))
        store.sessions.sign(session.id)
        button = window.session_panel.amend_button
    if state == "amending":
        store.sessions.amend(session.id, "Added the needle depth of points 2 and 3, written "
                             "on paper during the session and typed in afterwards")  # fmt: skip
        button = window.session_panel.sign_button
    window.reload_from_store()
    assert_fits(qtbot, window, available, button)


def test_a_red_flag_and_a_long_name_fit(qtbot, store):
    window, _session, available = setup(
        qtbot, store, name=LONG_NAME, complaint=LONG_COMPLAINT,
        red_flags=frozenset({RedFlag.NUMBNESS, RedFlag.FEVER}),
        contraindications=frozenset({Precaution.LYMPHOEDEMA, Precaution.IMPLANTS}),
    )  # fmt: skip
    assert_fits(qtbot, window, available, window.session_panel.sign_button)


def test_the_lung_warning_and_a_site_caution_fit(qtbot, store):
    """The both-sides warning beside its Acknowledge button, then the caution naming a
    sited precaution at the point just marked, each whole (issue 15)."""
    from tpchart.core.lung import Build
    from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide

    window, _session, available = setup(qtbot, store)
    lymphoedema = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)
    window.operations.save_patient(
        lambda: replace(
            window.patient,
            build=Build.SLIM,
            precautions=window.patient.precautions | {Precaution.LYMPHOEDEMA},
            precaution_sites=(lymphoedema,),
        ),
        pytest.fail,
    )
    chart(window, ["front.chest.right", "front.axilla.left"])
    assert window.chart.notices.shown() is window.chart.warning
    assert on_screen(window.chart.acknowledge_button, window)
    assert_fits(qtbot, window, available, window.session_panel.sign_button)
    window.chart.acknowledge_both_sides()
    chart(window, ["front.forearm.left"])
    assert window.chart.notices.shown() is window.chart.site
    assert_fits(qtbot, window, available, window.session_panel.sign_button)
