"""SQL over raw readings: ranges, latest values, interpolation neighbours, CSV export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from store.queries.json_sql import (
    as_bytes,
    json_bool,
    json_float,
    json_int,
    json_object,
    json_string,
    json_time,
)

__all__ = [
    "export_csv",
    "interpolation_rows",
    "latest",
    "new_readings",
    "readings",
    "stream_starts",
]

_STATUS = (
    "CASE WHEN r.status_code >= 2147483648 THEN 'bad'"
    " WHEN r.status_code >= 1073741824 THEN 'uncertain' ELSE 'good' END"
)


async def readings(
    conn: AsyncConnection,
    tag_id: int,
    window: tuple[dt.datetime, dt.datetime],
    limit: int,
    after: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Readings of one tag in ``[start, end)`` after ``after`` (exclusive), oldest first."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        "SELECT time, value, value_text, status_code, server_time, time_source, flags"
        " FROM reading"
        " WHERE tag_id = %s AND time >= %s AND time > %s AND time < %s ORDER BY time LIMIT %s",
        (tag_id, window[0], after or window[0] - dt.timedelta(microseconds=1), window[1], limit),
    )
    return await cur.fetchall()


async def latest(
    conn: AsyncConnection,
    tag_ids: list[int] | None,
    filters: dict[str, str | None],
    lookback: dt.timedelta,
    limit: int,
    stale_factor: float,
) -> list[dict[str, Any]]:
    """Each chosen tag with its newest reading within ``lookback``, as the JSON object of
    the latest-value answer (``json``, bytes); with its stage and equipment (to filter a
    snapshot) and the database time it was read at (``now``, which ages are measured to).

    Ages are measured from when the recorder last received the tag with a trusted
    timestamp (`tag_receipt`), so a plant clock ahead or behind does not move them; a tag
    never received live (imported, or recorded before receipts were kept) is aged by its
    reading's time."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        f"SELECT t.tag_id, t.stage, t.equipment, {as_bytes(_LATEST_JSON)} AS json,"
        " now() AS now FROM tag t"
        " LEFT JOIN LATERAL (SELECT time, value, value_text, status_code, flags FROM reading"
        "   WHERE tag_id = t.tag_id AND time > now() - %(lookback)s"
        "   ORDER BY time DESC LIMIT 1) r ON true"
        " LEFT JOIN tag_receipt tr ON tr.tag_id = t.tag_id"
        " CROSS JOIN LATERAL (SELECT extract(epoch FROM"
        "   now() - coalesce(tr.received_at, r.time))::float8 AS age_s) a"
        " WHERE (%(ids)s::int[] IS NULL OR t.tag_id = ANY(%(ids)s))"
        " AND (%(stage)s::text IS NULL OR t.stage = %(stage)s)"
        " AND (%(equipment)s::text IS NULL OR t.equipment = %(equipment)s)"
        " ORDER BY t.tag_id LIMIT %(limit)s",
        {"ids": tag_ids, "lookback": lookback, "limit": limit, "stale": stale_factor, **filters},
    )
    return await cur.fetchall()


# The fields of routes.readings.LatestValue, in its order. Stale: no reading, a newest
# reading stamped ahead of its receipt, or received longer ago than ``stale`` times the
# tag's expected interval (never, for tags without one).
_LATEST_JSON = json_object(
    {
        "tag_id": json_int("t.tag_id"),
        "tag_key": json_string("t.tag_key"),
        "name": json_string("t.name"),
        "unit": json_string("t.unit"),
        "time": json_time("r.time"),
        "value": json_float("r.value"),
        "value_text": json_string("r.value_text"),
        "status_code": json_int("r.status_code"),
        "status": f"CASE WHEN r.status_code IS NULL THEN 'null' ELSE '\"' || {_STATUS} || '\"' END",
        "future_time": json_bool("r.flags & 1 = 1"),
        "received_at": json_time("tr.received_at"),
        "age_s": json_float("a.age_s"),
        "expected_interval_s": json_float("t.expected_interval_s"),
        "stale": json_bool(
            "r.time IS NULL OR r.flags & 1 = 1 OR a.age_s > %(stale)s * t.expected_interval_s"
        ),
    }
)


