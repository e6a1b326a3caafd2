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
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reference-samples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    scenario = Scenario(horizon_days=args.days)
    rows, vec_total, ref_total = [], 0.0, 0.0
    for route in ROUTES:
        params = get_parameter_set(route)
        simulate(params, scenario, np.random.default_rng(0), 200)  # warm-up
        t_vec, result = _best(
            lambda p=params: simulate(p, scenario, np.random.default_rng(1), args.samples),
            args.repeat,
        )
        values = draw_values(params, args.reference_samples, np.random.default_rng(2))
        t_ref, ref = _best(lambda r=route, v=values: simulate_reference(r, v, scenario, seed=3), 1)
        vec_rate = args.samples / t_vec
        ref_rate = args.reference_samples / t_ref
        vec_total += t_vec
        ref_total += args.samples / ref_rate
        years = args.days / 365.0
        vec_p50 = np.median(result.metrics["finished_t_per_yr"])
        ref_p50 = np.median([f for _, f in ref]) / years / 1000.0
        rows.append((route, t_vec, vec_rate, ref_rate, vec_rate / ref_rate, vec_p50, ref_p50))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {load:.2f}; numpy {np.__version__}, Python {platform.python_version()}"
    )
    print(
        f"{args.samples:,} samples × {args.days} daily steps, best of {args.repeat}; "
        f"plain Python on {args.reference_samples} samples per route, best of {args.repeat}, "
        "extrapolated\n"
    )
    print(
        "| route | vectorized time | vectorized samples/s | plain Python samples/s "
        "| ratio | P50 magnets t/yr (vectorized / plain) |"
    )
    print("|---|---|---|---|---|---|")
    for route, t_vec, vec_rate, ref_rate, ratio, vp, rp in rows:
        print(
            f"| {route} | {t_vec:.2f} s | {vec_rate:,.0f} | {ref_rate:,.0f} | {ratio:,.0f}× "
            f"| {vp:,.0f} / {rp:,.0f} |"
        )
    print(
        f"| both routes | {vec_total:.2f} s | {2 * args.samples / vec_total:,.0f} | "
        f"{2 * args.samples / ref_total:,.0f} | {ref_total / vec_total:,.0f}× | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
