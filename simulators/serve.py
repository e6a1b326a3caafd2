"""``python -m simulators serve``: the plant published live over OPC UA.

Step ``k`` of the model is due at wall time ``start + k·step_s/speed`` and carries the
source timestamp ``t0 + k·step_s`` (``t0`` = wall clock at start), so at speed 1 source
time is the wall clock and at higher speeds it runs ahead. When the loop falls behind it
steps the model several times and publishes every step with its own timestamp, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time

from simulators.archive import Archive
from simulators.config import SimConfig
from simulators.opcua.events import SERVER_SOURCE
from simulators.opcua.publisher import Publisher
from simulators.opcua.server import SimulatorServer
from simulators.opcua.times import datetime_from_us
from simulators.plant.events import PlantEvent
from simulators.simulation import StepOutput

__all__ = ["LiveRun", "serve"]

_log = logging.getLogger(__name__)
MAX_WRITES_PER_ITERATION = 50_000  # keeps the loop answering SIGTERM when far behind
SAVE_EVERY_WALL_S = 30.0
STATS_EVERY_WALL_S = 10.0
MAX_START_LAG_S = 30.0  # a longer gap between t0 and the loop start is caught up no further
SERVER_STOP_TIMEOUT_S = 5.0


class _GcClock:
    """Wall time spent in Python's garbage collector (shown in the stats log line)."""

    def __init__(self) -> None:
        self.seconds, self._start = [0.0, 0.0, 0.0], 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._start

    def take(self) -> list[float]:
        """Seconds per generation since the last call."""
        seconds, self.seconds = self.seconds, [0.0, 0.0, 0.0]
        return seconds

    def close(self) -> None:
        gc.callbacks.remove(self._callback)


