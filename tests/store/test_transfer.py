"""Patient transfer between tpchart databases (issue 20): everything about one patient
arrives, signed versions and amendments included; twice is refused; a changed file is
refused; the tables carried follow the schema."""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from tpchart.core.adverse_events import AdverseEvent
from tpchart.core.patient import Patient, Sex
from tpchart.core.practitioner import Practitioner
from tpchart.core.session import Session, SessionStatus
from tpchart.core.versions import version_changes
from tpchart.store import Store
from tpchart.store.file.health import check_file
from tpchart.store.records import signatures
from tpchart.store.records.transfer import (
    CARRIED,
    DERIVED,
    FORMAT_VERSION,
    NOT_CARRIED_YET,
    TransferRefused,
    patient_tables,
    unhandled_tables,
)

from .conftest import make_point

# Columns holding ids of this database: compared through what they point at instead.
ID_COLUMNS = {"id", "patient_id", "session_id", "practitioner_id", "signed_by", "recorded_by"}


def _signable(store, session):
    return store.sessions.update(
        replace(session, screening_done=True, consent_given=True, consent_by="Patient",
                adverse_events_asked=True, pain_after=3)
    )  # fmt: skip


def _session(store, patient_id, day, **kw):
    return store.sessions.start(
        Session(
            patient_id=patient_id,
            practitioner_id=store.practitioner_id,
            started_at=datetime(2026, 10, day, 9, 30, tzinfo=UTC),
            chief_complaint=kw.pop("complaint", "Neck pain"),
            pain_before=7,
            **kw,
        )
    )


@pytest.fixture
def rich(store):
    """A patient with every kind of record: a session signed, amended (a point changed,
    one removed) and signed again; one signed with an event reported later; one being
    amended; a draft; a discarded draft. A second practitioner signs one session, and
    another patient stays behind."""
    store.clinic.save(store.clinic.load().__class__(name="Clínica Norte"))
    first = store.practitioner_id
    second = store.practitioners.add(Practitioner(name="Dr Bruno Lima", registration="CRM 77"))
    patient = store.patients.add(
        Patient(record_number="A-001", full_name="María José Fernández",
                date_of_birth=date(1980, 3, 12), sex=Sex.FEMALE, phone="+34 600 000 000",
                email="mj@example.org", medical_history="Whiplash 2019")
    )  # fmt: skip
    other = store.patients.add(
        Patient(record_number="B-002", full_name="Someone Else",
                date_of_birth=date(1975, 1, 1), sex=Sex.MALE)
    )  # fmt: skip
    _session(store, other.id, 1)

    amended = _session(store, patient.id, 2)
    kept = store.points.add(make_point(amended.id, 1))
    removed = store.points.add(make_point(amended.id, 2, x=300.0))
    store.sessions.sign(_signable(store, amended).id)
    store.sessions.amend(amended.id, "Depth was recorded on the wrong point")
    store.points.update(replace(kept, depth_mm=25.0, pain=4))
    store.points.delete(removed.id)
    store.sessions.sign(amended.id)

    store.practitioner_id = second.id
    reported = _session(store, patient.id, 9, complaint="Low back pain")
    store.points.add(make_point(reported.id, 1, notes="Deep"))
    store.sessions.sign(_signable(store, reported).id)
    store.later_events.report(
        reported.id, AdverseEvent(kind="bruising", severity="mild", onset="delayed",
                                  description="Bruise next day")
    )  # fmt: skip
    store.practitioner_id = first

    reopened = _session(store, patient.id, 16)
    store.points.add(make_point(reopened.id, 1))
    store.sessions.sign(_signable(store, reopened).id)
    store.sessions.amend(reopened.id, "Pain after was 2, not 3")

    draft = _session(store, patient.id, 23)
    store.points.add(make_point(draft.id, 1))
    mistake = _session(store, patient.id, 24)
    store.sessions.discard_draft(mistake.id)
    return patient


def _export(store, patient_id, path):
    return store.transfer.export(patient_id, path.name, path.write_bytes)


