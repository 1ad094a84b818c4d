"""The database schema, only ever changed through numbered migrations.

Tables are STRICT with CHECK constraints mirroring the validation in
``tpchart.core`` (a second line of defence against other tools writing the file),
and clinical foreign keys are RESTRICT: nothing clinical is ever deleted by cascade.
``PRAGMA user_version`` counts the migrations applied, so an older app can refuse a
database written by a newer one without touching it.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tpchart.core.muscles import muscle_id_for
from tpchart.store.errors import DatabaseRefused
from tpchart.store.records import audit
from tpchart.store.records.added_columns import NECK_ONLY
from tpchart.store.records.audit import GENESIS, HASHED_COLUMNS, link_hash
from tpchart.store.records.patients import rebuild_name_index
from tpchart.store.records.rows import now, to_text

# "TPCH" as a big-endian 32-bit integer: lets `file` and other tools identify the file.
APPLICATION_ID = 0x54504348

# The schema version this app writes; bump it with every migration added below.
SCHEMA_VERSION = 6

migrations = Migrations("tpchart")


def _migration(number: int) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register a migration that also stamps ``user_version`` in its own transaction."""

    def register(step: Callable[[Database], None]) -> Callable[[Database], None]:
        def run(db: Database) -> None:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

        migrations(name=step.__name__)(run)
        return step

    return register


