"""Speed of the twin's full line model, vectorized against plain Python per sample.

Runs 10,000 samples × 365 daily steps for both routes with ``twin.simulate`` (best of
``--repeat``), then the same model written per sample in plain Python
(``bench/twin_reference.py``, also best of ``--repeat``) on a subset whose rate is
extrapolated, and prints a Markdown block for BENCHMARKS.md.

Usage::

    .venv/bin/python bench/twin_speed.py [--samples 10000] [--reference-samples 300]
"""

import argparse
import os
import platform
import sys
import time

import numpy as np
from twin_reference import simulate_reference

from twin import Scenario, get_parameter_set, simulate
from twin.sampling import draw_values

ROUTES = ("domestic", "tolled")


def _best(fn, repeat):
    """Best wall-clock and best CPU time [s] of ``repeat`` calls, and the last output."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def _route(route, scenario, args):
    params = get_parameter_set(route)
    simulate(params, scenario, np.random.default_rng(0), 200)  # warm-up
    vec_wall, vec_cpu, result = _best(
        lambda: simulate(params, scenario, np.random.default_rng(1), args.samples), args.repeat
    )
    values = draw_values(params, args.reference_samples, np.random.default_rng(2))
    ref_wall, ref_cpu, ref = _best(
        lambda: simulate_reference(route, values, scenario, seed=3), args.repeat
    )
    years = args.days / 365.0
    return {
        "route": route,
        "vec_wall": vec_wall,
        "vec_cpu": vec_cpu,
        "ref_wall_per_sample": ref_wall / args.reference_samples,
        "ref_cpu_per_sample": ref_cpu / args.reference_samples,
        "vec_p50": float(np.median(result.metrics["finished_t_per_yr"])),
        "ref_p50": float(np.median([f for _, f in ref])) / years / 1000.0,
    }


def _row(name, n, vec_wall, vec_cpu, ref_wall, ref_cpu, p50=""):
    return (
        f"| {name} | {vec_wall:.2f} s ({vec_cpu:.2f} s) | {n / vec_wall:,.0f} | "
        f"{ref_wall:,.0f} s ({ref_cpu:,.0f} s) | {n / ref_wall:,.0f} | "
        f"{ref_wall / vec_wall:,.0f}× ({ref_cpu / vec_cpu:,.0f}×) | {p50} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reference-samples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    scenario = Scenario(horizon_days=args.days)
    rows = [_route(route, scenario, args) for route in ROUTES]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    n = args.samples
    print(
        f"{os.cpu_count()} cores, load {load:.2f}; numpy {np.__version__}, Python "
        f"{platform.python_version()}. {n:,} samples × {args.days} daily steps per route, "
        f"best of {args.repeat}; plain Python on {args.reference_samples} samples per route "
        f"(best of {args.repeat}) extrapolated to {n:,}. Wall clock, CPU time in brackets.\n"
    )
    print(
        "| route | vectorized | vectorized samples/s | plain Python | plain Python samples/s "
        "| ratio | P50 magnets t/yr, vectorized / plain |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            _row(
                r["route"],
                n,
                r["vec_wall"],
                r["vec_cpu"],
                r["ref_wall_per_sample"] * n,
                r["ref_cpu_per_sample"] * n,
                f"{r['vec_p50']:,.0f} / {r['ref_p50']:,.0f}",
            )
        )
    total = {
        k: sum(r[k] for r in rows)
        for k in ("vec_wall", "vec_cpu", "ref_wall_per_sample", "ref_cpu_per_sample")
    }
    print(
        _row(
            "both routes",
            2 * n,
            total["vec_wall"],
            total["vec_cpu"],
            total["ref_wall_per_sample"] * n,
            total["ref_cpu_per_sample"] * n,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