def _raw(db_path) -> dict[str, list[dict]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    tables = {t: [dict(r) for r in conn.execute(f"SELECT * FROM [{t}] ORDER BY 1")]
              for t in (*CARRIED, "practitioners", "audit_log", "patient_name_words")}  # fmt: skip
    conn.close()
    return tables


def _comparable(tables, patient_id):
    """One patient's rows with every id replaced by what it names (a practitioner's
    name, a session's start, a point's session and number): equal in both databases
    when nothing was lost."""
    doctors = {r["id"]: (r["name"], r["registration"]) for r in tables["practitioners"]}
    sessions = {r["id"]: r["started_at"] for r in tables["sessions"]
                if r["patient_id"] == patient_id}  # fmt: skip

    def plain(row):
        out = {k: v for k, v in row.items() if k not in ID_COLUMNS}
        for k in ("practitioner_id", "signed_by", "recorded_by"):
            if k in row:
                out[k] = doctors.get(row[k])
        if "session_id" in row:
            out["session_id"] = sessions[row["session_id"]]
        return out

    found = {
        "patients": [plain(r) for r in tables["patients"] if r["id"] == patient_id],
        "sessions": [plain(r) for r in tables["sessions"] if r["id"] in sessions],
    }
    for table in ("trigger_points", "session_versions", "amendments", "adverse_events_later"):
        rows = [plain(r) for r in tables[table] if r["session_id"] in sessions]
        for row in rows:
            if "snapshot" in row:  # the signed text, ids named the same way
                snap = json.loads(row.pop("snapshot"))
                row["snapshot"] = (plain(snap["session"]), [plain(p) for p in snap["points"]])
        found[table] = sorted(rows, key=repr)
    return found


def test_export_then_import_into_an_empty_database_reproduces_every_row(
    store, rich, db_path, tmp_path
):
    file = tmp_path / "maria.json"
    sent = _export(store, rich.id, file)
    assert sent.counts["sessions"] == 4 and sent.counts["session_versions"] == 4
    target_path = tmp_path / "other.db"
    with Store.open(target_path) as target:
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        here = got.patient_id
        # Through the store: every session, its points, versions, amendments, events.
        source_sessions = store.sessions.for_patient(rich.id)
        target_sessions = target.sessions.for_patient(here)
        assert [s.status for s in target_sessions] == [
            SessionStatus.SIGNED, SessionStatus.SIGNED, SessionStatus.AMENDING,
            SessionStatus.DRAFT,
        ]  # fmt: skip
        for old, new in zip(source_sessions, target_sessions, strict=True):
            # Practitioners are compared by name in the raw tables below.
            unnamed = {"practitioner_id": 0, "signed_by": None}
            assert replace(new, id=old.id, patient_id=old.patient_id, **unnamed) == replace(
                old, **unnamed
            )
            old_points = [
                replace(p, id=None, session_id=0) for p in store.points.for_session(old.id)
            ]
            new_points = [
                replace(p, id=None, session_id=0) for p in target.points.for_session(new.id)
            ]
            assert new_points == old_points
            assert [
                (a.reason, a.from_version, a.at) for a in target.sessions.amendments(new.id)
            ] == [(a.reason, a.from_version, a.at) for a in store.sessions.amendments(old.id)]
            old_v, new_v = (
                store.sessions.signed_versions(old.id),
                target.sessions.signed_versions(new.id),
            )
            assert [v.version for v in new_v] == [v.version for v in old_v]
            if new.status is SessionStatus.SIGNED:  # the last signed version names these rows
                snapshot = new_v[-1].snapshot
                assert snapshot["session"]["id"] == new.id
                assert [p["id"] for p in snapshot["points"]] == [
                    p.id for p in target.points.for_session(new.id)
                ]
            # The amendment diff reads the same: points matched by id, names by id.
            for pair_old, pair_new in zip(pairwise(old_v), pairwise(new_v), strict=True):
                assert version_changes(*pair_new) == version_changes(*pair_old)
            assert [e.event for e in target.later_events.for_session(new.id)] == [
                e.event for e in store.later_events.for_session(old.id)
            ]
        assert target.patients.find("fernandez")[0].id == here  # the name index rebuilt
        assert {p.name for p in target.practitioners.all(include_inactive=True)} == {
            "Dr Ana Souza", "Dr Bruno Lima",
        }  # fmt: skip
        # They wrote these records; they do not work here, so they are not offered as users.
        assert target.practitioners.all() == []
        history = target.transfer.imported_history(here)
        assert {"sign", "amend", "delete"} <= {e.action for e in history}
    # The raw tables, field by field, ids aside.
    assert _comparable(_raw(target_path), here) == _comparable(_raw(db_path), rich.id)
    # The other patient and their session stayed behind.
    assert [r["record_number"] for r in _raw(target_path)["patients"]] == ["A-001"]
    assert check_file(db_path, audit=True).ok
    assert check_file(target_path, audit=True).ok


def test_the_export_is_audited_before_the_file_is_written(store, rich, tmp_path):
    seen = []

    def write(data: bytes) -> None:
        seen.append(store.audit_trail("patients", rich.id)[-1].after)
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.transfer.export(rich.id, "maria.json", write)
    entries = store.audit_trail("patients", rich.id)
    assert seen[0]["document"] == "patient transfer" and seen[0]["file"] == "maria.json"
    assert entries[-1].after["not written"] == "disk full"


def test_import_records_who_from_where_and_counts(store, rich, tmp_path):
    file = tmp_path / "maria.json.gz"
    sent = _export(store, rich.id, file)
    assert file.read_bytes()[:2] == b"\x1f\x8b"  # gzip, as the name asks
    with Store.open(tmp_path / "other.db") as target:
        target.practitioner_id = target.practitioners.add(Practitioner(name="Dr Chen")).id
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        entry = next(e for e in target.audit_trail("patients", got.patient_id)
                     if e.action == "transfer in")  # fmt: skip
    assert entry.practitioner_id == target.practitioner_id
    assert entry.after["file"] == "maria.json.gz"
    assert entry.after["source"]["clinic"] == "Clínica Norte"
    assert entry.after["counts"]["trigger_points"] == sent.counts["trigger_points"] == 4
    assert entry.after["digest"] == sent.digest


def _counts(path):
    conn = sqlite3.connect(path)
    found = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
             for t in (*CARRIED, "practitioners", "audit_log")}  # fmt: skip
    conn.close()
    return found