def _execute_script(db: Database, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would COMMIT the
    migration's transaction half-way."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                db.execute(statement)
            statement = ""


_BOOL = "INTEGER NOT NULL DEFAULT 0 CHECK ({c} IN (0, 1))"
_JSON_ARRAY = "TEXT NOT NULL DEFAULT '[]' CHECK (json_valid({c}) AND json_type({c}) = 'array')"


def _b(column: str) -> str:
    return f"{column} " + _BOOL.format(c=column)


def _j(column: str) -> str:
    return f"{column} " + _JSON_ARRAY.format(c=column)


def _signed_guard(table: str, event: str, ref: str) -> str:
    """A trigger refusing changes to points of a signed session, whatever tool writes."""
    return f"""
    CREATE TRIGGER {table}_{event.lower()}_signed BEFORE {event} ON {table}
    WHEN (SELECT status FROM sessions WHERE id = {ref}.session_id) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'session is signed: amend it instead'); END;
    """


@_migration(1)
def m001_clinical_records(db: Database) -> None:
    """Practitioners, patients, sessions, trigger points, audit trail and history."""
    _execute_script(
        db,
        f"""
    CREATE TABLE practitioners (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        registration TEXT NOT NULL DEFAULT '',
        {_b("active")},
        created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        record_number TEXT NOT NULL UNIQUE COLLATE NOCASE
            CHECK (length(trim(record_number)) > 0),
        full_name TEXT NOT NULL CHECK (length(trim(full_name)) > 0),
        date_of_birth TEXT NOT NULL CHECK (date(date_of_birth) IS date_of_birth),
        sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        medical_history TEXT NOT NULL DEFAULT '',
        {_j("precautions")},
        {_b("archived")},
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX patients_date_of_birth ON patients (date_of_birth);

    -- Casefolded words of each name, for prefix search in any script.
    CREATE TABLE patient_name_words (
        word TEXT NOT NULL,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
        PRIMARY KEY (word, patient_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX patient_name_words_patient ON patient_name_words (patient_id);

    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
        practitioner_id INTEGER NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT,
        started_at TEXT NOT NULL,
        chief_complaint TEXT NOT NULL DEFAULT '',
        likely_cause TEXT CHECK (likely_cause IN ('postural_strain', 'sports_overuse',
            'muscle_imbalance', 'repetitive_strain', 'other')),
        pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
        pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
        {_b("consent_given")},
        consent_by TEXT NOT NULL DEFAULT '',
        consent_at TEXT,
        {_b("screening_done")},
        {_j("contraindications")},
        {_j("red_flags")},
        {_b("skin_prepared")},
        {_j("adverse_events")},
        {_b("aftercare_given")},
        aftercare_text TEXT NOT NULL DEFAULT '',
        follow_up TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        ndi REAL CHECK (ndi BETWEEN 0 AND 100),
        odi REAL CHECK (odi BETWEEN 0 AND 100),
        psfs REAL CHECK (psfs BETWEEN 0 AND 10),
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed', 'amending')),
        version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
        signed_by INTEGER REFERENCES practitioners (id) ON DELETE RESTRICT,
        signed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((status = 'signed') = (signed_by IS NOT NULL AND signed_at IS NOT NULL))
    ) STRICT;
    CREATE INDEX sessions_patient ON sessions (patient_id, started_at);

    CREATE TABLE trigger_points (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE RESTRICT,
        number INTEGER NOT NULL CHECK (number >= 1),
        view TEXT NOT NULL CHECK (view IN ('front', 'back', 'head')),
        region_id TEXT NOT NULL CHECK (length(region_id) > 0),
        side TEXT NOT NULL CHECK (side IN ('left', 'right', 'midline')),
        x REAL NOT NULL CHECK (x BETWEEN 0 AND 1000),
        y REAL NOT NULL CHECK (y BETWEEN 0 AND 1000),
        muscle TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL CHECK (kind IN ('active', 'latent')),
        {_b("taut_band")},
        {_b("spot_tenderness")},
        {_b("referred_pain")},
        {_b("recognised")},
        {_b("twitch_elicited")},
        twitch_count INTEGER CHECK (twitch_count BETWEEN 0 AND 100),
        twitch_strength TEXT CHECK (twitch_strength IN ('weak', 'medium', 'strong')),
        pain INTEGER CHECK (pain BETWEEN 0 AND 10),
        pressure_threshold REAL CHECK (pressure_threshold BETWEEN 0 AND 20),
        needle_gauge_mm REAL CHECK (needle_gauge_mm BETWEEN 0.1 AND 0.5),
        needle_length_mm REAL CHECK (needle_length_mm BETWEEN 5 AND 150),
        depth_mm REAL CHECK (depth_mm BETWEEN 0 AND 150),
        technique TEXT CHECK (technique IN ('pistoning', 'static', 'electrical')),
        passes INTEGER CHECK (passes BETWEEN 0 AND 200),
        minutes INTEGER CHECK (minutes BETWEEN 0 AND 120),
        needles INTEGER NOT NULL DEFAULT 1 CHECK (needles BETWEEN 1 AND 50),
        notes TEXT NOT NULL DEFAULT '',
        UNIQUE (session_id, number)
    ) STRICT;

    -- Each signing keeps the session and its points as signed, for ever.
    CREATE TABLE session_versions (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE RESTRICT,
        version INTEGER NOT NULL CHECK (version >= 1),
        signed_by INTEGER NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT,
        signed_at TEXT NOT NULL,
        snapshot TEXT NOT NULL CHECK (json_valid(snapshot)),
        UNIQUE (session_id, version)
    ) STRICT;

    CREATE TABLE amendments (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE RESTRICT,
        from_version INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        practitioner_id INTEGER NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT,
        at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        practitioner_id INTEGER REFERENCES practitioners (id) ON DELETE RESTRICT,
        action TEXT NOT NULL CHECK (length(action) > 0),
        table_name TEXT NOT NULL,
        row_id INTEGER,
        before TEXT CHECK (before IS NULL OR json_valid(before)),
        after TEXT CHECK (after IS NULL OR json_valid(after)),
        reason TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX audit_log_row ON audit_log (table_name, row_id);

    -- Clinic profile and other small settings that travel with the records.
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    -- Signed records and the audit trail are append-only, whatever tool writes.
    CREATE TRIGGER sessions_update_signed BEFORE UPDATE ON sessions
    WHEN OLD.status = 'signed'
        AND NOT (NEW.status = 'amending' AND NEW.version = OLD.version + 1)
    BEGIN SELECT RAISE(ABORT, 'session is signed: amend it instead'); END;
    CREATE TRIGGER sessions_delete_signed BEFORE DELETE ON sessions
    WHEN OLD.status <> 'draft' OR OLD.version > 1
    BEGIN SELECT RAISE(ABORT, 'only an unsigned draft session can be deleted'); END;
    {_signed_guard("trigger_points", "INSERT", "NEW")}
    {_signed_guard("trigger_points", "UPDATE", "OLD")}
    {_signed_guard("trigger_points", "DELETE", "OLD")}
    CREATE TRIGGER session_versions_no_update BEFORE UPDATE ON session_versions
    BEGIN SELECT RAISE(ABORT, 'signed versions are permanent'); END;
    CREATE TRIGGER session_versions_no_delete BEFORE DELETE ON session_versions
    BEGIN SELECT RAISE(ABORT, 'signed versions are permanent'); END;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    """,
    )


@_migration(2)
def m002_audit_hash_chain(db: Database) -> None:
    """Chain the audit trail with hashes (tamper evidence) and require it for new rows.

    The append-only trigger is dropped only for the back-fill of existing rows and
    recreated in the same transaction, so no other writer ever sees it missing."""
    _execute_script(
        db,
        """
    DROP TRIGGER audit_log_no_update;
    ALTER TABLE audit_log ADD COLUMN prev_hash TEXT
        CHECK (prev_hash IS NULL OR length(prev_hash) = 64);
    ALTER TABLE audit_log ADD COLUMN hash TEXT
        CHECK (hash IS NULL OR length(hash) = 64);
    """,
    )
    previous = GENESIS
    rows = db.execute(f"SELECT {', '.join(HASHED_COLUMNS)} FROM audit_log ORDER BY id").fetchall()
    for values in rows:
        row = dict(zip(HASHED_COLUMNS, values, strict=True))
        digest = link_hash(previous, row)
        db.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
            [previous, digest, row["id"]],
        )
        previous = digest
    _execute_script(
        db,
        """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
    WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
    BEGIN SELECT RAISE(ABORT, 'audit rows must be chained'); END;
    """,
    )


