"""A signed session cannot be changed in place; an amendment keeps the signed version."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from tpchart.core.errors import SignedRecordError, ValidationError
from tpchart.core.session import SessionStatus

from .conftest import make_point


def ready(store, session):
    return store.sessions.update(
        replace(session, screening_done=True, consent_given=True, consent_by="Patient")
    )


def test_signing_needs_screening_and_consent(store, session):
    store.points.add(make_point(session.id))
    with pytest.raises(ValidationError, match="screening; consent"):
        store.sessions.sign(session.id)


def test_signed_session_refuses_edits(store, session):
    point = store.points.add(make_point(session.id))
    signed = store.sessions.sign(ready(store, session).id)
    assert signed.status is SessionStatus.SIGNED and signed.signed_by == store.practitioner_id
    with pytest.raises(SignedRecordError):
        store.sessions.update(replace(signed, pain_after=1))
    with pytest.raises(SignedRecordError):
        store.points.update(replace(point, pain=1))
    with pytest.raises(SignedRecordError):
        store.points.add(make_point(session.id, number=2))
    with pytest.raises(SignedRecordError):
        store.points.delete(point.id)
    with pytest.raises(SignedRecordError):
        store.sessions.discard_draft(session.id)
    with pytest.raises(SignedRecordError):
        store.sessions.sign(session.id)
    assert store.points.get(point.id) == point


@pytest.mark.file_only  # the server's twin: tests/server
def test_database_triggers_guard_signed_sessions_too(store, session):
    point = store.points.add(make_point(session.id))
    store.sessions.sign(ready(store, session).id)
    conn = store._ctx.db.conn
    with pytest.raises(sqlite3.IntegrityError, match="session is signed"):
        conn.execute("UPDATE sessions SET pain_after = 0 WHERE id = ?", [session.id])
    with pytest.raises(sqlite3.IntegrityError, match="session is signed"):
        conn.execute("UPDATE trigger_points SET pain = 0 WHERE id = ?", [point.id])
    with pytest.raises(sqlite3.IntegrityError, match="session is signed"):
        conn.execute("DELETE FROM trigger_points WHERE id = ?", [point.id])


def test_amendment_records_reason_and_keeps_signed_version(store, session):
    point = store.points.add(make_point(session.id, pain=6))
    store.sessions.sign(ready(store, session).id)
    with pytest.raises(ValidationError, match="needs a reason"):
        store.sessions.amend(session.id, "  ")
    reopened = store.sessions.amend(session.id, "Pain at point 1 was 5, not 6")
    assert reopened.status is SessionStatus.AMENDING and reopened.version == 2
    store.points.update(replace(point, pain=5))
    resigned = store.sessions.sign(session.id)
    assert resigned.version == 2 and resigned.status is SessionStatus.SIGNED

    first, second = store.sessions.signed_versions(session.id)
    assert first.version == 1 and first.snapshot["points"][0]["pain"] == 6
    assert second.version == 2 and second.snapshot["points"][0]["pain"] == 5
    (amendment,) = store.sessions.amendments(session.id)
    assert amendment.reason == "Pain at point 1 was 5, not 6" and amendment.from_version == 1
    actions = [(e.action, e.reason) for e in store.audit_trail("sessions", session.id)]
    assert ("amend", "Pain at point 1 was 5, not 6") in actions
    assert [a for a, _ in actions].count("sign") == 2


def test_only_signed_sessions_can_be_amended(store, session):
    with pytest.raises(ValidationError, match="Only a signed session"):
        store.sessions.amend(session.id, "typo")


def test_a_draft_started_by_mistake_can_be_deleted(store, session):
    store.points.add(make_point(session.id))
    store.sessions.discard_draft(session.id)
    assert store.sessions.for_patient(session.patient_id) == []
    assert store.audit_trail("sessions", session.id)[-1].action == "delete"


def test_a_session_being_amended_reads_as_last_signed_for_progress(store, session):
    point = store.points.add(make_point(session.id, pain=7))
    signed = store.sessions.sign(ready(store, replace(session, pain_after=7)).id)
    amending = store.sessions.amend(signed.id, "Typo in the notes")
    store.sessions.update(replace(amending, pain_after=1))
    store.points.update(replace(store.points.get(point.id), pain=0))
    sessions, points = store.sessions.as_signed(
        store.sessions.for_patient(session.patient_id),
        store.points.for_patient(session.patient_id),
    )
    # Until it is signed again, the signed version is the record progress reads.
    assert [(s.status, s.pain_after) for s in sessions] == [(SessionStatus.SIGNED, 7)]
    assert [p.pain for p in points[session.id]] == [7]
