#!/usr/bin/env bash
# The README's main job: set everything up, then play a short line run through OPC UA,
# ingest, TimescaleDB and the API, and print the twin's two routes side by side.
# Ctrl-C, SIGTERM or SIGHUP stops everything (exec: the signal reaches demo.py). Options go
# to scripts/demo.py (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
