"""The bounded row buffer between the collectors and the writer."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from ingest.rows import ReadingRow

__all__ = ["RowBuffer"]


class RowBuffer:
    """A bounded FIFO of rows: collectors wait when it is full, the writer takes batches."""

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

    def put_back(self, rows: list[ReadingRow]) -> None:
        """Return rows the writer could not store to the front, ahead of newer ones."""
        self._rows.extendleft(reversed(rows))

    def take(self, limit: int) -> list[ReadingRow]:
        taken = [self._rows.popleft() for _ in range(min(limit, len(self._rows)))]
        if len(self._rows) < self._max_rows:
            self._not_full.set()
        return taken
