"""The `gap` table (intervals without data) and where an endpoint's stored data stops.

A gap is recorded when data resumes, then recovered from the server's history; the
recovery says per kind of data (readings, events, lots) what it found: RECOVERED (the
history answered for all of it), PARTLY (for some nodes only) or NONE (no such history).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import psycopg

__all__ = [
    "NONE",
    "PARTLY",
    "RECOVERED",
    "Gap",
    "finish_recovery",
    "gaps_to_recover",
    "last_stored_time",
    "record_gap",
]

RECOVERED, PARTLY, NONE = "recovered", "partly", "none"


class Gap(NamedTuple):
    """A recorded interval without data, not recovered yet."""

    gap_id: int
    start: dt.datetime
    end: dt.datetime


async def last_stored_time(conn: psycopg.AsyncConnection, tag_ids: list[int]) -> dt.datetime | None:
    """The newest reading time of any of ``tag_ids`` (one index probe per tag), on the
    plant's clock: a tag whose newest reading was stamped with the recorder's receive time
    (a variable the server sends without timestamps) or flagged as ahead of its receipt is
    left out, unless every tag's is; mixing clocks would misplace the gap after it."""
    cur = await conn.execute(
        "SELECT coalesce(max(newest) FILTER (WHERE time_source <> 2 AND flags = 0), max(newest))"
        " FROM unnest(%s::int[]) AS t(id), LATERAL (SELECT time AS newest, time_source, flags"
        "  FROM reading WHERE tag_id = t.id ORDER BY time DESC LIMIT 1) n",
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


async def finish_recovery(
    conn: psycopg.AsyncConnection,
    gap_id: int,
    readings: str,
    events: str | None,
    lots: str | None,
) -> None:
    """Say what the recovery of a gap found (None: that kind is not recorded there)."""
    filled = all(state in (RECOVERED, None) for state in (readings, events, lots))
    await conn.execute(
        "UPDATE gap SET readings = %s, events = %s, lots = %s, filled = %s,"
        " filled_at = CASE WHEN %s THEN now() END, recovered_at = now() WHERE gap_id = %s",
        (readings, events, lots, filled, filled, gap_id),
    )


async def gaps_to_recover(
    conn: psycopg.AsyncConnection, endpoint: str, within: dt.timedelta = dt.timedelta(days=7)
) -> list[Gap]:
    """Recent gaps of ``endpoint`` whose recovery never ran to its end, oldest first."""
    cur = await conn.execute(
        "SELECT gap_id, start_time, end_time FROM gap WHERE endpoint = %s"
        " AND recovered_at IS NULL AND end_time IS NOT NULL AND end_time > now() - %s"
        " ORDER BY start_time",
        (endpoint, within),
    )
    return [Gap(*row) for row in await cur.fetchall()]
