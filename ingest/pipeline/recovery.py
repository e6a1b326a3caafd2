"""Gap recovery: where an endpoint's data stopped, the gaps, and what history gives back.

A gap starts where this process last saw data from the endpoint (a lost session) or, for
the first session of a process, where the endpoint's stored data ends (the recorder was
not running); it ends at the first value of the new session. Gaps are recorded, then read
back from the server's history: readings by HistoryRead of every tag, lots from the lot
variables' values among them, events by HistoryRead of the Server object's events. Once
the readings are handled by the writer and the records journaled, the gap says what was
found for each kind (store.gaps). A recovery cut short (the session lost again, a crash)
leaves its gap to the next session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from asyncua import Client, ua
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.opcua.backfill import NO_HISTORY, read_history
from ingest.opcua.discovery import TagInfo
from ingest.opcua.events import EventSelection, read_event_history
from ingest.opcua.values import DEFAULT_FUTURE_TOLERANCE
from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.lots import LotRecordError, parse_lot_record
from ingest.pipeline.record_writer import RecordWriter
from store.gaps import (
    NONE,
    PARTLY,
    RECOVERED,
    Gap,
    finish_recovery,
    gaps_to_recover,
    last_stored_time,
    record_gap,
)
from store.readings import TAG_ID, VALUE_TEXT
from store.tags import TagRow, register_tags

__all__ = ["GapRecovery", "RecoveryScope"]

logger = logging.getLogger(__name__)

_DATABASE_ERRORS = (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)
_RETRY_S = 2.0


@dataclass
class RecoveryScope:
    """What one session records: the nodes whose history fills its gaps."""

    tags: list[TagInfo]
    tag_ids: dict[ua.NodeId, int]
    lot_stages: dict[int, str | None]  # tag id of each lot variable -> its stage
    events: EventSelection | None  # None: events are not recorded
    newest_seen: Callable[[], dt.datetime | None]  # newest source time received so far


@dataclass
class _Found:
    """Of the nodes asked, how many the server had history for."""

    asked: int = 0
    refused: int = 0

    def state(self) -> str | None:
        if not self.asked:
            return None
        if not self.refused:
            return RECOVERED
        return NONE if self.refused == self.asked else PARTLY


class GapRecovery:
    """Finds, records and recovers one endpoint's gaps."""

    def __init__(
        self,
        endpoint: str,
        pool: AsyncConnectionPool,
        buffer: RowBuffer,
        records: RecordWriter,
        migrated: asyncio.Event,
        overlap: dt.timedelta,
        tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
    ) -> None:
        self._endpoint = endpoint
        self._tolerance = tolerance  # how far ahead a history value's time may be, unflagged
        self._pool = pool
        self._buffer = buffer
        self._records = records
        self._migrated = migrated
        self._overlap = overlap
        self._unrecorded: list[tuple[dt.datetime, dt.datetime, str]] = []
        self.gaps_recorded = 0
        self.rows_backfilled = 0
        self.lots_invalid = 0

    async def stored_until(self, tags: list[TagRow]) -> dt.datetime | None:
        """Where the endpoint's stored data ends, waiting for the database if needed
        (the tags are registered on the way: a new database has never seen them)."""
        while True:
            await self._migrated.wait()
            try:
                async with self._pool.connection(timeout=5) as conn:
                    ids = await register_tags(conn, tags)
                    return await last_stored_time(conn, list(ids.values()))
            except _DATABASE_ERRORS as exc:
                logger.info(
                    "%s: where stored data ends is looked up later: %s", self._endpoint, exc
                )
            await asyncio.sleep(_RETRY_S)

    def add_gap(self, start: dt.datetime | None, end: dt.datetime, reason: str) -> None:
        """A gap to record (nothing if ``start`` is unknown or not before ``end``)."""
        if start is not None and end > start:
            self._unrecorded.append((start, end, reason))

    async def recover(self, client: Client, scope: RecoveryScope) -> None:
        """Record the new gaps (waiting for the database), then recover every gap of the
        endpoint whose recovery never finished, oldest first."""
        gaps = await self._record_and_list()
        for gap in gaps:
            await self._recover_gap(client, scope, gap)

    async def _record_and_list(self) -> list[Gap]:
        while True:
            await self._migrated.wait()
            try:
                async with self._pool.connection(timeout=5) as conn:
                    while self._unrecorded:
                        start, end, reason = self._unrecorded[0]
                        await record_gap(conn, self._endpoint, start, end, reason)
                        self._unrecorded.pop(0)
                        self.gaps_recorded += 1
                        logger.warning(
                            "%s: no data from %s to %s (%s); recovering it from history",
                            self._endpoint,
                            start.isoformat(),
                            end.isoformat(),
                            reason,
                        )
                    return await gaps_to_recover(conn, self._endpoint)
            except _DATABASE_ERRORS as exc:
                logger.info("%s: gaps wait for the database: %s", self._endpoint, exc)
            await asyncio.sleep(_RETRY_S)

    async def _recover_gap(self, client: Client, scope: RecoveryScope, gap: Gap) -> None:
        # The newest value of one tag does not mean every other tag's values up to it
        # arrived (a publish response carries each item's queue in turn; a crash leaves
        # the last batch uncommitted): read an overlap before the gap too.
        start = gap.start - self._overlap
        readings, lots = await self._recover_readings(client, scope, start, gap.end)
        events = None
        if scope.events is not None:
            # Up to the newest value seen: the event subscription began before it, so every
            # event since is live and none falls between history and subscription.
            newest = scope.newest_seen()
            end = max(gap.end, newest) if newest is not None else gap.end
            events = await self._recover_events(client, scope.events, start, end)
        await self._buffer.wait_taken(self._buffer.put_total)
        await self._records.journaled()
        states = (readings.state() or NONE, events, lots.state())
        await self._finish(gap, *states)

    async def _recover_readings(
        self, client: Client, scope: RecoveryScope, start: dt.datetime, end: dt.datetime
    ) -> tuple[_Found, _Found]:
        def is_lot(tag: TagInfo) -> bool:
            return scope.tag_ids.get(tag.node_id) in scope.lot_stages

        readable = [tag for tag in scope.tags if tag.history_readable]
        unreadable = [tag for tag in scope.tags if not tag.history_readable]
        readings = _Found(len(scope.tags), len(unreadable))
        lots = _Found(sum(map(is_lot, scope.tags)), sum(map(is_lot, unreadable)))
        try:
            async for batch in read_history(
                client, readable, scope.tag_ids, start, end, self._tolerance
            ):
                await self._buffer.put_many(batch.rows)
                self.rows_backfilled += len(batch.rows)
                readings.refused += len(batch.unsupported)
                lots.refused += sum(map(is_lot, batch.unsupported))
                await self._recover_lots(batch.rows, scope.lot_stages)
        except ua.UaStatusCodeError as exc:
            if exc.code not in NO_HISTORY:
                raise
            logger.warning("%s: the server reads no history: %s", self._endpoint, exc)
            return _Found(readings.asked, readings.asked), _Found(lots.asked, lots.asked)
        if readings.refused:
            logger.warning(
                "%s: the server keeps no history for %d of %d tags; their values from %s to "
                "%s are lost",
                self._endpoint,
                readings.refused,
                readings.asked,
                start.isoformat(),
                end.isoformat(),
            )
        return readings, lots

    async def _recover_lots(self, rows: list, lot_stages: dict[int, str | None]) -> None:
        for row in rows:
            if row[TAG_ID] in lot_stages and row[VALUE_TEXT]:
                try:
                    record = parse_lot_record(row[VALUE_TEXT], lot_stages[row[TAG_ID]])
                except LotRecordError as exc:
                    self.lots_invalid += 1
                    logger.warning("%s: lot record not stored: %s", self._endpoint, exc)
                    continue
                await self._records.put_lot(record, self._endpoint)

    async def _recover_events(
        self, client: Client, selection: EventSelection, start: dt.datetime, end: dt.datetime
    ) -> str:
        if not selection.history:
            logger.warning(
                "%s: the server keeps no event history; events from %s to %s are lost",
                self._endpoint,
                start.isoformat(),
                end.isoformat(),
            )
            return NONE
        received = dt.datetime.now(dt.UTC)
        try:
            async for rows in read_event_history(
                client, selection, start, end, received, self._endpoint
            ):
                for row in rows:
                    await self._records.put_event(row)
        except ua.UaStatusCodeError as exc:
            if exc.code not in NO_HISTORY:
                raise
            logger.warning(
                "%s: the server keeps no event history (%s); events from %s to %s are lost",
                self._endpoint,
                exc,
                start.isoformat(),
                end.isoformat(),
            )
            return NONE
        return RECOVERED

    async def _finish(self, gap: Gap, readings: str, events: str | None, lots: str | None) -> None:
        while True:
            try:
                async with self._pool.connection(timeout=5) as conn:
                    await finish_recovery(conn, gap.gap_id, readings, events, lots)
                return
            except _DATABASE_ERRORS as exc:
                logger.info(
                    "%s: gap %d recovered, not marked yet: %s", self._endpoint, gap.gap_id, exc
                )
            await asyncio.sleep(_RETRY_S)
