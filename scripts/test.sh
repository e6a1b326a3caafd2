#!/usr/bin/env bash
# The README's test command: set everything up, lint, then run the whole suite.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh tests/twin -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The docker-compose.yml test validates the file with Debian's docker-compose (no engine needed).
if ! command -v docker-compose >/dev/null; then
    [ "$(id -u)" -eq 0 ] || { echo "[test] error: docker-compose is missing; install it as root" >&2; exit 1; }
    echo "[test] installing docker-compose from Debian to validate docker-compose.yml" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-compose >/dev/null
fi
.venv/bin/ruff check .
exec .venv/bin/pytest "$@"
