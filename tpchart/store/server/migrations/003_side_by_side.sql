-- Working side by side (issue 21): a session open for editing on one workstation is
-- read-only on the others (a lease that lapses if that workstation dies), and every
-- change to the records is announced on ONE channel so that the other workstations
-- refresh what they show within a second. Runs as the owner role, like the guards.

-- Leases are not clinical records: they are not audited and are deleted when ended.
-- All times come from the server's clock (clock_timestamp()), never a workstation's.
-- The token is known only to the workstation that took the lease: the table keeps its
-- SHA-256, and the app role may only read the table; taking, renewing and ending go
-- through the functions below, which check the token. So a workstation cannot renew,
-- end or overwrite a colleague's lease, even though it can see who holds what.
CREATE TABLE session_leases (
    -- A draft deleted by the one editing it takes its lease with it.
    session_id bigint PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    held_by_practitioner_id bigint NOT NULL REFERENCES practitioners (id) ON DELETE RESTRICT,
    -- What a colleague reads: "Dr Ana Souza has this session open at ROOM-2".
    workstation text NOT NULL CHECK (length(trim(workstation)) BETWEEN 1 AND 200),
    token_sha256 bytea NOT NULL CHECK (length(token_sha256) = 32),
    taken_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    CONSTRAINT session_leases_times CHECK (
        renewed_at >= taken_at AND expires_at > renewed_at
        -- A lease is short: a dead workstation must not hold a session for long.
        AND expires_at <= renewed_at + interval '1 hour')
);