def test_importing_the_same_patient_twice_is_refused_and_writes_nothing(store, rich, tmp_path):
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    _export(store, rich.id, first)
    _export(store, rich.id, second)  # another export of the same patient
    target_path = tmp_path / "other.db"
    with Store.open(target_path) as target:
        target.transfer.import_patient(first.read_bytes(), first.name)
    before = _counts(target_path)
    with Store.open(target_path) as target:
        with pytest.raises(TransferRefused, match="already imported on"):
            target.transfer.import_patient(first.read_bytes(), first.name)
        with pytest.raises(TransferRefused, match="already transferred here"):
            target.transfer.import_patient(second.read_bytes(), second.name)
    assert _counts(target_path) == before


def test_a_patient_sent_back_where_they_came_from_is_refused(store, rich, tmp_path):
    out, back = tmp_path / "out.json", tmp_path / "back.json"
    _export(store, rich.id, out)
    with Store.open(tmp_path / "other.db") as target:
        got = target.transfer.import_patient(out.read_bytes(), out.name)
        _export(target, got.patient_id, back)
    with pytest.raises(TransferRefused, match="first registered in this very database"):
        store.transfer.import_patient(back.read_bytes(), back.name)


def test_a_record_number_clash_is_refused_plainly(store, rich, tmp_path):
    file = tmp_path / "maria.json"
    _export(store, rich.id, file)
    with Store.open(tmp_path / "other.db") as target:
        target.practitioner_id = target.practitioners.add(Practitioner(name="Dr Chen")).id
        target.patients.add(Patient(record_number="a-001", full_name="Pedro Alves",
                                    date_of_birth=date(1990, 5, 5), sex=Sex.MALE))  # fmt: skip
        with pytest.raises(TransferRefused, match=r"used here by a different patient \(Pedro"):
            target.transfer.import_patient(file.read_bytes(), file.name)
        target.patients.update(replace(target.patients.find("Pedro")[0], record_number="P-9"))
        target.patients.add(Patient(record_number="A-001", full_name="maría josé fernández",
                                    date_of_birth=date(1980, 3, 12), sex=Sex.FEMALE))  # fmt: skip
        with pytest.raises(TransferRefused, match="in this database already"):
            target.transfer.import_patient(file.read_bytes(), file.name)
        assert target.patients.count() == 2


def _edit(file, change):
    document = json.loads(file.read_bytes())
    change(document)
    file.write_text(json.dumps(document))


