"""SQL of bucketed summaries: from raw readings, from the roll-ups, and for plots.

Buckets start at ``origin`` (the request's start) and are ``width`` long. "Good" is the
roll-ups' definition (002): status below 0x40000000 and a value that is not NaN.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = ["plot_summary", "raw_aggregates", "rollup_aggregates", "rollup_watermark"]

GOOD = "status_code < 1073741824 AND value IS NOT NULL AND value <> 'NaN'::float8"
USABLE = "value IS NOT NULL AND value <> 'NaN'::float8"
BAD = "status_code >= 2147483648"

_ROLLUP_TABLES = {"1m": "reading_1m", "1h": "reading_1h"}


async def _all(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row).execute(sql, params)
    return await cur.fetchall()


def _params(
    window: tuple[dt.datetime, dt.datetime], width: dt.timedelta, **more: Any
) -> dict[str, Any]:
    return {"width": width, "origin": window[0], "start": window[0], "end": window[1], **more}


async def raw_aggregates(
    conn: AsyncConnection, tag_ids: list[int], window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta, good_only: bool,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per tag and bucket: avg, min, max, first, last of the values, counts good and all."""
    ok = GOOD if good_only else USABLE
    return await _all(
        conn,
        "SELECT tag_id, time_bucket(%(width)s, time, origin => %(origin)s) AS time,"
        f" avg(value) FILTER (WHERE {ok}) AS avg, min(value) FILTER (WHERE {ok}) AS min,"
        f" max(value) FILTER (WHERE {ok}) AS max, first(value, time) FILTER (WHERE {ok})"
        f" AS first, last(value, time) FILTER (WHERE {ok}) AS last,"
        f" count(*) FILTER (WHERE {GOOD}) AS count_good, count(*) AS count_all"
        " FROM reading WHERE tag_id = ANY(%(ids)s) AND time >= %(start)s AND time < %(end)s"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        _params(window, width, ids=tag_ids),
    )


async def rollup_aggregates(
    conn: AsyncConnection, level: str, tag_ids: list[int],
    window: tuple[dt.datetime, dt.datetime], width: dt.timedelta,
) -> list[dict[str, Any]]:  # fmt: skip
    """The same summaries (without ``first``) re-bucketed from the ``level`` roll-up."""
    table = _ROLLUP_TABLES[level]
    return await _all(
        conn,
        "SELECT tag_id, time_bucket(%(width)s, bucket, origin => %(origin)s) AS time,"
        " sum(avg * count_good) / nullif(sum(count_good), 0) AS avg, min(min) AS min,"
        " max(max) AS max, NULL::float8 AS first,"
        " last(last, bucket) FILTER (WHERE count_good > 0) AS last,"
        " sum(count_good)::bigint AS count_good, sum(count_all)::bigint AS count_all"
        f" FROM {table} WHERE tag_id = ANY(%(ids)s) AND bucket >= %(start)s"
        " AND bucket < %(end)s GROUP BY 1, 2 ORDER BY 1, 2",
        _params(window, width, ids=tag_ids),
    )


async def rollup_watermark(conn: AsyncConnection, level: str) -> dt.datetime | None:
    """Up to where the ``level`` roll-up is final, or None when it has never run."""
    rows = await _all(
        conn, "SELECT complete_until FROM rollup_state WHERE level = %(level)s", {"level": level}
    )
    return rows[0]["complete_until"] if rows else None


async def plot_summary(
    conn: AsyncConnection, tag_id: int, window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per interval: first, last, min and max points (time, value, status), first Bad point."""
    return await _all(
        conn,
        "SELECT time_bucket(%(width)s, time, origin => %(origin)s) AS bucket,"
        f" min(time) FILTER (WHERE {USABLE}) AS first_time,"
        f" first(value, time) FILTER (WHERE {USABLE}) AS first_value,"
        f" first(status_code, time) FILTER (WHERE {USABLE}) AS first_status,"
        f" max(time) FILTER (WHERE {USABLE}) AS last_time,"
        f" last(value, time) FILTER (WHERE {USABLE}) AS last_value,"
        f" last(status_code, time) FILTER (WHERE {USABLE}) AS last_status,"
        f" first(time, value) FILTER (WHERE {USABLE}) AS min_time,"
        f" min(value) FILTER (WHERE {USABLE}) AS min_value,"
        f" first(status_code, value) FILTER (WHERE {USABLE}) AS min_status,"
        f" last(time, value) FILTER (WHERE {USABLE}) AS max_time,"
        f" max(value) FILTER (WHERE {USABLE}) AS max_value,"
        f" last(status_code, value) FILTER (WHERE {USABLE}) AS max_status,"
        f" min(time) FILTER (WHERE {BAD}) AS bad_time,"
        f" first(status_code, time) FILTER (WHERE {BAD}) AS bad_status"
        " FROM reading WHERE tag_id = %(tag)s AND time >= %(start)s AND time < %(end)s"
        " GROUP BY 1 ORDER BY 1",
        _params(window, width, tag=tag_id),
    )
