"""Backing up a clinic server and restoring it into an empty database, on a real server:
every row comes back as it was, the file is verified and private, refusals change
nothing, and a cancel or a killed process never leaves a half-restored database."""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tpchart.store.records.audit import GENESIS, link_hash
from tpchart.store.server import migrate, schema_version
from tpchart.store.server.backup import (
    BackupDamaged,
    BackupRefused,
    OperationCancelled,
    RestoreRefused,
    backup_server,
    restore_server,
    verify_backup,
)
from tpchart.store.server.schema import SCHEMA_VERSION, migrations

# Rows made in bulk beside the hand-made chart: enough for several chunks per table.
BULK_PATIENTS = 1500


def _one(conn: psycopg.Connection[Any], query: str, params: list[Any] | None = None) -> Any:
    row = conn.execute(query, params or []).fetchone()
    assert row is not None
    return row[0]


def _hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


class Chain:
    """Appends audit rows the way the store does: each hashed over its content and the
    previous row's hash, each following the newest row."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        head = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        self.id, self.hash = (0, GENESIS) if head is None else (head[0], head[1])

    def rows(self, entries: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """(practitioner, action, table, row_id, after) -> full chained audit rows."""
        out = []
        for practitioner, action, table, row_id, after in entries:
            self.id += 1
            content = {
                "id": self.id,
                "at": f"2026-03-0{1 + self.id % 9}T10:{self.id % 60:02d}:00.{self.id:06d}+00:00",
                "practitioner_id": practitioner,
                "action": action,
                "table_name": table,
                "row_id": row_id,
                "before": None,
                "after": None if after is None else json.dumps(after, ensure_ascii=False),
                "reason": "" if action != "amend" else "pain score typed wrong",
            }
            previous, self.hash = self.hash, link_hash(self.hash, content)
            out.append((*content.values(), previous, self.hash))
        return out

    def add(self, conn: psycopg.Connection[Any], *entries: tuple[Any, ...]) -> None:
        with conn.cursor().copy(
            "COPY audit_log (id, at, practitioner_id, action, table_name, row_id, before,"
            " after, reason, prev_hash, hash) FROM STDIN"
        ) as copy:
            for row in self.rows(list(entries)):
                copy.write_row(row)


def fill(app: psycopg.Connection[Any], bulk: int = BULK_PATIENTS) -> None:
    """A clinic's worth of rows, written as a workstation would (the app role, guards
    on): two practitioners with accounts and keys, patients with awkward text, a signed
    session whose key was retired afterwards, an amended and re-signed one, a draft,
    later adverse events, settings, a chained audit trail, and ``bulk`` more patients."""
    with app.transaction():
        ana = _one(
            app,
            "INSERT INTO practitioners (name, registration, active, created_at)"
            " VALUES ('Dr Ana Souza', 'CRM-12345', true, '2026-01-05 09:00:00.123456+02')"
            " RETURNING id",
        )
        ben = _one(
            app,
            "INSERT INTO practitioners (name, active, created_at)"
            " VALUES ('Dr Ben O''Neil', false, '2026-01-06 08:00:00+00') RETURNING id",
        )
        app.execute(
            "INSERT INTO accounts (practitioner_id, role, passphrase_hash, pin_hash, active,"
            " created_at, updated_at) VALUES"
            " (%s, 'admin', 'scrypt$16384$8$1$c2FsdA==$aGFzaA==', 'scrypt$1$pin', true,"
            " now(), now()),"
            " (%s, 'practitioner', 'scrypt$16384$8$1$b3RoZXI=$aA==', NULL, false, now(), now())",
            [ana, ben],
        )
        keys = {
            who: _one(
                app,
                "INSERT INTO practitioner_keys (practitioner_id, public_key, wrapped_key,"
                " created_at) VALUES (%s, %s, %s, now()) RETURNING id",
                [owner, _hex(who), "ab12cd34"],
            )
            for who, owner in (("ana-old", ana), ("ana-new", ana), ("ben", ben))
        }
        patients = []
        for record, name, born, sex, history, phone, build in (
            ("MRN-1", "Chen Mei", "1900-01-01", "female",
             'Asthma, "mild"\nsecond line\n\\.\nthird, with a comma', "\\.", None),
            ("MRN-2", "Ō Ichirō", "2000-02-29", "male", "", "", "slim"),
            ("mrn-3", "Zoë Ñúñez", "1985-12-31", "other", "\\N is not null", "+55 11 9", "large"),
        ):  # fmt: skip
            patients.append(
                _one(
                    app,
                    "INSERT INTO patients (record_number, full_name, date_of_birth, sex,"
                    " phone, medical_history, precautions, precaution_sites, build, archived,"
                    " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
                    " %s, '2026-02-01 12:00:00.5+00', clock_timestamp()) RETURNING id",
                    [
                        record,
                        name,
                        born,
                        sex,
                        phone,
                        history,
                        '["anticoagulants", "pacemaker"]',
                        '[{"region": "neck", "note": "ação"}]',
                        build,
                        record == "MRN-2",
                    ],
                )
            )
            for word in name.lower().split():
                app.execute(
                    "INSERT INTO patient_name_words (word, patient_id) VALUES (%s, %s)",
                    [word, patients[-1]],
                )

        def session(patient: int, who: int, notes: str) -> int:
            return _one(
                app,
                "INSERT INTO sessions (patient_id, practitioner_id, started_at, chief_complaint,"
                " likely_cause, pain_before, pain_after, consent_given, consent_by, consent_at,"
                " contraindications, notes, ndi, psfs, created_at, updated_at,"
                " complaint_areas, consent_text_version)"
                " VALUES (%s, %s, '2026-03-01 09:30:00+01', 'neck pain', 'postural_strain', 7,"
                " 3, true, 'patient', now(), '[\"none\"]', %s, %s, 10, now(), now(),"
                " '[\"neck\", \"upper back\"]', 'v2026-01')"
                " RETURNING id",
                [patient, who, notes, 0.1 + 0.2],
            )

        def point(session_id: int, number: int, **extra: Any) -> None:
            app.execute(
                "INSERT INTO trigger_points (session_id, number, view, region_id, side, x, y,"
                " muscle, muscle_id, kind, twitch_elicited, twitch_count, pain, depth_mm,"
                " needle_gauge_mm, technique, notes, lung_precautions)"
                " VALUES (%s, %s, 'back', 'upper_trapezius', 'left', %s, 180.125,"
                " 'Upper trapezius', 'upper_trapezius', 'active', true, 3, 6, 12.5, 0.25,"
                " 'pistoning', %s, '[]')",
                [session_id, number, 250 + number / 3, extra.get("notes", "")],
            )

        def sign(session_id: int, who: int, version: int, key: int) -> None:
            app.execute(
                "UPDATE sessions SET status = 'signed', signed_by = %s,"
                " signed_at = '2026-03-01 10:00:00+00' WHERE id = %s",
                [who, session_id],
            )
            app.execute(
                "INSERT INTO session_versions (session_id, version, signed_by, signed_at,"
                " snapshot) VALUES (%s, %s, %s, '2026-03-01 10:00:00+00', %s)",
                [session_id, version, who, json.dumps({"notes": "as signed", "v": version})],
            )
            app.execute(
                "INSERT INTO version_signatures (session_id, version, key_id, snapshot_sha256,"
                " signature) VALUES (%s, %s, %s, %s, %s)",
                [session_id, version, key, _hex(f"snap{session_id}{version}"),
                 _hex("r") + _hex(f"s{session_id}{version}")],
            )  # fmt: skip

        signed = session(patients[0], ana, 'Dry needled "gently", twice;\nrecheck')
        point(signed, 1, notes="local twitch, then relief")
        point(signed, 2)
        sign(signed, ana, 1, keys["ana-old"])
        # Retired after signing: its signature stays valid, but the guard would refuse
        # a signature by it as a new row (a restore must still bring it back).
        app.execute(
            "UPDATE practitioner_keys SET retired_at = now(), wrapped_key = '' WHERE id = %s",
            [keys["ana-old"]],
        )
        amended = session(patients[1], ben, "")
        point(amended, 1)
        sign(amended, ben, 1, keys["ben"])
        app.execute(
            "INSERT INTO amendments (session_id, from_version, reason, practitioner_id, at)"
            " VALUES (%s, 1, 'pain score typed wrong', %s, now())",
            [amended, ben],
        )
        app.execute(
            "UPDATE sessions SET status = 'amending', version = 2, signed_by = NULL,"
            " signed_at = NULL WHERE id = %s",
            [amended],
        )
        app.execute("UPDATE sessions SET pain_before = 6 WHERE id = %s", [amended])
        sign(amended, ben, 2, keys["ben"])
        draft = session(patients[2], ana, "")
        point(draft, 1, notes="")
        app.execute(
            "INSERT INTO adverse_events_later (session_id, kind, description, severity, onset,"
            " resolved, recorded_at, recorded_by) VALUES"
            " (%s, 'bruising', 'small bruise', 'mild', 'after', NULL, now(), %s),"
            " (%s, 'vasovagal', 'felt faint', 'significant', 'during', true, now(), %s)",
            [signed, ana, amended, ben],
        )
        app.execute(
            "INSERT INTO settings (key, value) VALUES ('clinic.name', 'Clínica Dor & Movimento'),"
            " ('clinic.address', E'Rua A, 1\\n2º andar'), ('clinic.empty', ''),"
            " ('clinic.marker', E'\\\\.')"
        )
        Chain(app).add(
            app,
            (ana, "insert", "practitioners", ana, {"name": "Dr Ana Souza"}),
            (ana, "insert", "patients", patients[0], {"full_name": "Chen Mei"}),
            (ana, "sign", "sessions", signed, {"status": "signed"}),
            (ben, "amend", "sessions", amended, {"version": 2}),
            (None, "migrate", "schema", None, None),
        )
    with app.transaction():
        bulk_patients(app, bulk, ana)


def bulk_patients(app: psycopg.Connection[Any], count: int, practitioner: int) -> None:
    """``count`` patients, their name words and one audit row each (ids from the server)."""
    first = _one(app, "SELECT count(*) + 1 FROM patients WHERE record_number LIKE 'B-%%'")
    ids = [
        row[0]
        for row in app.execute(
            "INSERT INTO patients (record_number, full_name, date_of_birth, sex, created_at,"
            " updated_at) SELECT 'B-' || i, 'Bulk Patient ' || i,"
            " date '1950-01-01' + mod(i, 20000)::integer,"
            " 'unknown', now(), now() FROM generate_series(%s::bigint, %s::bigint) AS i"
            " RETURNING id",
            [first, first + count - 1],
        )
    ]
    with app.cursor().copy("COPY patient_name_words (word, patient_id) FROM STDIN") as copy:
        for i in ids:
            copy.write_row((f"bulk{i}", i))
    Chain(app).add(
        app,
        *[(practitioner, "insert", "patients", i, {"full_name": f"Patient {i}"}) for i in ids],
    )


def tables(conn: psycopg.Connection[Any]) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'tpchart'::regnamespace"
            " AND relkind = 'r' AND relname <> 'schema_migrations' ORDER BY relname"
        )
    ]


def everything(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every clinic table, all columns, in key order."""
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables(conn)}


