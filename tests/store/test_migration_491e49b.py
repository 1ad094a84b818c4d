"""A clinic's database written by main at 491e49b (schema 2), opened by today's tpchart.

Every patient, session, amendment, signed version and point survives as the old code
wrote it; each point keeps its muscle words and gains the catalogue id beside them;
old red flags get the neck as complaint area; old adverse events read back as types;
the audit hash chain holds, with a "migrate" entry for each row the update changed;
signed sessions stay signed; a backup of the old file is taken first.

The fixture is made with the old code by ``fixtures/make_491e49b.py`` (its docstring
says how). Expected values come from the fixture itself, read with plain sqlite3
before tpchart touches it, or are written out here where the rule is the point.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tpchart.bodymap.geometry import load_body_map
from tpchart.core.adverse_events import AdverseEventType, Severity
from tpchart.core.errors import SignedRecordError
from tpchart.core.muscles import OTHER, matching_key, muscle_id_for
from tpchart.core.regions import REGIONS, View
from tpchart.core.screening import ComplaintArea, RedFlag
from tpchart.core.session import SessionStatus
from tpchart.core.trigger_point import TriggerPoint
from tpchart.store import Store
from tpchart.store.file.health import check_file
from tpchart.store.records.schema import SCHEMA_VERSION
from tpchart.store.records.tamper import audit_findings

FIXTURE = Path(__file__).parent / "fixtures" / "tpchart_491e49b.db"
OLD_SCHEMA = 2

# Every table 491e49b wrote, keyed as its rows are identified.
TABLES = {
    "practitioners": "id",
    "patients": "id",
    "sessions": "id",
    "trigger_points": "id",
    "session_versions": "id",
    "amendments": "id",
    "audit_log": "id",
    "settings": "key",
}
CLINICAL = ("practitioners", "patients", "sessions", "trigger_points")

# The words a clinic typed at 491e49b and the catalogue id each must get. Written out,
# not computed: "traps L" names a side, not a muscle the catalogue knows.
MUSCLE_IDS = {
    "upper traps": "upper_trapezius",
    "Upper Trapezius": "upper_trapezius",
    "levator scapulae": "levator_scapulae",
    "SCM": "sternocleidomastoid",
    "QL": "quadratus_lumborum",
    "glute med": "gluteus_medius",
    "traps L": OTHER,
    "my odd muscle": OTHER,
    "": "",
}

# The fixture's sessions (see make_491e49b.py).
WANG_FIRST, MARIA_RED_FLAGS, WANG_AMENDED, JOHN_DRAFT = 1, 2, 3, 4

Rows = dict[str, dict[Any, dict[str, Any]]]


def read_raw(path: Path) -> tuple[int, Rows]:
    """The schema version and every row of the old tables, with plain sqlite3 only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables: Rows = {}
        for table, key in TABLES.items():
            cursor = conn.execute(f"SELECT * FROM [{table}]")
            names = [c[0] for c in cursor.description]
            rows = (dict(zip(names, values, strict=True)) for values in cursor)
            tables[table] = {row[key]: row for row in rows}
        return version, tables
    finally:
        conn.close()


def without_sidecars(path: Path) -> None:
    """A closed database is one file: nothing left in a -wal beside it."""
    for suffix in ("-wal", "-journal"):
        sidecar = path.with_name(path.name + suffix)
        assert not sidecar.exists() or sidecar.stat().st_size == 0, sidecar


@dataclass(frozen=True)
class Migrated:
    """The fixture copied, read raw, opened once by today's store, and read raw again."""

    path: Path
    backups: Path
    old_version: int
    before: Rows
    after: Rows


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Migrated:
    folder = tmp_path_factory.mktemp("clinic_491e49b")
    path = folder / "clinic.db"
    shutil.copyfile(FIXTURE, path)
    old_version, before = read_raw(path)
    backups = folder / "backups"
    Store.open(path, backup_folder=backups).close()
    without_sidecars(path)
    _, after = read_raw(path)
    return Migrated(path, backups, old_version, before, after)


