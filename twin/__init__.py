"""Digital twin of NdFeB magnet production: what each route delivers, as distributions.

Parameters (plain data, :func:`get_parameter_set`), a :class:`Scenario` of operating
conditions and a seeded :class:`numpy.random.Generator` go into :func:`simulate`, which
returns a :class:`SimulationResult` of per-sample arrays; :meth:`SimulationResult.summary`
and :meth:`SimulationResult.to_dict` give JSON-ready P10/P50/P90. :func:`compare_routes`
puts two routes side by side with a ranked tornado of what drives their difference.
:func:`plan` assembles a run as asked (routes, partner, scenario fields, overrides by name
and a :class:`WhatIf`) into the parameter sets and scenario, for every caller alike.

>>> import numpy as np
>>> import twin
>>> result = twin.simulate(twin.get_parameter_set("domestic"), twin.Scenario(),
...                        np.random.default_rng(0), n_samples=200)
>>> sorted(result.summary()["finished_t_per_yr"])
['label', 'p10', 'p50', 'p90', 'unit']
"""

from twin.compare import Comparison, compare_routes, tornado
from twin.errors import ParameterError, ScenarioError, TwinError, UnknownParameterSetError
from twin.grades import GRADES, Grade, parse_grade
from twin.parameters import (
    ParameterSet,
    get_parameter_set,
    parameter_set_names,
    route_parameter_set,
)
from twin.planning import Plan, plan
from twin.result import METRICS, MODEL_VERSION, QUANTILES, SimulationResult
from twin.scenario import Scenario
from twin.simulation import DEFAULT_SAMPLES, simulate
from twin.sweep import Sweep, run_sweep
from twin.what_if import WhatIf

__all__ = [
    "DEFAULT_SAMPLES",
    "GRADES",
    "METRICS",
    "MODEL_VERSION",
    "QUANTILES",
    "Comparison",
    "Grade",
    "ParameterError",
    "ParameterSet",
    "Plan",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "Sweep",
    "TwinError",
    "UnknownParameterSetError",
    "WhatIf",
    "compare_routes",
    "get_parameter_set",
    "parameter_set_names",
    "parse_grade",
    "plan",
    "route_parameter_set",
    "run_sweep",
    "simulate",
    "summary",
    "to_dict",
    "tornado",
]


def summary(result):
    """JSON-ready quantiles of every metric of a result (see :meth:`SimulationResult.summary`)."""
    return result.summary()


def to_dict(obj):
    """JSON-ready form of a :class:`SimulationResult`, :class:`Comparison` or :class:`Sweep`."""
    return obj.to_dict()
