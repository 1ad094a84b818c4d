"""Two workstations side by side on one clinic server (issue 21): a session open for
editing on one is read-only on the other, which is told who has it; the store itself
refuses a change to a session a colleague holds; a colleague's change is heard.

Two ``ClinicServerStore`` connections in one process stand for two workstations.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store.editing import HeldElsewhere
from tpchart.store.server.changes import Change
from tpchart.store.server.leases import SessionHeld


@pytest.fixture
def pair(server_clinics, request):
    """Two workstations (ROOM-1, ROOM-2) on a fresh clinic, each charting as its own
    practitioner (Dr Ana Souza, Dr Ben Okafor), and a draft session to contend for."""
    name = server_clinics.new()
    request.addfinalizer(lambda: server_clinics.drop(name))
    one = server_clinics.app_store(name)
    two = server_clinics.app_store(name)
    request.addfinalizer(two.close)
    request.addfinalizer(one.close)
    ana = one.practitioners.add(Practitioner(name="Dr Ana Souza"))
    ben = one.practitioners.add(Practitioner(name="Dr Ben Okafor"))
    one.practitioner_id, two.practitioner_id = ana.id, ben.id
    one.editing.workstation, two.editing.workstation = "ROOM-1", "ROOM-2"
    patient = one.patients.add(
        Patient(record_number="S-1", full_name="Maria Lopes", date_of_birth=date(1970, 1, 2))
    )
    session = one.sessions.start(
        Session(
            patient_id=patient.id,
            practitioner_id=ana.id,
            started_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            chief_complaint="Neck pain",
        )
    )
    return one, two, session


def point(session_id: int, number: int, x: float = 270.0) -> TriggerPoint:
    return TriggerPoint(
        session_id=session_id, number=number, view=View.BACK,
        region_id="back.neck.posterior.right", side=Side.RIGHT, x=x, y=160.0,
        muscle="Upper trapezius",
    )  # fmt: skip


def test_a_session_taken_on_one_workstation_is_refused_on_the_other_naming_who(pair):
    one, two, session = pair
    one.editing.take(session.id)
    with pytest.raises(SessionHeld) as refused:
        two.editing.take(session.id)
    message = str(refused.value)
    assert "Dr Ana Souza" in message and "ROOM-1" in message
    assert refused.value.holder.practitioner_name == "Dr Ana Souza"
    assert one.editing.holds(session.id) and not two.editing.holds(session.id)
    assert two.editing.holder(session.id).workstation == "ROOM-1"


def test_the_store_refuses_a_write_to_a_session_a_colleague_holds(pair):
    one, two, session = pair
    one.editing.take(session.id)
    mine = one.points.add(point(session.id, 1))
    trail = len(one.audit_trail())

    with pytest.raises(HeldElsewhere) as refused:
        two.points.add(point(session.id, 2))
    assert "Dr Ana Souza has this session open at ROOM-1" in str(refused.value)
    assert "not saved" in str(refused.value)
    with pytest.raises(HeldElsewhere):
        two.points.update(replace(mine, x=300.0))
    with pytest.raises(HeldElsewhere):
        two.points.delete(mine.id)
    stale = replace(two.sessions.get(session.id), chief_complaint="Overwritten from a stale screen")
    with pytest.raises(HeldElsewhere):
        two.sessions.update(stale)
    with pytest.raises(HeldElsewhere):
        two.sessions.discard_draft(session.id)

    # Nothing written: the holder's point as it was, the complaint untouched, no audit row.
    assert [(p.id, p.x) for p in one.points.for_session(session.id)] == [(mine.id, 270.0)]
    assert one.sessions.get(session.id).chief_complaint == "Neck pain"
    assert len(one.audit_trail()) == trail
    # The holder goes on writing.
    one.points.add(point(session.id, 2))
    assert [p.number for p in two.points.for_session(session.id)] == [1, 2]


def test_released_the_session_can_be_taken_and_written_by_the_colleague(pair):
    one, two, session = pair
    one.editing.take(session.id)
    one.editing.release(session.id)
    assert one.editing.held() == [] and two.editing.holder(session.id) is None

    two.editing.take(session.id)
    added = two.points.add(point(session.id, 1))
    assert added.id is not None
    with pytest.raises(SessionHeld, match="Dr Ben Okafor has this session open at ROOM-2"):
        one.editing.take(session.id)
    with pytest.raises(HeldElsewhere):
        one.points.delete(added.id)


def test_nobody_holding_it_any_workstation_may_write(pair):
    """A lease refuses only while a colleague holds the session: the command line or a
    script writing a session nobody has open is not refused."""
    one, two, session = pair
    two.points.add(point(session.id, 1))
    assert len(one.points.for_session(session.id)) == 1


def test_renewing_keeps_the_lease_and_closing_releases_it(pair, server_clinics):
    one, two, session = pair
    one.editing.take(session.id)
    first = one.editing.holder(session.id).until
    assert one.editing.renew() == []
    assert one.editing.holder(session.id).until >= first
    one.close()
    assert two.editing.holder(session.id) is None
    two.editing.take(session.id)


def _hears(changes, wanted, seconds: float = 2.0) -> bool:
    """True once a batch holds a change ``wanted`` accepts, within ``seconds``: the
    batches before it (what earlier writes announced) are passed over, whatever their
    number, so the answer does not depend on how the notifications were grouped."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if any(isinstance(c, Change) and wanted(c) for c in changes.wait(left)):
            return True
    return False


def test_a_colleagues_change_is_heard_and_ones_own_is_not(pair):
    one, two, session = pair
    added = one.points.add(point(session.id, 1))
    assert _hears(
        two.colleague_changes,
        lambda c: (
            (c.table, c.op, c.id, c.session_id)
            == ("trigger_points", "insert", added.id, session.id)
        ),
    )
    # The workstation that wrote it hears nothing of its own change.
    assert not _hears(one.colleague_changes, lambda c: c.table == "trigger_points", 0.5)

    patient = two.patients.add(
        Patient(record_number="S-2", full_name="João Pereira", date_of_birth=date(1981, 5, 6))
    )
    assert _hears(one.colleague_changes, lambda c: c.table == "patients" and c.id == patient.id)
