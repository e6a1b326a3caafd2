"""Writer for the low-volume records: OPC UA events and lot genealogy.

Both arrive at a few per minute, so they go through a small queue of their own and plain
INSERTs, idempotent like the readings: an event is unique by (source, time, type), and a
lot by its id (a republished lot updates its row; parents are added once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import psycopg

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


@dataclass
class RecordCounters:
    events_written: int = 0
    lots_written: int = 0
    lots_invalid: int = 0


class RecordWriter:
    """Queues events and lots from the collectors and writes them in small batches."""

    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self._conn = conn
        self._queue: asyncio.Queue[tuple[str, EventRow | tuple[LotRecord, str]]] = asyncio.Queue(
            _MAX_QUEUED
        )
        self.counters = RecordCounters()

    async def put_event(self, row: EventRow) -> None:
        await self._queue.put(("event", row))

    async def put_lot(self, record: LotRecord, endpoint: str) -> None:
        await self._queue.put(("lot", (record, endpoint)))

    async def run(self, stop: asyncio.Event) -> None:
        while not (stop.is_set() and self._queue.empty()):
            with contextlib.suppress(TimeoutError):
                first = await asyncio.wait_for(self._queue.get(), 0.2)
                batch = [first]
                while not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                await self._write(batch)

    async def _write(self, batch: list) -> None:
        events = [item for kind, item in batch if kind == "event"]
        lots = [item for kind, item in batch if kind == "lot"]
        async with self._conn.transaction(), self._conn.cursor() as cur:
            if events:
                await cur.executemany(_INSERT_EVENT, events)
            for record, endpoint in lots:
                await cur.execute(_UPSERT_LOT, _lot_params(record, endpoint))
                await cur.executemany(_INSERT_PARENT, [(record.lot_id, p) for p in record.parents])
        self.counters.events_written += len(events)
        self.counters.lots_written += len(lots)


def _lot_params(record: LotRecord, endpoint: str) -> tuple:
    return (
        record.lot_id, record.stage, record.equipment, record.started_at, record.finished_at,
        record.mass_in_kg, record.mass_out_kg, json.dumps(record.properties), endpoint,
    )  # fmt: skip