def test_an_edited_snapshot_is_refused(store, rich, tmp_path):
    file = tmp_path / "maria.json"
    _export(store, rich.id, file)

    def lower_pain(document):
        version = document["records"]["session_versions"][0]
        snapshot = json.loads(version["snapshot"])
        snapshot["session"]["pain_after"] = 0
        version["snapshot"] = json.dumps(snapshot)

    _edit(file, lower_pain)
    with Store.open(tmp_path / "other.db") as target:
        with pytest.raises(TransferRefused, match="changed after it was written"):
            target.transfer.import_patient(file.read_bytes(), file.name)
        # Even with its checksum made anew, the snapshot no longer says what was signed.
        from tpchart.store.records.transfer import _digest

        _edit(file, lambda d: d.update(digest=_digest(d)))
        with pytest.raises(TransferRefused, match="does not match what was signed"):
            target.transfer.import_patient(file.read_bytes(), file.name)
        assert target.patients.count(include_archived=True) == 0


@pytest.mark.parametrize("version", [FORMAT_VERSION - 1, FORMAT_VERSION + 1])
def test_another_format_version_gets_a_plain_message(store, rich, tmp_path, version):
    file = tmp_path / "maria.json.gz"
    _export(store, rich.id, file)
    document = json.loads(gzip.decompress(file.read_bytes()))
    document["format_version"] = version
    refused_as = pytest.raises(TransferRefused, match=f"format version {version}")
    with Store.open(tmp_path / "other.db") as target, refused_as as refused:
        target.transfer.import_patient(json.dumps(document).encode(), file.name)
    advice = "Update tpchart" if version > FORMAT_VERSION else "Export the patient again"
    assert advice in str(refused.value)


def test_every_patient_table_of_the_schema_is_carried_or_rebuilt(store):
    """Fails when a migration adds a table that refers to a patient's records and
    transfer does not say what to do with it: carry it (CARRIED), rebuild it (DERIVED)
    or, knowingly and only for a while, refuse patients who have rows in it."""
    conn = store._ctx.db.conn
    assert set(unhandled_tables(conn)) <= set(NOT_CARRIED_YET)
    assert {"sessions", "trigger_points", "session_versions", "amendments"} <= set(
        patient_tables(conn)
    )
    assert set(CARRIED) | set(DERIVED) <= set(patient_tables(conn))


@pytest.mark.file_only  # the app role cannot create a table on the server
def test_a_new_patient_table_makes_the_transfer_refuse_loudly(store, rich, tmp_path):
    store._ctx.db.execute(
        "CREATE TABLE session_photos (id INTEGER PRIMARY KEY,"
        " session_id INTEGER NOT NULL REFERENCES sessions (id))"
    )
    assert "session_photos" in unhandled_tables(store._ctx.db.conn)
    file = tmp_path / "maria.json"
    with pytest.raises(TransferRefused, match="session_photos"):
        _export(store, rich.id, file)
    assert not file.exists()


def test_a_file_from_a_newer_schema_is_refused_plainly(store, rich, tmp_path):
    from tpchart.store.records.transfer import _digest

    file = tmp_path / "maria.json"
    _export(store, rich.id, file)
    _edit(file, lambda d: d["source"].update(schema=99))
    _edit(file, lambda d: d.update(digest=_digest(d)))
    refused_as = pytest.raises(TransferRefused, match="written by a newer tpchart")
    with Store.open(tmp_path / "other.db") as target, refused_as:
        target.transfer.import_patient(file.read_bytes(), file.name)


def test_a_file_from_an_older_schema_gets_what_its_migrations_would_give(store, rich, tmp_path):
    """A file written before schema 5 has no stimulation settings or internal-notes
    columns: its rows arrive with the values migration 5 gives such rows."""
    from tpchart.store.records.added_columns import SINCE_5
    from tpchart.store.records.transfer import _digest

    file = tmp_path / "maria.json"
    _export(store, rich.id, file)

    def as_schema_4(document):
        document["source"]["schema"] = 4
        for table, columns in SINCE_5.items():
            for row in document["records"][table]:
                for column in columns:
                    row.pop(column)
        for version in document["records"]["session_versions"]:
            snapshot = json.loads(version["snapshot"])
            for column in SINCE_5["sessions"]:
                snapshot["session"].pop(column)
            for point in snapshot["points"]:
                for column in SINCE_5["trigger_points"]:
                    point.pop(column)
            version["snapshot"] = json.dumps(snapshot)
        # Its history was written then too; entries cannot be rewritten (their hashes).
        document["history"] = []
        document["digest"] = _digest(document)

    _edit(file, as_schema_4)
    target_path = tmp_path / "other.db"
    with Store.open(target_path) as target:
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        sessions = target.sessions.for_patient(got.patient_id)
        assert [s.consent_text_version for s in sessions] == [""] * 4
        points = [p for s in sessions for p in target.points.for_session(s.id)]
        assert points and all(p.stim_frequency_hz is None and not p.notes_internal for p in points)
    assert check_file(target_path, audit=True).ok


