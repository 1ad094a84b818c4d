#!/usr/bin/env bash
# Sets up everything tpchart needs on Debian/Ubuntu with only Python installed:
# the few system libraries Qt needs, a virtual environment in .venv, and the
# Python packages from pyproject.toml (re-installed only when pyproject changes).
# `--test` adds what the test suite needs besides: strace (fault injection), Xvfb
# (the keyboard-shortcut and window-size tests run on a real X server too),
# poppler-utils (pdffonts: every font of every PDF embedded) and PostgreSQL's server
# (the clinic-server tests, on a throwaway cluster that scripts/test.sh starts).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
QT_LIBS="libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libglib2.0-0"

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    command -v apt-get >/dev/null 2>&1 || { echo "setup: no apt-get; install: $*" >&2; return 0; }
    echo "setup: installing system packages: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The tests also need strace (fault injection: a kill at a chosen system call) and
# Xvfb (platform key bindings differ: on X11 Redo is Ctrl+Shift+Z, offscreen Ctrl+Y).
[ "${1:-}" = "--test" ] && QT_LIBS="$QT_LIBS strace xvfb poppler-utils"
# And a PostgreSQL server for the clinic-server tests: scripts/test.sh runs a throwaway
# cluster of its own with these binaries. Debian's package keeps them off PATH, in
# /usr/lib/postgresql/<version>/bin; any initdb already on PATH will do as well.
pg_installed() {
    command -v initdb >/dev/null 2>&1 && return 0
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in $QT_LIBS; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
fi
if [ "${1:-}" = "--test" ] && ! pg_installed; then
    missing+=("postgresql")
fi
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
    version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    missing+=("python${version}-venv")
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.tpchart-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[test]"
    echo "$wanted" > "$stamp"
fi
