#!/usr/bin/env bash
# Set up (first time) and run the whole test suite headless. Exit code 5 from
# pytest (no tests collected) is a failure, like any other non-zero code.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest -p no:cacheprovider "$@"
