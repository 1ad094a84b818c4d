#!/usr/bin/env bash
# The Progress tab of the improving, stalled and worsening demo patients at 1366x768,
# scale 1 and 1.25, each on a private Xvfb screen; PNGs into docs/screenshots/progress/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots/progress}
for spec in "1366x768 1" "1366x768 1.25"; do
    set -- $spec
    marker=$(mktemp)
    Xvfb -displayfd 1 -screen 0 "${1}x24" -nolisten tcp > "$marker" 2>/dev/null &
    server=$!
    for _ in $(seq 50); do [ -s "$marker" ] && break; sleep 0.1; done
    display=":$(head -1 "$marker")"
    DISPLAY=$display QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=$2 \
        .venv/bin/python tools/screenshot_progress.py "$out" "${1}@${2}x"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -f "$marker"
done
