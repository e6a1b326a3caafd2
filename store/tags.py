"""The `tag` table's write side: register discovered signals, keyed by their stable key."""

from __future__ import annotations

from typing import NamedTuple

import psycopg

__all__ = ["TagRow", "register_tags"]


class TagRow(NamedTuple):
    """One recorded signal as the recorder found it (the columns it writes)."""

    tag_key: str  # nsu=<namespace URI>;<identifier>: never a namespace index
    endpoint: str
    namespace_uri: str
    node_id: str  # the identifier part (s=..., i=...)
    browse_path: str  # browse names joined by "/"
    stage: str | None
    equipment: str | None
    name: str
    unit: str | None
    unit_id: int | None
    eu_low: float | None
    eu_high: float | None
    data_type: str
    description: str | None


_UPSERT = f"""
INSERT INTO tag ({", ".join(TagRow._fields)})
VALUES ({", ".join(["%s"] * len(TagRow._fields))})
ON CONFLICT (endpoint, tag_key) DO UPDATE SET
    browse_path = EXCLUDED.browse_path,
    stage = EXCLUDED.stage, equipment = EXCLUDED.equipment, name = EXCLUDED.name,
    unit = EXCLUDED.unit, unit_id = EXCLUDED.unit_id, eu_low = EXCLUDED.eu_low,
    eu_high = EXCLUDED.eu_high, data_type = EXCLUDED.data_type,
    description = EXCLUDED.description, updated_at = now()
"""


async def register_tags(conn: psycopg.AsyncConnection, tags: list[TagRow]) -> dict[str, int]:
    """Insert or update ``tags`` (all of one endpoint); return their ids by tag key."""
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_UPSERT, tags)
        await cur.execute(
            "SELECT tag_key, tag_id FROM tag WHERE endpoint = %s AND tag_key = ANY(%s)",
            (tags[0].endpoint, [t.tag_key for t in tags]),
        )
        return dict(await cur.fetchall())