def test_practitioners_are_matched_by_name_and_registration(store, rich, tmp_path):
    file = tmp_path / "maria.json"
    _export(store, rich.id, file)
    with Store.open(tmp_path / "other.db") as target:
        here = target.practitioners.add(Practitioner(name="dr ana  souza", registration="crm 1234"))
        target.practitioner_id = here.id
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        everyone = target.practitioners.all(include_inactive=True)
        assert sorted(p.name for p in everyone) == ["Dr Bruno Lima", "dr ana  souza"]
        first = target.sessions.for_patient(got.patient_id)[0]
        assert first.practitioner_id == here.id and first.signed_by == here.id


def test_a_consistent_looking_file_with_a_broken_row_writes_nothing(store, rich, tmp_path):
    from tpchart.store.records.transfer import _digest

    file = tmp_path / "maria.json"
    _export(store, rich.id, file)

    def break_a_point(document):
        document["records"]["trigger_points"][-1]["pain"] = 99  # beyond the 0-10 scale
        del document["records"]["amendments"][0]["reason"]
        document["digest"] = _digest(document)

    _edit(file, break_a_point)
    target_path = tmp_path / "other.db"
    with Store.open(target_path) as target:
        trail = len(target.audit_trail())
        with pytest.raises(TransferRefused, match="not consistent"):
            target.transfer.import_patient(file.read_bytes(), file.name)
        assert target.patients.count(include_archived=True) == 0
        assert target.practitioners.all(include_inactive=True) == []
        assert len(target.audit_trail()) == trail
    assert check_file(target_path, audit=True).ok


# -- digital signatures through a transfer (issues 18 + 20) ------------------------------
ANA_PASS = "the tide comes in at noon"
BRUNO_PASS = "bruno walks the long road home"
CHEN_PASS = "chen reads the morning charts"


@pytest.fixture
def private_config(tmp_path, monkeypatch):
    # The anchors live in the config folder: each test keeps its own.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _clinic_with_accounts(path):
    """A database whose admin is set up and signed in, as a clinic using accounts has."""
    target = Store.open(path)
    target.accounts.set_up_clinic(Practitioner(name="Dr Chen Wei"), CHEN_PASS)
    return target


@pytest.fixture
def signed_clinic(private_config, tmp_path):
    """Clínica Norte, which set up accounts after signing one session: a patient with
    that session (no digital signature), one signed, amended (a point changed, one
    removed) and signed again, one signed by a second practitioner, and one signed
    and being amended. Yields the store and the patient."""
    store = Store.open(tmp_path / "norte.db")
    store.clinic.save(store.clinic.load().__class__(name="Clínica Norte"))
    ana = store.practitioners.add(Practitioner(name="Dr Ana Souza", registration="CRM 1234"))
    store.practitioner_id = ana.id
    patient = store.patients.add(
        Patient(record_number="A-001", full_name="María José Fernández",
                date_of_birth=date(1980, 3, 12), sex=Sex.FEMALE)
    )  # fmt: skip
    early = _session(store, patient.id, 1)
    store.points.add(make_point(early.id, 1))
    store.sessions.sign(_signable(store, early).id)  # before accounts: no signature

    store.accounts.set_up_clinic(ana, ANA_PASS)
    bruno = store.accounts.create(
        Practitioner(name="Dr Bruno Lima", registration="CRM 77"), BRUNO_PASS
    ).practitioner_id
    amended = _session(store, patient.id, 2)
    kept = store.points.add(make_point(amended.id, 1))
    removed = store.points.add(make_point(amended.id, 2, x=300.0))
    store.sessions.sign(_signable(store, amended).id, confirm=ANA_PASS)
    store.sessions.amend(amended.id, "Depth was recorded on the wrong point", confirm=ANA_PASS)
    store.points.update(replace(kept, depth_mm=25.0, pain=4))
    store.points.delete(removed.id)
    store.sessions.sign(amended.id, confirm=ANA_PASS)

    store.sign_in(bruno, BRUNO_PASS)
    other = _session(store, patient.id, 9, complaint="Low back pain")
    store.points.add(make_point(other.id, 1, notes="Deep"))
    store.sessions.sign(_signable(store, other).id, confirm=BRUNO_PASS)

    store.sign_in(ana.id, ANA_PASS)
    reopened = _session(store, patient.id, 16)
    store.points.add(make_point(reopened.id, 1))
    store.sessions.sign(_signable(store, reopened).id, confirm=ANA_PASS)
    store.sessions.amend(reopened.id, "Pain after was 2, not 3", confirm=ANA_PASS)
    yield store, patient
    store.close()


