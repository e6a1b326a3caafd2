"""Closed-loop validation through the whole product: simulator → OPC UA → ingest →
TimescaleDB → calibration from the database → forecast, scored against ground truth.

Each case starts ``python -m simulators serve`` (its own seed and hidden parameters, as
in ``bench/validate_calibration.py``) and ``python -m ingest run`` against a throwaway
database, lets the line run ``--days`` simulated days at ``--speed``, stops both, then
calibrates the twin on the first ``--calibrate-days`` of what the historian recorded and
scores its forecast of the rest against the simulator's ground-truth lots.

    .venv/bin/python bench/validate_calibration_opcua.py --runs 2 --days 10 --calibrate-days 4
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from validate_calibration import print_case, print_summary  # noqa: E402

from bench.validation import hidden_overrides, score_case  # noqa: E402
from ingest.recorded_line import historian_line  # noqa: E402
from runtime.ports import free_port, port_open  # noqa: E402
from runtime.processes import Process  # noqa: E402
from simulators.profiles import get_profile  # noqa: E402
from store.cluster import resolve_dsn  # noqa: E402
from store.databases import create_database, drop_database  # noqa: E402
from twin.calibration.data import line_data  # noqa: E402

NAMESPACE = "urn:magnetline:simulator"
STEP_S = 30.0


def _sim_config(path: Path, overrides: dict[str, float]) -> Path:
    lines = ["[profile_overrides]", *(f"{k} = {v!r}" for k, v in overrides.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_case(index: int, args, server_dsn: str) -> dict:
    profile = "domestic" if index % 2 == 0 else "tolled"
    seed = args.seed + index
    overrides = hidden_overrides(get_profile(profile), np.random.default_rng([seed, 7]))
    work = Path(tempfile.mkdtemp(prefix=f"validate-opcua-{index}-"))
    name, dsn = create_database(server_dsn, "bench_validate")
    opc_port, metrics_port = free_port(), free_port()
    wall_s = args.days * 86400.0 / args.speed
    sim = Process(
        work / "simulator.log",
        "simulators",
        "serve",
        "--port",
        str(opc_port),
        "--seed",
        str(seed),
        "--profile",
        profile,
        "--speed",
        str(args.speed),
        "--step",
        str(STEP_S),
        # at --speed throughout: it starts that far back and never reaches the wall clock
        "--catch-up",
        str(wall_s + 300),
        "--data-dir",
        str(work / "sim"),
        "--config",
        str(_sim_config(work / "sim.toml", overrides)),
        dsn=dsn,
    )
    ingest = None
    started = time.perf_counter()
    try:
        sim.wait_until("the simulator", lambda: port_open(opc_port), 120)
        ingest = Process(
            work / "ingest.log",
            "ingest",
            "run",
            "--endpoint",
            f"opc.tcp://127.0.0.1:{opc_port}/",
            "--namespace-uri",
            NAMESPACE,
            "--dsn",
            dsn,
            "--metrics-port",
            str(metrics_port),
            dsn=dsn,
        )
        print(
            f"case {index}: {profile} seed {seed}, {args.days} d at speed {args.speed} "
            f"(~{wall_s / 60:.0f} min)",
            flush=True,
        )
        deadline = time.monotonic() + wall_s
        while time.monotonic() < deadline:
            sim.alive() and ingest.alive()
            time.sleep(5)
        sim.interrupt(60)
        time.sleep(5)  # let the recorder take the last publish responses
        ingest.interrupt(120)
        folder = next(p for p in (work / "sim" / "runs").iterdir() if p.is_dir())
        result = score_case(
            folder,
            line_data(historian_line(dsn)),
            args.calibrate_days,
            case=f"opcua-{index}",
            profile=profile,
            seed=seed,
            grade=get_profile(profile).target_grade,
            samples=args.samples,
        )
    finally:
        for process in (sim, ingest):
            if process is not None:
                process.interrupt(10)
        drop_database(server_dsn, name)
    record = result.to_dict()
    record["hidden"] = overrides
    record["seconds"] = time.perf_counter() - started
    record["work_dir"] = str(work)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--calibrate-days", type=float, default=4.0)
    parser.add_argument("--speed", type=float, default=1800.0)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--out", default="validation_opcua.json")
    args = parser.parse_args(argv)
    server_dsn = resolve_dsn()
    records = []
    for index in range(args.runs):
        record = run_case(index, args, server_dsn)
        records.append(record)
        Path(args.out).write_text(json.dumps(records, indent=1))
        print_case(record)
    print_summary(records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
