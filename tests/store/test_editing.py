"""``store.editing`` on both engines (issue 21): who may edit a session now.

On a file this tpchart is the only writer and holds every session; on the clinic server
the session is leased to this workstation. Either way, the workstation that took a
session may write it, and releasing it changes nothing in the records.
"""

from __future__ import annotations

from tests.store.conftest import make_point
from tpchart.store import Store


def test_the_workstation_that_took_a_session_holds_it_and_writes_it(store, session):
    store.editing.take(session.id)
    assert store.editing.holds(session.id)
    added = store.points.add(make_point(session.id))
    assert [p.id for p in store.points.for_session(session.id)] == [added.id]
    assert store.editing.renew() == []
    assert store.editing.holds(session.id)


def test_releasing_a_session_changes_no_record(store, session):
    store.editing.take(session.id)
    store.points.add(make_point(session.id))
    trail = len(store.audit_trail())
    store.editing.release(session.id)
    store.editing.release_all()
    assert len(store.audit_trail()) == trail
    assert len(store.points.for_session(session.id)) == 1


def test_a_file_has_no_colleague_a_server_names_the_holder(store, session):
    store.editing.take(session.id)
    holder = store.editing.holder(session.id)
    if isinstance(store, Store):
        # One writer, no lease: nothing to share, to renew or to show in a banner.
        assert store.editing.shared is False and holder is None
        assert store.editing.held() == []
        assert store.colleague_changes is None
    else:
        assert store.editing.shared is True
        assert holder is not None and holder.practitioner_name == "Dr Ana Souza"
        assert store.editing.held() == [session.id]
        assert store.colleague_changes is not None
        store.editing.release(session.id)
        assert store.editing.holder(session.id) is None and store.editing.held() == []