def _notes_and_findings(path):
    report = check_file(path, audit=True)
    return report.ok, report.lines()


def test_versions_signed_before_accounts_arrive_in_a_clinic_with_accounts_without_a_false_finding(
    private_config, store, rich, tmp_path
):
    file = tmp_path / "maria.json"
    _export(store, rich.id, file)
    assert json.loads(file.read_bytes())["signatures"] == []  # none to carry
    target_path = tmp_path / "other.db"
    with _clinic_with_accounts(target_path) as target:
        target.transfer.import_patient(file.read_bytes(), file.name)
    ok, lines = _notes_and_findings(target_path)
    assert ok, lines
    assert (
        "Note: 4 signed version(s) imported from Clínica Norte have no digital signature: "
        "signed there before it had accounts" in lines
    )


def test_the_file_carries_each_signature_with_its_public_key_and_never_a_private_one(
    signed_clinic, tmp_path
):
    store, patient = signed_clinic
    file = tmp_path / "maria.json"
    sent = _export(store, patient.id, file)
    assert sent.counts["version_signatures"] == 4  # the early version has none
    assert "4 digital signatures" in sent.counts_in_words()
    document = json.loads(file.read_bytes())
    keys = store._ctx.rows("SELECT practitioner_id, public_key, wrapped_key FROM practitioner_keys")
    carried = document["signatures"]
    assert [(e["version"], e["signed"]["version"]) for e in carried] == [
        (1, 1), (2, 2), (1, 1), (1, 1),
    ]  # fmt: skip
    assert {e["public_key"] for e in carried} == {k["public_key"] for k in keys}
    text = file.read_text()
    assert all(k["wrapped_key"] not in text for k in keys) and "wrapped_key" not in text
    # Each verifies with the key it carries, over the fields and snapshot as signed.
    versions = {(v["session_id"], v["version"]): v for v in document["records"]["session_versions"]}
    for entry in carried:
        version = versions[(entry["session_id"], entry["version"])]
        digest = signatures.snapshot_digest(version["snapshot"])
        message = signatures.signed_message(
            version["session_id"], version["version"], version["signed_by"],
            version["signed_at"], digest,
        )  # fmt: skip
        assert entry["signed"]["snapshot_sha256"] == digest
        assert signatures.verify(
            bytes.fromhex(entry["public_key"]), bytes.fromhex(entry["signature"]), message
        )
        assert entry["key"] == signatures.key_fingerprint(bytes.fromhex(entry["public_key"]))


@pytest.mark.parametrize("accounts", [False, True], ids=["empty", "with accounts"])
def test_signed_versions_arrive_and_check_passes_with_the_signature_noted(
    signed_clinic, tmp_path, accounts
):
    store, patient = signed_clinic
    file = tmp_path / "maria.json.gz"
    _export(store, patient.id, file)
    target_path = tmp_path / "other.db"
    target = _clinic_with_accounts(target_path) if accounts else Store.open(target_path)
    with target:
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        sessions = target.sessions.for_patient(got.patient_id)
        assert [s.status for s in sessions] == [
            SessionStatus.SIGNED, SessionStatus.SIGNED, SessionStatus.SIGNED,
            SessionStatus.AMENDING,
        ]  # fmt: skip
        entry = next(e for e in target.audit_trail("patients", got.patient_id)
                     if e.action == "transfer in")  # fmt: skip
    # The evidence kept: per version the signature, the key's fingerprint, the
    # snapshot's hash as signed; the early version has no signature to keep.
    kept = entry.after["signatures"]
    assert len(kept) == 5 and sum(e["signature"] is not None for e in kept) == 4
    assert all(e["session_id"] in {s.id for s in sessions} for e in kept)
    assert {e["key"] for e in kept if e["key"]} == {
        signatures.key_fingerprint(bytes.fromhex(k))
        for (k,) in store._ctx.db.execute("SELECT public_key FROM practitioner_keys")
    }
    # The database's own tables gain no foreign key or signature.
    assert _count(target_path, "version_signatures") == 0
    assert _count(target_path, "practitioner_keys") == (1 if accounts else 0)
    ok, lines = _notes_and_findings(target_path)
    assert ok, lines
    assert (
        "Note: 4 signed version(s) imported from Clínica Norte: signature verified at import"
        in lines
    )
    assert (
        "Note: 1 signed version(s) imported from Clínica Norte have no digital signature: "
        "signed there before it had accounts" in lines
    )
    assert check_file(store.path, audit=True).ok