def record_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    return {t: _one(conn, f"SELECT count(*) FROM {t}") for t in tables(conn)}


def guards(conn: psycopg.Connection[Any]) -> list[str]:
    """The state of every user trigger on the clinic's tables ('O': enabled)."""
    return [
        state
        for (state,) in conn.execute(
            "SELECT t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = 'tpchart'::regnamespace AND NOT t.tgisinternal"
        )
    ]


def assert_all_guards_enabled(conn: psycopg.Connection[Any]) -> None:
    shipped = sum(m.sql.count("CREATE TRIGGER") for m in migrations())
    states = guards(conn)
    assert len(states) == shipped > 20
    assert set(states) == {"O"}


def private_folder(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    os.chmod(path, 0o700)
    return path


@pytest.fixture(scope="module")
def source(migrated_clinic):
    """The module's clinic, full of records (this module is its only user)."""
    with migrated_clinic.as_app() as app:
        fill(app)
    return migrated_clinic


@pytest.fixture(scope="module")
def backup_file(source, tmp_path_factory) -> tuple[Path, list[tuple[int, int]]]:
    """One backup of the source, taken as the app role, and its progress reports."""
    folder = private_folder(tmp_path_factory.mktemp("backups"))
    calls: list[tuple[int, int]] = []
    with source.as_app() as app:
        summary = backup_server(
            app, folder / "clinic.tpchart-server.zip", progress=lambda d, t: calls.append((d, t))
        )
    assert summary.path.exists()
    return summary.path, calls


def assert_progress(calls: list[tuple[int, int]], total: int) -> None:
    done = [d for d, _ in calls]
    assert len(calls) > 10
    assert {t for _, t in calls} == {total}
    assert done == sorted(done), "progress went backwards"
    assert done[0] == 0 and done[-1] == total


# --- backing up and restoring ---------------------------------------------------------


def test_a_restore_gives_back_every_row_and_the_same_backup(
    source, backup_file, empty_clinic, tmp_path
):
    path, _ = backup_file
    calls: list[tuple[int, int]] = []
    with empty_clinic.as_owner() as owner:
        summary = restore_server(
            path, owner, app_role=empty_clinic.roles.app, progress=lambda d, t: calls.append((d, t))
        )
    assert summary.manifest.counts()["patients"] == BULK_PATIENTS + 3
    assert summary.guards_enabled == sum(m.sql.count("CREATE TRIGGER") for m in migrations())
    with source.as_owner() as original, empty_clinic.as_owner() as restored:
        before, after = everything(original), everything(restored)
        assert set(after) == set(before)
        for table in before:
            assert after[table] == before[table], table
        # The database keeps its identity (the anchor and the audit name it).
        assert after["database_identity"] == before["database_identity"]
        assert_all_guards_enabled(restored)
        assert schema_version(restored) == SCHEMA_VERSION
    assert_progress(calls, 3 * summary.manifest.rows)
    with empty_clinic.as_app() as app:
        # Backing up the restored server gives the very same tables, byte for byte.
        again = backup_server(app, private_folder(tmp_path / "again") / "again.zip")
        # A workstation of the restored server charts on: guards on, ids after the old ones.
        new_id = _one(
            app,
            "INSERT INTO practitioners (name, created_at) VALUES ('Dr New', now()) RETURNING id",
        )
        assert new_id == max(r[0] for r in before["practitioners"]) + 1
        signed = _one(app, "SELECT id FROM sessions WHERE status = 'signed' ORDER BY id LIMIT 1")
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="amend it"):
            app.execute("UPDATE sessions SET notes = 'rewritten' WHERE id = %s", [signed])
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="chained"):
            app.execute(
                "INSERT INTO audit_log (at, action, table_name, prev_hash, hash)"
                " VALUES (now(), 'x', 'y', %s, %s)",
                [GENESIS, GENESIS],
            )
    original_manifest = verify_backup(path)
    assert again.manifest.tables == original_manifest.tables
    assert again.manifest.database_id == original_manifest.database_id


