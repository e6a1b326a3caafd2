"""Serves the API for the benchmark: the same code as ``python -m ingest api``.

``ingest.api.workers.serve`` with default settings. Logging is not set up, so the
per-request access log (INFO) stays off and the numbers measure the API, not the
terminal. ``--workers N`` runs N uvicorn worker processes.

    .venv/bin/python bench/api_serve.py --dsn DSN --port 8765 [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.api.settings import ApiSettings
from ingest.api.workers import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(ApiSettings(host="127.0.0.1", port=args.port), args.dsn, args.workers)


if __name__ == "__main__":
    main()
