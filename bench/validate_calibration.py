"""Closed-loop validation of the twin's calibration against simulated line runs.

Each case is an offline line run (``python -m simulators run``) with its own seed and
hidden plant parameters (profile alternating domestic / tolled, the parameters in
``bench/validation.py``'s ``VARIED`` drawn around the profile's values). The twin is
calibrated on the first ``--calibrate-days`` of what the line published and forecasts the
rest; the twin reads the run folder as the recorded line it is, the forecast is scored
against the run's ground truth (``bench/calibration_truth.py``). Results go to
``--out`` (JSON, one record per case) and a summary is printed.

    .venv/bin/python bench/validate_calibration.py --runs 40 --days 30 --calibrate-days 10
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.validation import (  # noqa: E402
    COVERAGE_TOLERANCE,
    CaseResult,
    hidden_overrides,
    score_case,
    summarize,
)
from simulators.config import SimConfig  # noqa: E402
from simulators.offline import run_offline  # noqa: E402
from simulators.profiles import get_profile  # noqa: E402
from twin.calibration.data import line_data  # noqa: E402
from twin.recorded_line import read_recorded_line  # noqa: E402

STEP_S = 30.0


def run_case(index: int, args) -> dict:
    profile = "domestic" if index % 2 == 0 else "tolled"
    seed = args.seed + index
    overrides = hidden_overrides(get_profile(profile), np.random.default_rng([seed, 7]))
    cfg = SimConfig(profile=profile, seed=seed, step_s=STEP_S, profile_overrides=overrides)
    work = Path(tempfile.mkdtemp(prefix=f"validate-{index:02d}-", dir=args.work_dir))
    started = time.perf_counter()
    try:
        folder = run_offline(cfg.validate(), args.days, work / "run")
        result = score_case(
            folder,
            line_data(read_recorded_line(folder)),
            args.calibrate_days,
            case=f"offline-{index:02d}",
            profile=profile,
            seed=seed,
            grade=get_profile(profile).target_grade,
            samples=args.samples,
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    record = result.to_dict()
    record["hidden"] = overrides
    record["seconds"] = time.perf_counter() - started
    return record


def print_case(record: dict) -> None:
    for metric, q in record["forecast"].items():
        t = record["truth"][metric]
        tol = COVERAGE_TOLERANCE.get(metric, 0.0)
        inside = q["p10"] - tol <= t <= q["p90"] + tol
        print(
            f"  {metric:<26} truth {t:10.4f}  twin {q['p10']:10.4f} {q['p50']:10.4f} "
            f"{q['p90']:10.4f} {'in' if inside else 'OUT'}",
            flush=True,
        )


def markdown(records: list[dict]) -> str:
    """Summary and per-case tables in Markdown (for VALIDATION.md)."""
    results = _results(records)
    lines = [
        "| metric | cases | P10–P90 covers the truth | median width / P50 | runs with width ≤ 25 % "
        "| max width / P50 | median abs. P50 error |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric, s in summarize(results).items():
        sized = [r for r in results if r.truth.get(metric) and r.forecast[metric]["p50"]]
        narrow = sum(r.relative_width(metric) <= 0.25 for r in sized)
        lines.append(
            f"| {metric} | {s['cases']} | {s['coverage']:.0%} | {s['median_relative_width']:.1%} "
            f"| {narrow} of {len(sized)} | {s['max_relative_width']:.1%} "
            f"| {s['median_relative_error']:.2%} |"
        )
    lines += [
        "",
        "| case | profile | grade | magnets kg/d: truth | twin P10 / P50 / P90 | good magnets "
        "kg/d: truth | twin P50 | Br T: truth | twin P50 | share: truth | twin P50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m, g = r.forecast["magnets_kg_per_day"], r.forecast["good_magnets_kg_per_day"]
        t = r.truth
        mark = "" if r.covered("magnets_kg_per_day") else " (out)"
        lines.append(
            f"| {r.case} | {r.profile} | {r.grade} | {t['magnets_kg_per_day']:.0f} "
            f"| {m['p10']:.0f} / {m['p50']:.0f} / {m['p90']:.0f}{mark} "
            f"| {t['good_magnets_kg_per_day']:.0f} | {g['p50']:.0f} "
            f"| {t['br_t']:.4f} | {r.forecast['br_t']['p50']:.4f} "
            f"| {t['grade_share']:.3f} | {r.forecast['grade_share']['p50']:.3f} |"
        )
    return "\n".join(lines)


def _results(records: list[dict]) -> list[CaseResult]:
    return [
        CaseResult(**{k: v for k, v in r.items() if k not in ("hidden", "seconds", "work_dir")})
        for r in records
    ]


def print_summary(records: list[dict]) -> None:
    results = [
        CaseResult(**{k: v for k, v in r.items() if k not in ("hidden", "seconds")})
        for r in records
    ]
    print(f"\n{len(results)} cases")
    print(
        f"{'metric':<26} {'coverage':>9} {'width/median':>13} {'max width':>10} {'|P50 err|':>10}"
    )
    for metric, s in summarize(results).items():
        print(
            f"{metric:<26} {s['coverage']:>9.2f} {s['median_relative_width']:>13.3f} "
            f"{s['max_relative_width']:>10.3f} {s['median_relative_error']:>10.4f}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--days", type=float, default=30.0, help="length of each run [d]")
    parser.add_argument("--calibrate-days", type=float, default=10.0)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1000, help="seed of the first case")
    parser.add_argument("--jobs", type=int, default=2, help="cases run in parallel")
    parser.add_argument("--out", default="validation_results.json")
    parser.add_argument("--work-dir", default=None, help="where run folders go (deleted)")
    parser.add_argument("--keep", action="store_true", help="keep the run folders")
    parser.add_argument("--summarize", metavar="FILE.json", help="only summarize a results file")
    parser.add_argument("--markdown", action="store_true", help="with --summarize: Markdown")
    args = parser.parse_args(argv)
    if args.summarize:
        records = json.loads(Path(args.summarize).read_text())
        print(markdown(records)) if args.markdown else print_summary(records)
        return 0
    records = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_case, i, args) for i in range(args.runs)]
        for future in futures:
            r = future.result()
            records.append(r)
            print(f"{r['case']} {r['profile']:<8} {r['grade']} ({r['seconds']:.0f} s)", flush=True)
            print_case(r)
            Path(args.out).write_text(json.dumps(records, indent=1))
    print_summary(records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
