"""The historian's data as the twin's recorded line (``python -m ingest export-line``).

The store reads what an endpoint recorded (``store.line_export``); this turns it into the
neutral format the twin reads (``twin/RECORDED_LINE.md``), in memory for the forecast job
and ``python -m ingest calibrate``, or written to a folder for anyone else.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from store.errors import DatabaseSetupError
from store.line_export import export_line, recorded_span
from twin.recorded_line import RecordedLine

__all__ = ["historian_line", "historian_span"]

_CONNECT_TIMEOUT_S = 10


def historian_line(
    dsn: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    endpoint: str | None = None,
) -> RecordedLine:
    """What ``endpoint`` recorded over ``[start, end)`` (within its readings' span)."""
    try:
        with psycopg.connect(dsn, connect_timeout=_CONNECT_TIMEOUT_S) as conn:
            line = export_line(conn, start, end, endpoint)
    except psycopg.Error as exc:
        raise DatabaseSetupError(f"cannot read the historian's database: {exc}") from exc
    return RecordedLine(
        line.readings,
        line.states,
        line.lots,
        line.events,
        line.start,
        line.end,
        f"historian {line.endpoint}",
    )


def historian_span(dsn: str, endpoint: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """First and last numeric reading the historian holds of ``endpoint``."""
    try:
        with psycopg.connect(dsn, connect_timeout=_CONNECT_TIMEOUT_S) as conn:
            return recorded_span(conn, endpoint)
    except psycopg.Error as exc:
        raise DatabaseSetupError(f"cannot read the historian's database: {exc}") from exc
