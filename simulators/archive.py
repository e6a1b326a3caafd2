"""What a live run keeps of everything it publishes: history, ground truth, state file.

Every step (step 0 included) and every event goes to the ``History`` that HistoryRead
answers from and to the ground truth files, whether the OPC UA server is up or not, so
HistoryRead and ``events.jsonl`` hold exactly what was or would have been published. The
data dir's state file is rewritten whenever a lot or an event number was handed out,
before the step is published (``simulators.state``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict
from pathlib import Path

from simulators.config import SimConfig
from simulators.events import StampedEvent
from simulators.groundtruth import GroundTruth, hidden_parameters, run_folder
from simulators.history import History
from simulators.simulation import Simulation, StepOutput
from simulators.state import read_state, write_state

__all__ = ["HISTORY_FILE", "Archive"]

_log = logging.getLogger(__name__)
HISTORY_FILE = "history.npz"


class Archive:
    """History, ground truth and state of one live run on ``cfg.data_dir``."""

    def __init__(self, cfg: SimConfig, t0_us: int) -> None:
        self.cfg = cfg
        self.data_dir = Path(cfg.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sim = Simulation(cfg, t0_us, read_state(self.data_dir))
        self.text_paths = self.sim.text_paths + self.sim.lot_paths
        paths = self.sim.published.signal_paths
        self.history = History(paths, self.text_paths, cfg.history_window_s, cfg.step_s)
        self.history_file = self.data_dir / HISTORY_FILE
        # A run on this data dir resumes after what an earlier one published and numbered.
        self.not_before_us = max(self._load_history(), self.sim.stamper.last_us) + 1
        self._numbers = (-1, -1)
        self._save_state()  # the data dir's id and the numbers of the seed stock's lots
        self.truth: GroundTruth | None = None

    def _load_history(self) -> int:
        """Load the saved history; return the time of its newest row or event [µs]."""
        began = time.perf_counter()
        rows = self.history.load(self.history_file)
        events = len(self.history.events)
        if rows or events:
            took_s = time.perf_counter() - began
            _log.info("loaded %d history rows and %d events from %s in %.2f s",
                      rows, events, self.history_file, took_s)  # fmt: skip
        return self.history.last_time_us

    def open_truth(self) -> None:
        """Start the ground truth folder of this run (once the start time is final)."""
        cfg, sim = self.cfg, self.sim
        folder = run_folder(self.data_dir, sim.t0_us, cfg.seed, "serve")
        meta = {
            "mode": "serve",
            "seed": cfg.seed,
            "profile": cfg.profile,
            "naming": cfg.naming,
            "speed": cfg.speed,
            "catch_up_wall_s": cfg.catch_up_wall_s,
            "step_s": cfg.step_s,
            "t0_us": sim.t0_us,
            "event_source_id": sim.stamper.source_id.hex(),
            "faults": [asdict(f) for f in cfg.faults],
            "hidden": hidden_parameters(sim.plant),
        }
        self.truth = GroundTruth(folder, meta)
        (self.data_dir / "runs" / "latest.txt").write_text(folder.name)

    def record(self, out: StepOutput) -> None:
        """Keep one step: values, text changes, events, lots and parts."""
        history = self.history
        history.append(out.t_us, out.measured, out.status, out.written)
        for path, value, t_us in out.texts:
            history.append_text(path, t_us, value)
        for event in out.events:
            history.append_event(event)
        self.truth.write_step(out)
        self._save_state_if_numbered()

    def record_event(self, event: StampedEvent) -> None:
        """Keep an event that happened outside a step (a server restart)."""
        self.history.append_event(event)
        self.truth.log_event(event)
        self._save_state_if_numbered()

    def _save_state_if_numbered(self) -> None:
        numbers = (self.sim.stamper.next_sequence, self.sim.plant.lots_numbered())
        if numbers != self._numbers:
            self._save_state()

    def _save_state(self) -> None:
        write_state(self.data_dir, self.sim.carried_state())
        self._numbers = (self.sim.stamper.next_sequence, self.sim.plant.lots_numbered())

    async def save(self) -> None:
        """Write the history file (copied here, written in a thread) and flush the truth."""
        snapshot = self.history.snapshot()
        await asyncio.to_thread(History.write, snapshot, self.history_file)
        if self.truth is not None:
            self.truth.flush()

    def close(self) -> None:
        """Write the ground truth's summary and close its files."""
        if self.truth is not None:
            self.truth.close(self.sim.plant)
