"""Roll-ups: 1-minute and 1-hour summaries of `reading`, maintained incrementally.

The Apache-only TimescaleDB build has no continuous aggregates, so the service keeps
`reading_1m` and `reading_1h` itself. Each level has a watermark in `rollup_state`:
every bucket that starts before it is final. A run summarizes the buckets from the
watermark up to the newest data minus a grace period (so a bucket still filling is left
for later), and re-summarizes any older bucket that received late rows (a backfill after
an outage) because the writer reports the earliest time it wrote below the watermark.

Summaries count only Good values (status below 0x40000000, a value, not NaN) in avg, min,
max and last; `count_good` counts them and `count_all` counts every reading.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import psycopg

__all__ = ["LEVELS", "RollupLevel", "roll_up"]

logger = logging.getLogger(__name__)

_GOOD = "status_code < 1073741824 AND value IS NOT NULL AND value <> 'NaN'::float8"

_FROM_RAW = f"""
INSERT INTO reading_1m (bucket, tag_id, avg, min, max, last, count_good, count_all)
SELECT time_bucket('1 minute', time), tag_id,
       avg(value) FILTER (WHERE {_GOOD}), min(value) FILTER (WHERE {_GOOD}),
       max(value) FILTER (WHERE {_GOOD}), last(value, time) FILTER (WHERE {_GOOD}),
       count(*) FILTER (WHERE {_GOOD}), count(*)
FROM reading WHERE time >= %(start)s AND time < %(end)s
GROUP BY 1, 2
ON CONFLICT (tag_id, bucket) DO UPDATE SET avg = EXCLUDED.avg, min = EXCLUDED.min,
    max = EXCLUDED.max, last = EXCLUDED.last, count_good = EXCLUDED.count_good,
    count_all = EXCLUDED.count_all
"""

_FROM_MINUTES = """
INSERT INTO reading_1h (bucket, tag_id, avg, min, max, last, count_good, count_all)
SELECT time_bucket('1 hour', bucket), tag_id,
       sum(avg * count_good) / nullif(sum(count_good), 0), min(min), max(max),
       last(last, bucket) FILTER (WHERE count_good > 0), sum(count_good), sum(count_all)
FROM reading_1m WHERE bucket >= %(start)s AND bucket < %(end)s
GROUP BY 1, 2
ON CONFLICT (tag_id, bucket) DO UPDATE SET avg = EXCLUDED.avg, min = EXCLUDED.min,
    max = EXCLUDED.max, last = EXCLUDED.last, count_good = EXCLUDED.count_good,
    count_all = EXCLUDED.count_all
"""


@dataclass(frozen=True)
class RollupLevel:
    name: str
    width: dt.timedelta
    sql: str
    source: str  # the table and time column the level summarizes


LEVELS = (
    RollupLevel("1m", dt.timedelta(minutes=1), _FROM_RAW, "reading.time"),
    RollupLevel("1h", dt.timedelta(hours=1), _FROM_MINUTES, "reading_1m.bucket"),
)
_MAX_SPAN_PER_STATEMENT = dt.timedelta(hours=6)  # bounds one statement's work and lock time


def floor_to(moment: dt.datetime, width: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return epoch + ((moment - epoch) // width) * width


def roll_up(
    conn: psycopg.Connection, data_until: dt.datetime, late_since: dt.datetime | None = None
) -> dict[str, int]:
    """Bring both levels up to ``data_until`` (exclusive); re-summarize from ``late_since``.

    ``data_until`` is the newest data time that is complete (newest row minus a grace
    period). Returns the rows upserted per level.
    """
    upserted = {}
    for level in LEVELS:
        upserted[level.name] = _roll_level(conn, level, data_until, late_since)
        # The hour level is built from minutes: only minutes already final count.
        data_until = _watermark(conn, "1m") or data_until
    return upserted


def _roll_level(
    conn: psycopg.Connection,
    level: RollupLevel,
    data_until: dt.datetime,
    late_since: dt.datetime | None,
) -> int:
    end = floor_to(data_until, level.width)
    watermark = _watermark(conn, level.name) or _earliest(conn, level)
    if watermark is None:
        return 0
    start = floor_to(watermark, level.width)
    if late_since is not None:
        start = min(start, floor_to(late_since, level.width))
    total = 0
    while start < end:
        stop = min(end, start + _MAX_SPAN_PER_STATEMENT)
        with conn.transaction():
            total += conn.execute(level.sql, {"start": start, "end": stop}).rowcount
            _set_watermark(conn, level.name, stop)
        start = stop
    return total


def _watermark(conn: psycopg.Connection, level: str) -> dt.datetime | None:
    row = conn.execute("SELECT complete_until FROM rollup_state WHERE level = %s", (level,))
    found = row.fetchone()
    return found[0] if found else None


def _earliest(conn: psycopg.Connection, level: RollupLevel) -> dt.datetime | None:
    table, column = level.source.split(".")
    row = conn.execute(f"SELECT {column} FROM {table} ORDER BY {column} LIMIT 1").fetchone()
    return row[0] if row else None


def _set_watermark(conn: psycopg.Connection, level: str, until: dt.datetime) -> None:
    conn.execute(
        "INSERT INTO rollup_state (level, complete_until) VALUES (%s, %s) ON CONFLICT (level) "
        "DO UPDATE SET complete_until = greatest(rollup_state.complete_until, "
        "EXCLUDED.complete_until), updated_at = now()",
        (level, until),
    )
