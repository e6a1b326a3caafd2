"""Benchmark: nothing lost (issue 14). A recorder through every fault at once, measured.

Real processes: the simulator (``python -m simulators serve``) at ~6,300 values/s, the
recorder (``python -m ingest run``) whose database path goes through a ``TcpProxy``, and
the database. The sequence:

1. run ``run_s``;
2. cut the database path for ``cut_s`` (the proxy resets every connection and refuses new
   ones, or black-holes them); a third of the way in, SIGKILL the recorder and start it
   again, still during the cut; restore the path;
3. run ``run_s``; restart the simulator process (SIGTERM, then start it again on the same
   data dir, which keeps its history); run ``run_s``;
4. SIGKILL the recorder while it runs, leave it dead ``recorder_down_s``, start it again;
5. wait until it has caught up (spool empty, gaps recovered, nothing more arriving); stop
   the recorder (SIGINT), read the oracles, stop the simulator (SIGTERM).

The simulator trips a piece of equipment every ``trip_every_s`` (a trip event, and a
repair event when it ends) and puts some sensors Bad, Uncertain or NaN for a while, so
that events, statuses and NaN go through the faults too.

Checked window: from the simulator's source time once the first recorder reports
``running`` (its subscriptions made: what came before was never promised) to its source
time when the recorder is stopped, less ``END_MARGIN_WALL_S`` of wall time (values still
on their way). Everything in between, both faults included, is checked; see
bench/fault_oracles.py for the oracles and what counts as missing, duplicated and wrong.
A run whose oracles cannot be trusted says so (``FaultRun.oracle_errors``): a variable whose
history the simulator would not read back, or a simulator restart that was not clean (it
had to be killed, or its clock went back: it then published times already published).
Usage::

    .venv/bin/python bench/fault_run.py                 # the full sequence (~6 min)
    .venv/bin/python bench/fault_run.py --record        # and append it to BENCHMARKS.md
    .venv/bin/python bench/fault_run.py --speed 20 --run-s 5 --cut-s 8   # a short one
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from runtime.processes import ROOT
from store.cluster import resolve_dsn
from store.databases import create_database, drop_database


def _sibling(name: str):
    """A module of bench/ (a folder of scripts, not a package), loaded by path."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


oracles = _sibling("fault_oracles")
fault_line = _sibling("fault_line")
Counts, Window = oracles.Counts, oracles.Window
FaultPlan, Line = fault_line.FaultPlan, fault_line.Line

END_MARGIN_WALL_S = 2.0  # values published this close to the recorder's stop may be in flight
SIMULATOR_STOP_S = 20.0  # a SIGTERMed simulator saves its history and stops in ~1 s


@dataclass
class FaultRun:
    """What a fault run found, per kind of record, and how it went."""

    counts: dict[str, Counts]
    window: Window
    values_per_s: list[float]  # the simulator's own "published N values/s" figures
    health: dict  # the last recorder's final health record
    notes: list[str] = field(default_factory=list)
    oracle_errors: list[str] = field(default_factory=list)  # what could not be checked

    @property
    def lost_nothing(self) -> bool:
        """The target, checked in full: 0 missing, duplicated and wrong of every kind."""
        return not self.oracle_errors and all(c.lost_nothing for c in self.counts.values())


def run_fault_sequence(
    tmp_dir: Path, dsn: str, plan: FaultPlan, log: Callable[[str], None] = print
) -> FaultRun:
    """The fault sequence of the module docstring against database ``dsn`` (migrated)."""
    line = Line(tmp_dir, dsn, plan)
    clock = time.monotonic()

    def step(what: str) -> None:
        log(f"  {time.monotonic() - clock:6.1f} s  {what}")

    try:
        start_us = _start(line, step)
        _cut_with_recorder_crash(line, step)
        invalid = _restart_simulator(line, step)
        _crash_recorder(line, step)
        lacking = fault_line.wait_caught_up(line, plan.catch_up_s)
        step(f"NOT caught up after {plan.catch_up_s:g} s: lacks {lacking}" if lacking
             else "recorder caught up")  # fmt: skip
        window = Window(
            start_us, line.source_now_us() - round(END_MARGIN_WALL_S * plan.speed * 1e6)
        )
        run = _finish(line, window, step, [f"not caught up: lacked {lacking}"] if lacking else [])
    finally:
        line.stop()
    run.oracle_errors = invalid + run.oracle_errors
    return run


def _start(line: Line, step: Callable[[str], None]) -> int:
    """Start everything; the checked window's start once the recorder runs [µs]."""
    line.start()
    step(f"simulator on {line.url}, recorder through the proxy on port {line.proxy.port}")
    line.recorder.wait_until("the recorder running", line.running, fault_line.START_TIMEOUT_S)
    step("recorder running: the checked window starts")
    return line.source_now_us()