def test_the_backup_is_private_verified_and_readable_by_a_person(source, backup_file):
    path, calls = backup_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    manifest = verify_backup(path)
    assert_progress(calls, 2 * manifest.rows)
    with source.as_app() as app:
        assert manifest.counts() == record_counts(app)
        assert manifest.database_id == _one(app, "SELECT database_id FROM database_identity")
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("manifest.json"))
        assert document["schema_version"] == SCHEMA_VERSION
        assert document["migrations"] == [m.name for m in migrations()]
        assert {t["name"] for t in document["tables"]} == set(manifest.counts())
        patients = archive.read("tables/patients.csv").decode()
        assert patients.startswith("id,record_number,full_name,")
        assert "Zoë Ñúñez" in patients and "Bulk Patient 1500" in patients
        # Unzipped by hand, the tables stay private too.
        assert {stat.S_IMODE(i.external_attr >> 16) for i in archive.infolist()} == {0o600}


def test_the_backup_checks_the_audit_trail_chain(backup_file, tmp_path):
    """An edit that keeps the manifest's hashes consistent still breaks the chain."""
    path, _ = backup_file

    def drop_second_audit_row(name: str, data: bytes) -> bytes:
        if name != "tables/audit_log.csv":
            return data
        lines = data.split(b"\n")
        return b"\n".join(lines[:2] + lines[3:])

    forged = rewrite(path, tmp_path / "forged.zip", drop_second_audit_row, fix_manifest=True)
    with pytest.raises(BackupDamaged, match=r"audit trail .* is broken at row 3"):
        verify_backup(forged)


