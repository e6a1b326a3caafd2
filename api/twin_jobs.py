"""The twin's runs behind the API: a request → a :class:`twin.Plan` → JSON.

``plan`` states a request the way :func:`twin.plan` takes it (the twin assembles it, as for
``python -m twin``), raising :class:`twin.TwinError` for inputs the twin refuses (the API
answers 422). The API plans each request once: that plan is checked against the limits,
then goes as is to ``predict``, ``compare`` or ``sweep``, which run in a worker process
(plans pickle) and return JSON-ready dicts with non-finite numbers as None.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import twin
from api.twin_schemas import TwinInputs
from twin.compare import DEFAULT_REPLICATIONS
from twin.sweep import run_sweep

__all__ = ["DEFAULT_REPLICATIONS", "compare", "finite", "plan", "predict", "sweep"]


def _what_if(inputs: TwinInputs) -> twin.WhatIf:
    asked, stop = inputs.what_if, inputs.what_if.export_stop
    return twin.WhatIf(
        shipping_delay_days=asked.shipping_delay_days,
        added_sintering_t_per_yr=asked.added_sintering_t_per_yr,
        export_stop_start_day=None if stop is None else stop.start_day,
        export_stop_days=0 if stop is None else stop.days,
    )


def plan(inputs: TwinInputs, routes: list[str]) -> twin.Plan:
    """Parameter sets of ``routes`` with the request's overrides and what-ifs, and its
    scenario; TwinError for an unknown name or a value out of range."""
    scenario = {
        "horizon_days": inputs.horizon_days,
        "oxide_t_per_yr": inputs.oxide_t_per_yr,
        "target_grade": inputs.grade,
        "mature": inputs.mature,
        "capacity_ramp": tuple(tuple(point) for point in inputs.capacity_ramp),
    }
    return twin.plan(routes, inputs.partner, scenario, inputs.overrides, _what_if(inputs))


def finite(data: Any) -> Any:
    """``data`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def predict(p: twin.Plan, seed: int, samples: int) -> dict[str, Any]:
    """One route's distributions (``SimulationResult.to_dict()``)."""
    rng = np.random.default_rng(seed)
    return finite(twin.simulate(p.params[0], p.scenario, rng, samples).to_dict())


def compare(
    p: twin.Plan, seed: int, samples: int, metric: str, replications: int
) -> dict[str, Any]:
    """Both routes side by side with the tornado (``Comparison.to_dict()``)."""
    rng = np.random.default_rng(seed)
    result = twin.compare_routes(*p.params, p.scenario, rng, samples, metric, replications)
    return finite(result.to_dict())


def sweep(p: twin.Plan, grid: dict[str, list[Any]], seed: int, samples: int) -> dict[str, Any]:
    """One point per combination of a grid checked by ``p.checked_grid`` (``Sweep.to_dict()``)."""
    rng = np.random.default_rng(seed)
    result = run_sweep(p.params[0], p.scenario, grid, rng, samples, progress=False)
    return finite(result.to_dict())
