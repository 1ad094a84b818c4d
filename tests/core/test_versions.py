"""What changed between two signed versions of a session, read from their snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tpchart.core.audit import SignedVersion
from tpchart.core.versions import changes_between, version_changes

SESSION = {
    "id": 7, "status": "signed", "version": 1, "signed_by": 1,
    "signed_at": "2026-11-24T10:00:00+00:00", "pain_after": 3, "notes": "",
    "contraindications": json.dumps(["anticoagulants", "diabetes"]),
    "red_flag_decision": None, "skin_prepared": 1,
}  # fmt: skip


def point(pid: int, number: int, **kw) -> dict:
    row = {"id": pid, "number": number, "view": "back", "region_id": "back.upper.right",
           "side": "right", "x": 100.0, "y": 200.0, "muscle": "rhomboids", "muscle_id": "",
           "depth_mm": None, "needles": 1, "taut_band": 0, "notes": ""}  # fmt: skip
    row.update(kw)
    return row


def snapshot(session: dict, points: list[dict]) -> dict:
    return {"session": session, "points": points}


def test_a_changed_field_reads_before_and_after():
    later = {**SESSION, "version": 2, "signed_at": "2026-11-25T09:00:00+00:00", "pain_after": 2,
             "skin_prepared": 0, "red_flag_decision": "safe_to_proceed"}  # fmt: skip
    session, points = changes_between(snapshot(SESSION, []), snapshot(later, []))
    texts = [c.text for c in session]
    assert "Pain after: 3/10 → 2/10" in texts
    assert "Skin prepared: yes → no" in texts
    assert "Red-flag decision: not recorded → Assessed: safe to proceed" in texts
    # The signing itself (version, when, status) is not a change of content.
    assert not any("Version" in t or "signed" in t.lower() for t in texts)
    assert points == ()


def test_a_list_in_another_order_is_not_a_change():
    later = {**SESSION, "contraindications": json.dumps(["diabetes", "anticoagulants"])}
    session, _ = changes_between(snapshot(SESSION, []), snapshot(later, []))
    assert session == ()


def test_points_added_removed_and_changed_name_their_fields():
    earlier = snapshot(SESSION, [point(1, 1), point(2, 2), point(3, 3)])
    later = snapshot(SESSION, [point(1, 1, depth_mm=18.0, taut_band=1, notes="deeper"),
                               point(2, 2), point(4, 3, muscle="upper trapezius")])  # fmt: skip
    _, points = changes_between(earlier, later)
    texts = [p.text for p in points]
    assert texts[0] == (
        "Point 1 (Right upper back (between the shoulder blades), rhomboids) changed: "
        "taut band: no → yes; depth: not recorded → 18 mm; notes: not recorded → deeper"
    )
    assert [(p.number, p.what) for p in points] == [(1, "changed"), (3, "added"), (3, "removed")]
    assert "upper trapezius" in texts[1] and "rhomboids" in texts[2]


def test_a_moved_or_renumbered_point_says_so():
    earlier = snapshot(SESSION, [point(1, 1)])
    later = snapshot(SESSION, [point(1, 2, x=150.0)])
    _, (change,) = changes_between(earlier, later)
    assert (
        "number: 1 → 2" in change.text and "place on the body map: as before → moved" in change.text
    )


def test_version_changes_says_when_nothing_changed():
    at = datetime(2026, 11, 24, tzinfo=UTC)
    v1 = SignedVersion(7, 1, 1, at, snapshot(SESSION, [point(1, 1)]))
    v2 = SignedVersion(7, 2, 1, at, snapshot({**SESSION, "version": 2}, [point(1, 1)]))
    changes = version_changes(v1, v2)
    assert (changes.from_version, changes.to_version) == (1, 2)
    assert changes.lines == ["No recorded value changed."]


def test_a_change_of_practitioner_is_named():
    # Found in review: the diff left out who charted the session.
    earlier = {**SESSION, "practitioner_id": 1}
    later = {**earlier, "practitioner_id": 2}
    session, _ = changes_between(
        snapshot(earlier, []), snapshot(later, []), names={1: "Dr Ana Souza", 2: "Dr Li Wei"}
    )
    assert [c.text for c in session] == ["Practitioner: Dr Ana Souza → Dr Li Wei"]
    unnamed, _ = changes_between(snapshot(earlier, []), snapshot(later, []))
    assert [c.text for c in unnamed] == ["Practitioner: practitioner 1 → practitioner 2"]