# --- refusals -------------------------------------------------------------------------


def test_a_backup_never_replaces_a_file_nor_goes_where_others_can_write(source, tmp_path):
    folder = private_folder(tmp_path / "mine")
    existing = folder / "clinic.zip"
    existing.write_bytes(b"last week's backup")
    open_folder = tmp_path / "shared"
    open_folder.mkdir()
    os.chmod(open_folder, 0o777)
    with source.as_app() as app:
        with pytest.raises(BackupRefused, match="already exists: a backup never replaces"):
            backup_server(app, existing)
        with pytest.raises(BackupRefused, match="Other users of this computer can write"):
            backup_server(app, open_folder / "clinic.zip")
        with pytest.raises(BackupRefused, match="There is no folder"):
            backup_server(app, tmp_path / "missing" / "clinic.zip")
    assert existing.read_bytes() == b"last week's backup"
    assert [p.name for p in folder.iterdir()] == ["clinic.zip"]
    assert list(open_folder.iterdir()) == []


def test_a_restore_goes_only_into_an_empty_database(source, backup_file):
    path, _ = backup_file
    with source.as_owner() as owner:
        before = everything(owner)
        with pytest.raises(RestoreRefused, match="already holds records"):
            restore_server(path, owner, app_role=source.roles.app)
        assert everything(owner) == before
        assert_all_guards_enabled(owner)


