"""A precaution with a site is named at the moment a point is marked (or moved) there,
and not elsewhere (issue 15): the patient's standing sites (patient dialog) and the
session's own (screening)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from tpchart.bodymap import load_body_map
from tpchart.core.patient import Patient
from tpchart.core.precaution_sites import BodyArea, PrecautionSite, SiteSide
from tpchart.core.regions import View
from tpchart.core.screening import Precaution

from .charting import click_region

LEFT_ARM = PrecautionSite(Precaution.LYMPHOEDEMA, BodyArea.ARM, SiteSide.LEFT)


@pytest.fixture
def patient(store):
    """After a left axillary clearance: lymphoedema of the left arm, recorded as standing."""
    return store.patients.add(
        Patient(
            record_number="L-1",
            full_name="Lena Site",
            date_of_birth=date(1968, 2, 2),
            precautions=frozenset({Precaution.LYMPHOEDEMA}),
            precaution_sites=(LEFT_ARM,),
        )
    )


def test_a_standing_site_is_named_when_a_point_is_marked_there_and_not_elsewhere(
    qtbot, window, store
):
    chart = window.chart
    click_region(qtbot, window, "front.forearm.right")  # the other arm
    assert chart.site.text() == "" and chart.notices.shown() is chart.hint
    click_region(qtbot, window, "back.neck.posterior.left")  # the left side, not the arm
    assert chart.site.text() == ""

    click_region(qtbot, window, "front.forearm.left")
    assert chart.notices.shown() is chart.site  # at once, above the map
    text = chart.site.text()
    assert text.startswith("⚠ Point 3, Left forearm (front)")
    assert LEFT_ARM.text in text and "left arm" in text
    assert "avoid needling this limb" in text
    QApplication.processEvents()  # the strip lays the banner out before it is drawn
    assert chart.site.shown_text() == text  # whole, not cut

    click_region(qtbot, window, "back.hand.webspace.left")  # the newest point is the news
    assert chart.site.text().startswith("⚠ Point 4, Left first web space")
    assert chart.site.text().endswith(" Also point 3.")
    assert text[2:] in chart.site.toolTip()  # point 3's caution in full on hover
    window.undo()
    window.undo()
    assert chart.site.text() == ""


def test_a_sessions_site_is_named_when_a_point_is_moved_onto_it(qtbot, window, store):
    infected = PrecautionSite(Precaution.LOCAL_INFECTION, BodyArea.KNEE, SiteSide.LEFT)
    session = store.sessions.update(
        replace(
            window.session,
            contraindications=frozenset({Precaution.LOCAL_INFECTION}),
            precaution_sites=(infected,),
        )
    )
    window.session_saved(session)
    chart = window.chart
    click_region(qtbot, window, "front.thigh.left")
    assert chart.site.text() == ""
    (point,) = store.points.for_session(session.id)

    body = load_body_map(View.FRONT)
    canvas, viewport = chart.canvas, chart.canvas.viewport()
    start_pos = canvas.mapFromScene(QPointF(point.x, point.y))
    end_pos = canvas.mapFromScene(QPointF(*body.interior_point("front.knee.left")))
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start_pos)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start_pos + (end_pos - start_pos) * step / 5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end_pos)

    assert store.points.get(point.id).region_id == "front.knee.left"
    assert chart.notices.shown() is chart.site
    assert infected.text in chart.site.text() and "left knee" in chart.site.text()
    assert "never needle through infected or broken skin" in chart.site.text()


def test_a_site_recorded_in_the_patient_dialog_warns_on_the_chart_at_once(
    qtbot, window, store, patient
):
    implant = PrecautionSite(Precaution.IMPLANTS, BodyArea.SHOULDER, SiteSide.RIGHT)
    window.operations.save_patient(
        lambda: replace(
            patient,
            precautions=patient.precautions | {Precaution.IMPLANTS},
            precaution_sites=(*patient.precaution_sites, implant),
        ),
        pytest.fail,
    )
    click_region(qtbot, window, "back.shoulder.right")
    assert implant.text in window.chart.site.text()
    assert implant.text in window.summary.precautions.text()