def _cut_with_recorder_crash(line: Line, step: Callable[[str], None]) -> None:
    plan = line.plan
    line.hold(plan.run_s)
    reset = line.proxy.cut(plan.cut_mode)
    step(f"database path cut ({plan.cut_mode}): {reset} connections reset")
    line.hold(plan.cut_s / 3)
    step(f"recorder SIGKILL during the cut ({line.spool_bytes():,} bytes spooled), started again")
    line.recorder.kill()
    line.start_recorder()
    line.hold(plan.cut_s * 2 / 3)
    line.proxy.restore()
    step(f"database path restored ({line.spool_bytes():,} bytes spooled)")


def _restart_simulator(line: Line, step: Callable[[str], None]) -> list[str]:
    """Restart the simulator process; what makes the run unfit to judge the recorder (a
    simulator that had to be killed saved no history, and its successor's clock starts
    over, before times already published)."""
    line.hold(line.plan.run_s)
    step("simulator restart (SIGTERM, started again on its data dir)")
    before_us = line.source_now_us()
    stop_s = time.monotonic()
    returncode = line.simulator.terminate(timeout_s=SIMULATOR_STOP_S)
    stop_s = time.monotonic() - stop_s
    line.start_simulator()
    back_s = (before_us - line.source_now_us()) / 1e6
    invalid = []
    if returncode != 0:  # -9: it hung and Process.terminate killed it
        invalid.append(f"the simulator's stop on SIGTERM ended with exit {returncode} after "
                       f"{stop_s:.0f} s (killed at {SIMULATOR_STOP_S:g} s)")  # fmt: skip
    if back_s > 0:
        invalid.append(f"the restarted simulator's clock went back {back_s:.0f} s: it did "
                       "not start from its saved history")  # fmt: skip
    step(f"simulator stopped in {stop_s:.1f} s (exit {returncode}), serving again")
    return invalid


def _crash_recorder(line: Line, step: Callable[[str], None]) -> None:
    line.hold(line.plan.run_s)
    step(f"recorder SIGKILL while running, down {line.plan.recorder_down_s:g} s")
    line.recorder.kill()
    time.sleep(line.plan.recorder_down_s)
    line.start_recorder()


def _finish(line: Line, window: Window, step: Callable[[str], None], notes: list[str]) -> FaultRun:
    """Stop the recorder, check readings (the simulator's history answers only while it
    runs), stop the simulator, check events and lots (its ground-truth files are complete
    only once it has stopped)."""
    health = line.health()
    line.recorder.interrupt()
    step("recorder stopped (SIGINT); reading the simulator's history")
    readings, oracle_errors = check_readings(line, window)
    line.simulator.terminate()
    step("simulator stopped (SIGTERM); reading its ground truth")
    events, lots, more_notes = check_records(line, window)
    counts = {"readings": readings, "events": events, "lots": lots}
    return FaultRun(counts, window, line.values_per_s(), health, notes + more_notes, oracle_errors)


def check_readings(line: Line, window: Window) -> tuple[Counts, list[str]]:
    """Readings the simulator's history holds in ``window`` against those stored; and
    what the oracle could not read."""
    published, unreadable = asyncio.run(oracles.published_readings(line.url, line.paths, window))
    readings = Counts()
    with psycopg.connect(line.dsn) as conn:
        for path, values in published.items():
            readings += oracles.compare(
                values, oracles.stored_readings(conn, line.url, path, window)
            )
    if not unreadable:
        return readings, []
    errors = ", ".join(sorted(set(unreadable.values())))
    return readings, [f"HistoryRead failed ({errors}) for {len(unreadable)} variables, "
                      f"{min(unreadable)} first"]  # fmt: skip


def check_records(line: Line, window: Window) -> tuple[Counts, Counts, list[str]]:
    """Events and lots of the ground truth in ``window`` against those stored."""
    with psycopg.connect(line.dsn) as conn:
        with_ids = oracles.has_column(conn, "event", "event_id")
        events = oracles.compare(
            oracles.published_events(line.data_dir, window, with_ids),
            oracles.stored_events(conn, line.url, window, with_ids),
        )
        lots, reused = oracles.published_lots(line.data_dir, window)
        stored = oracles.stored_lots(conn, window, {lot_id for lot_id, _ in lots})
    notes = []
    if reused:  # a restarted simulator counting its lots from 1 again
        notes.append(f"{reused} lots in the window reuse an id an earlier simulator had used")
    return events, oracles.compare(lots, stored, oracles.same_lot), notes


# --- command line ----------------------------------------------------------------------

_COLUMNS = ("published", "stored", "missing", "duplicated", "wrong", "extra")


