#!/usr/bin/env bash
# Set up (first time) and launch tpchart on its default database; extra arguments
# go to the app, e.g. `bash scripts/run.sh --db demo.db` or `... demo --db demo.db`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
