"""The bounded row buffer between the collectors and the writer."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from store.readings import ReadingRow

__all__ = ["RowBuffer"]


class RowBuffer:
    """A bounded FIFO of rows: collectors wait when it is full, the writer takes batches."""

    def __init__(self, max_rows: int) -> None:
        self._rows: deque[ReadingRow] = deque()
        self._max_rows = max_rows
        self._not_full = asyncio.Event()
        self._not_full.set()
        self.put_total = 0  # rows ever put; with taken_total, tells when given rows were handled
        self.taken_total = 0

    def __len__(self) -> int:
        return len(self._rows)

    async def put_many(self, rows: Iterable[ReadingRow]) -> None:
        while len(self._rows) >= self._max_rows:
            self._not_full.clear()
            await self._not_full.wait()
        before = len(self._rows)
        self._rows.extend(rows)
        self.put_total += len(self._rows) - before

    def put_back(self, rows: list[ReadingRow]) -> None:
        """Return rows the writer could not store to the front, ahead of newer ones."""
        self._rows.extendleft(reversed(rows))
        self.taken_total -= len(rows)

    def take(self, limit: int) -> list[ReadingRow]:
        taken = [self._rows.popleft() for _ in range(min(limit, len(self._rows)))]
        self.taken_total += len(taken)
        if len(self._rows) < self._max_rows:
            self._not_full.set()
        return taken

    async def wait_taken(self, mark: int, poll_s: float = 0.05) -> None:
        """Wait until the writer has handled (stored or spooled) the first ``mark`` rows."""
        while self.taken_total < mark:
            await asyncio.sleep(poll_s)
