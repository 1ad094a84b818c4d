"""Taking back a record (issue 14, finding 8): a draft session discarded and brought
back from the audit trail, and the unsigned sessions the quit reminder names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tpchart.core.errors import NotFoundError, SignedRecordError, ValidationError
from tpchart.core.patient import Patient
from tpchart.core.session import Session, SessionStatus
from tpchart.store import Store
from tpchart.store.file import check_database

from .conftest import audit_findings, make_point


def start(store, patient_id, day=2, **kw) -> Session:
    return store.sessions.start(
        Session(
            patient_id=patient_id,
            practitioner_id=store.practitioner_id,
            started_at=datetime(2026, 11, day, 9, 30, tzinfo=UTC),
            **kw,
        )
    )


def signable(store, session):
    return store.sessions.update(
        replace(
            store.sessions.get(session.id),
            screening_done=True,
            consent_given=True,
            consent_by="Patient",
        )
    )


def audit_count(store) -> int:
    return len(store.audit_trail())


def assert_sound(store):
    if isinstance(store, Store):
        report = check_database(store.path)
        assert report.ok, report.lines()
    else:
        assert audit_findings(store) == []


def test_discard_removes_the_draft_and_its_points_and_audits_each_before_image(store, session):
    first = store.points.add(make_point(session.id, 1, pain=6))
    second = store.points.add(make_point(session.id, 2, x=300.0))

    discarded = store.sessions.discard_draft(session.id)

    assert store.sessions.for_patient(session.patient_id) == []
    assert store.points.for_session(session.id) == []
    (entry,) = [e for e in store.audit_trail("sessions", session.id) if e.action == "delete"]
    assert entry.before["chief_complaint"] == "Neck pain" and entry.after is None
    assert entry.id == discarded.discard_id
    for point in (first, second):
        last = store.audit_trail("trigger_points", point.id)[-1]
        assert last.action == "delete" and last.before["id"] == point.id
    assert discarded.session == session
    assert discarded.points == (first, second) and discarded.point_count == 2
    assert discarded.discarded_by == store.practitioner_id
    assert_sound(store)


def test_discarded_drafts_are_read_back_newest_first_with_who_when_and_point_count(
    store, patient, session
):
    store.points.add(make_point(session.id, 1))
    other = start(store, patient.id, day=3, chief_complaint="Low back pain")
    for number in (1, 2, 3):
        store.points.add(make_point(other.id, number, x=200.0 + number))
    someone_else = store.patients.add(
        Patient(record_number="B-2", full_name="Ana Chart", date_of_birth=date(1990, 1, 1))
    )
    theirs = start(store, someone_else.id)
    before = datetime.now(UTC)

    store.sessions.discard_draft(session.id)
    store.sessions.discard_draft(other.id)
    store.sessions.discard_draft(theirs.id)

    newest, oldest = store.sessions.discarded(patient.id)
    assert newest.session.chief_complaint == "Low back pain" and newest.point_count == 3
    assert oldest.session.chief_complaint == "Neck pain" and oldest.point_count == 1
    assert newest.discard_id > oldest.discard_id
    assert newest.discarded_at >= before and newest.discarded_by == store.practitioner_id
    assert [d.session.id for d in store.sessions.discarded(someone_else.id)] == [theirs.id]


def test_a_discarded_draft_comes_back_exactly_as_it_was_under_its_own_ids(store, db_path, session):
    points = [store.points.add(make_point(session.id, n, x=250.0 + n, pain=n)) for n in (1, 2)]
    (discarded,) = [store.sessions.discard_draft(session.id)]
    store.close()

    with Store.open(db_path) as reopened:  # read back from the file, not from memory
        (listed,) = reopened.sessions.discarded(session.patient_id)
        assert listed == discarded
        restored = reopened.sessions.restore_discarded(listed.discard_id)

        assert restored == session  # same id, same fields, still a draft
        assert reopened.sessions.get(session.id) == session
        assert reopened.points.for_session(session.id) == points
        assert reopened.sessions.discarded(session.patient_id) == []
        entry = reopened.audit_trail("sessions", session.id)[-1]
        assert entry.action == "insert" and entry.after["id"] == session.id
        for point in points:
            assert reopened.audit_trail("trigger_points", point.id)[-1].action == "insert"
        assert_sound(reopened)


def test_bringing_back_twice_is_refused_in_plain_words_and_writes_nothing(store, session):
    discarded = store.sessions.discard_draft(session.id)
    store.sessions.restore_discarded(discarded.discard_id)
    written = audit_count(store)

    with pytest.raises(ValidationError, match="already brought back on"):
        store.sessions.restore_discarded(discarded.discard_id)

    assert audit_count(store) == written
    assert len(store.sessions.for_patient(session.patient_id)) == 1


def test_only_a_discard_can_be_brought_back(store, session):
    inserted = store.audit_trail("sessions", session.id)[0]
    with pytest.raises(NotFoundError, match="no discarded draft"):
        store.sessions.restore_discarded(inserted.id)
    with pytest.raises(NotFoundError):
        store.sessions.restore_discarded(10_000)


@pytest.mark.file_only  # SQLite reuses a freed highest id; a server never does
def test_a_draft_whose_id_was_taken_meanwhile_comes_back_under_new_ids(store, patient, session):
    point = store.points.add(make_point(session.id, 1, notes="the one discarded"))
    discarded = store.sessions.discard_draft(session.id)
    # SQLite hands the freed highest id to the next row: a new session and point get them.
    newer = start(store, patient.id, day=4, chief_complaint="Started after")
    newer_point = store.points.add(make_point(newer.id, 1, notes="the new one"))
    assert (newer.id, newer_point.id) == (session.id, point.id)

    restored = store.sessions.restore_discarded(discarded.discard_id)

    assert restored.id != session.id
    assert restored == replace(session, id=restored.id)
    (back,) = store.points.for_session(restored.id)
    assert back.id != point.id and back == replace(point, id=back.id, session_id=restored.id)
    assert store.sessions.get(newer.id) == newer  # the newer session is untouched
    assert store.points.for_session(newer.id) == [newer_point]
    assert_sound(store)


def test_a_point_removed_before_the_discard_is_not_brought_back_with_it(store, session):
    kept = store.points.add(make_point(session.id, 1))
    removed = store.points.add(make_point(session.id, 2, x=300.0))
    store.points.delete(removed.id)  # the doctor removed it, then discarded the draft

    discarded = store.sessions.discard_draft(session.id)
    assert discarded.points == (kept,)
    store.sessions.restore_discarded(discarded.discard_id)

    assert store.points.for_session(session.id) == [kept]
    assert_sound(store)


def test_discard_restore_and_discard_again_keeps_the_file_sound(store, session):
    store.points.add(make_point(session.id, 1))
    first = store.sessions.discard_draft(session.id)
    store.sessions.restore_discarded(first.discard_id)
    store.points.add(make_point(session.id, 2, x=300.0))
    second = store.sessions.discard_draft(session.id)

    (listed,) = store.sessions.discarded(session.patient_id)
    assert listed.discard_id == second.discard_id and listed.point_count == 2
    store.sessions.restore_discarded(second.discard_id)
    assert [p.number for p in store.points.for_session(session.id)] == [1, 2]
    assert_sound(store)


def test_a_signed_or_amending_session_cannot_be_discarded(store, session):
    store.points.add(make_point(session.id))
    store.sessions.sign(signable(store, session).id)
    written = audit_count(store)
    with pytest.raises(SignedRecordError, match="only a draft that was never signed"):
        store.sessions.discard_draft(session.id)
    store.sessions.amend(session.id, "Wrong side")
    written = audit_count(store)
    with pytest.raises(SignedRecordError):
        store.sessions.discard_draft(session.id)
    assert audit_count(store) == written
    assert store.sessions.get(session.id).status is SessionStatus.AMENDING
    assert len(store.points.for_session(session.id)) == 1


def test_unsigned_names_drafts_and_amendments_of_patients_not_archived(store, patient, session):
    signed = start(store, patient.id, day=1)
    store.sessions.sign(signable(store, signed).id)
    amending = start(store, patient.id, day=3)
    store.sessions.sign(signable(store, amending).id)
    store.sessions.amend(amending.id, "Pain after was 3")
    archived = store.patients.add(
        Patient(record_number="Z-9", full_name="Made By Mistake", date_of_birth=date(1970, 5, 5))
    )
    start(store, archived.id)
    store.patients.archive(archived.id)

    unsigned = store.sessions.unsigned()

    assert [(s.id, s.status) for s in unsigned] == [
        (session.id, SessionStatus.DRAFT),
        (amending.id, SessionStatus.AMENDING),
    ]
    store.patients.archive(archived.id, archived=False)
    assert len(store.sessions.unsigned()) == 3


def test_a_discard_rolled_back_is_not_listed_afterwards(store, session):
    """The discards read inside a transaction that then rolls back are forgotten."""
    with pytest.raises(RuntimeError), store.transaction():
        store.sessions.discard_draft(session.id)
        assert len(store.sessions.discarded(session.patient_id)) == 1
        raise RuntimeError("the action fails after the discard")

    assert store.sessions.discarded(session.patient_id) == []
    assert store.sessions.get(session.id) == session
    later = store.sessions.discard_draft(session.id)  # audit ids are handed out again
    assert [d.discard_id for d in store.sessions.discarded(session.patient_id)] == [
        later.discard_id
    ]
