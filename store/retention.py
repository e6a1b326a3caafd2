"""Retention: drop whole chunks of raw readings (and roll-ups) past their keeping period.

Raw chunks are dropped only once their minutes are rolled up: the cut-off is the earlier
of "now minus the raw retention" and the 1-minute roll-up's watermark, so a stalled
roll-up job can never make data disappear unsummarized. `drop_chunks` removes whole
chunks only, so rows a little older than the period may stay until their chunk is due.
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg

__all__ = ["apply_retention"]

logger = logging.getLogger(__name__)


def apply_retention(
    conn: psycopg.Connection,
    now: dt.datetime,
    raw_days: float,
    minute_days: float,
    hour_days: float | None,
) -> dict[str, int]:
    """Drop chunks past each table's period; return how many chunks each table lost."""
    watermark = conn.execute(
        "SELECT complete_until FROM rollup_state WHERE level = '1m'"
    ).fetchone()
    # Nothing rolled up yet: keep every raw chunk.
    raw_cutoff = None if watermark is None else min(now - dt.timedelta(days=raw_days), watermark[0])
    cutoffs = {
        "reading": raw_cutoff,
        "reading_1m": now - dt.timedelta(days=minute_days),
        "reading_1h": now - dt.timedelta(days=hour_days) if hour_days else None,
    }
    dropped = {}
    for table, cutoff in cutoffs.items():
        if cutoff is None:
            dropped[table] = 0
            continue
        rows = conn.execute("SELECT drop_chunks(%s::regclass, older_than => %s)", (table, cutoff))
        dropped[table] = len(rows.fetchall())
        if dropped[table]:
            logger.info(
                "retention: dropped %d chunks of %s older than %s",
                dropped[table],
                table,
                cutoff.isoformat(),
            )
    return dropped
