"""SQL of bucketed summaries: from raw readings, from the roll-ups, and for plots.

Buckets start at ``origin`` (the request's start) and are ``width`` long. "Good" is the
roll-ups' definition (002): status below 0x40000000 and a value that is not NaN; "usable"
admits Uncertain values as well, never Bad ones (whose value is kept as the server sent it). Bucket
summaries come back as JSON text per tag, written by PostgreSQL (``json_sql.py``), with the
keys the caller names (``time`` and a subset of avg, min, max, first, last, count_good,
count_all).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from store.queries.json_sql import (
    as_bytes,
    json_float,
    json_int,
    json_object,
    json_string,
    json_time,
)

__all__ = [
    "Query",
    "fetch",
    "plot_summary",
    "point_statuses",
    "raw_aggregates",
    "rollup_aggregates",
    "rollup_watermark",
    "watermark_and_rows",
]

GOOD = "status_code < 1073741824 AND value IS NOT NULL AND value <> 'NaN'::float8"
USABLE = "status_code < 2147483648 AND value IS NOT NULL AND value <> 'NaN'::float8"
# What the covering index alone can tell (it holds the value, not the status).
_HAS_VALUE = "value IS NOT NULL AND value <> 'NaN'::float8"

# A statement and its parameters (run with :func:`fetch`).
Query = tuple[str, dict[str, Any]]

_ROLLUP_TABLES = {"1m": "reading_1m", "1h": "reading_1h"}
_LEVEL_WIDTHS = {"1m": dt.timedelta(minutes=1), "1h": dt.timedelta(hours=1)}


async def _all(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(sql, params)
    return await cur.fetchall()


_BUCKET_KEYS = ("time", "avg", "min", "max", "first", "last", "count_good", "count_all")


def _json_value(key: str) -> str:
    """SQL of the JSON value of bucket column ``b.key``."""
    if key == "time":
        return json_time("b.time")
    return json_int(f"b.{key}") if key.startswith("count") else json_float(f"b.{key}")


def _json_by_tag(inner: str, keys: tuple[str, ...]) -> str:
    """``inner`` (rows of tag_id and bucket columns) as (tag_id, buckets) rows: the buckets
    as JSON objects joined by commas, without the array's brackets, in bytes, so that the
    answer is put together from cached and fresh parts with one join and no parsing."""
    if not set(keys) <= set(_BUCKET_KEYS):
        raise ValueError(f"unknown bucket keys {keys}")
    bucket = json_object({key: _json_value(key) for key in keys})
    buckets = as_bytes(f"string_agg({bucket}, ',' ORDER BY b.time)")
    return f"SELECT b.tag_id, {buckets} AS buckets FROM ({inner}) b GROUP BY b.tag_id"


def _params(
    window: tuple[dt.datetime, dt.datetime], width: dt.timedelta, **more: Any
) -> dict[str, Any]:
    return {"width": width, "origin": window[0], "start": window[0], "end": window[1], **more}


def _raw_sql(good_only: bool, keys: tuple[str, ...]) -> str:
    ok = GOOD if good_only else USABLE
    return _json_by_tag(
        "SELECT tag_id, time_bucket(%(width)s, time, origin => %(origin)s) AS time,"
        f" avg(value) FILTER (WHERE {ok}) AS avg, min(value) FILTER (WHERE {ok}) AS min,"
        f" max(value) FILTER (WHERE {ok}) AS max, first(value, time) FILTER (WHERE {ok})"
        f" AS first, last(value, time) FILTER (WHERE {ok}) AS last,"
        f" count(*) FILTER (WHERE {GOOD}) AS count_good, count(*) AS count_all"
        " FROM reading WHERE tag_id = ANY(%(ids)s) AND time >= %(start)s AND time < %(end)s"
        " GROUP BY 1, 2",
        keys,
    )


def raw_aggregates(
    level: str | None, tag_ids: list[int], window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta, good_only: bool, keys: tuple[str, ...],
) -> Query:  # fmt: skip
    """Per asked tag that exists: its reference (``tag``, TagRef's JSON object) and its
    buckets' avg, min, max, first, last of the values, counts good and all (``buckets``,
    None when it has none in the window); every row also carries the ``level`` roll-up's
    watermark (``complete_until``, ``updated_at``; NULL without a level or a roll-up).

    One statement, so one round trip: the caller cuts its buckets at the watermark it saw
    last, and the one read here says whether that still holds.
    """
    return (
        f"SELECT s.complete_until, s.updated_at, t.tag_id, {as_bytes(_TAG_REF)} AS tag,"
        " b.buckets FROM (SELECT max(complete_until) AS complete_until,"
        " max(updated_at) AS updated_at FROM rollup_state WHERE level = %(level)s) s"
        " LEFT JOIN tag t ON t.tag_id = ANY(%(ids)s)"
        f" LEFT JOIN ({_raw_sql(good_only, keys)}) b ON b.tag_id = t.tag_id",
        _params(window, width, ids=tag_ids, level=level),
    )


# The fields of schemas.TagRef, in its order.
_TAG_REF = json_object(
    {
        "tag_id": json_int("t.tag_id"),
        "tag_key": json_string("t.tag_key"),
        "name": json_string("t.name"),
        "unit": json_string("t.unit"),
        "data_type": json_string("t.data_type"),
    }
)


def watermark_and_rows(
    rows: list[dict[str, Any]],
) -> tuple[tuple[dt.datetime, dt.datetime] | None, list[dict[str, Any]]]:
    """The rows of :func:`raw_aggregates` as (watermark or None, rows of existing tags)."""
    state = rows[0]["complete_until"], rows[0]["updated_at"]
    return (None if state[1] is None else state), [r for r in rows if r["tag_id"] is not None]


def rollup_aggregates(
    level: str, tag_ids: list[int], window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta, keys: tuple[str, ...],
) -> Query:  # fmt: skip
    """The same summaries (without ``first``) from the ``level`` roll-up, re-bucketed when
    the buckets are wider than the level's (the caller aligns them on the level's)."""
    table = _ROLLUP_TABLES[level]
    params = _params(window, width, ids=tag_ids)
    if width == _LEVEL_WIDTHS[level]:
        return _json_by_tag(
            "SELECT tag_id, bucket AS time, avg, min, max, NULL::float8 AS first, last,"
            f" count_good, count_all FROM {table} WHERE tag_id = ANY(%(ids)s)"
            " AND bucket >= %(start)s AND bucket < %(end)s",
            keys,
        ), params
    return _json_by_tag(
        "SELECT tag_id, time_bucket(%(width)s, bucket, origin => %(origin)s) AS time,"
        " sum(avg * count_good) / nullif(sum(count_good), 0) AS avg, min(min) AS min,"
        " max(max) AS max, NULL::float8 AS first,"
        " last(last, bucket) FILTER (WHERE count_good > 0) AS last,"
        " sum(count_good)::bigint AS count_good, sum(count_all)::bigint AS count_all"
        f" FROM {table} WHERE tag_id = ANY(%(ids)s) AND bucket >= %(start)s"
        " AND bucket < %(end)s GROUP BY 1, 2",
        keys,
    ), params


async def fetch(conn: AsyncConnection, query: Query) -> list[dict[str, Any]]:
    """The rows of a query built here."""
    return await _all(conn, *query)


async def rollup_watermark(
    conn: AsyncConnection, level: str
) -> tuple[dt.datetime, dt.datetime] | None:
    """(complete_until, updated_at) of the ``level`` roll-up, or None when it never ran."""
    rows = await _all(
        conn,
        "SELECT complete_until, updated_at FROM rollup_state WHERE level = %(level)s",
        {"level": level},
    )
    return (rows[0]["complete_until"], rows[0]["updated_at"]) if rows else None


# Above this share of intervals holding a Bad reading, one pass over the heap beats the
# index pass plus a heap scan per such interval (measured break-even near 0.4).
_HEAP_PASS_SHARE = 0.3


def _plot_points(usable: str) -> str:
    return (
        f" min(time) FILTER (WHERE {usable}) AS first_time,"
        f" first(value, time) FILTER (WHERE {usable}) AS first_value,"
        f" max(time) FILTER (WHERE {usable}) AS last_time,"
        f" last(value, time) FILTER (WHERE {usable}) AS last_value,"
        f" first(time, value) FILTER (WHERE {usable}) AS min_time,"
        f" min(value) FILTER (WHERE {usable}) AS min_value,"
        f" last(time, value) FILTER (WHERE {usable}) AS max_time,"
        f" max(value) FILTER (WHERE {usable}) AS max_value"
    )


async def plot_summary(
    conn: AsyncConnection, tag_id: int, window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per interval: first, last, min and max usable points (time, value), first Bad time.

    Bad readings keep their value, so the status decides; but statuses live in the heap,
    where one tag's week is spread over ten times the pages its covering index entries
    fill (2.6x slower, bench/plot_bad_values.py). So: the window's Bad readings come from
    the small partial index ``reading_bad``; every interval is summed from the covering
    index (tag_id, time) INCLUDE (value) alone; and only the intervals that hold a Bad
    reading are summed again with statuses, or all of them in one pass from the heap when
    that is most. Statuses of the chosen points come from :func:`point_statuses`.
    """
    params = _params(window, width, tag=tag_id)
    bad = await _all(
        conn,
        "SELECT time_bucket(%(width)s, time, origin => %(origin)s) AS bucket,"
        " min(time) AS bad_time FROM reading WHERE tag_id = %(tag)s"
        " AND status_code >= 2147483648 AND time >= %(start)s AND time < %(end)s GROUP BY 1",
        params,
    )
    if len(bad) > _HEAP_PASS_SHARE * -(-(window[1] - window[0]) // width):
        return await _all(
            conn,
            "SELECT time_bucket(%(width)s, time, origin => %(origin)s) AS bucket,"
            f"{_plot_points(USABLE)},"
            " min(time) FILTER (WHERE status_code >= 2147483648) AS bad_time"
            " FROM reading WHERE tag_id = %(tag)s AND time >= %(start)s AND time < %(end)s"
            " GROUP BY 1 ORDER BY 1",
            params,
        )
    rows = await _all(
        conn,
        "SELECT time_bucket(%(width)s, time, origin => %(origin)s) AS bucket,"
        f"{_plot_points(_HAS_VALUE)}, NULL::timestamptz AS bad_time"
        " FROM reading WHERE tag_id = %(tag)s AND time >= %(start)s AND time < %(end)s"
        " GROUP BY 1 ORDER BY 1",
        params,
    )
    if not bad:
        return rows
    bad_times = {row["bucket"]: row["bad_time"] for row in bad}
    # One index range scan per interval with a Bad reading (each reads its rows' statuses
    # from the heap): a plan over the whole window would read every row's.
    redone = await _all(
        conn,
        "SELECT b.bucket, s.* FROM unnest(%(buckets)s::timestamptz[]) AS b(bucket)"
        f" CROSS JOIN LATERAL (SELECT{_plot_points(USABLE)}, NULL::timestamptz AS bad_time"
        "   FROM reading WHERE tag_id = %(tag)s AND time >= greatest(b.bucket, %(start)s)"
        "   AND time < least(b.bucket + %(width)s, %(end)s)) s",
        {**params, "buckets": sorted(bad_times)},
    )
    for row in redone:
        row["bad_time"] = bad_times[row["bucket"]]
    by_bucket = {row["bucket"]: row for row in rows} | {row["bucket"]: row for row in redone}
    return [by_bucket[bucket] for bucket in sorted(by_bucket)]


async def point_statuses(
    conn: AsyncConnection, tag_id: int, window: tuple[dt.datetime, dt.datetime],
    times: list[dt.datetime],
) -> dict[dt.datetime, int]:  # fmt: skip
    """The status code of each of the tag's readings at ``times``."""
    rows = await _all(
        conn,
        "SELECT time, status_code FROM reading WHERE tag_id = %(tag)s"
        " AND time >= %(start)s AND time < %(end)s AND time = ANY(%(times)s)",
        {"tag": tag_id, "start": window[0], "end": window[1], "times": times},
    )
    return {row["time"]: row["status_code"] for row in rows}
