"""Batch writer: a bounded row buffer drained into `reading` with binary COPY.

Collectors put rows; the writer takes up to ``batch_size`` rows whenever that many are
waiting or ``flush_interval_s`` has passed, and COPYs them in one transaction. Plain COPY
is the fast path; a batch that hits the unique (tag, time) index (a value the server sent
again after a resubscribe, say) is written again through a staging table with
``ON CONFLICT DO NOTHING``, so a repeat never fails the rows around it. The buffer is
bounded: a collector that outruns the database waits, and the counters say how far behind.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from ingest.rows import READING_COLUMNS, READING_TYPES, ReadingRow

__all__ = ["BatchWriter", "RowBuffer", "WriterCounters"]

logger = logging.getLogger(__name__)

_COLUMNS = ", ".join(READING_COLUMNS)
_POLL_S = 0.02  # how often a waiting writer looks at the buffer; small against any flush interval


@dataclass
class WriterCounters:
    rows_received: int = 0
    rows_written: int = 0
    rows_duplicate: int = 0
    batches: int = 0
    last_commit_monotonic: float | None = None
    newest_time: dt.datetime | None = None
    # Earliest reading time written since the roll-up job last asked: where it must redo.
    written_since: dt.datetime | None = None

    def note_times(self, oldest: dt.datetime, newest: dt.datetime) -> None:
        if self.newest_time is None or newest > self.newest_time:
            self.newest_time = newest
        if self.written_since is None or oldest < self.written_since:
            self.written_since = oldest

    def take_written_since(self) -> dt.datetime | None:
        since, self.written_since = self.written_since, None
        return since


class RowBuffer:
    """A bounded FIFO of rows shared by the collectors and the writer."""

    def __init__(self, max_rows: int) -> None:
        self._rows: deque[ReadingRow] = deque()
        self._max_rows = max_rows
        self._not_full = asyncio.Event()
        self._not_full.set()

    def __len__(self) -> int:
        return len(self._rows)

    async def put_many(self, rows: Iterable[ReadingRow]) -> None:
        while len(self._rows) >= self._max_rows:
            self._not_full.clear()
            await self._not_full.wait()
        self._rows.extend(rows)

    def take(self, limit: int) -> list[ReadingRow]:
        taken = [self._rows.popleft() for _ in range(min(limit, len(self._rows)))]
        if len(self._rows) < self._max_rows:
            self._not_full.set()
        return taken


class BatchWriter:
    """Drains a RowBuffer into the `reading` hypertable."""

    def __init__(
        self,
        conn: psycopg.AsyncConnection,
        buffer: RowBuffer,
        batch_size: int,
        flush_interval_s: float,
    ) -> None:
        self._conn = conn
        self._buffer = buffer
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self.counters = WriterCounters()

    async def run(self, stop: asyncio.Event) -> None:
        """Write until ``stop`` is set, then flush what is left."""
        while not stop.is_set():
            await self._wait_for_batch(stop)
            await self.flush_once()
        while len(self._buffer):
            await self.flush_once()

    async def _wait_for_batch(self, stop: asyncio.Event) -> None:
        deadline = time.monotonic() + self._flush_interval_s
        while (
            len(self._buffer) < self._batch_size
            and not stop.is_set()
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(_POLL_S)

    async def flush_once(self) -> int:
        rows = self._buffer.take(self._batch_size)
        if not rows:
            return 0
        try:
            written = await self._copy(rows)
        except psycopg.errors.UniqueViolation:
            written = await self._copy_skipping_duplicates(rows)
        self.counters.rows_written += written
        self.counters.note_times(min(row[0] for row in rows), max(row[0] for row in rows))
        self.counters.rows_duplicate += len(rows) - written
        self.counters.batches += 1
        self.counters.last_commit_monotonic = time.monotonic()
        return written

    async def _copy(self, rows: list[ReadingRow]) -> int:
        async with self._conn.transaction(), self._conn.cursor() as cur:
            await self._copy_into(cur, "reading", rows)
        return len(rows)

    async def _copy_skipping_duplicates(self, rows: list[ReadingRow]) -> int:
        async with self._conn.transaction(), self._conn.cursor() as cur:
            await cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS reading_stage (LIKE reading) ON COMMIT DELETE ROWS"
            )
            await self._copy_into(cur, "reading_stage", rows)
            await cur.execute(
                f"INSERT INTO reading ({_COLUMNS}) SELECT {_COLUMNS} FROM reading_stage "
                "ON CONFLICT (tag_id, time) DO NOTHING"
            )
            return cur.rowcount

    @staticmethod
    async def _copy_into(cur: psycopg.AsyncCursor, table: str, rows: list[ReadingRow]) -> None:
        async with cur.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(READING_TYPES))
            for row in rows:
                await copy.write_row(row)
