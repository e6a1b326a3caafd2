"""Logging for the project's command lines: one format, and noisy libraries kept quiet."""

from __future__ import annotations

import logging

__all__ = ["LOG_FORMAT", "LOG_LEVELS", "configure_logging"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# asyncua logs every publish response in full at INFO, and psycopg's pool every failed
# reconnect while the database is away: the services say the same once, in their words.
_QUIETER = {"asyncua": logging.WARNING, "psycopg.pool": logging.ERROR, "psycopg": logging.ERROR}


def configure_logging(level: str) -> None:
    """Log at ``level`` to stderr, with the libraries above at their floors or higher."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for name, floor in _QUIETER.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