@_migration(3)
def m003_romanised_name_words(db: Database) -> None:
    """Index names anew so that Chinese names are found by their pinyin too ("chen"
    finds 陈美玲). Only the search index changes: no clinical row, so no audit entry."""
    rebuild_name_index(db)


@_migration(4)
def m004_safety_records(db: Database) -> None:
    """Safety that follows the patient: the muscle vocabulary, red flags by complaint
    with a decision, precautions with a site, lung precautions per point, the patient's
    build, adverse events as records and events reported at a later session.

    Each point's muscle words stay as written; its catalogue id is added beside them
    (unknown words become "other"). Sessions of the first version asked only neck red
    flags, so those with a flag get the neck as complaint area. One audit entry records
    what was set (the words-to-id mapping), against which the tamper check judges every
    row written before; the guards on signed records are lifted for that only, inside
    this transaction. The CHECK lists are written out, not read from today's enums: a
    migration must build the same schema whatever later code adds (a new value needs
    its own migration; tests/store/test_safety_records.py notices one that has none)."""
    _execute_script(
        db,
        f"""
    ALTER TABLE trigger_points ADD COLUMN muscle_id TEXT NOT NULL DEFAULT ''
        CHECK (length(muscle_id) <= 60 AND muscle_id NOT GLOB '*[^a-z0-9_]*');
    ALTER TABLE trigger_points ADD COLUMN {_j("lung_precautions")};
    ALTER TABLE sessions ADD COLUMN {_j("complaint_areas")};
    ALTER TABLE sessions ADD COLUMN red_flag_decision TEXT
        CHECK (red_flag_decision IN ('referred', 'safe_to_proceed'));
    ALTER TABLE sessions ADD COLUMN red_flag_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN {_j("precaution_sites")};
    ALTER TABLE sessions ADD COLUMN {_b("adverse_events_asked")};
    ALTER TABLE sessions ADD COLUMN {_b("both_sides_acknowledged")};
    ALTER TABLE patients ADD COLUMN {_j("precaution_sites")};
    ALTER TABLE patients ADD COLUMN build TEXT CHECK (build IN ('slim', 'average', 'large'));

    -- An adverse event reported at a later session, recorded against the session it
    -- followed without amending it. Append-only, like the audit trail.
    CREATE TABLE adverse_events_later (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE RESTRICT,
        kind TEXT NOT NULL CHECK (kind IN ('bruising', 'bleeding', 'pain_during',
            'pain_after', 'aggravation', 'fatigue', 'vasovagal', 'nerve', 'infection',
            'needle', 'pneumothorax', 'other')),
        description TEXT NOT NULL DEFAULT '',
        severity TEXT NOT NULL CHECK (severity IN ('mild', 'significant', 'serious')),
        onset TEXT CHECK (onset IN ('during', 'after', 'delayed')),
        action TEXT NOT NULL DEFAULT '',
        resolved INTEGER CHECK (resolved IN (0, 1)),
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        recorded_by INTEGER NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT
    ) STRICT;
    CREATE INDEX adverse_events_later_session ON adverse_events_later (session_id);
    CREATE TRIGGER adverse_events_later_no_update BEFORE UPDATE ON adverse_events_later
    BEGIN SELECT RAISE(ABORT, 'reported events are permanent'); END;
    CREATE TRIGGER adverse_events_later_no_delete BEFORE DELETE ON adverse_events_later
    BEGIN SELECT RAISE(ABORT, 'reported events are permanent'); END;

    DROP TRIGGER trigger_points_update_signed;
    DROP TRIGGER sessions_update_signed;
    """,
    )
    # One UPDATE per distinct wording (a clinic types the same few words thousands of
    # times) and one audit entry holding the mapping: the tamper check expects each
    # point written before schema 4 to hold the id given here (`added_columns`).
    words = [
        w for (w,) in db.execute("SELECT DISTINCT muscle FROM trigger_points WHERE muscle <> ''")
    ]
    muscle_ids = {w: muscle_id_for(w) for w in words}
    db.conn.executemany(
        "UPDATE trigger_points SET muscle_id = ? WHERE muscle = ?",
        [(muscle_id, w) for w, muscle_id in muscle_ids.items()],
    )
    db.execute("UPDATE sessions SET complaint_areas = ? WHERE red_flags <> '[]'", [NECK_ONLY])
    audit.record(
        db,
        None,
        "migrate",
        audit.SCHEMA_ENTRY,
        4,
        after={"schema": 4, "muscle_ids": muscle_ids, "complaint_areas": NECK_ONLY},
        reason="Schema 4: muscle ids from the words as typed; neck as the complaint area "
        "of first-version red flags",
    )
    _execute_script(
        db,
        f"""
    {_signed_guard("trigger_points", "UPDATE", "OLD")}
    CREATE TRIGGER sessions_update_signed BEFORE UPDATE ON sessions
    WHEN OLD.status = 'signed'
        AND NOT (NEW.status = 'amending' AND NEW.version = OLD.version + 1)
    BEGIN SELECT RAISE(ABORT, 'session is signed: amend it instead'); END;
    """,
    )


