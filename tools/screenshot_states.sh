#!/usr/bin/env bash
# Every state of the window at 1366x768 (scale 1 and 1.25) and 1920x1080 (scale 1.5),
# each on a private Xvfb screen of that size; PNGs into docs/screenshots/states/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots/states}
for spec in "1366x768 1" "1366x768 1.25" "1920x1080 1.5"; do
    set -- $spec
    Xvfb -displayfd 1 -screen 0 "${1}x24" -nolisten tcp > /tmp/tpchart-xvfb-display 2>/dev/null &
    server=$!
    for _ in $(seq 50); do [ -s /tmp/tpchart-xvfb-display ] && break; sleep 0.1; done
    display=":$(head -1 /tmp/tpchart-xvfb-display)"
    DISPLAY=$display QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=$2 \
        .venv/bin/python tools/screenshot_states.py "$out" "${1}@${2}x"
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -f /tmp/tpchart-xvfb-display
done