@pytest.fixture
def clinic(migrated, tmp_path):
    """A store on a private copy of the migrated file, for tests that try to write."""
    path = tmp_path / "clinic.db"
    shutil.copyfile(migrated.path, path)
    store = Store.open(path, backup_folder=tmp_path / "backups")
    store.practitioner_id = 1  # Dr Ana Souza (two are registered: none is chosen alone)
    yield store
    if store.is_open:
        store.close()


def points_with(rows: Rows, words: str) -> list[dict[str, Any]]:
    return [p for p in rows["trigger_points"].values() if p["muscle"] == words]


# -- the fixture is what the old app wrote ----------------------------------------------


def test_the_fixture_is_a_varied_491e49b_database(migrated):
    assert FIXTURE.stat().st_size < 200_000
    without_sidecars(FIXTURE)
    before = migrated.before
    assert migrated.old_version == OLD_SCHEMA
    assert {p["full_name"] for p in before["patients"].values()} == {
        "王小明",
        "Maria Oliveira",
        "John O'Brien",
    }
    assert json.loads(before["patients"][2]["precautions"]) == ["implants", "lymphoedema"]
    assert len(before["practitioners"]) == 2
    statuses = {i: (s["status"], s["version"]) for i, s in before["sessions"].items()}
    assert statuses == {
        WANG_FIRST: ("signed", 1),
        MARIA_RED_FLAGS: ("signed", 1),
        WANG_AMENDED: ("signed", 2),
        JOHN_DRAFT: ("draft", 1),
    }
    assert {p["muscle"] for p in before["trigger_points"].values()} == set(MUSCLE_IDS)
    assert {p["view"] for p in before["trigger_points"].values()} == {"front", "back", "head"}
    kinds = [
        e["kind"] for s in before["sessions"].values() for e in json.loads(s["adverse_events"])
    ]
    assert sorted(kinds) == ["Bruising", "Fainting", "felt dizzy"]


# -- opening it updates the schema, after a backup ---------------------------------------


