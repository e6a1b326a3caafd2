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
from dataclasses import asdict
from pathlib import Path

import numpy as np

from simulators.config import SimConfig
from simulators.groundtruth import GroundTruth, hidden_parameters, run_folder
from simulators.history import History
from simulators.opcua.history_read import datetime_from_us
from simulators.opcua.publisher import Publisher
from simulators.opcua.server import SimulatorServer
from simulators.plant.events import PlantEvent
from simulators.simulation import Simulation, StepOutput

__all__ = ["LiveRun", "serve"]

_log = logging.getLogger(__name__)
MAX_WRITES_PER_ITERATION = 50_000  # keeps the loop answering SIGTERM when far behind
SAVE_EVERY_WALL_S = 30.0
STATS_EVERY_WALL_S = 10.0
MAX_START_LAG_S = 30.0  # a longer gap between t0 and the loop start is caught up no further


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
        self.data_dir = Path(cfg.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sim = Simulation(cfg, time.time_ns() // 1000)
        text_paths = self.sim.text_paths + self.sim.lot_paths
        self.history = History(
            [s.path for s in self.sim.plant.signals], text_paths, cfg.history_window_s, cfg.step_s
        )
        self.history_file = self.data_dir / "history.npz"
        self._not_before_us = 0
        self._load_history()
        self.server = SimulatorServer(cfg, self.sim.plant, self.history, text_paths)
        self._down_until = 0.0
        self._max_catch_up = max(1, MAX_WRITES_PER_ITERATION // len(self.sim.plant.signals))
        self.truth: GroundTruth | None = None

    def _ground_truth(self) -> GroundTruth:
        cfg = self.cfg
        folder = run_folder(self.data_dir, self.sim.t0_us, cfg.seed, "serve")
        truth = GroundTruth(
            folder,
            {
                "mode": "serve",
                "seed": cfg.seed,
                "profile": cfg.profile,
                "speed": cfg.speed,
                "step_s": cfg.step_s,
                "t0_us": self.sim.t0_us,
                "faults": [asdict(f) for f in cfg.faults],
                "hidden": hidden_parameters(self.sim.plant),
            },
        )
        (self.data_dir / "runs" / "latest.txt").write_text(folder.name)
        return truth

    def _load_history(self) -> None:
        rows = self.history.load(self.history_file)
        if rows:
            last_us = int(self.history.times[(self.history.head - 1) % len(self.history.times)])
            self._not_before_us = last_us + 1  # a faster earlier run may be ahead of the clock
            _log.info("loaded %d history rows from %s", rows, self.history_file)

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
            await self.server.stop()
            await self._save_history()
            self.truth.close(self.sim.plant)

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
                await self._save_history()
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
        outs = [self.sim.advance() for _ in range(n)]
        for out in outs:
            self.history.append(out.t_us, out.measured, out.status, out.written)
            for path, value, t_us in out.texts:
                self.history.append_text(path, t_us, value)
            self.truth.write_step(out)
            for spec in out.restarts:
                await self._begin_restart(out.t_us, spec.duration_s)
        await self._restart_if_due(outs[-1].t_us)
        if self.server.running:
            await self._publish(outs)

    async def _publish_current(self, pub: Publisher) -> None:
        """Publish the present state (at start: step 0, stamped now) into a new server."""
        if self.sim.k == 0 and self.truth is None:
            self.sim.rebase(max(time.time_ns() // 1000, self._not_before_us))
            self.truth = self._ground_truth()
        ts = datetime_from_us(self.sim.t_us)
        n = len(self.sim.last_measured)
        await pub.publish_numeric(ts, self.sim.last_measured, np.zeros(n, dtype=np.uint32),
                                  np.ones(n, dtype=bool))  # fmt: skip
        for path, value in zip(self.sim.text_paths, self.sim.plant.text_values(), strict=True):
            await pub.publish_text(path, ts, value)

    async def _publish(self, outs: list[StepOutput]) -> None:
        pub = self.server.publisher
        for out in outs:
            # Every step, not just the last: what history holds was published, so a recorder
            # that loses nothing can be checked against history.
            await pub.publish_numeric(
                datetime_from_us(out.t_us), out.measured, out.status, out.written
            )
            for path, value, t_us in out.texts:
                await pub.publish_text(path, datetime_from_us(t_us), value)
            for event in out.events:
                await self.server.emit(event, out.t_us)

    async def _begin_restart(self, t_us: int, duration_s: float) -> None:
        _log.warning("fault: server restart, down for %g simulated s", duration_s)
        await self._save_history()
        await self.server.stop()
        self._down_until = time.monotonic() + duration_s / self.cfg.speed

    async def _restart_if_due(self, t_us: int) -> None:
        if self.server.running or time.monotonic() < self._down_until:
            return
        await self.server.start(self._publish_current)
        event = PlantEvent(t_us / 1e6, "Server", "restart", "simulator server restarted", {})
        self.truth.log_event(event.t_s, event.kind, event.source, event.message, {})
        await self.server.emit(event, t_us)
        _log.info("serving %s again after restart", self.server.url)

    async def _save_history(self) -> None:
        snapshot = self.history.snapshot()  # copied here, written in a thread
        await asyncio.to_thread(History.write, snapshot, self.history_file)
        self.truth.flush()


async def serve(cfg: SimConfig, stop: asyncio.Event) -> None:
    """Run the live simulator until ``stop`` is set."""
    await LiveRun(cfg).run(stop)
