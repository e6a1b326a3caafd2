"""``python -m store start | stop | dsn | migrate``: the historian's database.

``start`` starts the embedded cluster (made the first time) and prints its DSN; ``dsn``
prints the DSN in use (``MAGNETLINE_DSN``, else the embedded cluster's, started if need
be); ``migrate`` applies the schema's pending migrations; ``stop`` stops the embedded
cluster.
"""

from __future__ import annotations

import argparse
import logging

from runtime.commands import run_command
from runtime.logs import LOG_LEVELS
from runtime.state import default_state_dir
from store.cluster import EmbeddedCluster, resolve_dsn
from store.errors import StoreError
from store.migrate import apply_migrations

__all__ = ["main"]

logger = logging.getLogger("store")


def main(argv: list[str] | None = None) -> int:
    return run_command(_parser().parse_args(argv), _run, (StoreError,))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m store", description=__doc__)
    parser.add_argument("--log-level", default="INFO", choices=LOG_LEVELS)
    parser.add_argument("action", choices=["start", "stop", "dsn", "migrate"])
    return parser


def _run(args: argparse.Namespace) -> int:
    action = args.action
    if action == "stop":
        EmbeddedCluster(default_state_dir()).stop()
        return 0
    dsn = resolve_dsn()
    if action == "migrate":
        applied = apply_migrations(dsn)
        logger.info("applied migrations: %s", applied or "none (up to date)")
    if action in ("start", "dsn"):
        print(dsn)
    return 0