@_migration(5)
def m005_documents(db: Database) -> None:
    """Documents a clinic can file and a patient can follow: the consent wording a
    session used, notes the doctor keeps off the patient's copy, and the settings of
    electrical stimulation. Columns only, each with the value that reads "not
    recorded" for rows written before: no row changes, so no guard is lifted and no
    audit entry is needed (`added_columns.SINCE_5` tells the tamper check)."""
    _execute_script(
        db,
        f"""
    ALTER TABLE sessions ADD COLUMN consent_text_version TEXT NOT NULL DEFAULT ''
        CHECK (length(consent_text_version) <= 40);
    ALTER TABLE sessions ADD COLUMN {_b("notes_internal")};
    ALTER TABLE trigger_points ADD COLUMN {_b("notes_internal")};
    ALTER TABLE trigger_points ADD COLUMN stim_frequency_hz REAL
        CHECK (stim_frequency_hz BETWEEN 0.5 AND 250);
    ALTER TABLE trigger_points ADD COLUMN stim_pulse_width_us INTEGER
        CHECK (stim_pulse_width_us BETWEEN 20 AND 1000);
    ALTER TABLE trigger_points ADD COLUMN stim_intensity_ma REAL
        CHECK (stim_intensity_ma BETWEEN 0 AND 100);
    """,
    )


# The table of the database's identity: a random id given at the first open
# (migration 6), which names the anchor kept outside the file (`store.file.anchor`).
DATABASE_ID_TABLE = "database_identity"


