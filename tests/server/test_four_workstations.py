"""Four workstations charting side by side on one clinic server (issue 21, "Done
means"): four real processes, each signed in as its own practitioner, chart their own
patient (start a session, mark points, correct some, sign) while two of them also
contend for one draft session. Afterwards: exactly one of the pair held that session
and the other was told who; every write a store acknowledged is there exactly once,
nothing else is; each session's points are numbered without gap or duplicate and
written by its own practitioner only; the audit trail is one sound chain.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.clinic_server import ServerClinics, server_dsn
from tpchart.core.patient import Patient
from tpchart.core.practitioner import Practitioner
from tpchart.core.regions import Side, View
from tpchart.core.session import Session, SessionStatus
from tpchart.core.trigger_point import TriggerPoint

NAMES = ["Dr Ana Souza", "Dr Ben Okafor", "Dr Chen Li", "Dr Dora Kis"]
PASSPHRASE = "four quiet rooms, one server"
POINTS = 12  # per own session
CONTESTED_POINTS = 5
LOSER_TRIES = 3
WAIT = 60  # seconds any process waits for another before giving up


def _point(session_id: int, number: int) -> TriggerPoint:
    return TriggerPoint(
        session_id=session_id, number=number, view=View.BACK,
        region_id="back.neck.posterior.right", side=Side.RIGHT, x=270.0, y=160.0,
        muscle="Upper trapezius",
    )  # fmt: skip


def workstation(
    index: int,
    dsn: str,
    login: dict[str, str],
    practitioner_id: int,
    contested_id: int,
    start: Any,
    loser_done: Any,
    results: Any,
) -> None:
    """One workstation's morning, in a process of its own; puts what the store
    acknowledged (and what it refused) on ``results``."""
    from tpchart.store.clinic_server import ClinicServerStore
    from tpchart.store.editing import HeldElsewhere
    from tpchart.store.server.leases import SessionHeld

    report: dict[str, Any] = {"index": index, "practitioner_id": practitioner_id}
    try:
        store = ClinicServerStore.connect(dsn, **login)
        store.editing.workstation = f"ROOM-{index + 1}"
        store.sign_in(practitioner_id, PASSPHRASE)
        start.wait(WAIT)

        # Its own patient and session.
        patient = store.patients.add(
            Patient(
                record_number=f"W-{index + 1}",
                full_name=f"Patient of room {index + 1}",
                date_of_birth=date(1960 + index, 1, 1),
            )
        )
        session = store.sessions.start(
            Session(
                patient_id=patient.id,
                practitioner_id=practitioner_id,
                started_at=datetime(2026, 11, 2, 9, index, tzinfo=UTC),
                chief_complaint="Neck pain",
            )
        )
        store.editing.take(session.id)
        points: dict[int, dict[str, Any]] = {}
        for number in range(1, POINTS + 1):
            added = store.points.add(_point(session.id, number))
            points[added.id] = {"number": added.number, "pain": added.pain}
        for point_id in list(points)[::3]:
            updated = store.points.update(replace(store.points.get(point_id), pain=index + 3))
            points[point_id]["pain"] = updated.pain
        store.sessions.update(
            replace(
                store.sessions.get(session.id),
                screening_done=True,
                consent_given=True,
                consent_by="Patient",
            )
        )
        signed = store.sessions.sign(session.id, confirm=PASSPHRASE)
        store.editing.release(session.id)
        report.update(
            patient_id=patient.id, session_id=session.id, points=points, status=signed.status.value
        )

        # The pair (rooms 1 and 2) contends for the same draft at once.
        if index < 2:
            contested: dict[str, Any] = {"points": {}, "refused": [], "held": None}
            report["contested"] = contested
            try:
                store.editing.take(contested_id)
            except SessionHeld as held:
                contested["held"] = str(held)
                for number in range(1, LOSER_TRIES + 1):
                    try:
                        added = store.points.add(_point(contested_id, 100 + number))
                    except HeldElsewhere as refused:
                        contested["refused"].append(str(refused))
                    else:  # acknowledged: the checks below must find it (and fail)
                        contested["points"][added.id] = {"number": added.number, "pain": None}
                loser_done.set()
            else:
                contested["won"] = True
                for number in range(1, CONTESTED_POINTS + 1):
                    added = store.points.add(_point(contested_id, number))
                    contested["points"][added.id] = {"number": added.number, "pain": None}
                # Keep it while the other tries to write into it.
                contested["loser_finished"] = loser_done.wait(WAIT)
                store.editing.release(contested_id)
        store.close()
    except BaseException:
        report["error"] = traceback.format_exc()
    results.put(report)


@pytest.fixture
def clinic():
    clinics = ServerClinics(server_dsn())
    try:
        name = clinics.new()
        yield clinics, name
    finally:
        clinics.close()


def test_four_workstations_chart_side_by_side_and_one_pair_contends(clinic):
    from tpchart.store.clinic_server import ClinicServerStore

    clinics, name = clinic
    login = clinics.app_login(name)
    admin = ClinicServerStore.connect(clinics.dsn, **login)
    ana, _code = admin.set_up_clinic(Practitioner(name=NAMES[0]), PASSPHRASE)
    ids = [ana.id] + [
        admin.accounts.create(Practitioner(name=n), PASSPHRASE).practitioner_id for n in NAMES[1:]
    ]
    shared = admin.patients.add(
        Patient(record_number="S-1", full_name="Shared Patient", date_of_birth=date(1955, 5, 5))
    )
    contested = admin.sessions.start(
        Session(
            patient_id=shared.id,
            practitioner_id=ana.id,
            started_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
            chief_complaint="Low back pain",
        )
    )
    admin.sign_out()

    spawn = multiprocessing.get_context("spawn")
    start, loser_done, results = spawn.Event(), spawn.Event(), spawn.Queue()
    workers = [
        spawn.Process(
            target=workstation,
            args=(i, clinics.dsn, login, ids[i], contested.id, start, loser_done, results),
        )
        for i in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    reports = []
    try:
        for _ in workers:
            reports.append(results.get(timeout=120))
    except queue.Empty:
        pytest.fail(f"a workstation did not finish; reports so far: {reports}")
    finally:
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
    errors = [r["error"] for r in reports if "error" in r]
    assert not errors, "\n".join(errors)
    reports.sort(key=lambda r: r["index"])

    # The pair: exactly one held the session; the other was told who, at which room,
    # and each of its writes was refused.
    pair = [r["contested"] for r in reports[:2]]
    winners = [i for i, c in enumerate(pair) if c.get("won")]
    assert len(winners) == 1, pair
    winner, loser = pair[winners[0]], pair[1 - winners[0]]
    assert winner["loser_finished"]
    assert f"{NAMES[winners[0]]} has this session open at ROOM-{winners[0] + 1}" in loser["held"]
    assert len(loser["refused"]) == LOSER_TRIES and not loser["points"]
    assert all(NAMES[winners[0]] in message for message in loser["refused"])

    # Every acknowledged write present exactly once, nothing else.
    expected: dict[int, dict[int, dict[str, Any]]] = {r["session_id"]: r["points"] for r in reports}
    expected[contested.id] = {**winner["points"], **loser["points"]}
    authors = {r["session_id"]: r["practitioner_id"] for r in reports}
    authors[contested.id] = ids[winners[0]]
    stored = admin.points
    everything = []
    for session_id, acknowledged in expected.items():
        found = stored.for_session(session_id)
        everything += found
        assert {p.id: {"number": p.number, "pain": p.pain} for p in found} == {
            int(k): v for k, v in acknowledged.items()
        }
        numbers = [p.number for p in found]
        assert numbers == list(range(1, len(found) + 1))  # no gap, no duplicate
    assert len({p.id for p in everything}) == len(everything) == 4 * POINTS + CONTESTED_POINTS
    assert admin.patients.count(include_archived=True) == 5

    # Not interleaved: each session's points were written by its own practitioner only,
    # each added once (one insert in the trail per point).
    point_session = {p.id: p.session_id for p in everything}
    inserts: dict[int, int] = {}
    for entry in admin.audit_trail("trigger_points"):
        assert entry.practitioner_id == authors[point_session[entry.row_id]], entry
        if entry.action == "insert":
            inserts[entry.row_id] = inserts.get(entry.row_id, 0) + 1
    assert inserts == {p.id: 1 for p in everything}
    for r in reports:
        session = admin.sessions.get(r["session_id"])
        assert session.status is SessionStatus.SIGNED and session.signed_by == r["practitioner_id"]
    assert admin.editing.holder(contested.id) is None  # released by the winner

    # One chain: every workstation's rows linked in one order, signatures sound.
    assert admin.check().findings == []
    admin.close()
