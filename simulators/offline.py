"""``python -m simulators run``: a whole line run offline, signals and ground truth to files.

Same plant, sensors and faults as ``serve``, stepped as fast as the CPU allows. Besides the
ground-truth files (``simulators.groundtruth``) the run folder gets::

    signals.parquet   long format: time (µs since the epoch, UTC), tag, value, status
    texts.parquet     changes of state, phase, lot id and lot-record variables
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from simulators.config import SimConfig
from simulators.groundtruth import GroundTruth, hidden_parameters, run_folder
from simulators.simulation import Simulation

__all__ = ["OFFLINE_START", "run_offline"]

_log = logging.getLogger(__name__)
OFFLINE_START = datetime(2026, 1, 1, tzinfo=UTC)
"""Start of every offline run, so that the same seed gives the same files."""


class _SignalBuffer:
    """Collects per-step vectors and writes them as one long table."""

    def __init__(self, paths: list[str], steps: int) -> None:
        self.paths = paths
        self.times = np.zeros(steps, dtype=np.int64)
        self.values = np.zeros((steps, len(paths)))
        self.status = np.zeros((steps, len(paths)), dtype=np.uint32)
        self.written = np.zeros((steps, len(paths)), dtype=bool)
        self.n = 0

    def add(self, t_us: int, values, status, written) -> None:
        i = self.n
        self.times[i], self.values[i], self.status[i], self.written[i] = (
            t_us,
            values,
            status,
            written,
        )
        self.n += 1

    def write(self, path: Path) -> int:
        n, k = self.n, len(self.paths)
        mask = self.written[:n].ravel()
        frame = pl.DataFrame(
            {
                "time_us": np.repeat(self.times[:n], k)[mask],
                "tag": pl.Series(np.tile(np.arange(k, dtype=np.uint32), n)[mask]).replace_strict(
                    dict(enumerate(self.paths)), return_dtype=pl.Categorical
                ),
                "value": self.values[:n].ravel()[mask],
                "status": self.status[:n].ravel()[mask],
            }
        )
        frame.write_parquet(path)
        return frame.height


def run_offline(cfg: SimConfig, days: float, out: Path | None, signals: bool = True) -> Path:
    """Simulate ``days`` days; return the run folder."""
    t0_us = int(OFFLINE_START.timestamp() * 1e6)
    sim = Simulation(cfg, t0_us)
    steps = int(days * 86400 / cfg.step_s)
    folder = out or run_folder(Path(cfg.data_dir), t0_us, cfg.seed, f"run-{cfg.profile}")
    truth = GroundTruth(
        folder,
        {
            "mode": "run",
            "seed": cfg.seed,
            "profile": cfg.profile,
            "days": days,
            "step_s": cfg.step_s,
            "t0_us": t0_us,
            "hidden": hidden_parameters(sim.plant),
        },
    )
    buffer = _SignalBuffer([s.path for s in sim.plant.signals], steps if signals else 0)
    texts: list[tuple[int, str, str]] = []
    with tqdm(total=steps, unit="step", desc=f"{days:g} days", mininterval=0.5) as bar:
        for k in range(steps):
            step = sim.advance()
            truth.write_step(step)
            texts.extend((t, path, str(value)) for path, value, t in step.texts)
            if signals:
                buffer.add(step.t_us, step.measured, step.status, step.written)
            if k % 1000 == 999:
                bar.update(1000)
        bar.update(steps - bar.n)
    summary = truth.close(sim.plant)
    if signals:
        rows = buffer.write(folder / "signals.parquet")
        _log.info("wrote %d signal rows", rows)
    pl.DataFrame(texts, schema=["time_us", "tag", "value"], orient="row").write_parquet(
        folder / "texts.parquet"
    )
    _log.info(
        "run of %g days: %d lots, %d parts in %s",
        days,
        summary["totals"]["lots"],
        summary["totals"]["parts"],
        folder,
    )
    return folder