class LiveRun:
    """A plant stepped on the wall clock and published by a ``SimulatorServer``."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.archive = Archive(cfg, time.time_ns() // 1000)
        self.sim, self.history = self.archive.sim, self.archive.history
        self.server = SimulatorServer(cfg, self.sim.plant, self.history, self.archive.text_paths)
        self._down_until = 0.0
        self._max_catch_up = max(1, MAX_WRITES_PER_ITERATION // len(self.sim.plant.signals))

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; then save history and ground truth."""
        await self.server.start(self._publish_current)
        _log.info(
            "serving %s (%d numeric tags, speed %g)",
            self.server.url,
            len(self.sim.plant.signals),
            self.cfg.speed,
        )
        gc_clock = self._gc = _GcClock()
        try:
            await self._loop(stop)
        finally:
            gc_clock.close()
            # History first: nothing is published after the loop, and a server whose stop
            # hangs (asyncua waits for its connections' tasks; seen once in ten stops during
            # a client's long HistoryRead) must not cost what was published.
            await self.archive.save()
            self.archive.close()
            await self._stop_server()

    async def _stop_server(self) -> None:
        try:
            await asyncio.wait_for(self.server.stop(), SERVER_STOP_TIMEOUT_S)
        except TimeoutError:
            _log.warning(
                "the OPC UA server did not stop within %g s; exiting anyway",
                SERVER_STOP_TIMEOUT_S,
            )

    async def _loop(self, stop: asyncio.Event) -> None:
        last_save = last_stats = time.monotonic()
        # Step k is due when the wall clock reaches t0 + k·step/speed, counted from t0 (the
        # clock when the server started publishing), not from now: the time the server
        # took to bind would otherwise lag every source timestamp behind the wall clock.
        start = last_save - min(max(0.0, time.time() - self.sim.t0_us / 1e6), MAX_START_LAG_S)
        steps_per_wall_s = self.cfg.speed / self.cfg.step_s
        while not stop.is_set():
            delay = start + (self.sim.k + 1) / steps_per_wall_s - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                    return
            else:  # behind: still let clients' requests and publish responses through
                await asyncio.sleep(0)
            due = int((time.monotonic() - start) * steps_per_wall_s) - self.sim.k
            await self._steps(max(1, min(self._max_catch_up, due)))
            now = time.monotonic()
            if now - last_save > SAVE_EVERY_WALL_S:
                last_save = now
                await self.archive.save()
            if now - last_stats > STATS_EVERY_WALL_S:
                self._log_stats(now - last_stats, due)
                last_stats = now

    def _log_stats(self, wall_s: float, due: int) -> None:
        pub = self.server.publisher
        writes = pub.writes if pub is not None else 0
        if pub is not None:
            pub.writes = 0
        gc_s = self._gc.take()
        _log.info("published %.0f values/s over %.0f s, step %d, %d steps behind, "
                  "gc %.2f s (%.2f/%.2f/%.2f by generation)", writes / wall_s, wall_s,
                  self.sim.k, max(0, due - 1), sum(gc_s), *gc_s)  # fmt: skip

    async def _steps(self, n: int) -> None:
        """Step ``n`` times; keep every step, publish those made while the server is up."""
        pending: list[StepOutput] = []
        for _ in range(n):
            out = self.sim.advance()
            self.archive.record(out)
            pending.append(out)
            for spec in out.restarts:  # what came before the restart fault is published
                await self._publish(pending)
                pending = []
                await self._begin_restart(spec.duration_s)
        await self._restart_if_due()
        await self._publish(pending)

    async def _publish_current(self, pub: Publisher) -> None:
        """Fill a new server before it opens its port, with values history holds.

        Each variable gets the last value history has for it (same time, value, status),
        so a restart publishes nothing history lacks; at this process's first start step 0
        (stamped now) follows, and is kept in history like every other step.
        """
        await self._republish_latest(pub)
        if self.archive.truth is None:
            self.sim.rebase(max(time.time_ns() // 1000, self.archive.not_before_us))
            self.archive.open_truth()
            out = self.sim.initial_output()
            self.archive.record(out)
            await self._publish_values(pub, out)

    async def _republish_latest(self, pub: Publisher) -> None:
        latest = self.history.latest()
        for t_us, tags in latest.groups():
            await pub.publish_numeric(datetime_from_us(t_us), latest.values, latest.status, tags)
        for path, (t_us, value) in self.history.latest_texts().items():
            await pub.publish_text(path, datetime_from_us(t_us), value)

    async def _publish(self, outs: list[StepOutput]) -> None:
        if not self.server.running:
            return
        pub = self.server.publisher
        for out in outs:
            # Every step, not just the last: what history holds was published, so a recorder
            # that loses nothing can be checked against history.
            await self._publish_values(pub, out)
            for event in out.events:
                await self.server.emit(event)

    async def _publish_values(self, pub: Publisher, out: StepOutput) -> None:
        await pub.publish_numeric(datetime_from_us(out.t_us), out.measured, out.status,
                                  out.written)  # fmt: skip
        for path, value, t_us in out.texts:
            await pub.publish_text(path, datetime_from_us(t_us), value)

    async def _begin_restart(self, duration_s: float) -> None:
        _log.warning("fault: server restart, down for %g simulated s", duration_s)
        await self.archive.save()
        await self.server.stop()
        self._down_until = time.monotonic() + duration_s / self.cfg.speed

    async def _restart_if_due(self) -> None:
        if self.server.running or time.monotonic() < self._down_until:
            return
        await self.server.start(self._publish_current)
        t_us = self.sim.t_us
        restart = PlantEvent(t_us / 1e6, SERVER_SOURCE, "restart", "simulator server restarted")
        event = self.sim.stamp(restart, t_us)
        self.archive.record_event(event)
        await self.server.emit(event)
        _log.info("serving %s again after restart", self.server.url)


async def serve(cfg: SimConfig, stop: asyncio.Event) -> None:
    """Run the live simulator until ``stop`` is set."""
    await LiveRun(cfg).run(stop)