@_migration(6)
def m006_accounts(db: Database) -> None:
    """Practitioner accounts, their signing keys, and a digital signature for every
    version signed from now on (docs/security.md).

    - ``accounts``: one per practitioner; the passphrase (and optional PIN) only as
      scrypt hashes. Never deleted: a practitioner who leaves is made inactive.
    - ``practitioner_keys``: Ed25519 public keys, each with its private key wrapped
      under its owner's passphrase. Append-only: only the wrapping changes (a new
      passphrase) and a key is retired once (its wrapping then erased); the public
      key stays for ever, so old signatures still verify.
    - ``version_signatures``: one per signed version, made by a key of the signer.
      Append-only, like the versions themselves.
    - ``database_identity``: the random id naming the anchor kept outside the file
      (`store.file.anchor`), audited and permanent.
    No existing row changes: versions signed before this have no signature, and
    ``check`` says so as a note while no account existed when they were signed."""
    _execute_script(
        db,
        f"""
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        practitioner_id INTEGER NOT NULL UNIQUE
            REFERENCES practitioners (id) ON DELETE RESTRICT,
        role TEXT NOT NULL CHECK (role IN ('admin', 'practitioner')),
        passphrase_hash TEXT NOT NULL CHECK (passphrase_hash GLOB 'scrypt$*'),
        pin_hash TEXT CHECK (pin_hash IS NULL OR pin_hash GLOB 'scrypt$*'),
        {_b("active")},
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE practitioner_keys (
        id INTEGER PRIMARY KEY,
        practitioner_id INTEGER NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT,
        public_key TEXT NOT NULL UNIQUE
            CHECK (length(public_key) = 64 AND public_key NOT GLOB '*[^0-9a-f]*'),
        wrapped_key TEXT NOT NULL CHECK (wrapped_key NOT GLOB '*[^0-9a-f]*'),
        created_at TEXT NOT NULL,
        retired_at TEXT,
        CHECK (retired_at IS NULL OR wrapped_key = '')
    ) STRICT;
    CREATE INDEX practitioner_keys_practitioner ON practitioner_keys (practitioner_id);

    CREATE TABLE version_signatures (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        key_id INTEGER NOT NULL REFERENCES practitioner_keys (id) ON DELETE RESTRICT,
        snapshot_sha256 TEXT NOT NULL
            CHECK (length(snapshot_sha256) = 64 AND snapshot_sha256 NOT GLOB '*[^0-9a-f]*'),
        signature TEXT NOT NULL
            CHECK (length(signature) = 128 AND signature NOT GLOB '*[^0-9a-f]*'),
        UNIQUE (session_id, version),
        FOREIGN KEY (session_id, version) REFERENCES session_versions (session_id, version)
            ON DELETE RESTRICT
    ) STRICT;

    -- One row: the random id naming this database's anchor outside the file.
    CREATE TABLE database_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        database_id TEXT NOT NULL CHECK (length(database_id) = 32),
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER database_identity_no_update BEFORE UPDATE ON database_identity
    BEGIN SELECT RAISE(ABORT, 'the database identity is permanent'); END;
    CREATE TRIGGER database_identity_no_delete BEFORE DELETE ON database_identity
    BEGIN SELECT RAISE(ABORT, 'the database identity is permanent'); END;

    CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
    BEGIN SELECT RAISE(ABORT, 'an account is made inactive, never deleted'); END;
    CREATE TRIGGER practitioner_keys_permanent BEFORE UPDATE ON practitioner_keys
    WHEN NEW.id IS NOT OLD.id OR NEW.practitioner_id IS NOT OLD.practitioner_id
        OR NEW.public_key IS NOT OLD.public_key OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.retired_at IS NOT NULL
            AND (NEW.retired_at IS NOT OLD.retired_at OR NEW.wrapped_key IS NOT OLD.wrapped_key))
    BEGIN SELECT RAISE(ABORT, 'signing keys are permanent'); END;
    CREATE TRIGGER practitioner_keys_no_delete BEFORE DELETE ON practitioner_keys
    BEGIN SELECT RAISE(ABORT, 'signing keys are permanent'); END;
    CREATE TRIGGER version_signatures_own_key BEFORE INSERT ON version_signatures
    WHEN (SELECT practitioner_id FROM practitioner_keys WHERE id = NEW.key_id)
        IS NOT (SELECT signed_by FROM session_versions
                WHERE session_id = NEW.session_id AND version = NEW.version)
        OR (SELECT retired_at FROM practitioner_keys WHERE id = NEW.key_id) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a version is signed with a current key of its signer'); END;
    CREATE TRIGGER version_signatures_no_update BEFORE UPDATE ON version_signatures
    BEGIN SELECT RAISE(ABORT, 'signatures are permanent'); END;
    CREATE TRIGGER version_signatures_no_delete BEFORE DELETE ON version_signatures
    BEGIN SELECT RAISE(ABORT, 'signatures are permanent'); END;
    """,
    )
    identity = {"id": 1, "database_id": secrets.token_hex(16), "created_at": to_text(now())}
    db.execute(
        "INSERT INTO database_identity (id, database_id, created_at) VALUES (?, ?, ?)",
        list(identity.values()),
    )
    audit.record(
        db, None, "insert", "database_identity", 1, after=identity,
        reason="Schema 6: this database's identity, for the anchor kept outside the file",
    )  # fmt: skip


