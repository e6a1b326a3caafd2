"""Writer for the low-volume records: OPC UA events and lot genealogy.

Both arrive at a few per minute, so they go through a small queue of their own and plain
INSERTs, idempotent like the readings: an event is unique by (source, time, type), and a
lot by its id (a republished lot updates its row; parents are added once). While the
database is away they wait in memory (bounded) and are written when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.events import EventRow
from ingest.lots import LotRecord

__all__ = ["RecordCounters", "RecordWriter"]

logger = logging.getLogger(__name__)

_INSERT_EVENT = """
INSERT INTO event (time, endpoint, source, event_type, severity, message, attributes)
VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source, time, event_type) DO NOTHING
"""
_UPSERT_LOT = """
INSERT INTO lot (lot_id, stage, equipment, started_at, finished_at, mass_in_kg, mass_out_kg,
                 properties, endpoint)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (lot_id) DO UPDATE SET stage = EXCLUDED.stage, equipment = EXCLUDED.equipment,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
    mass_in_kg = EXCLUDED.mass_in_kg, mass_out_kg = EXCLUDED.mass_out_kg,
    properties = EXCLUDED.properties, endpoint = EXCLUDED.endpoint, recorded_at = now()
"""
_INSERT_PARENT = """
INSERT INTO lot_parent (lot_id, parent_lot_id) VALUES (%s, %s) ON CONFLICT DO NOTHING
"""
_MAX_QUEUED = 100_000
_RETRY_S = 2.0


@dataclass
class RecordCounters:
    events_written: int = 0
    lots_written: int = 0
    lots_invalid: int = 0


class RecordWriter:
    """Queues events and lots from the collectors and writes them in small batches."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool
        self._pending: list = []
        self._queue: asyncio.Queue[tuple[str, EventRow | tuple[LotRecord, str]]] = asyncio.Queue(
            _MAX_QUEUED
        )
        self.counters = RecordCounters()

    async def put_event(self, row: EventRow) -> None:
        await self._queue.put(("event", row))

    async def put_lot(self, record: LotRecord, endpoint: str) -> None:
        await self._queue.put(("lot", (record, endpoint)))

    async def run(self, stop: asyncio.Event) -> None:
        """Write until ``stop``, then write what is queued if the database lets us."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                self._pending.append(await asyncio.wait_for(self._queue.get(), 0.2))
            self._drain_queue()
            if self._pending and not await self._write_pending():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _RETRY_S)
        self._drain_queue()
        if self._pending and not await self._write_pending():
            logger.error(
                "stopping with %d events and lots not written: the database is away",
                len(self._pending),
            )

    def _drain_queue(self) -> None:
        while not self._queue.empty():
            self._pending.append(self._queue.get_nowait())

    async def _write_pending(self) -> bool:
        events = [item for kind, item in self._pending if kind == "event"]
        lots = [item for kind, item in self._pending if kind == "lot"]
        try:
            async with self._pool.connection(timeout=2) as conn:
                await _write(conn, events, lots)
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            logger.debug("events and lots wait for the database: %s", exc)
            return False
        self._pending = []
        self.counters.events_written += len(events)
        self.counters.lots_written += len(lots)
        return True


async def _write(conn: psycopg.AsyncConnection, events: list, lots: list) -> None:
    async with conn.transaction(), conn.cursor() as cur:
        if events:
            await cur.executemany(_INSERT_EVENT, events)
        for record, endpoint in lots:
            await cur.execute(_UPSERT_LOT, _lot_params(record, endpoint))
            await cur.executemany(_INSERT_PARENT, [(record.lot_id, p) for p in record.parents])


def _lot_params(record: LotRecord, endpoint: str) -> tuple:
    return (
        record.lot_id,
        record.stage,
        record.equipment,
        record.started_at,
        record.finished_at,
        record.mass_in_kg,
        record.mass_out_kg,
        json.dumps(record.properties),
        endpoint,
    )