def _count(path, table):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    finally:
        conn.close()


def _imported(signed_clinic, tmp_path):
    """The signed clinic's patient imported into a database with accounts; returns its
    path and the imported versions (session id, version) by signed state."""
    store, patient = signed_clinic
    file = tmp_path / "maria.json"
    _export(store, patient.id, file)
    target_path = tmp_path / "other.db"
    with _clinic_with_accounts(target_path) as target:
        got = target.transfer.import_patient(file.read_bytes(), file.name)
        versions = [
            (s.id, v.version)
            for s in target.sessions.for_patient(got.patient_id)
            for v in target.sessions.signed_versions(s.id)
        ]
    return target_path, versions


def _edit_stored_snapshot(path, session_id, version, change):
    """What someone with the file and sqlite3 does: lift the guard, edit, put it back."""
    conn = sqlite3.connect(path, isolation_level=None)
    (trigger,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'session_versions_no_update'"
    ).fetchone()
    conn.execute("DROP TRIGGER session_versions_no_update")
    (text,) = conn.execute(
        "SELECT snapshot FROM session_versions WHERE session_id = ? AND version = ?",
        [session_id, version],
    ).fetchone()
    snapshot = json.loads(text)
    change(snapshot)
    conn.execute(
        "UPDATE session_versions SET snapshot = ? WHERE session_id = ? AND version = ?",
        [json.dumps(snapshot, ensure_ascii=False, sort_keys=True), session_id, version],
    )
    conn.execute(trigger)
    conn.close()


def test_an_imported_snapshot_edited_afterwards_is_named_by_check(signed_clinic, tmp_path):
    target_path, versions = _imported(signed_clinic, tmp_path)
    session_id, version = versions[1]  # the amended session's first signed version
    _edit_stored_snapshot(
        target_path, session_id, version, lambda s: s["session"].update(pain_after=0)
    )
    report = check_file(target_path, audit=True)
    assert not report.ok
    assert (
        f"session {session_id} version {version}: the signed snapshot was changed after it "
        "was imported from Clínica Norte" in report.audit
    )
    # Only that one: the other imported versions still verify.
    assert [f for f in report.audit if "imported" in f] == [
        f"session {session_id} version {version}: the signed snapshot was changed after it "
        "was imported from Clínica Norte"
    ]


def test_an_edited_version_without_a_signature_at_the_source_is_named_too(signed_clinic, tmp_path):
    target_path, versions = _imported(signed_clinic, tmp_path)
    session_id, version = versions[0]  # signed at Clínica Norte before it had accounts
    _edit_stored_snapshot(
        target_path, session_id, version, lambda s: s["points"][0].update(depth_mm=5.0)
    )
    assert (
        f"session {session_id} version {version}: the signed snapshot was changed after it "
        "was imported from Clínica Norte" in check_file(target_path, audit=True).audit
    )


def test_a_version_signed_here_after_an_import_still_needs_its_own_signature(
    signed_clinic, tmp_path
):
    """The import's evidence speaks only for the versions it brought: one signed here
    later (the session being amended, signed again) is checked against its own."""
    target_path, _versions = _imported(signed_clinic, tmp_path)
    with Store.open(target_path) as target:
        target.sign_in(1, CHEN_PASS)
        patient = target.patients.find("fernandez")[0]
        reopened = target.sessions.for_patient(patient.id)[-1]
        target.sessions.sign(reopened.id, confirm=CHEN_PASS)
    assert check_file(target_path, audit=True).ok
    conn = sqlite3.connect(target_path, isolation_level=None)
    conn.execute("DROP TRIGGER version_signatures_no_delete")
    conn.execute("DELETE FROM version_signatures")
    conn.close()
    assert (
        f"session {reopened.id} version 2 has no digital signature, though it was signed "
        "after accounts were set up" in check_file(target_path, audit=True).audit
    )


