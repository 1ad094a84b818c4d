#!/usr/bin/env bash
# The safety states of issue 15 (screening, red-flag decision, adverse events, lung
# risk, sited precautions, muscles, the patient's build) at 1366x768, scale 1 and
# 1.25, each on a private Xvfb screen; PNGs into docs/screenshots/safety/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots/safety}
mkdir -p "$out"
for scale in 1 1.25; do
    Xvfb -displayfd 1 -screen 0 1366x768x24 -nolisten tcp > /tmp/tpchart-xvfb-display 2>/dev/null &
    server=$!
    for _ in $(seq 50); do [ -s /tmp/tpchart-xvfb-display ] && break; sleep 0.1; done
    display=":$(head -1 /tmp/tpchart-xvfb-display)"
    for script in screenshot_screening.py screenshot_chart_safety.py; do
        DISPLAY=$display QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=$scale \
            .venv/bin/python "tools/$script" "$out" "1366x768@${scale}x"
    done
    kill "$server"; wait "$server" 2>/dev/null || true
    rm -f /tmp/tpchart-xvfb-display
done