-- Take a session for editing, in one statement so that of two workstations taking it at
-- the same instant exactly one wins: the INSERT, or the UPDATE of a lapsed lease, waits
-- on the row (or its index entry) the other is writing and re-checks expires_at on what
-- that one committed. Returns the new lease's token when taken (NULL when not), and
-- the lease now in force: this workstation's, or the colleague's who holds it.
CREATE FUNCTION lease_take(
    p_session_id bigint, p_practitioner_id bigint, p_workstation text, p_seconds integer,
    OUT lease_token uuid, OUT holder_id bigint, OUT holder_workstation text,
    OUT holder_since timestamptz, OUT holder_until timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = tpchart, pg_catalog, pg_temp AS $$
DECLARE
    fresh uuid := gen_random_uuid();
    -- One reading of the clock for the three times (each clock_timestamp() call moves
    -- on, which would make the lease a microsecond longer than asked).
    moment timestamptz;
BEGIN
    LOOP
        moment := clock_timestamp();
        INSERT INTO tpchart.session_leases AS l (session_id, held_by_practitioner_id,
            workstation, token_sha256, taken_at, renewed_at, expires_at)
        VALUES (p_session_id, p_practitioner_id, trim(p_workstation),
            sha256(convert_to(fresh::text, 'UTF8')), moment, moment,
            moment + make_interval(secs => p_seconds))
        ON CONFLICT (session_id) DO UPDATE SET
            held_by_practitioner_id = EXCLUDED.held_by_practitioner_id,
            workstation = EXCLUDED.workstation, token_sha256 = EXCLUDED.token_sha256,
            taken_at = EXCLUDED.taken_at, renewed_at = EXCLUDED.renewed_at,
            expires_at = EXCLUDED.expires_at
        WHERE l.expires_at <= clock_timestamp()
        RETURNING l.held_by_practitioner_id, l.workstation, l.taken_at, l.expires_at
        INTO holder_id, holder_workstation, holder_since, holder_until;
        IF FOUND THEN
            lease_token := fresh;
            RETURN;
        END IF;
        -- Held and not lapsed: say by whom (a fresh snapshot: READ COMMITTED).
        SELECT l.held_by_practitioner_id, l.workstation, l.taken_at, l.expires_at
        INTO holder_id, holder_workstation, holder_since, holder_until
        FROM tpchart.session_leases l WHERE l.session_id = p_session_id;
        IF FOUND THEN
            lease_token := NULL;
            RETURN;
        END IF;
        -- Ended between the two statements: try again.
    END LOOP;
END;
$$;

-- Keep a lease: only with its token. A lease that lapsed but that no one took over is
-- still this workstation's (no one else can have edited the session meanwhile).
-- Returns the new expiry, or NULL when the token no longer holds the session.
CREATE FUNCTION lease_renew(p_session_id bigint, p_token uuid, p_seconds integer)
RETURNS timestamptz LANGUAGE sql SECURITY DEFINER
SET search_path = tpchart, pg_catalog, pg_temp AS $$
    UPDATE tpchart.session_leases
    SET renewed_at = now_.moment,
        expires_at = now_.moment + make_interval(secs => p_seconds)
    FROM (SELECT clock_timestamp() AS moment) AS now_  -- one reading for both times
    WHERE session_id = p_session_id
        AND token_sha256 = sha256(convert_to(p_token::text, 'UTF8'))
    RETURNING expires_at;
$$;

-- End a lease: only with its token. True when it was this token's to end.
CREATE FUNCTION lease_release(p_session_id bigint, p_token uuid)
RETURNS boolean LANGUAGE sql SECURITY DEFINER
SET search_path = tpchart, pg_catalog, pg_temp AS $$
    WITH ended AS (
        DELETE FROM tpchart.session_leases
        WHERE session_id = p_session_id
            AND token_sha256 = sha256(convert_to(p_token::text, 'UTF8'))
        RETURNING 1)
    SELECT count(*) > 0 FROM ended;
$$;

-- Only the app role (named in the record of the earlier migrations) may call them.
REVOKE ALL ON FUNCTION lease_take(bigint, bigint, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION lease_renew(bigint, uuid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION lease_release(bigint, uuid) FROM PUBLIC;
DO $$
DECLARE
    app name := (SELECT app_role FROM tpchart.schema_migrations ORDER BY version DESC LIMIT 1);
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION tpchart.lease_take(bigint, bigint, text, integer),'
        ' tpchart.lease_renew(bigint, uuid, integer), tpchart.lease_release(bigint, uuid)'
        ' TO %I', app);
END;
$$;

-- Change notifications: one channel, 'tpchart_changes', and a small JSON payload per
-- changed row: {"table", "op" (insert/update/delete), "id", "patient_id", "session_id",
-- "key"}, each only where the row has it (a session's own id is also its session_id, a
-- patient's its patient_id). NOTIFY is transactional: listeners hear of a change when
-- it commits, and never of one rolled back. Payloads stay far below the server's 8000
-- bytes: a settings key longer than 200 characters is left out (the listener reloads
-- all settings). Owned by the owner role: the app role cannot drop or disable these.
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql
SET search_path = tpchart, pg_catalog, pg_temp AS $$
DECLARE
    changed jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    PERFORM pg_notify('tpchart_changes', jsonb_strip_nulls(jsonb_build_object(
        'table', TG_TABLE_NAME,
        'op', lower(TG_OP),
        'id', changed -> 'id',
        'patient_id', CASE WHEN TG_TABLE_NAME = 'patients' THEN changed -> 'id'
                           ELSE changed -> 'patient_id' END,
        'session_id', CASE WHEN TG_TABLE_NAME = 'sessions' THEN changed -> 'id'
                           ELSE changed -> 'session_id' END,
        'key', CASE WHEN length(changed ->> 'key') <= 200 THEN changed -> 'key' END
    ))::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER patients_changed AFTER INSERT OR UPDATE OR DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER sessions_changed AFTER INSERT OR UPDATE OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER trigger_points_changed AFTER INSERT OR UPDATE OR DELETE ON trigger_points
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER amendments_changed AFTER INSERT OR UPDATE OR DELETE ON amendments
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER session_versions_changed AFTER INSERT OR UPDATE OR DELETE ON session_versions
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER adverse_events_later_changed
AFTER INSERT OR UPDATE OR DELETE ON adverse_events_later
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER practitioners_changed AFTER INSERT OR UPDATE OR DELETE ON practitioners
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON settings
FOR EACH ROW EXECUTE FUNCTION notify_change();
-- A lease taken, taken over or ended; not its renewals (one every 20 s per open
-- session would be noise: what a colleague sees does not change).
CREATE TRIGGER session_leases_changed AFTER INSERT OR DELETE ON session_leases
FOR EACH ROW EXECUTE FUNCTION notify_change();
CREATE TRIGGER session_leases_taken_over AFTER UPDATE ON session_leases
FOR EACH ROW WHEN (OLD.token_sha256 IS DISTINCT FROM NEW.token_sha256)
EXECUTE FUNCTION notify_change();
