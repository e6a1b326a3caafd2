"""When each tag last arrived with a timestamp the recorder trusts, kept in `tag_receipt`.

The API measures staleness from these receive times, not from the readings' own
timestamps: a plant clock ahead would make a dead tag look fresh, one behind would make a
live tag look stale. A reading flagged ``FUTURE_TIME`` is not a receipt, so a tag whose
clock runs ahead goes stale rather than fresh. Collectors note receipts per publish
response (one dict update); ``run`` writes what changed every ``interval_s``. Receipts are
not data: one lost in a crash or an outage is replaced by the tag's next reading, so they
are kept in memory until written and never spooled.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.pipeline.tag_ids import TagIds
from store.readings import FLAGS, TAG_ID, ReadingRow
from store.receipts import write_receipts

__all__ = ["Receipts"]

logger = logging.getLogger(__name__)

_CONNECTION_WAIT_S = 2.0


class Receipts:
    """The newest trusted receive time per tag, not yet written."""

    def __init__(self, pool: AsyncConnectionPool, tag_ids: TagIds, interval_s: float = 1.0) -> None:
        self._pool = pool
        self._tag_ids = tag_ids  # provisional ids given while the database was away
        self._interval_s = interval_s
        self._pending: dict[int, dt.datetime] = {}
        self.written = 0  # receipts written, for tests and health
        self._failing = False

    def note(self, rows: list[ReadingRow], received: dt.datetime) -> int:
        """Note the receipt of ``rows`` at ``received``; returns how many were flagged."""
        trusted = [row[TAG_ID] for row in rows if not row[FLAGS]]
        self._pending.update(dict.fromkeys(trusted, received))
        return len(rows) - len(trusted)

    async def run(self, stop: asyncio.Event) -> None:
        """Write receipts every ``interval_s`` until ``stop``, then once more."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval_s)
            await self.flush()

    async def flush(self) -> bool:
        """Write the pending receipts; False (they stay pending) when the database is away.

        A tag known only by a provisional id (found while the database was away) is written
        under the id the database gave it once registered; until then it stays pending."""
        pending, self._pending = self._pending, {}
        receipts: dict[int, dt.datetime] = {}
        for tag_id, time in pending.items():
            database_id = self._tag_ids.database_id(tag_id)
            if database_id > 0:
                receipts[database_id] = max(time, receipts.get(database_id, time))
            else:
                self._pending[tag_id] = time
        if not receipts:
            return True
        try:
            async with self._pool.connection(timeout=_CONNECTION_WAIT_S) as conn:
                await write_receipts(conn, receipts)
        except (psycopg.Error, PoolTimeout) as exc:
            for tag_id, time in receipts.items():  # newer ones noted meanwhile win
                self._pending.setdefault(tag_id, time)
            if not self._failing:
                logger.warning("receipt times kept until the database is back: %s", exc)
            self._failing = True
            return False
        self._failing = False
        self.written += len(receipts)
        return True
