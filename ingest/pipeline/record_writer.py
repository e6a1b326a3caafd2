"""Writer for the low-volume records: OPC UA events and lot genealogy.

Both arrive at a few per minute, so they go through a small queue of their own and plain
INSERTs, idempotent like the readings: an event is unique by (source, time, type), and a
lot by its id (a republished lot updates its row; parents are added once). While the
database is away they wait in memory (bounded) and are written when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from store.records import EventRow, LotRecord, write_records

__all__ = ["RecordCounters", "RecordWriter"]

logger = logging.getLogger(__name__)

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
                await write_records(conn, events, lots)
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            logger.debug("events and lots wait for the database: %s", exc)
            return False
        self._pending = []
        self.counters.events_written += len(events)
        self.counters.lots_written += len(lots)
        return True
