"""A click's transaction on both engines (issue 21, brief K): on the clinic server a
nested block opened before its transaction ran anything takes no savepoint; it must
still undo exactly what a savepoint would when it fails."""

from __future__ import annotations

import pytest

from tests.store.conftest import audit_findings, make_point


def _numbers(store, session_id: int) -> list[int]:
    return [p.number for p in store.points.for_session(session_id)]


def _audited_points(store) -> list[int]:
    return [e.after["number"] for e in store.audit_trail("trigger_points") if e.after]


def test_a_failed_block_first_in_its_transaction_undoes_only_itself(store, session):
    with store.transaction():
        with pytest.raises(RuntimeError), store.transaction():
            store.points.add(make_point(session.id, 1))
            raise RuntimeError("the second half of the action failed")
        store.points.add(make_point(session.id, 2))

    assert _numbers(store, session.id) == [2]
    assert _audited_points(store) == [2]
    assert audit_findings(store) == []


def test_a_failed_block_after_others_keeps_what_came_before(store, session):
    with store.transaction():
        store.points.add(make_point(session.id, 1))
        with pytest.raises(RuntimeError), store.transaction():
            store.points.add(make_point(session.id, 2))
            raise RuntimeError("the second half of the action failed")
        store.points.add(make_point(session.id, 3))

    assert _numbers(store, session.id) == [1, 3]
    assert _audited_points(store) == [1, 3]
    assert audit_findings(store) == []


def test_a_refused_point_first_in_an_action_leaves_the_action_usable(store, session):
    signed_elsewhere = make_point(session.id + 1000, 1)  # no such session: refused
    with store.transaction():
        with pytest.raises(Exception, match="does not exist"):
            store.points.add(signed_elsewhere)
        store.points.add(make_point(session.id, 1))

    assert _numbers(store, session.id) == [1]
    assert audit_findings(store) == []


def test_the_whole_action_rolls_back_when_it_fails(store, session):
    with pytest.raises(RuntimeError), store.transaction():
        store.points.add(make_point(session.id, 1))
        raise RuntimeError("failed")

    assert _numbers(store, session.id) == []
    assert _audited_points(store) == []


def test_adding_a_point_counts_as_a_change_and_gives_it_back_as_stored(store, session):
    before = store.changes()
    added = store.points.add(make_point(session.id, 1, x=270.0))

    assert store.changes() > before  # what tells backups and Operations' retry it saved
    assert added == store.points.get(added.id)
    assert type(added.x) is float
    (entry,) = store.audit_trail("trigger_points", added.id)
    assert entry.after["x"] == 270.0 and type(entry.after["x"]) is float
