"""The window beside a colleague on the clinic server (issue 21): a session a colleague
has open is read-only here with their name above the chart; a patient a colleague adds
appears in the list within a second; a session charted here is held (a colleague is
refused it) until the doctor moves on.

The colleague is a second store connection in the test, as another workstation is.
"""

from __future__ import annotations

from datetime import date

import pytest

from tpchart.core.clinic import ClinicProfile
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.store.server.leases import SessionHeld
from tpchart.ui.main_window import MainWindow

from .charting import click_region, make_active, start


@pytest.fixture
def clinic(server_clinics, request):
    """This workstation (Dr Ana Souza at ROOM-1) and a colleague's (Dr Ben Okafor at
    ROOM-2) on one fresh clinic, with a patient and a draft session."""
    name = server_clinics.new()
    request.addfinalizer(lambda: server_clinics.drop(name))
    here = server_clinics.app_store(name)
    there = server_clinics.app_store(name)
    request.addfinalizer(there.close)
    request.addfinalizer(lambda: here.close() if here.is_open else None)
    ana = here.practitioners.add(Practitioner(name="Dr Ana Souza"))
    ben = here.practitioners.add(Practitioner(name="Dr Ben Okafor"))
    here.practitioner_id, there.practitioner_id = ana.id, ben.id
    here.editing.workstation, there.editing.workstation = "ROOM-1", "ROOM-2"
    here.clinic.save(ClinicProfile(name="Side by Side Clinic"))
    patient = here.patients.add(
        Patient(record_number="C-1", full_name="Ana Chart", date_of_birth=date(1985, 6, 1))
    )
    session = start(here, patient)
    return here, there, patient, session


def open_window(qtbot, store, patient):
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    win.patients.select_patient(patient.id)
    make_active(qtbot, win)
    return win


def test_a_session_a_colleague_holds_is_read_only_with_their_name(qtbot, clinic, tmp_path):
    here, there, patient, session = clinic
    there.editing.take(session.id)

    win = open_window(qtbot, here, patient)

    assert win.session is not None and win.session.id == session.id
    note = win.chart.readonly_note.text()
    assert "Dr Ben Okafor has this session open at ROOM-2" in note
    assert win.chart.notices.findChild(type(win.chart.readonly_note), "readOnlyNote").isVisible()
    assert not win.chart.editable
    assert not win.session_panel.sign_button.isVisible()
    assert not win.session_panel.form.chief_complaint.isEnabled() or (
        win.session_panel.form.chief_complaint.isReadOnly()
    )
    # A click on the map adds nothing: the colleague's session stays as they left it.
    click_region(qtbot, win, "back.neck.posterior.right")
    assert there.points.for_session(session.id) == []
    win.grab().save(str(tmp_path / "held_by_colleague.png"))

    # The colleague adds a point: it appears here (read-only screens follow).
    from tests.store.conftest import make_point

    there.points.add(make_point(session.id))
    qtbot.waitUntil(lambda: len(win.chart.points) == 1, timeout=1500)

    # They close it: the session becomes editable here, and is held by this workstation.
    there.editing.release(session.id)
    qtbot.waitUntil(lambda: win.chart.editable, timeout=1500)
    assert win.chart.readonly_note.text() == ""
    with pytest.raises(SessionHeld, match="Dr Ana Souza has this session open at ROOM-1"):
        there.editing.take(session.id)
    win.close()


def test_a_patient_a_colleague_adds_appears_within_a_second(qtbot, clinic):
    here, there, patient, session = clinic
    win = open_window(qtbot, here, patient)
    charted = win.chart.set_session  # the chart must not be reloaded under the doctor
    reloads = []
    win.chart.set_session = lambda *a, **k: (reloads.append(a), charted(*a, **k))

    there.patients.add(
        Patient(record_number="C-2", full_name="Bruno Colleague", date_of_birth=date(1990, 2, 3))
    )
    model = win.patients.model
    qtbot.waitUntil(lambda: model.row_of(_id_of(there, "C-2")) is not None, timeout=1500)
    names = [model.patient(r).full_name for r in range(model.rowCount())]
    assert "Bruno Colleague" in names
    # The doctor's own patient and session stay on screen, untouched.
    assert win.patient.id == patient.id and win.session.id == session.id
    assert reloads == []
    win.close()


def _id_of(store, record_number: str) -> int | None:
    found = [p for p in store.patients.find(record_number) if p.record_number == record_number]
    return found[0].id if found else None


def test_the_window_holds_its_draft_and_lets_it_go_when_closed(qtbot, clinic):
    here, there, patient, session = clinic
    win = open_window(qtbot, here, patient)
    assert win.chart.editable
    with pytest.raises(SessionHeld, match="Dr Ana Souza"):
        there.editing.take(session.id)
    click_region(qtbot, win, "back.neck.posterior.right")
    assert len(there.points.for_session(session.id)) == 1
    assert win.side_by_side is not None and win.side_by_side.renew_timer.isActive()

    win.close()
    there.editing.take(session.id)  # released at close
    assert there.editing.holds(session.id)


def test_a_file_has_no_banner_timer_or_listener(qtbot, window):
    assert window.side_by_side is None
    assert window.chart.readonly_note.text() == ""
    assert window.store.colleague_changes is None
