#!/usr/bin/env bash
# Builds the one-folder desktop bundle dist/tpchart/ (run it as dist/tpchart/tpchart) from
# packaging/tpchart.spec with PyInstaller, into the project venv (.venv, made by
# scripts/setup.sh). See docs/install.md for what it holds and how a clinic installs it.
#
#   scripts/build-bundle.sh            build (about 40 s here), then a self-test of the result
#
# Reproducible: the same checkout and the same installed packages give the same files
# (a fixed hash seed, timestamps from the last commit), so two builds can be compared.
set -euo pipefail

cd "$(dirname "$0")/.."
py=.venv/bin/python
[[ -x $py ]] || { echo "build-bundle: no .venv here; run scripts/setup.sh first" >&2; exit 1; }

# PyInstaller from the `bundle` extra of pyproject.toml (the one place its version is
# named), installed only if missing, without touching the editable install of tpchart.
if ! "$py" -c "import PyInstaller" 2>/dev/null; then
    mapfile -t wanted < <("$py" -c '
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["bundle"]))')
    "$py" -m pip install --quiet "${wanted[@]}"
fi

# Python's string hashing decides the order of some sets PyInstaller writes; fixed, the
# archives come out byte-identical. SOURCE_DATE_EPOCH: timestamps of the last commit.
export PYTHONHASHSEED=0
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 315532800)
export SOURCE_DATE_EPOCH

"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/tpchart.spec

# The result must at least import every module and draw with every library it carries.
TPCHART_BUNDLE_SELF_TEST=1 QT_QPA_PLATFORM=offscreen dist/tpchart/tpchart

echo "Built dist/tpchart ($(du -sh dist/tpchart | cut -f1)); run dist/tpchart/tpchart"
