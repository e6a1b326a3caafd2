"""Serves the API for the benchmark: ``create_app`` under uvicorn, without access logs.

The same app as ``python -m ingest api``; access logging is off so that the numbers
measure the API, not the terminal.

    .venv/bin/python bench/api_serve.py --dsn DSN --port 8765
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.api import create_app
from ingest.api.settings import ApiSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    app = create_app(ApiSettings(), args.dsn)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
