"""The live stream: new readings of chosen tags as server-sent events, by polling.

Each poll borrows a pooled connection only for its query, so a thousand idle streams hold
no connection, and only a few streams poll at once (api.stream_slots), so streams with a
backlog never take the pool from the other routes. A reading is sent once per stream; a
reading written late with a source time older than one already sent is not (the stream
follows time, not arrival).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from api.schemas import reading_from_row
from api.stream_slots import StreamSlots
from store import queries

__all__ = ["StreamPlan", "sse_events"]

logger = logging.getLogger(__name__)

_BATCH = 1000
_KEEPALIVE_S = 15.0


@dataclass(frozen=True)
class StreamPlan:
    tags: list[dict[str, Any]]
    after: dict[int, dt.datetime]  # tag id -> send readings newer than this
    duration_s: float
    max_events: int
    poll_s: float


def _event(row: dict[str, Any], tag: dict[str, Any]) -> str:
    body = reading_from_row(row, tag).model_dump_json(exclude={"server_time", "time_source"})
    return f"id: {row['time'].isoformat()}\nevent: reading\ndata: {body}\n\n"


async def _poll(
    pool: AsyncConnectionPool, slots: StreamSlots, after: dict[int, dt.datetime]
) -> list[dict]:
    async with slots.poll(), pool.connection() as conn:
        return await queries.new_readings(conn, list(after), list(after.values()), _BATCH)


async def sse_events(
    pool: AsyncConnectionPool, slots: StreamSlots, plan: StreamPlan, disconnected: Any
) -> AsyncIterator[str]:
    """SSE text: one ``reading`` event per new reading, keep-alive comments, then ``end``."""
    tags = {tag["tag_id"]: tag for tag in plan.tags}
    after = dict(plan.after)
    sent, deadline, quiet_since = 0, time.monotonic() + plan.duration_s, time.monotonic()
    yield f"event: start\ndata: {json.dumps({'tag_ids': list(tags)})}\n\n"
    while time.monotonic() < deadline and sent < plan.max_events and not await disconnected():
        try:
            rows = await _poll(pool, slots, after)
        except (psycopg.Error, PoolTimeout) as exc:
            logger.warning("stream poll failed: %s", exc)
            yield f"event: error\ndata: {json.dumps({'message': 'the database cannot answer'})}\n\n"
            break
        for row in rows[: plan.max_events - sent]:
            after[row["tag_id"]] = row["time"]
            sent += 1
            yield _event(row, tags[row["tag_id"]])
        if rows:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > _KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        if len(rows) < _BATCH:
            await asyncio.sleep(plan.poll_s)
    yield f"event: end\ndata: {json.dumps({'sent': sent})}\n\n"