def test_a_damaged_backup_changes_nothing(backup_file, empty_clinic, tmp_path):
    path, _ = backup_file
    data = bytearray(path.read_bytes())
    rng = random.Random(21)
    with zipfile.ZipFile(path) as archive:
        spans = [content_span(data, info) for info in archive.infolist()]
    with empty_clinic.as_owner() as owner:
        for round_ in range(6):  # a flipped byte in any member: a refusal, never a restore
            damaged = tmp_path / f"damaged-{round_}.zip"
            copy = bytearray(data)
            start, end = spans[rng.randrange(len(spans))]
            copy[rng.randrange(start, end)] ^= 0x20
            damaged.write_bytes(bytes(copy))
            with pytest.raises((BackupDamaged, RestoreRefused)):
                restore_server(damaged, owner, app_role=empty_clinic.roles.app)
        # One value altered, the zip rebuilt with valid checksums: the manifest's hash.
        altered = rewrite(
            path,
            tmp_path / "altered.zip",
            lambda name, d: d.replace(b"Chen Mei", b"Chen Wei") if "patients" in name else d,
        )
        with pytest.raises(BackupDamaged, match=r"patients .* does not match its manifest"):
            restore_server(altered, owner, app_role=empty_clinic.roles.app)
        # Nothing was written, not even the schema.
        assert schema_version(owner) == 0
        assert tables(owner) == []


