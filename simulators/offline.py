"""``python -m simulators run``: a whole line run offline, its recorded line and ground truth.

Same plant, sensors and faults as ``serve``, stepped as fast as the CPU allows, from step 0
(every variable's value at the start, as ``serve`` publishes it first) to ``days`` later.
The run folder is a recorded line of ``[start, start + days)`` (``simulators.recorded_line``,
``twin/RECORDED_LINE.md``: ``line.json``, ``readings.parquet``, ``states.parquet``,
``lots.parquet``, ``events.parquet``), under the run's naming, and holds the ground truth
(``simulators.groundtruth``) besides. Two older files stay while
``twin.calibration.load_run_folder`` and tests built on it still read them::

    signals.parquet   readings in long format: time_us (µs since the epoch, UTC), tag
                      (dotted path), value (null when Bad), status
    texts.parquet     states in long format: time_us, tag, value
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from tqdm import tqdm

from simulators.config import SimConfig
from simulators.groundtruth import GroundTruth, hidden_parameters, run_folder
from simulators.recorded_line import LineWriter
from simulators.simulation import Simulation

__all__ = ["OFFLINE_START", "run_offline"]

_log = logging.getLogger(__name__)
OFFLINE_START = datetime(2026, 1, 1, tzinfo=UTC)
"""Start of every offline run, so that the same seed gives the same files."""


def run_offline(cfg: SimConfig, days: float, out: Path | None, signals: bool = True) -> Path:
    """Simulate ``days`` days; return the run folder (``signals=False``: no readings)."""
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
            "naming": cfg.naming,
            "days": days,
            "step_s": cfg.step_s,
            "t0_us": t0_us,
            "hidden": hidden_parameters(sim.plant),
        },
    )
    line = LineWriter(sim.published, steps + 1 if signals else 0)
    first = sim.initial_output()
    first.texts += [(path, "", first.t_us) for path in sim.lot_paths]  # no lot yet, as serve
    line.add(first)
    with tqdm(total=steps, unit="step", desc=f"{days:g} days", mininterval=0.5) as bar:
        for k in range(steps):
            step = sim.advance()
            truth.write_step(step)
            line.add(step)
            if k % 1000 == 999:
                bar.update(1000)
        bar.update(steps - bar.n)
    summary = truth.close(sim.plant)
    naming = "" if cfg.naming == "native" else f", naming {cfg.naming}"
    source = f"simulator run {cfg.profile} seed {cfg.seed}{naming}"
    frames = line.write(folder, OFFLINE_START, OFFLINE_START + timedelta(days=days), source)
    _write_older_files(folder, frames)
    _log.info(
        "run of %g days: %d lots, %d parts, %d readings in %s",
        days,
        summary["totals"]["lots"],
        summary["totals"]["parts"],
        frames["readings"].height,
        folder,
    )
    return folder


def _write_older_files(folder: Path, frames: dict[str, pl.DataFrame]) -> None:
    """``signals.parquet`` and ``texts.parquet`` of the recorded line's readings and states."""
    time_us = pl.col("time").dt.epoch("us").alias("time_us")
    for name, old, kept in (
        ("readings", "signals", ("value", "status")),
        ("states", "texts", ("value",)),
    ):
        frame = frames[name]
        paths = frame["path"].unique().to_list()
        dotted = {p: p.replace("/", ".") for p in paths}
        tag = pl.col("path").replace_strict(dotted, return_dtype=pl.Categorical).alias("tag")
        frame.select(time_us, tag, *kept).write_parquet(folder / f"{old}.parquet")
