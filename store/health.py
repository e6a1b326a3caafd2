"""The recorder's health record: one `ingest_health` row per endpoint, rewritten in place."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import psycopg

__all__ = ["HealthRow", "write_health_rows"]


class HealthRow(NamedTuple):
    endpoint: str
    state: str
    updated_at: dt.datetime
    details: str  # JSON object of the recorder's counters


_UPSERT = """
INSERT INTO ingest_health (endpoint, state, updated_at, details) VALUES (%s, %s, %s, %s)
ON CONFLICT (endpoint) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at,
    details = EXCLUDED.details
"""


async def write_health_rows(conn: psycopg.AsyncConnection, rows: list[HealthRow]) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(_UPSERT, rows)
