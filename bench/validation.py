"""Closed-loop check of calibration against the simulator's ground truth.

One case: a simulated line run with its own hidden parameters; the twin is calibrated on
the first part of what the line published and forecasts the rest; the forecast is scored
against what the plant really did (``bench/calibration_truth.py``). ``bench/validate_
calibration.py`` runs many cases; the test suite runs a few short ones
(``tests/twin/test_calibration.py``). The twin package knows none of this: it never sees
the simulator's hidden parameters or ground truth.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.calibration_truth import outcome_between
from twin.calibration.calibration import calibrate
from twin.calibration.data import LineData
from twin.calibration.forecast import forecast

__all__ = ["CaseResult", "hidden_overrides", "score_case", "summarize"]

#: Hidden plant parameters varied between cases: name → (low, high) multiplier of the
#: profile's value. Wide enough to move the bottleneck between stages.
VARIED = {
    "mtbf_h": (0.5, 2.0),
    "mttr_h": (0.5, 2.0),
    "mill_rate_kg_per_h": (0.75, 1.25),
    "feed_flow_l_per_h": (0.75, 1.25),
    "furnace_offset_sigma_c": (0.5, 1.5),
    "particle_size_um": (0.9, 1.1),
    "mill_oxygen_ppm": (0.8, 1.2),
    "magnetizer_field_t": (0.95, 1.05),
    "sinter_reject_fraction": (0.5, 1.5),
    "press_reject_fraction": (0.5, 1.5),
    "noise_scale": (0.5, 2.0),
    "drift_per_day": (0.5, 2.0),
}
#: Throughput first: magnets made per day; then good magnets (made × grade share), Br, share.
METRICS = ("magnets_kg_per_day", "good_magnets_kg_per_day", "br_t", "grade_share")
#: A line where every part passes has a share of exactly 1, which a normal part-to-part
#: spread never gives: shares are compared to the resolution of one part in 2,000.
COVERAGE_TOLERANCE = {"grade_share": 5e-4}


def hidden_overrides(profile, rng: np.random.Generator) -> dict[str, float]:
    """Random multipliers of ``VARIED`` applied to a :class:`RouteProfile`."""
    return {
        name: float(getattr(profile, name) * rng.uniform(lo, hi))
        for name, (lo, hi) in VARIED.items()
    }


@dataclass(frozen=True)
class CaseResult:
    """One case: the forecast's P10/P50/P90 and the truth, per metric."""

    case: str
    profile: str
    seed: int
    calibration_days: float
    horizon_days: float
    grade: str
    forecast: dict[str, dict[str, float]]
    truth: dict[str, float]
    bottleneck: list[str]

    def covered(self, metric: str) -> bool:
        q, t = self.forecast[metric], self.truth[metric]
        tol = COVERAGE_TOLERANCE.get(metric, 0.0)
        return bool(math.isfinite(t) and q["p10"] - tol <= t <= q["p90"] + tol)

    def relative_width(self, metric: str) -> float:
        q = self.forecast[metric]
        return (q["p90"] - q["p10"]) / abs(q["p50"])

    def relative_error(self, metric: str) -> float:
        return abs(self.forecast[metric]["p50"] - self.truth[metric]) / abs(self.truth[metric])

    def to_dict(self) -> dict:
        return asdict(self)


def score_case(
    folder: str | Path,
    data: LineData,
    calibration_days: float,
    *,
    case: str,
    profile: str,
    seed: int,
    grade: str | None = None,
    samples: int = 1000,
) -> CaseResult:
    """Calibrate on the first ``calibration_days`` of ``data``, forecast the rest, score it.

    ``grade`` is the line's target grade, a setting its operators know (inferred from the
    lots when None).
    """
    first, rest = data.split(calibration_days)
    cal = calibrate(first, grade)
    horizon = max(1, round(rest.days))
    fc = forecast(cal, horizon, np.random.default_rng(seed), samples)
    truth = outcome_between(folder, rest.start, rest.end)
    return CaseResult(
        case,
        profile,
        seed,
        calibration_days,
        rest.days,
        cal.grade,
        {m: fc.quantiles(m) for m in METRICS},
        {m: getattr(truth, m) for m in METRICS},
        fc.bottleneck,
    )


def summarize(results: list[CaseResult]) -> dict[str, dict[str, float]]:
    """Per metric: share of cases covered by P10–P90, median band width / median, median
    absolute P50 error, each relative to the truth or the P50."""
    out = {}
    for metric in METRICS:
        scored = [r for r in results if math.isfinite(r.truth.get(metric, math.nan))]
        if not scored:
            continue
        # relative figures need a non-zero truth and median (a line making no good magnets)
        sized = [r for r in scored if r.truth[metric] != 0 and r.forecast[metric]["p50"] != 0]
        widths = [r.relative_width(metric) for r in sized] or [math.nan]
        out[metric] = {
            "cases": len(scored),
            "coverage": float(np.mean([r.covered(metric) for r in scored])),
            "relative_cases": len(sized),
            "median_relative_width": float(np.median(widths)),
            "max_relative_width": float(np.max(widths)),
            "median_relative_error": float(
                np.median([r.relative_error(metric) for r in sized] or [math.nan])
            ),
        }
    return out
