"""A grid of what-ifs: one simulation per grid point, with a progress bar."""

import dataclasses
import itertools
from dataclasses import dataclass

from tqdm import tqdm

from twin.errors import ParameterError
from twin.report import format_value
from twin.result import METRICS
from twin.scenario import Scenario
from twin.simulation import DEFAULT_SAMPLES, simulate

__all__ = ["Sweep", "format_sweep", "parse_grid", "run_sweep"]

_SCENARIO_FIELDS = {f.name for f in dataclasses.fields(Scenario)} - {"capacity_ramp"}
_TEXT_FIELDS = {"target_grade"}
MAX_POINTS = 400


def _number(name, text):
    if name in _TEXT_FIELDS:
        return text
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"grid values of {name} must be numbers, got {text!r}") from None


def parse_grid(pairs):
    """``[("name", "v1,v2"), …]`` → ``{"name": [v1, v2], …}`` (numbers, grades as text)."""
    grid = {}
    for name, text in pairs:
        values = [_number(name, v.strip()) for v in text.split(",") if v.strip()]
        if not values:
            raise ParameterError(f"grid {name} has no values")
        grid[name] = values
    if not grid:
        raise ParameterError("give at least one --grid NAME=V1,V2,...")
    return grid


@dataclass
class Sweep:
    """Grid points in order, each with its settings and the result's summary."""

    parameter_set: str
    names: list
    points: list

    def to_dict(self):
        """JSON-ready grid and per-point quantiles."""
        return {"parameter_set": self.parameter_set, "grid": self.names, "points": self.points}


def _scenario_value(name, value):
    return (
        int(value)
        if name in ("horizon_days", "export_stop_start_day", "export_stop_days")
        else value
    )


def run_sweep(params, scenario, grid, rng, n_samples=DEFAULT_SAMPLES, progress=True):
    """Simulate every combination of the grid's values.

    Parameters
    ----------
    params : twin.parameters.ParameterSet
        Base parameters; grid names that are parameters are fixed per point.
    scenario : twin.Scenario
        Base scenario; grid names that are scenario fields are replaced per point.
    grid : dict of list
        Name → values.
    rng : numpy.random.Generator
        Shared by all points.
    progress : bool
        Show a tqdm progress bar on stderr.
    """
    names = list(grid)
    combos = list(itertools.product(*(grid[n] for n in names)))
    if len(combos) > MAX_POINTS:
        raise ParameterError(f"grid has {len(combos)} points; at most {MAX_POINTS}")
    points = []
    for combo in tqdm(combos, desc="sweep", unit="point", disable=not progress):
        settings = dict(zip(names, combo, strict=True))
        scen = {k: _scenario_value(k, v) for k, v in settings.items() if k in _SCENARIO_FIELDS}
        values = {k: v for k, v in settings.items() if k not in _SCENARIO_FIELDS}
        p = params.with_values(values) if values else params
        result = simulate(p, scenario.replace(**scen) if scen else scenario, rng, n_samples)
        points.append(
            {
                "settings": settings,
                "metrics": result.summary(),
                "bottleneck": next(iter(result.bottleneck_shares())),
            }
        )
    return Sweep(params.name, names, points)


def _setting(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def format_sweep(sweep, metric):
    """One line per grid point with the metric's P10/P50/P90 and the main bottleneck."""
    label, unit = METRICS[metric]
    lines = [
        f"{sweep.parameter_set}: {label} [{unit}]",
        "  ".join(f"{n:>16}" for n in sweep.names)
        + f"  {'P10':>9} {'P50':>9} {'P90':>9}  bottleneck",
    ]
    for point in sweep.points:
        q = point["metrics"][metric]
        cells = " ".join(f"{format_value(metric, q[p]):>9}" for p in ("p10", "p50", "p90"))
        keys = "  ".join(f"{_setting(point['settings'][n]):>16}" for n in sweep.names)
        lines.append(f"{keys}  {cells}  {point['bottleneck']}")
    return "\n".join(lines)
