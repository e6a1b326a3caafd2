"""The `gap` table (intervals without data) and where an endpoint's stored data stops."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import psycopg

__all__ = ["Gap", "last_stored_time", "mark_filled", "record_gap", "unfilled_gaps"]


class Gap(NamedTuple):
    """A recorded interval without data, not filled yet."""

    gap_id: int
    start: dt.datetime
    end: dt.datetime


async def last_stored_time(conn: psycopg.AsyncConnection, tag_ids: list[int]) -> dt.datetime | None:
    """The newest reading time of any of ``tag_ids`` (one index probe per tag)."""
    cur = await conn.execute(
        "SELECT max(newest) FROM unnest(%s::int[]) AS t(id), LATERAL ("
        " SELECT time AS newest FROM reading WHERE tag_id = t.id ORDER BY time DESC LIMIT 1) n",
        (tag_ids,),
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def record_gap(
    conn: psycopg.AsyncConnection, endpoint: str, start: dt.datetime, end: dt.datetime, reason: str
) -> int:
    """Record a gap of ``endpoint``; returns its id."""
    cur = await conn.execute(
        "INSERT INTO gap (endpoint, start_time, end_time, reason) VALUES (%s, %s, %s, %s) "
        "RETURNING gap_id",
        (endpoint, start, end, reason),
    )
    return (await cur.fetchone())[0]


async def mark_filled(conn: psycopg.AsyncConnection, gap_id: int) -> None:
    await conn.execute(
        "UPDATE gap SET filled = true, filled_at = now() WHERE gap_id = %s", (gap_id,)
    )


async def unfilled_gaps(
    conn: psycopg.AsyncConnection, endpoint: str, within: dt.timedelta = dt.timedelta(days=7)
) -> list[Gap]:
    """Recent gaps of ``endpoint`` not yet filled, oldest first."""
    cur = await conn.execute(
        "SELECT gap_id, start_time, end_time FROM gap WHERE endpoint = %s AND NOT filled "
        "AND end_time IS NOT NULL AND end_time > now() - %s ORDER BY start_time",
        (endpoint, within),
    )
    return [Gap(*row) for row in await cur.fetchall()]
