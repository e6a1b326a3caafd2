"""How much work a twin request asks for, checked against the API's limits before it runs.

Work is counted in sample-days (samples × simulated days), which is what a simulation's
time grows with (~0.5 µs each on one core). Requests over a limit get a 422 that names the
limit, never a queue slot. Each check takes the request's plan (``api.twin_jobs.plan``), the
one that then runs.
"""

from __future__ import annotations

from typing import Any

from api.errors import InvalidRequest
from api.settings import ApiSettings
from api.twin_jobs import DEFAULT_REPLICATIONS
from api.twin_schemas import CompareRequest, PredictRequest, SweepRequest
from twin import DEFAULT_SAMPLES, Plan

__all__ = ["compare_size", "predict_size", "sweep_size"]


def _at_most(name: str, asked: int, limit: int) -> None:
    if asked > limit:
        raise InvalidRequest(f"{name} is {asked}; this server allows at most {limit}",
                             {"limit": name, "asked": asked, "allowed": limit})  # fmt: skip


def _samples(asked: int | None, settings: ApiSettings) -> int:
    samples = asked or min(DEFAULT_SAMPLES, settings.twin_max_samples)
    _at_most("samples", samples, settings.twin_max_samples)
    return samples


def _check_horizon(days: int, sample_days: int, settings: ApiSettings) -> None:
    _at_most("horizon_days", days, settings.twin_max_horizon_days)
    _at_most("sample-days (samples × days)", sample_days, settings.twin_max_sample_days)


def predict_size(request: PredictRequest, p: Plan, settings: ApiSettings) -> int:
    """The samples a predict request runs, once it is known to be within the limits."""
    samples = _samples(request.samples, settings)
    horizon = p.scenario.horizon_days
    _check_horizon(horizon, samples * horizon, settings)
    return samples


def compare_size(request: CompareRequest, p: Plan, settings: ApiSettings) -> tuple[int, int]:
    """Samples and tornado replications of a compare request within the limits."""
    samples = _samples(request.samples, settings)
    replications = request.replications or min(DEFAULT_REPLICATIONS, settings.twin_max_replications)
    _at_most("replications", replications, settings.twin_max_replications)
    uncertain = set().union(*(params.uncertain_names() for params in p.params))
    # Each route: its samples, then every tornado case (base, each input at P10 and P90).
    per_day = 2 * (samples + (1 + 2 * len(uncertain)) * replications)
    _check_horizon(p.scenario.horizon_days, per_day * p.scenario.horizon_days, settings)
    return samples, replications


def sweep_size(
    request: SweepRequest, p: Plan, grid: dict[str, list[Any]], settings: ApiSettings
) -> int:
    """Samples per point of a sweep request (``grid`` as ``p.checked_grid`` gives it) within
    the limits."""
    samples = _samples(request.samples, settings)
    points = 1
    for values in grid.values():
        points *= len(values)
    _at_most("grid points", points, settings.twin_max_sweep_points)
    horizon = max([p.scenario.horizon_days, *grid.get("horizon_days", [])])
    _check_horizon(horizon, points * samples * horizon, settings)
    return samples