# What each migration leaves behind, to tell a migration that already ran (its record
# deleted outside tpchart) from one that has not: (sql on sqlite_master, found).
FOOTPRINTS = {
    "m001_clinical_records": "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'",
    "m002_audit_hash_chain": "SELECT count(*) FROM pragma_table_info('audit_log')"
    " WHERE name IN ('hash', 'prev_hash')",
    "m004_safety_records": "SELECT count(*) FROM sqlite_master WHERE name = 'adverse_events_later'",
    "m005_documents": "SELECT count(*) FROM pragma_table_info('sessions')"
    " WHERE name = 'consent_text_version'",
    "m006_accounts": "SELECT count(*) FROM sqlite_master WHERE name = 'accounts'",
}

ALTERED_RECORD = (
    "this file's schema record was altered outside tpchart ({}), so tpchart will not "
    "update it: a migration run again could rewrite the audit trail. Restore a backup, "
    "or ask for help; the file was not changed."
)


def schema_record_problem(conn: sqlite3.Connection) -> str | None:
    """Why the migrations recorded in the file cannot be trusted, or None.

    The record is ``_sqlite_migrations`` and ``user_version``. Each migration stamps
    its number, so the recorded names must be exactly the first ``user_version``
    migrations, and a migration not recorded must have left no trace (the hash
    chain's columns, say): otherwise someone deleted its row to make tpchart run it
    again over altered data (m002 would re-chain a forged trail)."""
    names = [m.name for m in migrations._migrations]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if migrations.migrations_table not in tables:
        return (
            None
            if version == 0 and "audit_log" not in tables
            else (ALTERED_RECORD.format("the table of applied migrations is missing"))
        )
    recorded = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM [{migrations.migrations_table}] WHERE migration_set = ?",
            [migrations.name],
        )
    ]
    if set(recorded) - set(names):
        return None  # a newer tpchart's migrations: refused elsewhere as "newer"
    applied = [n for n in names if n in recorded]
    if applied != names[: len(applied)]:
        missing = next(n for n in names if n not in recorded)
        return ALTERED_RECORD.format(f"the record of {missing} was deleted")
    if version != len(applied):
        return ALTERED_RECORD.format(
            f"user_version is {version}, but {len(applied)} migrations are recorded"
        )
    for name in names[len(applied) :]:
        footprint = FOOTPRINTS.get(name)
        if footprint and conn.execute(footprint).fetchone()[0]:
            return ALTERED_RECORD.format(f"{name} is not recorded, yet its changes are there")
    return None


def migrate(db: Database) -> None:
    """Apply pending migrations; each one and its version stamp commit together.

    The bookkeeping table is created together with the application id stamp, so a
    crash at any moment of a first start leaves an empty file or one marked as ours
    (never a file with a stray table that ``check_openable`` would refuse)."""
    if not db[migrations.migrations_table].exists():
        with db.atomic():
            migrations.ensure_migrations_table(db)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    problem = schema_record_problem(db.conn)
    if problem is not None:
        raise DatabaseRefused(problem[0].upper() + problem[1:])
    migrations.apply(db)