def _refused_writes_nothing(file, tmp_path, match):
    target_path = tmp_path / "receiving.db"
    with Store.open(target_path) as target:
        trail = len(target.audit_trail())
        with pytest.raises(TransferRefused, match=match) as refused:
            target.transfer.import_patient(file.read_bytes(), file.name)
        assert target.patients.count(include_archived=True) == 0
        assert len(target.audit_trail()) == trail
    assert "\n" not in str(refused.value)


def test_a_transfer_file_with_a_tampered_signature_is_refused(signed_clinic, tmp_path):
    from tpchart.store.records.transfer import _digest

    store, patient = signed_clinic
    file = tmp_path / "maria.json"
    _export(store, patient.id, file)

    def flip_a_bit(document):
        entry = document["signatures"][0]
        entry["signature"] = f"{int(entry['signature'][0], 16) ^ 1:x}" + entry["signature"][1:]
        document["digest"] = _digest(document)

    _edit(file, flip_a_bit)
    _refused_writes_nothing(
        file, tmp_path, "digital signature of signed version 1 of the session of 02 Oct 2026"
    )


def test_a_transfer_file_with_a_tampered_snapshot_is_refused_by_its_signature(
    signed_clinic, tmp_path
):
    """The amended session's first version is no longer the session's current state,
    so without the sender's history nothing else holds it: its signature does."""
    from tpchart.store.records.transfer import _digest

    store, patient = signed_clinic
    file = tmp_path / "maria.json"
    _export(store, patient.id, file)

    def lower_pain(document):
        version = next(
            v for v in document["records"]["session_versions"]
            if v["version"] == 1 and len(json.loads(v["snapshot"])["points"]) == 2
        )  # fmt: skip
        snapshot = json.loads(version["snapshot"])
        snapshot["session"]["pain_after"] = 0
        version["snapshot"] = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
        document["history"] = []
        document["digest"] = _digest(document)

    _edit(file, lower_pain)
    _refused_writes_nothing(file, tmp_path, "does not verify, so the file was changed")


def test_a_signature_moved_to_another_key_is_refused(signed_clinic, tmp_path):
    """A forger re-signs an edited snapshot with a key of their own: the signature
    verifies with that key, which is not the signer's (the file names who owns it)."""
    from tpchart.store.records.transfer import _digest

    store, patient = signed_clinic
    file = tmp_path / "maria.json"
    _export(store, patient.id, file)

    def re_sign(document):
        entry = document["signatures"][0]
        private, public = signatures.new_key_pair()
        signed = entry["signed"]
        message = signatures.signed_message(
            *(signed[k] for k in ("session_id", "version", "signed_by", "signed_at")),
            signed["snapshot_sha256"],
        )
        entry.update(public_key=public.hex(), signature=signatures.sign(private, message).hex(),
                     key_owner=signed["signed_by"] + 1)  # fmt: skip
        document["digest"] = _digest(document)

    _edit(file, re_sign)
    _refused_writes_nothing(file, tmp_path, "does not verify")


def test_signatures_travel_on_through_a_second_transfer(signed_clinic, tmp_path):
    """Norte -> Sul -> Leste: Sul has no signature rows of its own for the versions;
    what its import kept travels on, and Leste verifies the signatures as made."""
    store, patient = signed_clinic
    first, second = tmp_path / "to-sul.json", tmp_path / "to-leste.json"
    _export(store, patient.id, first)
    with Store.open(tmp_path / "sul.db") as sul:
        sul.practitioner_id = sul.practitioners.add(Practitioner(name="Dr Sul")).id
        sul.clinic.save(sul.clinic.load().__class__(name="Clínica Sul"))
        got = sul.transfer.import_patient(first.read_bytes(), first.name)
        _export(sul, got.patient_id, second)
    assert len(json.loads(second.read_bytes())["signatures"]) == 4
    leste_path = tmp_path / "leste.db"
    with _clinic_with_accounts(leste_path) as leste:
        leste.transfer.import_patient(second.read_bytes(), second.name)
    ok, lines = _notes_and_findings(leste_path)
    assert ok, lines
    assert (
        "Note: 4 signed version(s) imported from Clínica Sul: signature verified at import" in lines
    )
