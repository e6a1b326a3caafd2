"""SQL for the `tag` table: register discovered signals, keyed by their stable tag key."""

from __future__ import annotations

import psycopg

from ingest.discovery import TagInfo

__all__ = ["register_tags"]

_UPSERT = """
INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, stage, equipment,
                 name, unit, unit_id, eu_low, eu_high, data_type, description)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (endpoint, tag_key) DO UPDATE SET
    browse_path = EXCLUDED.browse_path,
    stage = EXCLUDED.stage, equipment = EXCLUDED.equipment, name = EXCLUDED.name,
    unit = EXCLUDED.unit, unit_id = EXCLUDED.unit_id, eu_low = EXCLUDED.eu_low,
    eu_high = EXCLUDED.eu_high, data_type = EXCLUDED.data_type,
    description = EXCLUDED.description, updated_at = now()
"""


async def register_tags(conn: psycopg.AsyncConnection, tags: list[TagInfo]) -> dict[str, int]:
    """Insert or update ``tags`` (all of one endpoint); return their ids by tag key."""
    params = [
        (
            tag.tag_key,
            tag.endpoint,
            tag.namespace_uri,
            tag.identifier,
            "/".join(tag.browse_path),
            tag.stage,
            tag.equipment,
            tag.name,
            tag.unit,
            tag.unit_id,
            tag.eu_low,
            tag.eu_high,
            tag.data_type,
            tag.description,
        )
        for tag in tags
    ]
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_UPSERT, params)
        await cur.execute(
            "SELECT tag_key, tag_id FROM tag WHERE endpoint = %s AND tag_key = ANY(%s)",
            (tags[0].endpoint, [t.tag_key for t in tags]),
        )
        return dict(await cur.fetchall())
