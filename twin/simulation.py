"""One entry point, :func:`simulate`: parameters + scenario + generator → result.

The stages are pure functions of per-sample arrays; this module only wires them:
separation → magnet quality → the route's stage chain stepped over the horizon → cost.
"""

import logging

import numpy as np

from twin import costs, logistics, separation
from twin.errors import ScenarioError
from twin.line import learning_gap, run_line
from twin.quality import magnet_quality
from twin.result import SimulationResult
from twin.routes import domestic_stages, mass_chain, tolled_stages
from twin.sampling import draw_values
from twin.scenario import Scenario

__all__ = ["DEFAULT_SAMPLES", "separation_performance", "simulate"]

logger = logging.getLogger(__name__)

DEFAULT_SAMPLES = 2000
_BUILDERS = {"domestic": domestic_stages, "tolled": tolled_stages}


def separation_performance(v):
    """Nd product purity and Nd recovery of the cascade for per-sample values ``v``."""
    beta = v["sx_separation_factor"]
    eff = v["sx_murphree_efficiency"]
    n_ext, n_scrub = v["sx_extraction_stages"] * eff, v["sx_scrub_stages"] * eff
    e_nd = v["sx_extraction_factor_nd"]
    scrub = v["sx_scrub_flow_fraction"]
    nd = separation.cascade_split(e_nd, e_nd / scrub, n_ext, n_scrub)
    pr = separation.cascade_split(e_nd / beta, e_nd / beta / scrub, n_ext, n_scrub)
    return separation.product_purity(v["feed_nd_fraction"], nd, pr), nd


def _schedule(scenario):
    days = np.arange(scenario.horizon_days)
    if not scenario.capacity_ramp:
        return np.ones(days.size)
    points = sorted(scenario.capacity_ramp)
    return np.interp(days, [p[0] for p in points], [p[1] for p in points])


def simulate(
    params,
    scenario=None,
    rng=None,
    n_samples=DEFAULT_SAMPLES,
    values=None,
    streams=None,
    stock=None,
):
    """Simulate a route over the scenario's horizon for ``n_samples`` draws at once.

    Parameters
    ----------
    params : twin.parameters.ParameterSet
        Route and its parameter entries.
    scenario : Scenario, optional
        Operating conditions; defaults to ``Scenario()``.
    rng : numpy.random.Generator
        Source of all randomness (parameter draws, failures, export stops). Required.
    n_samples : int
        Number of Monte Carlo samples (ignored when ``values`` is given).
    values : dict of numpy.ndarray, optional
        Pre-drawn per-sample values (e.g. what-ifs stacked on the sample axis).
    streams : numpy.ndarray of int, optional
        Random stream per sample; samples sharing a stream share failures and export stops
        (common random numbers). Default: one stream per sample.
    stock : tuple of (int, array_like), optional
        ``(day, kg per stage)`` of work in progress put into the stages' input buffers on
        that day (see :func:`twin.line.run_line`).

    Returns
    -------
    SimulationResult
    """
    if rng is None:
        raise ScenarioError("simulate needs a numpy.random.Generator (rng=...)")
    scenario = scenario or Scenario()
    v = values if values is not None else draw_values(params, int(n_samples), rng)
    n = next(iter(v.values())).shape[0]
    quality = magnet_quality(v, scenario.grade)
    purity, nd_recovery = separation_performance(v)
    stages = _BUILDERS[params.route](v, quality["grade_share"])
    feed = np.full(n, scenario.oxide_t_per_yr * 1000.0 / 365.0)
    logger.debug("simulating %s: %d samples × %d days", params.name, n, scenario.horizon_days)
    options = _line_options(params.route, scenario, v, rng, streams)
    line = run_line(
        stages, feed, scenario.horizon_days, rng, streams=streams, stock=stock, **options
    )
    learning = options["learning"]
    chain = mass_chain(v, quality["grade_share"])
    if learning is not None:
        gap = learning_gap(line.blocks_kg, learning[1], learning[0])
        chain = _young_chain(v, chain, gap)
    return SimulationResult.build(
        params,
        scenario,
        v,
        line,
        quality,
        purity,
        nd_recovery,
        costs.unit_cost_usd_per_kg(params.route, v, chain),
        1.0 - chain["machining"] * chain["magnetizing"],
    )


def _line_options(route, scenario, v, rng, streams):
    """Commissioning ramp, learning and export stops of the route, for :func:`run_line`."""
    n = next(iter(v.values())).shape[0]
    options = {
        "commission": (np.ones(n), np.ones(n)),
        "schedule": _schedule(scenario),
        "learning": None,
        "stops": None,
    }
    if route == "domestic" and not scenario.mature:
        options["learning"] = (
            v["learning_progress_ratio"],
            v["learning_ref_t"] * 1000.0,
            v["learning_capacity_initial"],
        )
        options["commission"] = (v["ramp_start_fraction"], v["ramp_days"])
    if route == "tolled":
        forced = None
        if scenario.export_stop_start_day is not None:
            forced = (scenario.export_stop_start_day, scenario.export_stop_days)
        options["stops"] = logistics.export_stop_windows(
            scenario.horizon_days,
            v["export_stop_per_yr"],
            v["export_stop_days"],
            rng,
            forced,
            streams,
        )
    return options


def _young_chain(v, chain, gap):
    """Mass factors at the learning state reached by the end of the horizon."""
    young = dict(chain)
    for key, name in (
        ("metal", "metal_recovery"),
        ("sinter", "sinter_yield"),
        ("machining", "machining_yield"),
    ):
        initial = v[f"{name}_initial"]
        young[key] = chain[key] * (initial + (v[name] - initial) * (1.0 - gap)) / v[name]
    powder = v["powder_yield_initial"] + (v["powder_yield"] - v["powder_yield_initial"]) * (
        1.0 - gap
    )
    young["alloy"] = chain["alloy"] * powder / v["powder_yield"]
    young["blocks_per_oxide"] = young["metal"] * young["alloy"] * young["sinter"]
    young["finished_per_oxide"] = (
        young["blocks_per_oxide"] * young["machining"] * young["magnetizing"]
    )
    return young
