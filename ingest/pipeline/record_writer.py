"""Writer for the low-volume records: OPC UA events and lot genealogy, as durable as readings.

Both arrive at a few per minute. Whatever arrived is written to the records spool (an
fsync'd segment, ingest.pipeline.spool) within ``_JOURNAL_S``, before the database is tried;
segments are stored oldest first, idempotently (store.records), and deleted after their
commit. A SIGKILL therefore loses at most the last fraction of a second, which the next
session reads again from the server's history; a database outage or a SIGTERM during one
loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.pipeline.spool import Spool
from store.records import EventRow, LotRecord, write_records

__all__ = ["RecordCounters", "RecordWriter", "decode_records", "encode_records"]

logger = logging.getLogger(__name__)

_JOURNAL_S = 0.1  # the most a received record waits in memory before its fsync
_RETRY_S = 2.0
_DATABASE_ERRORS = (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)

Record = tuple[str, Any]  # ("event", EventRow) or ("lot", (LotRecord, endpoint))


@dataclass
class RecordCounters:
    events_written: int = 0
    lots_written: int = 0
    lots_conflicting: int = 0
    records_spooled: int = 0


def encode_records(records: Iterable[Record]) -> bytes:
    """Records as JSON lines: {"event": [...]} or {"lot": {...}, "endpoint": ...}."""
    lines = []
    for kind, item in records:
        if kind == "event":
            row = item._replace(
                time=item.time.isoformat(),
                event_id=item.event_id.hex() if item.event_id is not None else None,
            )
            lines.append(json.dumps({"event": list(row)}))
        else:
            record, endpoint = item
            lines.append(json.dumps({"lot": record.content(), "endpoint": endpoint}))
    return "".join(line + "\n" for line in lines).encode()


def decode_records(data: bytes) -> tuple[list[EventRow], list[tuple[LotRecord, str]]]:
    """What ``encode_records`` wrote."""
    events, lots = [], []
    for line in data.decode().splitlines():
        item = json.loads(line)
        if "event" in item:
            row = EventRow(*item["event"])
            events.append(
                row._replace(
                    time=dt.datetime.fromisoformat(row.time),
                    event_id=bytes.fromhex(row.event_id) if row.event_id is not None else None,
                )
            )
        else:
            content = item["lot"]
            for key in ("started_at", "finished_at"):
                if content[key] is not None:
                    content[key] = dt.datetime.fromisoformat(content[key])
            content["parents"] = tuple(content["parents"])
            lots.append((LotRecord(**content), item["endpoint"]))
    return events, lots


class RecordWriter:
    """Journals events and lots from the collectors, then stores them in the database."""

    def __init__(self, pool: AsyncConnectionPool, spool: Spool, migrated: asyncio.Event) -> None:
        self._pool = pool
        self.spool = spool
        self._migrated = migrated
        self._received: list[Record] = []
        self._arrived = asyncio.Event()
        self._retry_at = 0.0
        self._put_total = self._journaled_total = 0
        self.counters = RecordCounters()

    async def put_event(self, row: EventRow) -> None:
        self._put(("event", row))

    async def put_lot(self, record: LotRecord, endpoint: str) -> None:
        self._put(("lot", (record, endpoint)))

    def _put(self, record: Record) -> None:
        self._received.append(record)
        self._put_total += 1
        self._arrived.set()

    async def journaled(self, poll_s: float = 0.05) -> None:
        """Wait until every record put so far is on disk."""
        mark = self._put_total
        while self._journaled_total < mark:
            await asyncio.sleep(poll_s)

    async def run(self, stop: asyncio.Event) -> None:
        """Journal and store until ``stop``; then journal what arrived and store what the
        database takes. What it does not take stays in the spool for the next start."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), _JOURNAL_S)
            await self._journal()
            due = self._migrated.is_set() and loop.time() >= self._retry_at
            if due and not await self._store_spooled():
                self._retry_at = loop.time() + _RETRY_S
        await self._journal()
        if self._migrated.is_set() and not await self._store_spooled():
            logger.warning(
                "stopping with %d segments of events and lots in the spool: the database is "
                "away; they are stored at the next start",
                len(self.spool),
            )

    async def _journal(self) -> None:
        self._arrived.clear()
        if not self._received:
            return
        records, self._received = self._received, []
        if await asyncio.to_thread(self.spool.append, records):
            self.counters.records_spooled += len(records)
            self._journaled_total += len(records)
            return
        logger.error("records spool full: %d events and lots held in memory", len(records))
        self._received = records + self._received

    async def _store_spooled(self) -> bool:
        """Store every journaled segment, oldest first; False when the database is away."""
        while len(self.spool):
            try:
                async with self._pool.connection(timeout=2) as conn:
                    await self.spool.replay_oldest(conn, self._store_segment)
            except _DATABASE_ERRORS as exc:
                logger.debug("events and lots wait for the database: %s", exc)
                return False
        return True

    async def _store_segment(self, conn: psycopg.AsyncConnection, data: bytes) -> int:
        events, lots = decode_records(data)
        written = await write_records(conn, events, lots)
        self.counters.events_written += written.events_new
        self.counters.lots_written += written.lots_new
        self.counters.lots_conflicting += len(written.lots_conflicting)
        for lot_id in written.lots_conflicting:
            logger.warning(
                "lot %s published again with other content: the first record is kept, "
                "the new one is in lot_conflict",
                lot_id,
            )
        return written.events_new + written.lots_new
