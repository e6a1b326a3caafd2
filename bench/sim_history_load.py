"""Benchmark: saving and loading the simulator's history file (issue 14).

Builds the ``History`` a simulator of ``--tags`` numeric tags keeps over ``--window-s`` at
``--step-s`` (defaults: 10,000 tags, one hour, the default config's step of 1 s; at that
size ``MAX_CELLS`` cuts the ring to its last 1,000 rows, and the bench says so), fills
every row (1 % Bad, 1 % not written), adds text changes and events, then times
``History.save`` and ``History.load``: into the same tags, and into changed tags (every
10th tag gone, 1,000 new ones, the column remapping a new layout needs). Each figure is
wall and CPU seconds of this process, with the load average (as ``uptime`` shows it) just
before. Every load is checked against what was saved. Usage::

    .venv/bin/python bench/sim_history_load.py
    .venv/bin/python bench/sim_history_load.py --tags 300 --window-s 30000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.config import SimConfig
from simulators.events import StampedEvent
from simulators.history import History

T0_US = 1_767_225_600_000_000
TEXTS = 500
EVENTS = 2_000


def _filled(tags: list[str], texts: list[str], window_s: float, step_s: float) -> History:
    """A history as a long-running simulator leaves it: every row of the ring written."""
    history = History(tags, texts, window_s, step_s)
    rows, n = len(history.times), len(tags)
    rng = np.random.default_rng(14)
    step_us = round(step_s * 1e6)
    times = T0_US + step_us * np.arange(rows, dtype=np.int64)
    status = np.where(rng.random((rows, n)) < 0.01, 0x808C0000, 0).astype(np.uint32)
    history.append_rows(times, rng.normal(500.0, 50.0, (rows, n)), status,
                        rng.random((rows, n)) > 0.01)  # fmt: skip
    for i, path in enumerate(texts):
        for row in range(i % 60, rows, 60):
            history.append_text(path, int(times[row]), f"state {row}")
    for e in range(EVENTS):
        t_us = int(times[e * rows // EVENTS]) + e  # distinct times, as the stamper gives
        details = json.dumps({"lot_id": f"Line1-MG{e:05d}"})
        history.append_event(StampedEvent(t_us, bytes(8) + e.to_bytes(8, "big"), "Line1",
                                          "lot", 100, f"lot {e}", details))  # fmt: skip
    return history


def _timed(action) -> tuple[float, float, float, object]:
    """(load average, wall s, CPU s, result) of ``action()``."""
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return load, time.perf_counter() - wall, time.process_time() - cpu, result


def _check_same(saved: History, loaded: History, paths: list[str]) -> None:
    """The loaded ring holds the newest saved rows of ``paths`` (columns matched by path;
    a layout with more tags has a smaller ring under ``MAX_CELLS``)."""
    a, b = saved.snapshot(), loaded.snapshot()
    kept = len(b["times"])
    np.testing.assert_array_equal(a["times"][-kept:], b["times"])
    old = [saved.columns[p] for p in paths]
    new = [loaded.columns[p] for p in paths]
    for name in ("values", "status", "written"):
        np.testing.assert_array_equal(a[name][-kept:, old], b[name][:, new])
    assert list(saved.events) == list(loaded.events)


def _run(args: argparse.Namespace, folder: Path) -> list[tuple[str, float, float, float]]:
    tags = [f"Line{i // 100 + 1}.Bench.Tag{i:05d}" for i in range(args.tags)]
    texts = [f"Line1.Bench.Text{i:03d}" for i in range(TEXTS)]
    saved = _filled(tags, texts, args.window_s, args.step_s)
    path = folder / "history.npz"
    load, wall, cpu, _ = _timed(lambda: saved.save(path))
    figures = [("save", load, wall, cpu)]
    changed = [p for i, p in enumerate(tags) if i % 10] + [f"New.Tag{i:04d}" for i in range(1000)]
    for name, layout in (("load, same tags", tags), ("load, tags changed", changed)):
        fresh = History(layout, texts, args.window_s, args.step_s)
        load, wall, cpu, _ = _timed(lambda fresh=fresh: fresh.load(path))
        _check_same(saved, fresh, [p for p in layout if p in saved.columns])
        figures.append((name, load, wall, cpu))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=10_000, help="numeric tags (10,000)")
    parser.add_argument("--window-s", type=float, default=3600.0, help="history window (1 h)")
    parser.add_argument("--step-s", type=float, default=SimConfig().step_s, help="model step")
    parser.add_argument("--repeat", type=int, default=3, help="runs (the median is shown)")
    args = parser.parse_args()
    logging.getLogger("simulators.history").setLevel(logging.ERROR)  # the cut is shown below
    probe = History([f"t{i}" for i in range(args.tags)], [], args.window_s, args.step_s)
    asked = int(args.window_s / args.step_s) + 2
    print(f"{args.tags} tags, window {args.window_s:g} s, step {args.step_s:g} s: "
          f"{asked} rows asked, {len(probe.times)} kept (MAX_CELLS), {TEXTS} text "
          f"variables, {EVENTS} events; {os.cpu_count()} CPUs")  # fmt: skip
    del probe
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            runs.append(_run(args, Path(tmp)))
            size_mb = (Path(tmp) / "history.npz").stat().st_size / 1e6
    print(f"file {size_mb:.0f} MB")
    for i, (name, *_rest) in enumerate(runs[0]):
        walls = [r[i][2] for r in runs]
        shown = ", ".join(f"{r[i][2]:.2f} s wall / {r[i][3]:.2f} s CPU at load {r[i][1]:.2f}"
                          for r in runs)  # fmt: skip
        print(f"{name:20s} median {statistics.median(walls):.2f} s wall  ({shown})")


if __name__ == "__main__":
    main()
