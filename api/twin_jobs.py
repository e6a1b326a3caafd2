"""The twin's runs behind the API: a request → parameter sets and a scenario → JSON.

``plan_*`` turn a request into what :mod:`twin` takes, raising :class:`twin.TwinError` for
inputs the twin refuses (the API answers 422); the API plans each request once to check
it against its limits before queueing it. ``predict``, ``compare`` and ``sweep`` run in a
worker process: they take the request (plain data, so it pickles) and return JSON-ready
dicts with non-finite numbers as None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import twin
from api.twin_schemas import CompareRequest, PredictRequest, SweepRequest, TwinInputs
from twin.compare import DEFAULT_REPLICATIONS
from twin.overrides import (
    SCENARIO_FIELDS,
    check_overrides,
    coerce_scenario,
    split_overrides,
    with_overrides,
)
from twin.parameters import ParameterSet, check_value, route_parameter_set
from twin.sweep import run_sweep

__all__ = ["DEFAULT_REPLICATIONS", "Plan", "checked_grid", "compare", "plan", "predict", "sweep"]

#: The stage a furnace added enlarges, per route.
_SINTERING_CAPACITY = {"domestic": "sinter_capacity_t_per_yr", "tolled": "toll_capacity_t_per_yr"}
#: Each leg's handling and customs, which a shipping delay lengthens.
_SHIPPING_DAYS = "handling_days"


@dataclass(frozen=True)
class Plan:
    """Parameter sets (one per route simulated) and the scenario of a request."""

    params: list[ParameterSet]
    scenario: twin.Scenario


def _shifted(spec: dict[str, Any], delta: float) -> dict[str, Any]:
    """An entry moved by ``delta``, its uncertainty band and bounds moved with it."""
    moved = ("value", "p10", "p90", "low", "high")
    return {k: (v + delta if k in moved else v) for k, v in spec.items()}


def _what_if_entries(params: ParameterSet, inputs: TwinInputs) -> dict[str, dict[str, Any]]:
    what_if, entries = inputs.what_if, {}
    if what_if.shipping_delay_days and _SHIPPING_DAYS in params:
        entries[_SHIPPING_DAYS] = _shifted(params[_SHIPPING_DAYS], what_if.shipping_delay_days)
    if what_if.added_sintering_t_per_yr:
        name = _SINTERING_CAPACITY[params.route]
        entries[name] = _shifted(params[name], what_if.added_sintering_t_per_yr)
    return entries


def _check_what_if_applies(inputs: TwinInputs, routes: list[str]) -> None:
    # A what-if that touches none of the routes simulated would silently change nothing.
    tolled_only = {"shipping_delay_days": inputs.what_if.shipping_delay_days,
                   "export_stop": inputs.what_if.export_stop}  # fmt: skip
    for name, value in tolled_only.items():
        if value and "tolled" not in routes:
            raise twin.ScenarioError(f"what_if.{name} applies to the tolled route only")


def _scenario(inputs: TwinInputs, overrides: dict[str, Any]) -> twin.Scenario:
    fields: dict[str, Any] = {
        "horizon_days": inputs.horizon_days,
        "oxide_t_per_yr": inputs.oxide_t_per_yr,
        "target_grade": inputs.grade,
        "mature": inputs.mature,
        "capacity_ramp": tuple(tuple(point) for point in inputs.capacity_ramp),
        **coerce_scenario(overrides),
    }
    stop = inputs.what_if.export_stop
    if stop is not None:
        fields.update(export_stop_start_day=stop.start_day, export_stop_days=stop.days)
    return twin.Scenario(**fields)


def plan(inputs: TwinInputs, routes: list[str]) -> Plan:
    """Parameter sets of ``routes`` with the request's overrides and what-ifs, and its
    scenario; TwinError for an unknown name or a value out of range."""
    _check_what_if_applies(inputs, routes)
    scenario_fields, values = split_overrides(inputs.overrides.items())
    params = [route_parameter_set(route, inputs.partner) for route in routes]
    check_overrides(values, *params)
    params = [with_overrides(p, values) for p in params]
    params = [p.with_entries(_what_if_entries(p, inputs)) for p in params]
    return Plan(params, _scenario(inputs, scenario_fields))


def _grid_value(p: Plan, name: str, value: Any) -> Any:
    if name in SCENARIO_FIELDS and name != "capacity_ramp":
        coerced = coerce_scenario({name: value})
        p.scenario.replace(**coerced)  # raises ScenarioError when out of range
        return coerced[name]
    return check_value(name, p.params[0][name], value)


def checked_grid(p: Plan, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The sweep's grid with each value checked and converted as the twin takes it."""
    return {name: [_grid_value(p, name, v) for v in values] for name, values in grid.items()}


def finite(data: Any) -> Any:
    """``data`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def predict(request: PredictRequest, samples: int) -> dict[str, Any]:
    """One route's distributions (``SimulationResult.to_dict()``)."""
    p = plan(request, [request.route])
    rng = np.random.default_rng(request.seed)
    return finite(twin.simulate(p.params[0], p.scenario, rng, samples).to_dict())


def compare(request: CompareRequest, samples: int, replications: int) -> dict[str, Any]:
    """Both routes side by side with the tornado (``Comparison.to_dict()``)."""
    p = plan(request, ["domestic", "tolled"])
    rng = np.random.default_rng(request.seed)
    result = twin.compare_routes(*p.params, p.scenario, rng, samples, request.metric, replications)
    return finite(result.to_dict())


def sweep(request: SweepRequest, samples: int) -> dict[str, Any]:
    """One point per combination of the grid's values (``Sweep.to_dict()``)."""
    p = plan(request, [request.route])
    rng = np.random.default_rng(request.seed)
    grid = checked_grid(p, request.grid)
    result = run_sweep(p.params[0], p.scenario, grid, rng, samples, progress=False)
    return finite(result.to_dict())
