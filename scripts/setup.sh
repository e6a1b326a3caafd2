#!/usr/bin/env bash
# Everything the project needs on a fresh Debian 12 or 13 machine, as root; idempotent.
#
#   - Python's venv support from Debian when the system Python lacks it;
#   - PostgreSQL with TimescaleDB (scripts/install_timescaledb.sh), unless MAGNETLINE_DSN
#     names a database of your own;
#   - a virtual environment in .venv with the project and its dev tools installed;
#   - the embedded database started (python -m store start), unless MAGNETLINE_DSN is set.
#
# Prints nothing on stdout but what the caller asks for; progress goes to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

PYTHON=${PYTHON:-python3}

ensure_python() {
    if ! command -v "$PYTHON" >/dev/null; then
        [ "$(id -u)" -eq 0 ] || die "no $PYTHON found; install Python 3.11+ or run as root"
        log "installing Python from Debian"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv >/dev/null
    fi
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$PYTHON is $("$PYTHON" --version 2>&1); the project needs Python 3.11 or newer"
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        [ "$(id -u)" -eq 0 ] || die "$PYTHON has no venv support; install python3-venv as root"
        log "installing python3-venv from Debian"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
    fi
}

ensure_venv() {
    local stamp=.venv/.magnetline-installed wanted
    wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    log "creating the virtual environment in .venv and installing the project"
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip >&2
    .venv/bin/python -m pip install -q -e '.[dev]' >&2
    printf '%s\n' "$wanted" >"$stamp"
}

ensure_database() {
    if [ -n "${MAGNETLINE_DSN:-}" ]; then
        log "using the database in MAGNETLINE_DSN"
        return 0
    fi
    bash scripts/install_timescaledb.sh
    .venv/bin/python -m store --log-level WARNING start >/dev/null
    log "embedded TimescaleDB is running"
}

ensure_python
ensure_venv
ensure_database
