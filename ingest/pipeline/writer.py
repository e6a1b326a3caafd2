"""Batch writer: the row buffer drained into `reading` with binary COPY, through outages.

The writer takes up to ``batch_size`` rows whenever that many are waiting or
``flush_interval_s`` has passed and COPYs them in one transaction. Plain COPY is the fast
path; a batch that hits the unique (tag, time) index (a value sent again after a
resubscribe, a backfill) is written again through a staging table with
``ON CONFLICT DO NOTHING``, so a repeat never fails the rows around it.

When the database is away, batches go to the durable spool (ingest.pipeline.spool) and the writer
reconnects with backoff; once back, it replays the spool oldest first before it writes
anything new, so rows reach the database in the order they arrived. The same happens while
the database gate (ingest.pipeline.database_gate) is closed, and tags known only by a
provisional id (ingest.pipeline.tag_ids) are registered before any row is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field

import psycopg

from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.database_gate import DatabaseGate
from ingest.pipeline.spool import Spool
from ingest.pipeline.tag_ids import TagIds
from store.readings import FLAGS, TIME, ReadingRow, copy_readings, upsert_copy_text, upsert_readings

__all__ = ["BatchWriter", "RowBuffer", "WriterCounters"]

logger = logging.getLogger(__name__)

_POLL_S = 0.02  # how often a waiting writer looks at the buffer; small against any flush interval
_MAX_RETRY_S = 10.0
# While the database is away a batch waits at least this long: each one is an fsync'd spool
# segment, replayed later one transaction each, so a short flush interval (there for
# latency, which an outage has anyway) would only multiply segments.
_SPOOL_INTERVAL_S = 1.0
_CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
LATENCY_SAMPLE_EVERY = 10


@dataclass
class WriterCounters:
    rows_written: int = 0
    rows_duplicate: int = 0
    rows_spooled: int = 0
    rows_replayed: int = 0
    batches: int = 0
    database_up: bool = False
    spool_full: bool = False
    last_commit_monotonic: float | None = None
    newest_time: dt.datetime | None = None
    # Earliest reading time written since the roll-up job last asked: where it must redo.
    written_since: dt.datetime | None = None
    # Source-timestamp-to-commit delay of every LATENCY_SAMPLE_EVERY-th committed row [s]:
    # meaningful where source time is the wall clock (a real plant, the simulator once it
    # has caught up with now); rows flagged for a timestamp ahead of receipt are left out.
    commit_latency_s: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))

    def note_latency(self, rows: list[ReadingRow]) -> None:
        now = dt.datetime.now(dt.UTC)
        self.commit_latency_s.extend(
            (now - row[TIME]).total_seconds()
            for row in rows[::LATENCY_SAMPLE_EVERY]
            if not row[FLAGS]
        )

    def note_times(self, oldest: dt.datetime, newest: dt.datetime) -> None:
        if self.newest_time is None or newest > self.newest_time:
            self.newest_time = newest
        if self.written_since is None or oldest < self.written_since:
            self.written_since = oldest

    def take_written_since(self) -> dt.datetime | None:
        since, self.written_since = self.written_since, None
        return since


class BatchWriter:
    """Drains a RowBuffer into the `reading` hypertable, spooling while the database is away."""

    def __init__(
        self,
        dsn: str,
        buffer: RowBuffer,
        batch_size: int,
        flush_interval_s: float,
        spool: Spool,
        gate: DatabaseGate,
        tags: TagIds,
    ) -> None:
        self._dsn = dsn
        self._gate = gate
        self._tags = tags
        self._buffer = buffer
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self.spool = spool
        self._conn: psycopg.AsyncConnection | None = None
        self._next_connect = 0.0
        self._retry_s = 0.5
        self.counters = WriterCounters()

    async def run(self, stop: asyncio.Event) -> None:
        """Write until ``stop`` is set, then store or spool everything still buffered."""
        try:
            while not stop.is_set():
                if not self._replaying():
                    await self._wait_for_batch(stop)
                await self.flush_once()
            while len(self._buffer):
                if not await self.flush_once() and not await self._can_write():
                    self._spool_or_report(self._buffer.take(len(self._buffer)))
            while await self._can_write() and len(self.spool):
                await self._replay_one()
        finally:
            if self._conn is not None:
                await self._conn.close()

    def _replaying(self) -> bool:
        """A spool to replay and a database to take it: no waiting between steps."""
        return self._conn is not None and self._gate.readings_allowed and len(self.spool) > 0

    async def _can_write(self) -> bool:
        """Connected, the gate open, and every tag registered."""
        if self._conn is None or not self._gate.readings_allowed:
            return False
        if self._tags.unresolved:
            try:
                await self._tags.resolve(self._conn)
            except _CONNECTION_ERRORS as exc:
                self._lost(exc)
                return False
        return True

    async def _wait_for_batch(self, stop: asyncio.Event) -> None:
        await self._connect_if_due()
        interval = self._flush_interval_s
        if self._conn is None or not self._gate.readings_allowed:
            interval = max(interval, _SPOOL_INTERVAL_S)
        deadline = time.monotonic() + interval
        while (
            len(self._buffer) < self._batch_size
            and not stop.is_set()
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(_POLL_S)

    async def flush_once(self) -> int:
        """One step: reconnect if due, replay one spool segment, store or spool one batch."""
        await self._connect_if_due()
        if len(self.spool) and await self._can_write():
            await self._replay_one()
        rows = self._buffer.take(self._batch_size)
        if not rows:
            return 0
        # Asked again after the replay: a collector may have given new provisional ids
        # meanwhile, and every id in ``rows`` must be registered before they are stored.
        if len(self.spool) or not await self._can_write():
            await self._spool_or_put_back(rows)
            return 0
        rows = self._tags.translate(rows)
        try:
            written = await self._store(rows)
        except _CONNECTION_ERRORS as exc:
            self._lost(exc)
            await self._spool_or_put_back(rows)
            return 0
        self._count(rows, written)
        return written

    async def _store(self, rows: list[ReadingRow]) -> int:
        try:
            return await copy_readings(self._conn, rows)
        except psycopg.errors.UniqueViolation:
            return await upsert_readings(self._conn, rows)

    def _count(self, rows: list[ReadingRow], written: int) -> None:
        self.counters.rows_written += written
        self.counters.rows_duplicate += len(rows) - written
        self.counters.note_times(min(row[TIME] for row in rows), max(row[TIME] for row in rows))
        self.counters.note_latency(rows)
        self.counters.batches += 1
        self.counters.last_commit_monotonic = time.monotonic()

    async def _connect_if_due(self) -> None:
        if self._conn is not None and not self._conn.closed:
            return
        if time.monotonic() < self._next_connect:
            return
        try:
            self._conn = await psycopg.AsyncConnection.connect(self._dsn, connect_timeout=5)
        except _CONNECTION_ERRORS as exc:
            self._lost(exc)
            return
        if not self.counters.database_up:
            logger.info("database reachable; %d spooled segments to replay", len(self.spool))
        self.counters.database_up = True
        self._retry_s = 0.5

    def _lost(self, exc: Exception) -> None:
        if self.counters.database_up or self._conn is not None:
            logger.warning("database unreachable (%s); spooling to %s", exc, self.spool.folder)
        self.counters.database_up = False
        self._conn = None
        self._next_connect = time.monotonic() + self._retry_s * random.uniform(0.8, 1.2)
        self._retry_s = min(self._retry_s * 2, _MAX_RETRY_S)

    async def _replay_one(self) -> None:
        try:
            stored = await self.spool.replay_oldest(self._conn, self._store_segment)
        except _CONNECTION_ERRORS as exc:
            self._lost(exc)
            return
        self.counters.rows_replayed += stored
        self.counters.rows_written += stored
        self.counters.last_commit_monotonic = time.monotonic()
        if not len(self.spool):
            logger.info("spool replayed: %d rows stored", self.counters.rows_replayed)

    async def _store_segment(self, conn: psycopg.AsyncConnection, data: bytes) -> int:
        return await upsert_copy_text(conn, data, self._tags.resolved)

    async def _spool_or_put_back(self, rows: list[ReadingRow]) -> None:
        # Encoding and fsync take ~0.1 s a batch: off the event loop, which keeps receiving.
        if await asyncio.to_thread(self.spool.append, rows):
            self.counters.rows_spooled += len(rows)
            # Roll-ups wait for the spool to empty, then redo from the oldest spooled time.
            self.counters.note_times(min(row[TIME] for row in rows), max(row[TIME] for row in rows))
            self.counters.spool_full = False
            return
        if not self.counters.spool_full:
            logger.error(
                "spool full (%d bytes): holding rows in memory until the database is back",
                self.spool.bytes_used,
            )
        self.counters.spool_full = True
        self._buffer.put_back(rows)

    def _spool_or_report(self, rows: list[ReadingRow]) -> None:
        """At shutdown with the database away: spool, or say exactly what is lost."""
        if self.spool.append(rows):
            self.counters.rows_spooled += len(rows)
        else:
            logger.error("shutting down with a full spool and no database: %d rows lost", len(rows))
