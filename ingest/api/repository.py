"""All SQL the API runs, in one place; routes call these and never write SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = ["database_status", "find_tag", "ingest_health", "list_tags", "readings"]

_TAG_COLUMNS = """tag_id, tag_key, endpoint, node_id, browse_path, stage, equipment, name,
    unit, unit_id, eu_low, eu_high, data_type, description"""


async def database_status(conn: AsyncConnection) -> dict[str, Any]:
    cur = await conn.cursor(row_factory=dict_row).execute(
        "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,"
        " (SELECT max(version) FROM schema_migration) AS schema_version"
    )
    return await cur.fetchone() or {}


async def ingest_health(conn: AsyncConnection) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row).execute(
        "SELECT endpoint, state, updated_at, details FROM ingest_health ORDER BY endpoint"
    )
    return await cur.fetchall()


async def list_tags(
    conn: AsyncConnection, stage: str | None, equipment: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row).execute(
        f"SELECT {_TAG_COLUMNS} FROM tag"
        " WHERE (%(stage)s::text IS NULL OR stage = %(stage)s)"
        " AND (%(equipment)s::text IS NULL OR equipment = %(equipment)s)"
        " ORDER BY tag_id LIMIT %(limit)s OFFSET %(offset)s",
        {"stage": stage, "equipment": equipment, "limit": limit, "offset": offset},
    )
    return await cur.fetchall()


async def find_tag(conn: AsyncConnection, tag_id: int) -> dict[str, Any] | None:
    cur = await conn.cursor(row_factory=dict_row).execute(
        f"SELECT {_TAG_COLUMNS} FROM tag WHERE tag_id = %s", (tag_id,)
    )
    return await cur.fetchone()


async def readings(
    conn: AsyncConnection, tag_id: int, start: dt.datetime, end: dt.datetime, limit: int
) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row).execute(
        "SELECT time, value, value_text, status_code, server_time, time_source FROM reading"
        " WHERE tag_id = %s AND time >= %s AND time < %s ORDER BY time LIMIT %s",
        (tag_id, start, end, limit),
    )
    return await cur.fetchall()
