"""Gap recovery: when an endpoint's data resumes, record the gap and backfill it.

The resume point is the newest value this process saw from the endpoint, or, after a
restart or a crash, the newest value stored for its tags. When data flows again the gap
(resume point to the newest first value of the new session) is recorded, read back from
the server's history and handed to the writer; once the writer has handled those rows the
gap is marked filled. Gaps left unfilled (a crash mid-backfill, history not kept) are
tried again at the next session.
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg
from asyncua import Client, ua
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.opcua.backfill import read_history
from ingest.opcua.discovery import TagInfo
from ingest.pipeline.buffer import RowBuffer
from store.gaps import last_stored_time, mark_filled, record_gap, unfilled_gaps

__all__ = ["GapRecovery"]

logger = logging.getLogger(__name__)

_DATABASE_ERRORS = (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError)


class GapRecovery:
    """Finds and fills one endpoint's gaps."""

    def __init__(
        self, endpoint: str, pool: AsyncConnectionPool, buffer: RowBuffer, overlap: dt.timedelta
    ) -> None:
        self._endpoint = endpoint
        self._overlap = overlap
        self._pool = pool
        self._buffer = buffer
        self.gaps_recorded = 0
        self.rows_backfilled = 0

    async def resume_point(
        self, seen: dt.datetime | None, tag_ids: list[int]
    ) -> dt.datetime | None:
        """Where this endpoint's data stopped: what we saw last, else what is stored."""
        if seen is not None:
            return seen
        try:
            async with self._pool.connection(timeout=5) as conn:
                return await last_stored_time(conn, tag_ids)
        except _DATABASE_ERRORS as exc:
            logger.warning("%s: cannot look up where data stopped: %s", self._endpoint, exc)
            return None

    async def recover(
        self,
        client: Client,
        tags: list[TagInfo],
        tag_ids: dict[ua.NodeId, int],
        start: dt.datetime | None,
        end: dt.datetime,
        reason: str,
    ) -> None:
        """Record and fill the new gap [start, end], then retry older unfilled ones."""
        try:
            async with self._pool.connection(timeout=5) as conn:
                if start is not None and end > start:
                    await record_gap(conn, self._endpoint, start, end, reason)
                    self.gaps_recorded += 1
                    logger.warning(
                        "%s: no data from %s to %s (%s); backfilling",
                        self._endpoint,
                        start.isoformat(),
                        end.isoformat(),
                        reason,
                    )
                gaps = await unfilled_gaps(conn, self._endpoint)
        except _DATABASE_ERRORS as exc:
            logger.warning("%s: gap not recorded, the database is away: %s", self._endpoint, exc)
            return
        for gap in gaps:
            # The newest value of one tag does not mean every other tag's values up to it
            # arrived (a publish response carries each item's queue in turn; a crash leaves
            # the last batch uncommitted): read an overlap before the gap too.
            if await self._fill(client, tags, tag_ids, gap.start - self._overlap, gap.end):
                await self._mark(gap.gap_id)

    async def _fill(
        self,
        client: Client,
        tags: list[TagInfo],
        tag_ids: dict[ua.NodeId, int],
        start: dt.datetime,
        end: dt.datetime,
    ) -> bool:
        complete = True
        async for batch in read_history(client, tags, tag_ids, start, end):
            await self._buffer.put_many(batch.rows)
            self.rows_backfilled += len(batch.rows)
            complete = complete and not batch.unsupported
        await self._buffer.wait_taken(self._buffer.put_total)
        if not complete:
            logger.warning(
                "%s: the server keeps no history for some tags; gap %s to %s stays open for them",
                self._endpoint,
                start.isoformat(),
                end.isoformat(),
            )
        return complete

    async def _mark(self, gap_id: int) -> None:
        try:
            async with self._pool.connection(timeout=5) as conn:
                await mark_filled(conn, gap_id)
        except _DATABASE_ERRORS as exc:
            logger.warning("%s: gap %d filled but not marked yet: %s", self._endpoint, gap_id, exc)
