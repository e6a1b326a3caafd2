"""Routes side by side, and what drives the difference between them (a tornado).

The tornado swings one uncertain input at a time between its P10 and P90 with every other
input at its P50, and ranks inputs by how far that moves the difference between the routes.
All cases go through the model at once, stacked on the sample axis, each repeated to average
out failures and export stops; replication j of every case shares random stream j (common
random numbers), so the swings are not buried in simulation noise.
"""

from dataclasses import dataclass

import numpy as np

from twin.errors import ParameterError
from twin.result import METRICS, MODEL_VERSION
from twin.sampling import percentile_value
from twin.simulation import DEFAULT_SAMPLES, simulate

__all__ = ["Comparison", "compare_routes", "tornado"]

DEFAULT_REPLICATIONS = 24


@dataclass
class Comparison:
    """Two routes' results and the ranked tornado of their difference."""

    results: list
    metric: str
    tornado: list

    def to_dict(self):
        """JSON-ready: each route's summary and the tornado rows."""
        return {
            "model_version": MODEL_VERSION,
            "routes": {r.parameter_set: r.to_dict() for r in self.results},
            "tornado": {
                "metric": self.metric,
                "unit": METRICS[self.metric][1],
                "difference": f"{self.results[0].parameter_set} − {self.results[1].parameter_set}",
                "rows": self.tornado,
            },
        }


def _stacked_values(params, cases, replications):
    """Per-sample values: every input at P50 except the case's swung one, repeated."""
    values = {}
    for name in params.names():
        spec = params[name]
        column = np.full(len(cases), percentile_value(spec, "p50"))
        for i, case in enumerate(cases):
            if case is not None and case[0] == name:
                column[i] = percentile_value(spec, case[1])
        values[name] = np.repeat(column, replications)
    return values


def _case_means(params, scenario, rng, cases, metric, replications):
    values = _stacked_values(params, cases, replications)
    streams = np.tile(np.arange(replications), len(cases))
    result = simulate(params, scenario, rng, values=values, streams=streams)
    return result.metrics[metric].reshape(len(cases), replications).mean(axis=1)


def tornado(
    params_a, params_b, scenario, rng, metric="finished_t_per_yr", replications=DEFAULT_REPLICATIONS
):
    """Rank uncertain inputs by their swing of ``metric(a) − metric(b)``.

    An input that both routes have (a price, the cascade, sintering settings) is swung in
    both at once, each between its own P10 and P90.

    Parameters
    ----------
    params_a, params_b : twin.parameters.ParameterSet
        The two routes (the difference is a − b).
    scenario : twin.Scenario
        Operating conditions shared by both.
    rng : numpy.random.Generator
        Source of failures and export stops.
    metric : str
        A name from :data:`twin.result.METRICS`.
    replications : int
        Repeats of each case.

    Returns
    -------
    list of dict
        One row per input (``name``, ``unit``, ``low``/``high`` difference at the input's
        P10/P90, ``base``, ``swing`` = high − low), largest ``|swing|`` first.
    """
    names = sorted(set(params_a.uncertain_names()) | set(params_b.uncertain_names()))
    cases = [None, *[(name, side) for name in names for side in ("p10", "p90")]]
    a = _case_means(params_a, scenario, rng, cases, metric, replications)
    b = _case_means(params_b, scenario, rng, cases, metric, replications)
    diff = a - b
    rows = []
    for i, name in enumerate(names):
        unit = (params_a[name] if name in params_a else params_b[name])["unit"]
        low, high = diff[1 + 2 * i], diff[2 + 2 * i]
        rows.append(
            {
                "name": name,
                "unit": unit,
                "base": float(diff[0]),
                "low": float(low),
                "high": float(high),
                "swing": float(high - low),
            }
        )
    return sorted(rows, key=lambda r: -abs(r["swing"]))


def compare_routes(
    params_a,
    params_b,
    scenario,
    rng,
    n_samples=DEFAULT_SAMPLES,
    metric="finished_t_per_yr",
    replications=DEFAULT_REPLICATIONS,
):
    """Simulate two routes under one scenario and rank the drivers of their difference."""
    if metric not in METRICS:
        raise ParameterError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    results = [simulate(p, scenario, rng, n_samples) for p in (params_a, params_b)]
    rows = tornado(params_a, params_b, scenario, rng, metric, replications)
    return Comparison(results, metric, rows)
