-- A click in fewer round trips (issue 21: under 10 ms median against the server). Two
-- reads that must each come after a lock, done in one call: a single SELECT cannot,
-- because its snapshot is taken before the lock is granted and would miss what the
-- transaction it waited for committed. In a VOLATILE function under READ COMMITTED each
-- statement takes a fresh snapshot, so the read after the lock sees it. Runs as the
-- owner role; SECURITY INVOKER (the default): the app role's own privileges apply
-- (it may lock a session's row and read the trail already), and the functions name
-- their tables with the schema and pin search_path, like the guards.

-- The head of the audit trail, read under the lock that queues every workstation
-- appending to it (the same lock audit_log_chained takes), and the transaction's id
-- (how a COMMIT whose answer was lost is found out: tpchart/store/server/database.py).
-- head_id and head_hash are NULL while the trail is empty.
CREATE FUNCTION audit_chain_head(OUT head_id bigint, OUT head_hash text, OUT xact_id text)
LANGUAGE plpgsql VOLATILE
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tpchart.audit_log'));
    SELECT a.id, a.hash INTO head_id, head_hash
    FROM tpchart.audit_log a ORDER BY a.id DESC LIMIT 1;
    xact_id := pg_current_xact_id()::text;
END;
$$;

-- A session about to be changed: its row locked FOR UPDATE (so a colleague's lease_take
-- waits for this change to commit), then, after the lock, the row as it is now and the
-- lease in force on it (NULLs when nobody holds it). No row when there is no such
-- session. What tpchart/store/editing.py's guard checks, and what the change itself
-- reads (status, red flags), in one round trip instead of four.
CREATE FUNCTION session_for_change(p_session_id bigint,
    OUT session tpchart.sessions, OUT lease_token_sha256 bytea,
    OUT lease_practitioner_id bigint, OUT lease_practitioner_name text,
    OUT lease_workstation text, OUT lease_taken_at timestamptz,
    OUT lease_expires_at timestamptz)
RETURNS SETOF record LANGUAGE plpgsql VOLATILE
SET search_path = tpchart, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM 1 FROM tpchart.sessions s WHERE s.id = p_session_id FOR UPDATE;
    RETURN QUERY
    SELECT s, l.token_sha256, l.held_by_practitioner_id, p.name, l.workstation,
        l.taken_at, l.expires_at
    FROM tpchart.sessions s
    LEFT JOIN (tpchart.session_leases l
        JOIN tpchart.practitioners p ON p.id = l.held_by_practitioner_id)
        ON l.session_id = s.id AND l.expires_at > clock_timestamp()
    WHERE s.id = p_session_id;
END;
$$;

-- Only the app role (named in the record of the earlier migrations) may call them.
REVOKE ALL ON FUNCTION audit_chain_head() FROM PUBLIC;
REVOKE ALL ON FUNCTION session_for_change(bigint) FROM PUBLIC;
DO $$
DECLARE
    app name := (SELECT app_role FROM tpchart.schema_migrations ORDER BY version DESC LIMIT 1);
BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION tpchart.audit_chain_head(),'
        ' tpchart.session_for_change(bigint) TO %I', app);
END;
$$;
