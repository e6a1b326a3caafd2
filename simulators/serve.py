"""``python -m simulators serve``: the plant published live over OPC UA.

Step ``k`` carries the source timestamp ``t0 + k·step_s`` and is due at the later of
``start + k·step_s/speed`` (the speed schedule) and the wall clock reaching that source
time, so no source time is ever ahead of the clock. ``t0`` is ``cfg.catch_up_span_s``
before the clock at start (0 at speed <= 1): at speed N the run goes N times real time
for ``catch_up_wall_s`` wall seconds, then in real time. On a data dir with saved history
``t0`` is right after it if that is later (a restart resumes; an older history leaves an
honest gap: the simulator was down). History ahead of the clock (the clock was set back,
or an older version stamped the future) is waited for up to ``MAX_AHEAD_WAIT_S``, and
refused beyond: history times only rise. When the loop falls behind it steps the model
several times and publishes every step with its own timestamp, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time

from simulators.archive import Archive
from simulators.config import SimConfig
from simulators.errors import StateFileError
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
MAX_START_LAG_S = 30.0  # a longer bind time before the loop starts is caught up no further
MAX_AHEAD_WAIT_S = 60.0  # saved history further ahead of the clock is refused, not waited for
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
        self.server = SimulatorServer(
            cfg, self.sim.published, self.history, self.archive.text_paths
        )
        self._up_at_us = 0  # source time at which a server stopped by a restart fault restarts
        self._began_s = time.time()  # wall clock when step 0 got its source time
        self._real_time = cfg.catch_up_span_s == 0  # the wall clock, not speed, sets the pace
        self._max_catch_up = max(1, MAX_WRITES_PER_ITERATION // len(self.sim.published.signals))

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; then save history and ground truth."""
        await self._wait_for_saved_history(stop)
        if stop.is_set():
            return
        await self.server.start(self._publish_current)
        _log.info(
            "serving %s (%d numeric tags, speed %g)",
            self.server.url,
            len(self.sim.published.signals),
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

    async def _wait_for_saved_history(self, stop: asyncio.Event) -> None:
        """Let the wall clock pass the saved history's newest time (or refuse if far off)."""
        ahead_s = self.archive.not_before_us / 1e6 - time.time()
        if ahead_s <= 0:
            return
        newest = datetime_from_us(self.archive.not_before_us - 1).isoformat()
        if ahead_s > MAX_AHEAD_WAIT_S:
            raise StateFileError(
                f"{self.archive.data_dir} holds history up to {newest}, {ahead_s:.0f} s ahead of "
                "the clock (set back, or saved by a simulator that stamped the future); start "
                "after that time or with another --data-dir"
            )
        _log.warning("saved history runs until %s, %.1f s ahead of the clock: waiting for "
                     "the clock to pass it before publishing", newest, ahead_s)  # fmt: skip
        while ahead_s > 0 and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ahead_s)
            ahead_s = self.archive.not_before_us / 1e6 - time.time()

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
        # The speed schedule counts from the moment step 0 got its time (when the server
        # started publishing), not from now: the time the server took to bind would
        # otherwise lag every source timestamp behind the wall clock at speed 1.
        start = last_save - min(max(0.0, time.time() - self._began_s), MAX_START_LAG_S)
        while not stop.is_set():
            delay = self._wait_s(start)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                    return
            else:  # behind: still let clients' requests and publish responses through
                await asyncio.sleep(0)
            due = self._due(start)
            if due < 1:  # woken a hair early: a step is never stamped ahead of the clock
                continue
            await self._steps(min(self._max_catch_up, due))
            now = time.monotonic()
            if now - last_save > SAVE_EVERY_WALL_S:
                last_save = now
                await self.archive.save()
            if now - last_stats > STATS_EVERY_WALL_S:
                self._log_stats(now - last_stats, due)
                last_stats = now

    def _wait_s(self, start: float) -> float:
        """Wall seconds until the next step is due on both the speed schedule and the clock."""
        k = self.sim.k + 1
        by_speed = start + k * self.cfg.step_s / self.cfg.speed - time.monotonic()
        by_clock = (self.sim.t0_us + k * self.sim.step_us) / 1e6 - time.time()
        if by_clock > by_speed and not self._real_time:
            self._real_time = True
            _log.info("caught up with the wall clock at step %d; real time from now", k - 1)
        return max(by_speed, by_clock)

    def _due(self, start: float) -> int:
        """Steps due now: as many as both the speed schedule and the wall clock allow."""
        by_speed = int((time.monotonic() - start) * self.cfg.speed / self.cfg.step_s)
        by_clock = (time.time_ns() // 1000 - self.sim.t0_us) // self.sim.step_us
        return min(by_speed, by_clock) - self.sim.k

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
        follows, and is kept in history like every other step. In step 0 a lot variable no
        lot has reached yet reads "" at step 0's time: left waiting with no time at all, it
        would be stamped by a client's clock, which this run's source time is behind.
        """
        await self._republish_latest(pub)
        if self.archive.truth is None:
            self._rebase()
            self.archive.open_truth()
            out = self.sim.initial_output()
            lots = self.history.latest_texts()
            out.texts += [(p, "", out.t_us) for p in self.sim.lot_paths if p not in lots]
            self.archive.record(out)
            await self._publish_values(pub, out)

    def _rebase(self) -> None:
        """Step 0's time: ``catch_up_span_s`` before the clock, or right after the saved
        history if that is later (never after the clock: ``_wait_for_saved_history``)."""
        now_us = time.time_ns() // 1000
        self._began_s = now_us / 1e6
        earliest_us = now_us - round(self.cfg.catch_up_span_s * 1e6)
        self.sim.rebase(max(earliest_us, self.archive.not_before_us))
        after = " (right after the saved history)" if self.sim.t0_us > earliest_us else ""
        _log.info("step 0 at %s, %.0f s before the clock%s", datetime_from_us(self.sim.t0_us),
                  (now_us - self.sim.t0_us) / 1e6, after)  # fmt: skip

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
        # Down until source time has moved on by duration_s: at the pace of the moment,
        # speed while catching up, real time after.
        self._up_at_us = self.sim.t_us + round(duration_s * 1e6)

    async def _restart_if_due(self) -> None:
        if self.server.running or self.sim.t_us < self._up_at_us:
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
