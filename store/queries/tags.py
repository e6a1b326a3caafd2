"""SQL about tags, the asset tree and the health records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = [
    "asset_rows",
    "database_now",
    "database_status",
    "find_tag",
    "ingest_health",
    "list_tags",
    "rollup_state",
    "tags_by_id",
]

TAG_COLUMNS = """tag_id, tag_key, endpoint, node_id, browse_path, stage, equipment, name,
    unit, unit_id, eu_low, eu_high, data_type, description, expected_interval_s"""


async def _all(conn: AsyncConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = await conn.cursor(row_factory=dict_row, binary=True).execute(sql, params)
    return await cur.fetchall()


async def database_status(conn: AsyncConnection) -> dict[str, Any]:
    rows = await _all(
        conn,
        "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,"
        " (SELECT max(version) FROM schema_migration) AS schema_version",
    )
    return rows[0] if rows else {}


async def database_now(conn: AsyncConnection) -> dt.datetime:
    rows = await _all(conn, "SELECT now() AS now")
    return rows[0]["now"]


async def ingest_health(conn: AsyncConnection) -> list[dict[str, Any]]:
    return await _all(
        conn, "SELECT endpoint, state, updated_at, details FROM ingest_health ORDER BY endpoint"
    )


async def rollup_state(conn: AsyncConnection) -> list[dict[str, Any]]:
    return await _all(
        conn, "SELECT level, complete_until, updated_at FROM rollup_state ORDER BY level DESC"
    )


async def list_tags(
    conn: AsyncConnection, filters: dict[str, str | None], limit: int, offset: int
) -> list[dict[str, Any]]:
    """Tags matching every given filter; ``q`` matches name, path, key or description as
    plain text (``%`` and ``_`` are characters, not wildcards)."""
    q = filters.get("q")
    if q is not None:
        filters = {**filters, "q": _literal_like(q)}
    return await _all(
        conn,
        f"SELECT {TAG_COLUMNS} FROM tag"
        " WHERE (%(stage)s::text IS NULL OR stage = %(stage)s)"
        " AND (%(equipment)s::text IS NULL OR equipment = %(equipment)s)"
        " AND (%(unit)s::text IS NULL OR unit = %(unit)s)"
        " AND (%(q)s::text IS NULL OR concat_ws(' ', name, browse_path, tag_key, description)"
        "      ILIKE '%%' || %(q)s || '%%')"
        " ORDER BY tag_id LIMIT %(limit)s OFFSET %(offset)s",
        {**filters, "limit": limit, "offset": offset},
    )


def _literal_like(text: str) -> str:
    """``text`` for a LIKE pattern that matches it literally (the default escape is \\)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_tag(conn: AsyncConnection, tag_id: int) -> dict[str, Any] | None:
    rows = await tags_by_id(conn, [tag_id])
    return rows[0] if rows else None


async def tags_by_id(conn: AsyncConnection, tag_ids: list[int]) -> list[dict[str, Any]]:
    return await _all(
        conn, f"SELECT {TAG_COLUMNS} FROM tag WHERE tag_id = ANY(%s) ORDER BY tag_id", (tag_ids,)
    )


async def asset_rows(conn: AsyncConnection) -> list[dict[str, Any]]:
    """(line, stage, equipment, tag count, units) from each tag's browse path."""
    return await _all(
        conn,
        "SELECT split_part(browse_path, '/', 1) AS line, coalesce(stage, '') AS stage,"
        " coalesce(equipment, '') AS equipment, count(*) AS tag_count,"
        " array_agg(DISTINCT unit) FILTER (WHERE unit IS NOT NULL) AS units"
        " FROM tag GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
