-- What the SQLite triggers guard, as PL/pgSQL triggers owned by the owner role: a
-- signed session and its points change only by amending; versions, amendments, the
-- audit trail, later adverse events, signing keys, signatures and the database's
-- identity are append-only. The app role cannot drop or disable them (that needs
-- ownership of the table, or a superuser for session_replication_role).
--
-- Every function names its tables with the schema and pins search_path, so that a
-- temporary table of the same name (pg_temp comes first otherwise) cannot stand in
-- for the real one. Refusals are SQLSTATE 23000 (integrity_constraint_violation),
-- with the SQLite triggers' wording, so both engines say the same plain words.

CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    -- The message is the trigger's argument: one function for every append-only table.
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_ARGV[0];
END;
$$;

-- Signed sessions: no change but the start of an amendment (status 'amending' and the
-- next version, written by the store in the same transaction as the amendment row).
CREATE FUNCTION sessions_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'signed'
            AND NOT (NEW.status = 'amending' AND NEW.version = OLD.version + 1) THEN
            RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
                MESSAGE = 'session is signed: amend it instead';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status <> 'draft' OR OLD.version > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = 'only an unsigned draft session can be deleted';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER sessions_signed BEFORE UPDATE OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION sessions_guard();

-- Points of a signed session: none added, changed or removed. SQLite looks at the old
-- row's session on update; here a point moved INTO a signed session is refused too.
CREATE FUNCTION trigger_points_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    IF (TG_OP IN ('UPDATE', 'DELETE') AND
            (SELECT status FROM tpchart.sessions WHERE id = OLD.session_id) = 'signed')
        OR (TG_OP IN ('INSERT', 'UPDATE') AND
            (SELECT status FROM tpchart.sessions WHERE id = NEW.session_id) = 'signed') THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = 'session is signed: amend it instead';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER trigger_points_signed BEFORE INSERT OR UPDATE OR DELETE ON trigger_points
FOR EACH ROW EXECUTE FUNCTION trigger_points_guard();

-- Append-only tables. TRUNCATE fires no row trigger, so it has a statement trigger of
-- its own (even the owner must drop it first: a deliberate, visible act).
CREATE TRIGGER session_versions_permanent BEFORE UPDATE OR DELETE ON session_versions
FOR EACH ROW EXECUTE FUNCTION refuse('signed versions are permanent');
CREATE TRIGGER session_versions_no_truncate BEFORE TRUNCATE ON session_versions
FOR EACH STATEMENT EXECUTE FUNCTION refuse('signed versions are permanent');

CREATE TRIGGER amendments_permanent BEFORE UPDATE OR DELETE ON amendments
FOR EACH ROW EXECUTE FUNCTION refuse('amendments are permanent');
CREATE TRIGGER amendments_no_truncate BEFORE TRUNCATE ON amendments
FOR EACH STATEMENT EXECUTE FUNCTION refuse('amendments are permanent');

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION refuse('the audit trail is append-only');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION refuse('the audit trail is append-only');

CREATE TRIGGER adverse_events_later_permanent BEFORE UPDATE OR DELETE ON adverse_events_later
FOR EACH ROW EXECUTE FUNCTION refuse('reported events are permanent');
CREATE TRIGGER adverse_events_later_no_truncate BEFORE TRUNCATE ON adverse_events_later
FOR EACH STATEMENT EXECUTE FUNCTION refuse('reported events are permanent');

CREATE TRIGGER database_identity_permanent BEFORE UPDATE OR DELETE ON database_identity
FOR EACH ROW EXECUTE FUNCTION refuse('the database identity is permanent');
CREATE TRIGGER database_identity_no_truncate BEFORE TRUNCATE ON database_identity
FOR EACH STATEMENT EXECUTE FUNCTION refuse('the database identity is permanent');

CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION refuse('an account is made inactive, never deleted');
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
FOR EACH STATEMENT EXECUTE FUNCTION refuse('an account is made inactive, never deleted');

CREATE TRIGGER version_signatures_permanent BEFORE UPDATE OR DELETE ON version_signatures
FOR EACH ROW EXECUTE FUNCTION refuse('signatures are permanent');
CREATE TRIGGER version_signatures_no_truncate BEFORE TRUNCATE ON version_signatures
FOR EACH STATEMENT EXECUTE FUNCTION refuse('signatures are permanent');

-- The audit chain stays ONE chain under concurrent writers: each row must follow the
-- newest row (a greater id, and its prev_hash that row's hash; the first row follows
-- 64 zeros). The advisory lock queues writers, and under READ COMMITTED the query after
-- it sees the row a writer ahead just committed. The hash itself is the store's to
-- compute and `check`'s to verify (a canonical JSON in Python); this guard stops forks.
CREATE FUNCTION audit_log_chained() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
DECLARE
    head record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tpchart.audit_log'));
    SELECT id, hash INTO head FROM tpchart.audit_log ORDER BY id DESC LIMIT 1;
    IF NEW.id <= coalesce(head.id, 0)
        OR NEW.prev_hash IS DISTINCT FROM coalesce(head.hash, repeat('0', 64)) THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = 'audit rows must be chained';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_chained();

-- Signing keys: only the wrapping changes (a new passphrase) and a key is retired once
-- (its wrapping then erased); the public key stays for ever.
CREATE FUNCTION practitioner_keys_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
        OR NEW.practitioner_id IS DISTINCT FROM OLD.practitioner_id
        OR NEW.public_key IS DISTINCT FROM OLD.public_key
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (OLD.retired_at IS NOT NULL
            AND (NEW.retired_at IS DISTINCT FROM OLD.retired_at
                 OR NEW.wrapped_key IS DISTINCT FROM OLD.wrapped_key)) THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = 'signing keys are permanent';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER practitioner_keys_permanent BEFORE UPDATE ON practitioner_keys
FOR EACH ROW EXECUTE FUNCTION practitioner_keys_guard();
CREATE TRIGGER practitioner_keys_no_delete BEFORE DELETE ON practitioner_keys
FOR EACH ROW EXECUTE FUNCTION refuse('signing keys are permanent');
CREATE TRIGGER practitioner_keys_no_truncate BEFORE TRUNCATE ON practitioner_keys
FOR EACH STATEMENT EXECUTE FUNCTION refuse('signing keys are permanent');

-- A version is signed with a current key of its signer.
CREATE FUNCTION version_signatures_own_key() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT practitioner_id FROM tpchart.practitioner_keys WHERE id = NEW.key_id)
            IS DISTINCT FROM (SELECT signed_by FROM tpchart.session_versions
                              WHERE session_id = NEW.session_id AND version = NEW.version)
        OR (SELECT retired_at FROM tpchart.practitioner_keys WHERE id = NEW.key_id)
            IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = 'a version is signed with a current key of its signer';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER version_signatures_own_key BEFORE INSERT ON version_signatures
FOR EACH ROW EXECUTE FUNCTION version_signatures_own_key();