def table(run: FaultRun) -> str:
    """The figures as a Markdown table."""
    lines = ["| kind | " + " | ".join(_COLUMNS) + " |", "|---|" + "---:|" * len(_COLUMNS)]
    for kind, counts in run.counts.items():
        lines.append(
            f"| {kind} | " + " | ".join(f"{getattr(counts, c):,}" for c in _COLUMNS) + " |"
        )
    return "\n".join(lines)


def report(run: FaultRun, plan: FaultPlan, command: str, load: str) -> str:
    """The Markdown block for BENCHMARKS.md: what ran, the table, the notes."""
    start, end = run.window.bounds()
    rates = sorted(run.values_per_s)
    rate = f"{rates[len(rates) // 2]:,.0f}" if rates else "?"
    health = run.health
    lines = [
        f"### {dt.datetime.now(dt.UTC):%b %d %H:%M} UTC: speed {plan.speed:g} "
        f"({rate} values/s, the simulator's median), cut {plan.cut_s:g} s ({plan.cut_mode}), "
        f"load {load}",
        "",
        f"`{command}`; checked window {start:%H:%M:%S}–{end:%H:%M:%S} source time "
        f"({(end - start).total_seconds() / plan.speed:.0f} wall s).",
        "",
        table(run),
        "",
        f"Last recorder: {health.get('writer_rows_spooled', '?')} rows spooled, "
        f"{health.get('writer_rows_replayed', '?')} replayed, "
        f"{health.get('rows_backfilled', '?')} backfilled (its own counters).",
    ]
    lines += [f"- {note}" for note in run.oracle_errors + run.notes]
    return "\n".join(lines) + "\n"


def record(block: str, path: Path) -> None:
    """Add ``block`` at the end of the "## Fault run" section (made at the end if absent)."""
    text = path.read_text()
    heading = "\n## Fault run\n"
    if heading not in text:
        text += heading + "\n" + _SECTION_INTRO
    start = text.index(heading) + len(heading)
    end = text.find("\n## ", start)
    end = len(text) if end < 0 else end
    path.write_text(text[:end].rstrip("\n") + "\n\n" + block + text[end:])


_SECTION_INTRO = (
    "`bench/fault_run.py` (issue 14, nothing lost): the simulator at ~6,300 values/s, the\n"
    "recorder with its database path through a TCP proxy; a 30 s cut of that path with a\n"
    "SIGKILL of the recorder during it, a simulator process restart, a SIGKILL of the running\n"
    "recorder; then readings (the simulator's HistoryRead), events (events.jsonl) and lots\n"
    "(lots.jsonl) published in the checked window against what is stored. Target: 0\n"
    "missing, 0 duplicated, 0 wrong of each. `extra` (stored, unknown to the oracles, such as\n"
    "the server's first value at start-up, which its history does not hold) is not part of it.\n"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = FaultPlan()
    parser.add_argument("--speed", type=float, default=defaults.speed)
    parser.add_argument("--run-s", type=float, default=defaults.run_s)
    parser.add_argument("--cut-s", type=float, default=defaults.cut_s)
    parser.add_argument("--cut-mode", choices=["refuse", "blackhole"], default=defaults.cut_mode)
    parser.add_argument("--recorder-down-s", type=float, default=defaults.recorder_down_s)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--record", action="store_true", help="append the result to BENCHMARKS.md")
    parser.add_argument("--keep-dir", type=Path, help="logs and data here (default: a temp dir)")
    return parser


def _measure(plan: FaultPlan, keep_dir: Path | None) -> FaultRun:
    """One fault run on a database of its own, dropped afterwards."""
    server_dsn = resolve_dsn()
    name, dsn = create_database(server_dsn, "magnetline_fault_run")
    try:
        if keep_dir is not None:
            keep_dir.mkdir(parents=True, exist_ok=True)
            return run_fault_sequence(keep_dir, dsn, plan)
        with tempfile.TemporaryDirectory(prefix="fault-run-") as tmp:
            return run_fault_sequence(Path(tmp), dsn, plan)
    finally:
        drop_database(server_dsn, name)


def main() -> int:
    args = _parser().parse_args()
    # asyncua's own warnings (the session timeout the server granted) are not the bench's
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    plan = FaultPlan(speed=args.speed, run_s=args.run_s, cut_s=args.cut_s,
                     cut_mode=args.cut_mode, recorder_down_s=args.recorder_down_s,
                     seed=args.seed)  # fmt: skip
    run = _measure(plan, args.keep_dir)
    load = "/".join(Path("/proc/loadavg").read_text().split()[:3])
    block = report(run, plan, " ".join(["python", *sys.argv]), load)
    print("\n" + block)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.record:
        record(block, ROOT / "BENCHMARKS.md")
    return 0 if run.lost_nothing else 1


if __name__ == "__main__":
    sys.exit(main())