def test_opening_updates_the_schema_to_this_version(migrated):
    conn = sqlite3.connect(migrated.path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        applied = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert applied == SCHEMA_VERSION
    finally:
        conn.close()


def test_the_old_file_is_backed_up_before_the_update(migrated):
    (backup,) = migrated.backups.glob("tpchart-*-before-update.db")
    version, rows = read_raw(backup)
    assert version == OLD_SCHEMA
    assert rows == migrated.before


# -- everything the old app wrote survives -----------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_every_old_row_and_value_survives(migrated, table):
    old, new = migrated.before[table], migrated.after[table]
    if table == "audit_log":
        # The trail only grows: the old entries as they were, the new ones after them.
        assert set(old) <= set(new)
        assert all(entry_id > max(old) for entry_id in set(new) - set(old))
    else:
        assert set(new) == set(old)
    for key, row in old.items():
        assert {c: new[key][c] for c in row} == row, f"{table} {key}"


def test_patients_read_back_as_written(migrated):
    with Store.open(migrated.path) as store:
        for patient_id, row in migrated.before["patients"].items():
            patient = store.patients.get(patient_id)
            assert patient.record_number == row["record_number"]
            assert patient.full_name == row["full_name"]
            assert patient.date_of_birth.isoformat() == row["date_of_birth"]
            assert sorted(patient.precautions) == json.loads(row["precautions"])
            assert patient.medical_history == row["medical_history"]
        assert [p.record_number for p in store.patients.find("王小明")] == ["A-001"]


def test_sessions_read_back_with_their_signatures(migrated):
    with Store.open(migrated.path) as store:
        for session_id, row in migrated.before["sessions"].items():
            session = store.sessions.get(session_id)
            assert session.status is SessionStatus(row["status"])
            assert session.version == row["version"]
            assert session.signed_by == row["signed_by"]
            signed_at = row["signed_at"] and datetime.fromisoformat(row["signed_at"])
            assert session.signed_at == (signed_at or None)
            assert session.started_at == datetime.fromisoformat(row["started_at"])
            assert session.chief_complaint == row["chief_complaint"]
            assert (session.pain_before, session.pain_after) == (
                row["pain_before"],
                row["pain_after"],
            )
            assert sorted(session.contraindications) == json.loads(row["contraindications"])
            assert sorted(session.red_flags) == json.loads(row["red_flags"])


def test_signed_versions_and_the_amendment_survive(migrated):
    with Store.open(migrated.path) as store:
        for session_id in migrated.before["sessions"]:
            old = [v for v in migrated.before["session_versions"].values()
                   if v["session_id"] == session_id]  # fmt: skip
            kept = store.sessions.signed_versions(session_id)
            assert [v.version for v in kept] == sorted(v["version"] for v in old)
            for version, row in zip(kept, sorted(old, key=lambda v: v["version"]), strict=True):
                assert version.signed_by == row["signed_by"]
                assert version.signed_at == datetime.fromisoformat(row["signed_at"])
                assert version.snapshot == json.loads(row["snapshot"])
        (amendment,) = store.sessions.amendments(WANG_AMENDED)
    (row,) = migrated.before["amendments"].values()
    assert amendment.reason == row["reason"] == "Depth of point 1 was written in cm; it is 15 mm"
    assert (amendment.from_version, amendment.practitioner_id) == (1, 2)
    assert amendment.at == datetime.fromisoformat(row["at"])


def test_every_point_reads_back_where_and_as_it_was_charted(migrated):
    with Store.open(migrated.path) as store:
        for session_id in migrated.before["sessions"]:
            old = sorted((p for p in migrated.before["trigger_points"].values()
                          if p["session_id"] == session_id), key=lambda p: p["number"])  # fmt: skip
            points = store.points.for_session(session_id)
            assert [p.id for p in points] == [p["id"] for p in old]
            for point, row in zip(points, old, strict=True):
                assert (point.view.value, point.region_id, point.side.value) == (
                    row["view"],
                    row["region_id"],
                    row["side"],
                )
                assert (point.x, point.y) == (row["x"], row["y"])
                assert point.muscle == row["muscle"]
                assert (point.depth_mm, point.needles, point.notes) == (
                    row["depth_mm"],
                    row["needles"],
                    row["notes"],
                )
                assert (point.needle_gauge_mm, point.needle_length_mm, point.pain) == (
                    row["needle_gauge_mm"],
                    row["needle_length_mm"],
                    row["pain"],
                )


def test_old_points_still_sit_in_their_regions_on_todays_maps(migrated):
    """Region ids are stable: a point charted then is drawn inside the same region now."""
    for row in migrated.before["trigger_points"].values():
        assert row["region_id"] in REGIONS
        body_map = load_body_map(View(row["view"]))
        assert body_map.contains(row["region_id"], row["x"], row["y"]), row


# -- what the update adds ----------------------------------------------------------------


@pytest.mark.parametrize("words", MUSCLE_IDS)
def test_muscle_words_are_kept_and_the_catalogue_id_added(migrated, words):
    ids = {p["id"] for p in points_with(migrated.before, words)}
    assert ids
    with Store.open(migrated.path) as store:
        for point_id in ids:
            assert migrated.after["trigger_points"][point_id]["muscle"] == words
            assert migrated.after["trigger_points"][point_id]["muscle_id"] == MUSCLE_IDS[words]
            point = store.points.get(point_id)
            assert (point.muscle, point.muscle_id) == (words, MUSCLE_IDS[words])
            # An unknown wording stays readable as the doctor wrote it.
            if MUSCLE_IDS[words] == OTHER:
                assert point.muscle_name == words


def test_every_muscle_id_follows_the_catalogue_rule(migrated):
    for point in migrated.after["trigger_points"].values():
        assert point["muscle_id"] == muscle_id_for(point["muscle"])


def test_progress_sees_one_upper_trapezius_whatever_it_was_called(migrated):
    with Store.open(migrated.path) as store:
        points = [p for ps in store.points.for_patient(1).values() for p in ps]
    keys = {p.muscle: matching_key(p.muscle_id, p.muscle) for p in points}
    assert keys["upper traps"] == keys["Upper Trapezius"] == "upper_trapezius"
    # "traps L" stays a muscle of its own until the doctor chooses the catalogue one.
    assert keys["traps L"] not in {"upper_trapezius", ""}


def test_old_red_flags_get_the_neck_as_complaint_area(migrated):
    with Store.open(migrated.path) as store:
        flagged = store.sessions.get(MARIA_RED_FLAGS)
        others = [store.sessions.get(i) for i in (WANG_FIRST, WANG_AMENDED, JOHN_DRAFT)]
    assert flagged.red_flags == {RedFlag.FEVER, RedFlag.NUMBNESS}
    assert flagged.complaint_areas == {ComplaintArea.NECK}
    # No decision is invented for the doctor: the signed record shows none was made.
    assert flagged.red_flag_decision is None
    assert flagged.red_flag_reason == ""
    for session in others:
        assert not session.red_flags and not session.complaint_areas


def test_old_adverse_events_read_back_as_their_types(migrated):
    with Store.open(migrated.path) as store:
        events = {i: store.sessions.get(i).adverse_events for i in migrated.before["sessions"]}
    (bruising,) = events[WANG_FIRST]
    assert (bruising.kind, bruising.severity) == (AdverseEventType.BRUISING, Severity.MILD)
    assert bruising.note == "Small bruise at point 1"
    (fainting,) = events[WANG_AMENDED]
    assert (fainting.kind, fainting.severity) == (AdverseEventType.VASOVAGAL, Severity.SIGNIFICANT)
    assert fainting.note == "After the third needle; lay flat 10 minutes"
    (dizzy,) = events[MARIA_RED_FLAGS]
    assert (dizzy.kind, dizzy.description) == (AdverseEventType.OTHER, "felt dizzy")
    assert dizzy.name == "felt dizzy"
    assert (dizzy.severity, dizzy.note) == (Severity.MILD, "Sat up slowly, passed")
    assert events[JOHN_DRAFT] == ()


# -- the audit trail ---------------------------------------------------------------------


def test_the_audit_chain_is_intact_and_the_check_finds_nothing(migrated):
    report = check_file(migrated.path, audit=True)
    assert report.integrity == ["ok"] and not report.foreign_keys
    assert report.audit == []
    conn = sqlite3.connect(migrated.path)
    try:
        assert audit_findings(conn) == []
    finally:
        conn.close()
    # The update's entries continue the old chain from its last link.
    old, new = migrated.before["audit_log"], migrated.after["audit_log"]
    added = sorted(set(new) - set(old))
    assert added, "the update wrote no audit entry"
    assert new[added[0]]["prev_hash"] == old[max(old)]["hash"]


def test_the_update_records_what_it_set_in_one_audit_entry(migrated):
    before = migrated.before
    with Store.open(migrated.path) as store:
        entries = [e for e in store.audit_trail() if e.action == "migrate"]
    # One entry for the whole update, not one per row: a clinic of 400,000 points
    # would otherwise wait minutes and double its audit trail.
    assert len(entries) == 1
    (entry,) = entries
    assert entry.id > max(before["audit_log"]) and entry.reason.strip()
    words = {p["muscle"] for p in before["trigger_points"].values() if p["muscle"]}
    assert entry.after["muscle_ids"] == {w: muscle_id_for(w) for w in words}
    assert entry.after["complaint_areas"] == '["neck"]'


@pytest.mark.parametrize(
    ("table", "column", "forged"),
    [
        ("trigger_points", "muscle_id", "levator_scapulae"),  # an old point renamed
        ("trigger_points", "lung_precautions", '["pincer_grip"]'),  # a precaution invented
        ("sessions", "complaint_areas", '["low_back"]'),
        ("sessions", "red_flag_decision", "safe_to_proceed"),  # a decision made up later
        ("patients", "build", "large"),
    ],
)
def test_a_new_column_forged_on_an_old_row_is_found(migrated, tmp_path, table, column, forged):
    path = tmp_path / "forged.db"
    shutil.copy(migrated.path, path)  # the migrated file is shared by this module's tests
    row_id = {"trigger_points": 1, "sessions": MARIA_RED_FLAGS, "patients": 1}[table]
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS trigger_points_update_signed")
        conn.execute("DROP TRIGGER IF EXISTS sessions_update_signed")
        conn.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE id = ?", [forged, row_id])
    findings = check_file(path, audit=True).audit
    assert any(f"{table} row {row_id} differs" in f and column in f for f in findings), findings


# -- signed stays signed -----------------------------------------------------------------


def test_signed_sessions_stay_signed_and_cannot_be_changed(clinic, migrated):
    for session_id in (WANG_FIRST, MARIA_RED_FLAGS, WANG_AMENDED):
        session = clinic.sessions.get(session_id)
        assert session.status is SessionStatus.SIGNED
        with pytest.raises(SignedRecordError):
            clinic.sessions.update(replace(session, notes="changed after signing"))
    signed_point = clinic.points.for_session(WANG_FIRST)[0]
    with pytest.raises(SignedRecordError):
        clinic.points.update(signed_point.with_muscle("levator scapulae"))
    with pytest.raises(SignedRecordError):
        clinic.points.delete(signed_point.id)
    with pytest.raises(SignedRecordError):
        clinic.points.add(replace(signed_point, id=None, number=9))
    clinic.close()
    # The guards the update lifted for its own rows are back, whatever tool writes.
    conn = sqlite3.connect(clinic.path)
    try:
        for sql in (
            f"UPDATE sessions SET notes = 'x' WHERE id = {WANG_FIRST}",
            f"UPDATE trigger_points SET muscle_id = 'other' WHERE id = {signed_point.id}",
            f"DELETE FROM trigger_points WHERE id = {signed_point.id}",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="signed"):
                conn.execute(sql)
    finally:
        conn.close()
    _, rows = read_raw(clinic.path)
    assert rows == migrated.after


def test_the_old_draft_can_be_charted_and_checked_after_the_update(clinic):
    draft = clinic.sessions.get(JOHN_DRAFT)
    assert draft.status is SessionStatus.DRAFT and draft.needling_refused() == ""
    x, y = load_body_map(View.BACK).interior_point("back.buttock.left")
    added = clinic.points.add(
        TriggerPoint(
            session_id=JOHN_DRAFT,
            number=clinic.points.next_number(JOHN_DRAFT),
            view=View.BACK,
            region_id="back.buttock.left",
            side="left",
            x=x,
            y=y,
            muscle="glute med",
        )
    )
    assert (added.muscle, added.muscle_id) == ("glute med", "gluteus_medius")
    unnamed = next(p for p in clinic.points.for_session(JOHN_DRAFT) if not p.muscle)
    named = clinic.points.update(unnamed.with_muscle("upper traps"))
    assert named.muscle_id == "upper_trapezius"
    path = clinic.path
    clinic.close()
    assert check_file(path, audit=True).audit == []


def test_a_draft_discarded_by_the_old_app_comes_back_under_new_ids(clinic):
    """491e49b freed the ids of a deleted draft, and the next draft took them: the
    discarded draft is still offered, and comes back without touching today's session 4."""
    (discarded,) = clinic.sessions.discarded(2)  # Maria
    assert discarded.session.id == JOHN_DRAFT
    assert [(p.muscle, p.muscle_id) for p in discarded.points] == [("gastroc", "gastrocnemius")]
    restored = clinic.sessions.restore_discarded(discarded.discard_id)
    assert restored.id != JOHN_DRAFT and restored.patient_id == 2
    (point,) = clinic.points.for_session(restored.id)
    assert (point.muscle, point.muscle_id, point.region_id) == (
        "gastroc",
        "gastrocnemius",
        "back.calf.left",
    )
    assert clinic.sessions.get(JOHN_DRAFT).patient_id == 3
    assert len(clinic.points.for_session(JOHN_DRAFT)) == 2
    path = clinic.path
    clinic.close()
    assert check_file(path, audit=True).audit == []