def test_a_backup_from_a_newer_schema_is_refused(backup_file, empty_clinic, tmp_path):
    path, _ = backup_file

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        document = json.loads(data)
        document["schema_version"] = SCHEMA_VERSION + 1
        document["migrations"].append("from_the_future")
        return json.dumps(document).encode()

    future = rewrite(path, tmp_path / "future.zip", newer)
    with empty_clinic.as_owner() as owner:
        with pytest.raises(RestoreRefused, match=r"newer tpchart .* update tpchart"):
            restore_server(future, owner, app_role=empty_clinic.roles.app)
        assert tables(owner) == []


# --- side by side, cancels and kills --------------------------------------------------


def test_a_backup_is_one_moment_while_colleagues_keep_charting(empty_clinic, tmp_path):
    with empty_clinic.as_owner() as owner:
        migrate(owner, app_role=empty_clinic.roles.app)
    with empty_clinic.as_app() as app:
        ana = _one(
            app, "INSERT INTO practitioners (name, created_at) VALUES ('Ana', now()) RETURNING id"
        )
    committed, stop = [0], threading.Event()

    def colleague() -> None:
        # Each of their actions writes a patient, a name word and an audit row at once.
        with empty_clinic.as_app() as conn:
            while not stop.is_set():
                with conn.transaction():
                    bulk_patients(conn, 1, ana)
                committed[0] += 1

    def wait_for_colleague(done: int, total: int) -> None:
        target = committed[0] + 3
        deadline = time.monotonic() + 10
        while committed[0] < target and time.monotonic() < deadline:
            time.sleep(0.005)

    writer = threading.Thread(target=colleague)
    writer.start()
    try:
        while committed[0] < 5:
            time.sleep(0.01)
        with empty_clinic.as_app() as app:
            summary = backup_server(
                app, private_folder(tmp_path / "b") / "b.zip", progress=wait_for_colleague
            )
    finally:
        stop.set()
        writer.join()
    counts = summary.manifest.counts()
    # Tables read at different moments would disagree; one snapshot keeps them in step.
    # The audit trail also holds the identity's entry, written by the first migration.
    assert counts["patients"] == counts["patient_name_words"] == counts["audit_log"] - 1
    assert 5 <= counts["patients"] < committed[0]


def test_a_cancelled_backup_leaves_no_file(source, tmp_path):
    folder = private_folder(tmp_path / "b")
    for cancel_at in (3, 12, 40):  # while reading, and while verifying the file

        def cancelled(at: int = cancel_at, calls: list[int] = [0]) -> bool:  # noqa: B006
            calls[0] += 1  # a fresh list per round: the default is made with the function
            return calls[0] >= at

        with source.as_app() as app:
            with pytest.raises(OperationCancelled, match=r"no file was written|check was"):
                backup_server(app, folder / "clinic.zip", cancelled=cancelled)
            # The connection is still usable: the COPY was cancelled, the snapshot closed.
            assert app.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert _one(app, "SELECT count(*) FROM practitioners") == 2
        assert list(folder.iterdir()) == []


def test_a_cancelled_restore_leaves_the_database_empty_and_restorable(backup_file, empty_clinic):
    path, _ = backup_file
    rows = verify_backup(path).rows
    seen = [0]

    def progress(done: int, total: int) -> None:
        seen[0] = done

    with empty_clinic.as_owner() as owner:
        with pytest.raises(OperationCancelled, match="nothing was restored"):
            restore_server(
                path,
                owner,
                app_role=empty_clinic.roles.app,
                progress=progress,
                cancelled=lambda: seen[0] > rows + rows // 2,  # halfway through writing
            )
        assert _only_identity(owner)
        assert_all_guards_enabled(owner)
        restore_server(path, owner, app_role=empty_clinic.roles.app)
        assert record_counts(owner) == verify_backup(path).counts()


def test_a_half_migrated_empty_database_takes_the_restore(backup_file, empty_clinic):
    """What a kill during the restore's migrations leaves (each migration commits whole)."""
    path, _ = backup_file
    with (
        empty_clinic.as_app() as app,
        pytest.raises(RestoreRefused, match="needs the database owner"),
    ):
        restore_server(path, app, app_role=empty_clinic.roles.app)
    with empty_clinic.as_owner() as owner:
        assert tables(owner) == []
        migrate(owner, app_role=empty_clinic.roles.app, target=1)
        restore_server(path, owner, app_role=empty_clinic.roles.app)
        assert record_counts(owner) == verify_backup(path).counts()
        assert_all_guards_enabled(owner)


