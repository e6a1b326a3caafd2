"""Serves the API for the benchmark: ``create_app`` under uvicorn, without access logs.

The same app as ``python -m ingest api``; access logging is off so that the numbers
measure the API, not the terminal. ``--workers N`` runs N uvicorn worker processes.

    .venv/bin/python bench/api_serve.py --dsn DSN --port 8765 [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest.api import create_app
from ingest.api.settings import ApiSettings

_DSN_VARIABLE = "MAGNETLINE_BENCH_API_DSN"


def app():
    """The app for a worker process (uvicorn factory), on the DSN the parent was given."""
    return create_app(ApiSettings(), os.environ[_DSN_VARIABLE])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ[_DSN_VARIABLE] = args.dsn
    uvicorn.run("api_serve:app", factory=True, host="127.0.0.1", port=args.port,
                workers=args.workers, log_level="warning", access_log=False)  # fmt: skip


if __name__ == "__main__":
    main()
