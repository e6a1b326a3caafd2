"""SQL of equipment states: the state tags, and the time spent in each state per period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = ["state_seconds", "state_tags"]

# Each reading of a state tag holds until the next one (or the window's end, or now); a
# Bad reading or no reading at all counts as no data. Segments are cut at period bounds.
_SECONDS = """
WITH periods AS (
    SELECT * FROM unnest(%(p0)s::timestamptz[], %(p1)s::timestamptz[]) AS p(p0, p1)
), points AS (
    SELECT tag_id, time, CASE WHEN status_code < 2147483648 THEN value_text END AS state
    FROM reading WHERE tag_id = ANY(%(ids)s) AND time >= %(start)s AND time < %(end)s
    UNION ALL
    SELECT t.id, greatest(b.time, %(start)s), b.state FROM unnest(%(ids)s::int[]) AS t(id)
    CROSS JOIN LATERAL (
        SELECT time, CASE WHEN status_code < 2147483648 THEN value_text END AS state
        FROM reading WHERE tag_id = t.id AND time < %(start)s
        AND time > %(start)s - %(hold)s ORDER BY time DESC LIMIT 1) b
), segments AS (
    SELECT tag_id, state, time AS s0,
           lead(time, 1, %(stop)s) OVER (PARTITION BY tag_id ORDER BY time) AS s1
    FROM points
)
SELECT s.tag_id, p.p0, s.state,
       sum(extract(epoch FROM least(s.s1, p.p1) - greatest(s.s0, p.p0)))::float8 AS seconds
FROM segments s JOIN periods p ON s.s0 < p.p1 AND s.s1 > p.p0 AND s.s1 > s.s0
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


async def state_tags(
    conn: AsyncConnection, name: str, stage: str | None, equipment: str | None
) -> list[dict[str, Any]]:
    """The state tags (by name) of every equipment, optionally of one stage or equipment."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        "SELECT tag_id, stage, equipment FROM tag WHERE name = %(name)s"
        " AND (%(stage)s::text IS NULL OR stage = %(stage)s)"
        " AND (%(equipment)s::text IS NULL OR equipment = %(equipment)s)"
        " ORDER BY stage, equipment, tag_id",
        {"name": name, "stage": stage, "equipment": equipment},
    )
    return await cur.fetchall()


async def state_seconds(
    conn: AsyncConnection, tag_ids: list[int], periods: list[tuple[dt.datetime, dt.datetime]],
    stop: dt.datetime, hold: dt.timedelta,
) -> list[dict[str, Any]]:  # fmt: skip
    """(tag_id, period start, state or None, seconds) over the periods, up to ``stop``."""
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(
        _SECONDS,
        {"ids": tag_ids, "p0": [p[0] for p in periods], "p1": [p[1] for p in periods],
         "start": periods[0][0], "end": stop, "stop": stop, "hold": hold},
    )  # fmt: skip
    return await cur.fetchall()