async def interpolation_rows(
    conn: AsyncConnection, tag_id: int, grid: tuple[dt.datetime, dt.datetime, dt.timedelta],
    hold: dt.timedelta,
) -> list[dict[str, Any]]:  # fmt: skip
    """For each grid time in ``[start, end)``: the reading at or before it, and the next one."""
    start, end, step = grid
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        "SELECT g.t, p.time AS p_time, p.value AS p_value, p.value_text AS p_text,"
        " p.status_code AS p_status, n.time AS n_time, n.value AS n_value,"
        " n.status_code AS n_status"
        " FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz, %(step)s) g(t)"
        " LEFT JOIN LATERAL (SELECT time, value, value_text, status_code FROM reading"
        "   WHERE tag_id = %(tag)s AND time <= g.t AND time > g.t - %(hold)s"
        "   ORDER BY time DESC LIMIT 1) p ON true"
        " LEFT JOIN LATERAL (SELECT time, value, status_code FROM reading"
        "   WHERE tag_id = %(tag)s AND time > g.t AND time < g.t + %(hold)s"
        "   ORDER BY time LIMIT 1) n ON true"
        " WHERE g.t < %(end)s ORDER BY g.t",
        {"start": start, "end": end, "step": step, "tag": tag_id, "hold": hold},
    )
    return await cur.fetchall()


async def export_csv(
    conn: AsyncConnection, tags: list[dict[str, Any]], window: tuple[dt.datetime, dt.datetime],
    limit: int,
) -> tuple[bytes, int]:  # fmt: skip
    """CSV (with header) of the tags' readings in the window, tag by tag; and its row count.

    One index range scan per tag, at most ``limit`` rows in all. Times are written in UTC
    as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (the session time zone is UTC).
    """
    chunks: list[bytes] = []
    rows = 0
    for index, tag in enumerate(tags):
        statement = _EXPORT.format(
            tag_id=sql.Literal(tag["tag_id"]),
            tag_key=sql.Literal(tag["tag_key"]),
            unit=sql.Literal(tag["unit"]),
            start=sql.Literal(window[0]),
            end=sql.Literal(window[1]),
            limit=sql.Literal(limit - rows),
            header=sql.SQL("true" if index == 0 else "false"),
        )
        cursor = conn.cursor()
        async with cursor.copy(statement) as copy:
            async for chunk in copy:
                chunks.append(bytes(chunk))
        rows += cursor.rowcount
        if rows >= limit:
            break
    return b"".join(chunks), rows


_EXPORT = sql.SQL(
    'COPY (SELECT to_char(time, \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS time,'
    " {tag_id} AS tag_id, {tag_key}::text AS tag_key, value, value_text, {unit}::text AS unit,"
    " status_code, " + _STATUS + " AS status FROM reading r"
    " WHERE tag_id = {tag_id} AND time >= {start} AND time < {end} ORDER BY time"
    " LIMIT {limit}) TO STDOUT WITH (FORMAT csv, HEADER {header})"
)


async def new_readings(
    conn: AsyncConnection, tag_ids: list[int], after: list[dt.datetime], limit: int
) -> list[dict[str, Any]]:
    """Readings of each tag newer than its ``after`` time, oldest first, at most ``limit``."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        "SELECT r.* FROM unnest(%(ids)s::int[], %(after)s::timestamptz[]) AS c(id, after)"
        " CROSS JOIN LATERAL (SELECT tag_id, time, value, value_text, status_code, flags"
        "   FROM reading WHERE tag_id = c.id AND time > c.after ORDER BY time LIMIT %(limit)s) r"
        " ORDER BY r.time, r.tag_id LIMIT %(limit)s",
        {"ids": tag_ids, "after": after, "limit": limit},
    )
    return await cur.fetchall()


async def stream_starts(conn: AsyncConnection, tag_ids: list[int]) -> dict[int, dt.datetime]:
    """Where a live stream of each tag begins: after its newest stored reading, or now for a
    tag without one, so that only readings recorded from now on are sent, whatever the
    plant's clock says (a clock ahead has already stored readings stamped after now)."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        "SELECT c.id, coalesce(r.time, now()) AS start FROM unnest(%(ids)s::int[]) AS c(id)"
        " LEFT JOIN LATERAL (SELECT time FROM reading WHERE tag_id = c.id"
        "   ORDER BY time DESC LIMIT 1) r ON true",
        {"ids": tag_ids},
    )
    return {row["id"]: row["start"] for row in await cur.fetchall()}