def _only_identity(conn: psycopg.Connection[Any]) -> bool:
    """No records: every table empty but the identity row the first migration wrote
    and the audit entry recording it."""
    counts = record_counts(conn)
    identity = counts.pop("database_identity") == 1 and counts.pop("audit_log") == 1
    return identity and set(counts.values()) == {0}


_CHILD = """
import os, sys
from tpchart.store.server import connect
from tpchart.store.server.backup import restore_server
with connect(os.environ["RESTORE_DSN"], dbname=sys.argv[2], user=sys.argv[3],
             password=os.environ["RESTORE_PASSWORD"]) as owner:
    restore_server(sys.argv[1], owner, app_role=sys.argv[4],
                   progress=lambda done, total: print(done, total, flush=True))
print("restored", flush=True)
"""

# Where in the restore the child is killed, as a share of its progress: verifying the
# file, just after it (migrating), writing rows, re-checking them; the last at random.
_KILL_AT = (0.1, 1 / 3, 0.45, 0.6, 0.9, random.Random().random())


@pytest.mark.parametrize(
    "kill_at",
    _KILL_AT,
    ids=["verifying", "migrating", "writing", "late-writing", "checking", "random"],
)
def test_a_killed_restore_leaves_the_database_empty_or_whole(kill_at, backup_file, empty_clinic):
    path, _ = backup_file
    manifest = verify_backup(path)
    roles = empty_clinic.roles
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), roles.database, roles.owner, roles.app],
        env={**os.environ, "RESTORE_DSN": empty_clinic.server_dsn,
             "RESTORE_PASSWORD": empty_clinic.owner_password},
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "restored":
            break
        done, total = map(int, line.split())
        if done >= kill_at * total:
            child.kill()  # SIGKILL, mid-transaction: no clean-up of any kind
            break
    child.kill()
    child.wait()
    with empty_clinic.as_superuser() as su:
        # The server notices the dead client and rolls its transaction back.
        deadline = time.monotonic() + 20
        while _one(
            su,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()",
        ):
            assert time.monotonic() < deadline, "the killed restore's session lingers"
            time.sleep(0.05)
    with empty_clinic.as_owner() as owner:
        found = record_counts(owner) if tables(owner) else {}
        whole = found == manifest.counts()
        assert whole or not found or _only_identity(owner), f"half restored: {found}"
        if kill_at < 0.95:  # the kill came before the commit
            assert not whole
        if not whole:  # the empty (perhaps half-migrated) database takes the restore again
            restore_server(path, owner, app_role=roles.app)
        assert record_counts(owner) == manifest.counts()
        assert_all_guards_enabled(owner)


# --- helpers --------------------------------------------------------------------------


def content_span(data: bytes | bytearray, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Where a member's stored (compressed) bytes lie in the zip file."""
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_length = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_length + extra_length
    return start, start + info.compress_size


def rewrite(source: Path, target: Path, change, fix_manifest: bool = False) -> Path:
    """A copy of a backup zip with ``change(name, data)`` applied to each member, the
    zip's own checksums valid (and, with ``fix_manifest``, the manifest's hashes and
    counts recomputed: what someone covering their tracks would do)."""
    import hashlib

    with zipfile.ZipFile(source) as archive:
        members = {name: change(name, archive.read(name)) for name in archive.namelist()}
    if fix_manifest:
        document = json.loads(members["manifest.json"])
        for table in document["tables"]:
            data = members[table["file"]]
            if hashlib.sha256(data).hexdigest() != table["sha256"]:  # changed (one line a row)
                table["sha256"] = hashlib.sha256(data).hexdigest()
                table["rows"] = data.count(b"\n") - 1
        members["manifest.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target
