"""Twin runs off the event loop, a few at a time.

A simulation is seconds of numpy and Python work. It runs in a pool of worker processes
(threads would hold the interpreter lock and slow every other request of this process), at
most ``twin_workers`` at once; a request that finds them all busy waits up to
``twin_queue_timeout_s`` for a turn, then gets a 429, so one client's heavy requests cannot
starve the others. Workers start on the first run and are spawned, not forked: forking a
process that runs an event loop and a connection pool's threads is unsafe.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from api.errors import ServiceUnavailable, TooBusy

__all__ = ["TwinRunner"]

logger = logging.getLogger(__name__)


class TwinRunner:
    def __init__(self, workers: int, queue_timeout_s: float) -> None:
        self._workers = workers
        self._queue_timeout_s = queue_timeout_s
        self._slots = asyncio.Semaphore(workers)
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, job: Callable[..., Any], *args: Any) -> Any:
        """``job(*args)`` in a worker process; TooBusy when no worker frees up in time."""
        await self._take_slot()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor(), job, *args)
        except BaseException:
            self._slots.release()
            raise
        # The slot is given back when the worker is done, not when this request ends: a
        # client that hangs up does not stop its simulation, which still holds a worker.
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return await asyncio.shield(future)
        except BrokenProcessPool as exc:
            self._pool = None
            raise ServiceUnavailable("a twin worker died; try again") from exc

    async def _take_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # free: returns at once (wait_for(..., 0) would not)
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self._queue_timeout_s)
        except TimeoutError:
            raise TooBusy(
                f"all {self._workers} twin workers are busy; try again shortly",
                {"workers": self._workers, "waited_s": self._queue_timeout_s},
            ) from None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self._workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        """Cancel queued runs and wait for the workers to end (a run under way finishes:
        runs are bounded). Without the wait, a worker outlived the process that spawned it."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
