"""The health record: one `ingest_health` row per endpoint, rewritten every few seconds.

The API reads it to tell operators what the recorder is doing. Writing it must never
disturb recording, so a failure (the database away) is logged once and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.collector import EndpointCollector
from ingest.pipeline.record_writer import RecordWriter
from ingest.pipeline.writer import BatchWriter
from store.health import HealthRow, write_health_rows

__all__ = ["health_details", "report_health", "write_health"]

logger = logging.getLogger(__name__)


def health_details(
    collector: EndpointCollector, writer: BatchWriter, buffer: RowBuffer, records: RecordWriter
) -> dict[str, Any]:
    status, counters = collector.status, writer.counters
    last_commit = counters.last_commit_monotonic
    return {
        "tags": status.tags,
        "notifications": status.notifications,
        "notifications_dropped": status.notifications_dropped,
        "failed_items": status.failed_items,
        "quarantined": sorted(status.quarantined),
        "events": status.events,
        "lots_invalid": status.lots_invalid + status.lots_invalid_recovered,
        "sessions_lost": status.sessions_lost,
        "gaps_recorded": status.gaps_recorded,
        "rows_backfilled": status.rows_backfilled,
        "readings_future": status.readings_future,
        "future_ahead_max_s": status.future_ahead_max_s,
        "last_notification": status.last_notification.isoformat()
        if status.last_notification
        else None,
        "database_up": counters.database_up,
        "writer_rows_written": counters.rows_written,
        "writer_rows_duplicate": counters.rows_duplicate,
        "writer_rows_spooled": counters.rows_spooled,
        "writer_rows_replayed": counters.rows_replayed,
        "writer_queue_rows": len(buffer),
        "writer_last_commit_age_s": time.monotonic() - last_commit if last_commit else None,
        "spool_segments": len(writer.spool),
        "spool_bytes": writer.spool.bytes_used,
        "spool_full": counters.spool_full,
        "records_spool_segments": len(records.spool),
        "lots_conflicting": records.counters.lots_conflicting,
    }


async def write_health(
    pool: AsyncConnectionPool,
    collectors: Sequence[EndpointCollector],
    writer: BatchWriter,
    buffer: RowBuffer,
    records: RecordWriter,
) -> bool:
    """Write every endpoint's record; False when the database could not take it."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        HealthRow(
            c.endpoint.label,
            c.status.state,
            now,
            json.dumps(health_details(c, writer, buffer, records)),
        )
        for c in collectors
    ]
    try:
        async with pool.connection(timeout=2) as conn:
            await write_health_rows(conn, rows)
    except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
        logger.debug("health record not written: %s", exc)
        return False
    return True


async def report_health(
    pool: AsyncConnectionPool,
    collectors: Sequence[EndpointCollector],
    writer: BatchWriter,
    buffer: RowBuffer,
    records: RecordWriter,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        await write_health(pool, collectors, writer, buffer, records)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
