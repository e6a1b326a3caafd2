"""How many live streams may run: per key and in all, and how many may query at once.

A stream lasts up to an hour and polls the database every second. Without caps a thousand
of them, each with a backlog to send, kept every pooled connection busy and the rest of
the API answered 503. Now a key may hold ``per_key`` streams (one more is 429, the key's
own limit) and the API ``total`` (one more is 503, the server's limit); and at most
``concurrent_polls`` streams query at a time, fewer than the pool holds, so the other
routes always find a connection. An idle stream holds a slot, never a connection.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from api.errors import ServiceUnavailable, TooBusy

__all__ = ["StreamSlots"]


class StreamSlots:
    """Slots for live streams, and a gate for their polls."""

    def __init__(self, per_key: int, total: int, concurrent_polls: int) -> None:
        self.per_key = per_key
        self.total = total
        self._held: Counter[str] = Counter()
        self.polls = asyncio.Semaphore(concurrent_polls)

    def take(self, key_id: str) -> None:
        """A slot for a new stream of ``key_id``: 429 or 503 when there is none."""
        if self._held[key_id] >= self.per_key:
            raise TooBusy(
                f"this key has {self.per_key} streams open already; close one first",
                {"streams_per_key": self.per_key},
            )
        if sum(self._held.values()) >= self.total:
            raise ServiceUnavailable(
                f"the server serves {self.total} streams already; retry later",
                {"streams_total": self.total},
            )
        self._held[key_id] += 1

    def give_back(self, key_id: str) -> None:
        self._held[key_id] -= 1
        if self._held[key_id] <= 0:
            del self._held[key_id]

    @asynccontextmanager
    async def poll(self) -> AsyncIterator[None]:
        async with self.polls:
            yield
