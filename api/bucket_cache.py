"""A cache of final roll-up buckets, valid as long as the roll-up state row is unchanged.

The roll-up job rewrites buckets (new ones, and old ones that late rows reached) in the
same transaction that sets ``rollup_state.updated_at`` (see ``ingest/rollup.py``). So a
JSON fragment of roll-up buckets read while ``updated_at`` had a given value stays right
until that value changes: it is part of the key, and older entries simply age out of the
LRU. The raw tail after the watermark is never cached. Fragments are the bytes PostgreSQL
wrote (see ``repository/aggregates.py``), so a hit costs no decoding.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["FinalBuckets"]


class FinalBuckets:
    """An LRU of JSON fragments holding at most ``max_chars`` bytes in all."""

    def __init__(self, max_chars: int) -> None:
        self._max = max_chars
        self._size = 0
        self._entries: OrderedDict[Hashable, dict[int, list[bytes]]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        # Each level's (complete_until, updated_at) as last read, None if it never ran: a
        # request cuts its buckets there and reads the current one with its raw buckets
        # (one round trip), answering again only when it has moved (see aggregation.py).
        self.watermarks: dict[str, tuple[dt.datetime, dt.datetime] | None] = {}

    def get(self, key: Hashable) -> dict[int, list[bytes]] | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Hashable, value: dict[int, list[bytes]]) -> None:
        size = _chars(value)
        if size > self._max or key in self._entries:
            return
        self._entries[key] = value
        self._size += size
        while self._size > self._max:
            self._size -= _chars(self._entries.popitem(last=False)[1])


def _chars(value: dict[int, list[bytes]]) -> int:
    return sum(len(text) for texts in value.values() for text in texts)
