"""The snapshot of latest values: every tag's newest reading, shared by all requests.

Like a historian's snapshot table, it is read from the database at most once per
``latest_cache_s``: a request that finds it older gets the current snapshot while one
refresh runs in the background (stale-while-revalidate), and a snapshot older than
``_MAX_STALE_TTLS`` periods (after an idle spell) is refreshed before answering. Ages
and staleness are as of the snapshot (the database clock when it was read). PostgreSQL
writes each tag's JSON object (``queries.latest``), and the answer for every tag is
joined once per snapshot: a refresh costs the event loop well under a millisecond, so
the requests in flight while it lands are not held up behind it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from api.responses import json_array
from api.settings import ApiSettings
from store import queries

__all__ = ["LatestSnapshot"]

logger = logging.getLogger(__name__)

_MAX_STALE_TTLS = 5
_CONNECTION_WAIT_S = 3.0
_NO_FILTER = {"stage": None, "equipment": None}


class LatestSnapshot:
    def __init__(self, pool: AsyncConnectionPool, settings: ApiSettings) -> None:
        self._pool = pool
        self._settings = settings
        self._rows: list[dict[str, Any]] | None = None
        self._body = b"[]"  # every tag's object, as the whole answer
        self._taken = 0.0  # time.monotonic() of the refresh
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    @property
    def ttl(self) -> float:
        return self._settings.latest_cache_s

    async def rows(self) -> list[dict[str, Any]]:
        """Every tag's row: tag_id, stage, equipment and its JSON object (``json``)."""
        age = time.monotonic() - self._taken
        if self._rows is None or age > _MAX_STALE_TTLS * self.ttl:
            await self._refresh(self._taken)
        elif age > self.ttl and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._background(self._taken))
        assert self._rows is not None
        return self._rows

    async def body(self) -> bytes:
        """The JSON answer for every tag, as of the current snapshot."""
        await self.rows()
        return self._body

    async def _background(self, seen: float) -> None:
        try:
            await self._refresh(seen)
        except (psycopg.Error, PoolTimeout) as exc:
            logger.warning("latest snapshot refresh failed: %s", exc)

    async def _refresh(self, seen: float) -> None:
        async with self._lock:
            if self._taken != seen and self._rows is not None:
                return  # another request refreshed it while this one waited
            async with self._pool.connection(timeout=_CONNECTION_WAIT_S) as conn:
                rows = await queries.latest(
                    conn,
                    None,
                    _NO_FILTER,
                    dt.timedelta(days=self._settings.latest_lookback_days),
                    self._settings.max_latest_tags,
                    self._settings.stale_factor,
                )
            self._rows, self._body = rows, json_array([row["json"] for row in rows])
            self._taken = time.monotonic()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
