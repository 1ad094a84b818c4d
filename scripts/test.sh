#!/usr/bin/env bash
# Set up (first time) and run the whole test suite headless. Exit code 5 from
# pytest (no tests collected) is a failure, like any other non-zero code.
# Arguments go to pytest: `bash scripts/test.sh tests/server -x`.
#
# The clinic-server tests (tests/server) need a real PostgreSQL, so this script
# starts a throwaway cluster for the run and removes it afterwards, on failure and
# Ctrl+C too: initdb in a temporary folder as an unprivileged user (initdb refuses
# root), a free port on 127.0.0.1 only plus a Unix socket in that folder, fsync on
# (the kill tests need real durability). pytest gets TPCHART_TEST_PG, a libpq DSN of
# the cluster's superuser, with the password in a private PGPASSFILE rather than in
# the DSN, so it never shows in a log or a failed test's output. A TPCHART_TEST_PG
# already set (your own server) is used as it is and no cluster is started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen

# The newest PostgreSQL server binaries: on PATH first, else Debian's layout (the
# `postgresql` package does not put initdb on PATH).
pg_bindir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
    done
}

# initdb and the server refuse to run as root: as root (CI), run them as the
# `postgres` system user the Debian package creates (else `nobody`); otherwise as
# whoever runs the tests.
pg_user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    pg_user=postgres
    getent passwd postgres >/dev/null || pg_user=nobody
fi
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$pg_user" -- "$@"
    else
        "$@"
    fi
}

pg_dir=""
stop_cluster() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$pg_dir" ]; then
        # Immediate: the cluster is thrown away, so no checkpoint is worth waiting for.
        [ -f "$pg_dir/data/postmaster.pid" ] &&
            (cd "$pg_dir" && as_pg "$pg_bin/pg_ctl" stop -D "$pg_dir/data" -m immediate -w -t 30) \
                >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
    fi
    exit "$rc"
}

free_port() {
    .venv/bin/python -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_cluster() {
    local started=$SECONDS password port attempt
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/tpchart-pg.XXXXXX")
    trap stop_cluster EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    chmod 0711 "$pg_dir"  # the server's user must reach data/ and socket/ inside
    mkdir -m 0700 "$pg_dir/data" "$pg_dir/socket"
    [ "$(id -u)" -ne 0 ] || chown "$pg_user" "$pg_dir/data" "$pg_dir/socket"
    # The superuser's password: random, never printed; libpq reads it from PGPASSFILE.
    password=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    (umask 077 && printf '%s\n' "$password" >"$pg_dir/pwfile")
    [ "$(id -u)" -ne 0 ] || chown "$pg_user" "$pg_dir/pwfile"
    # --no-sync skips only initdb's flush of the fresh files (a throwaway cluster);
    # the server itself runs with fsync on.
    (cd "$pg_dir" && as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres \
        --pwfile="$pg_dir/pwfile" --auth=scram-sha-256 -E UTF8 --no-locale --no-sync) \
        >"$pg_dir/initdb.log" 2>&1 || {
        cat "$pg_dir/initdb.log" >&2
        echo "test: initdb failed" >&2
        return 1
    }
    rm -f "$pg_dir/pwfile"
    for attempt in 1 2 3; do
        port=$(free_port)
        # In postgresql.conf (not pg_ctl -o) so that a test that stops and restarts the
        # cluster gets the same settings back.
        cat >>"$pg_dir/data/postgresql.conf" <<EOF

# tpchart's throwaway test cluster (scripts/test.sh), attempt $attempt
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pg_dir/socket'
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
        if (cd "$pg_dir" && as_pg "$pg_bin/pg_ctl" start -D "$pg_dir/data" -w -t 60 \
            -l "$pg_dir/data/server.log") >/dev/null 2>&1; then
            (umask 077 && printf '127.0.0.1:%s:*:postgres:%s\n' "$port" "$password" \
                >"$pg_dir/pgpass")
            export PGPASSFILE="$pg_dir/pgpass"
            export TPCHART_TEST_PG="host=127.0.0.1 port=$port dbname=postgres user=postgres"
            # For tests that stop and restart the server (pg_ctl as this OS user).
            export TPCHART_TEST_PG_BIN="$pg_bin" TPCHART_TEST_PG_DATA="$pg_dir/data"
            export TPCHART_TEST_PG_OS_USER="$pg_user"
            echo "test: throwaway PostgreSQL $("$pg_bin/pg_ctl" --version | awk '{print $3}')" \
                "on 127.0.0.1:$port, ready in $((SECONDS - started)) s"
            return 0
        fi
        # Most likely another process took the port between the check and the start.
        tail -n 5 "$pg_dir/data/server.log" >&2 || true
    done
    echo "test: the PostgreSQL test cluster did not start" >&2
    return 1
}

if [ -z "${TPCHART_TEST_PG:-}" ]; then
    pg_bin=$(pg_bindir)
    if [ -n "$pg_bin" ]; then
        start_cluster
    else
        # tests/server skip with this reason outside CI and fail under CI=true.
        echo "test: no PostgreSQL server binaries (initdb): the clinic-server tests cannot run" >&2
    fi
fi

# One pytest worker per core (pytest-xdist), at most 4: the suite is mostly one core's
# work at a time (a window, a PDF, a killed child), so on the 2-core machines two
# workers halve its wall time. --dist loadfile keeps each test file in one worker, so
# a module's shared fixtures (a migrated clinic, a built window) are made once. Each
# worker has its own config folder (tests/conftest.py) and its own clinics on the
# cluster. `bash scripts/test.sh -n 0 ...` runs in this one process (a debugger, -x).
workers=$(nproc 2>/dev/null || echo 1)
[ "$workers" -le 4 ] || workers=4
[ "$workers" -ge 2 ] || workers=0
status=0
.venv/bin/python -m pytest -p no:cacheprovider -n "$workers" --dist loadfile "$@" || status=$?
exit "$status"
