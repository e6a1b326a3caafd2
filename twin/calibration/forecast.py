"""Forecast of a calibrated line: magnets made and good magnets per day, Br, Hcj and
grade share, as quantiles.

The twin starts empty, so it runs a warm-up first (the stage chain fills in a few days;
the recorded line is already full) and the forecast is what it makes after the warm-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.calibration.calibration import Calibration
from twin.result import QUANTILES
from twin.scenario import Scenario
from twin.simulation import simulate

__all__ = ["DEFAULT_WARMUP_DAYS", "Forecast", "forecast"]

DEFAULT_WARMUP_DAYS = 10
# the domestic chain: separation, electrolysis, alloy & powder, sintering, machining (this
# line's anneal), magnetizing; the recorded backlog waits at the anneal's input
_STAGES = 6
_ANNEAL_INPUT = 4
_METRICS = {
    "magnets_kg_per_day": "kg/d",
    "good_magnets_kg_per_day": "kg/d",
    "br_t": "T",
    "grade_share": "-",
    "hcj_ka_per_m": "kA/m",
}


@dataclass(frozen=True)
class Forecast:
    """Per-sample forecast arrays over ``horizon_days`` after ``warmup_days``."""

    horizon_days: int
    warmup_days: int
    samples: dict[str, np.ndarray]
    bottleneck: list[str]

    def quantiles(self, name: str) -> dict[str, float]:
        values = np.percentile(self.samples[name], QUANTILES)
        return {f"p{q}": float(v) for q, v in zip(QUANTILES, values, strict=True)}

    def to_dict(self) -> dict:
        return {
            "horizon_days": self.horizon_days,
            "warmup_days": self.warmup_days,
            "metrics": {
                name: {"unit": unit, **self.quantiles(name)} for name, unit in _METRICS.items()
            },
            "bottleneck": self.bottleneck,
        }


def _warmup_on_snapshot(warmup: int, horizon: int) -> int:
    """The smallest warm-up ≥ ``warmup`` whose last day the twin keeps a snapshot of."""
    w = warmup
    while True:
        stride = max(1, (w + horizon) // 120)
        aligned = -(-w // stride) * stride
        if aligned == w:
            return w
        w = aligned


def forecast(
    cal: Calibration,
    horizon_days: int,
    rng: np.random.Generator,
    n_samples: int = 1000,
    warmup_days: int = DEFAULT_WARMUP_DAYS,
) -> Forecast:
    """Run the calibrated twin ``warmup_days + horizon_days`` and keep the last part.

    The recorded backlog enters the line when the warm-up ends, as it stands in the plant
    when the forecast starts.
    """
    warmup = _warmup_on_snapshot(warmup_days, horizon_days)
    scenario = Scenario(
        horizon_days=warmup + horizon_days,
        oxide_t_per_yr=cal.feed_t_per_yr,
        target_grade=cal.grade,
        mature=True,
    )
    stock = np.zeros(_STAGES)
    stock[_ANNEAL_INPUT] = cal.backlog_kg
    result = simulate(cal.parameters, scenario, rng, n_samples, stock=(warmup, stock))
    days = list(result.snapshot_days)
    start = days.index(warmup - 1)
    made = result.cum_finished_kg[-1] - result.cum_finished_kg[start]
    # every sintered block is magnetized (the anneal and the magnetizer keep all): magnets
    # made are the blocks of the horizon plus the extra backlog worked off in it
    blocks = result.cum_blocks_kg[-1] - result.cum_blocks_kg[start] + cal.backlog_kg
    names = result.stage_names
    return Forecast(
        horizon_days,
        warmup,
        {
            "magnets_kg_per_day": blocks / horizon_days,
            "good_magnets_kg_per_day": made / horizon_days,
            "br_t": result.metrics["br_t"],
            "grade_share": result.metrics["grade_share"],
            "hcj_ka_per_m": result.metrics["hcj_ka_per_m"],
        },
        sorted({names[i] for i in np.asarray(result.bottleneck)}),
    )
