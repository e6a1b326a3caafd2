"""SQL over the recorded facts besides readings: gaps, events, lots and their genealogy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = ["events", "gaps", "lot_edges", "lots", "lots_by_id"]

_LOT_COLUMNS = """lot_id, stage, equipment, started_at, finished_at, mass_in_kg, mass_out_kg,
    properties, endpoint, recorded_at"""

_EDGES = {
    "up": "WITH RECURSIVE walk(lot_id, parent_lot_id, depth) AS ("
    " SELECT lot_id, parent_lot_id, 1 FROM lot_parent WHERE lot_id = %(lot)s UNION"
    " SELECT p.lot_id, p.parent_lot_id, w.depth + 1 FROM lot_parent p"
    " JOIN walk w ON p.lot_id = w.parent_lot_id WHERE w.depth < %(depth)s)"
    " SELECT lot_id, parent_lot_id, min(depth) AS depth FROM walk GROUP BY 1, 2",
    "down": "WITH RECURSIVE walk(lot_id, parent_lot_id, depth) AS ("
    " SELECT lot_id, parent_lot_id, 1 FROM lot_parent WHERE parent_lot_id = %(lot)s UNION"
    " SELECT p.lot_id, p.parent_lot_id, w.depth + 1 FROM lot_parent p"
    " JOIN walk w ON p.parent_lot_id = w.lot_id WHERE w.depth < %(depth)s)"
    " SELECT lot_id, parent_lot_id, min(depth) AS depth FROM walk GROUP BY 1, 2",
}


async def _all(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(sql, params)
    return await cur.fetchall()


async def gaps(
    conn: AsyncConnection, window: tuple[dt.datetime, dt.datetime],
    filters: dict[str, Any], limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Gaps overlapping the window (open ones included), oldest first."""
    return await _all(
        conn,
        "SELECT g.gap_id, g.endpoint, g.tag_id, t.tag_key, g.start_time, g.end_time, g.reason,"
        " g.filled, g.filled_at, g.readings, g.events, g.lots, g.recovered_at"
        " FROM gap g LEFT JOIN tag t USING (tag_id)"
        " WHERE g.start_time < %(end)s AND (g.end_time IS NULL OR g.end_time > %(start)s)"
        " AND (%(tag_id)s::int IS NULL OR g.tag_id = %(tag_id)s OR g.tag_id IS NULL"
        "      AND g.endpoint = (SELECT endpoint FROM tag WHERE tag_id = %(tag_id)s))"
        " AND (%(endpoint)s::text IS NULL OR g.endpoint = %(endpoint)s)"
        " AND (NOT %(open_only)s OR g.end_time IS NULL)"
        " ORDER BY g.start_time, g.gap_id LIMIT %(limit)s",
        {"start": window[0], "end": window[1], "limit": limit, **filters},
    )


async def events(
    conn: AsyncConnection, window: tuple[dt.datetime, dt.datetime],
    filters: dict[str, Any], after: dict[str, Any] | None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Events in the window after the ``after`` key (time, source, event_type), oldest first."""
    key = after or {"time": window[0] - dt.timedelta(microseconds=1), "source": "", "type": ""}
    return await _all(
        conn,
        "SELECT time, endpoint, source, event_type, severity, message, attributes FROM event"
        " WHERE time >= %(start)s AND time < %(end)s"
        " AND (time, source, event_type) > (%(a_time)s, %(a_source)s, %(a_type)s)"
        " AND (%(source)s::text IS NULL OR source = %(source)s)"
        " AND (%(event_type)s::text IS NULL OR event_type = %(event_type)s)"
        " AND (%(endpoint)s::text IS NULL OR endpoint = %(endpoint)s)"
        " AND severity >= %(min_severity)s"
        " ORDER BY time, source, event_type LIMIT %(limit)s",
        {"start": window[0], "end": window[1], "a_time": key["time"],
         "a_source": key["source"], "a_type": key["type"], "limit": limit, **filters},
    )  # fmt: skip


async def lots(
    conn: AsyncConnection, filters: dict[str, Any], limit: int, offset: int
) -> list[dict[str, Any]]:
    """Lots of a stage or equipment, started in an optional window, newest first."""
    return await _all(
        conn,
        f"SELECT {_LOT_COLUMNS} FROM lot"
        " WHERE (%(stage)s::text IS NULL OR stage = %(stage)s)"
        " AND (%(equipment)s::text IS NULL OR equipment = %(equipment)s)"
        " AND (%(start)s::timestamptz IS NULL OR started_at >= %(start)s)"
        " AND (%(end)s::timestamptz IS NULL OR started_at < %(end)s)"
        " ORDER BY started_at DESC NULLS LAST, lot_id LIMIT %(limit)s OFFSET %(offset)s",
        {"limit": limit, "offset": offset, **filters},
    )


async def lots_by_id(conn: AsyncConnection, lot_ids: list[str]) -> list[dict[str, Any]]:
    return await _all(
        conn, f"SELECT {_LOT_COLUMNS} FROM lot WHERE lot_id = ANY(%(ids)s)", {"ids": lot_ids}
    )


async def lot_edges(
    conn: AsyncConnection, lot_id: str, direction: str, depth: int
) -> list[dict[str, Any]]:
    """Parent links walked ``up`` (ancestors) or ``down`` (descendants), at most ``depth``."""
    return await _all(conn, _EDGES[direction], {"lot": lot_id, "depth": depth})
