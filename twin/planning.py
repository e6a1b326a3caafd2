"""A run as asked → the parameter sets and the scenario the twin simulates, in one place.

``python -m twin``, the HTTP API and Python callers state a run alike: the routes, the
tolling partner, scenario fields, overrides by name (``NAME=VALUE``, as text or JSON
values; see :mod:`twin.overrides`) and a :class:`twin.what_if.WhatIf`. :func:`plan` turns
them into a :class:`Plan`, in this order: the what-if is checked against the routes, each
route's parameter set gets the overrides, then the what-if's moves; the scenario is the
fields given, then the overrides that name scenario fields, then the what-if's.

>>> from twin.what_if import WhatIf
>>> p = plan(["tolled"], scenario={"horizon_days": 120}, what_if=WhatIf(shipping_delay_days=5))
>>> p.params[0]["handling_days"]["value"], p.scenario.horizon_days
(18.0, 120)
"""

from dataclasses import dataclass
from types import MappingProxyType

from twin.errors import ScenarioError
from twin.overrides import (
    SCENARIO_FIELDS,
    check_overrides,
    coerce_scenario,
    split_overrides,
    with_overrides,
)
from twin.parameters import ParameterSet, check_value, route_parameter_set
from twin.scenario import Scenario
from twin.what_if import WhatIf

__all__ = ["Plan", "plan"]


def _parameter_set(name, route, entries):
    return ParameterSet(name, route, MappingProxyType(entries))


@dataclass(frozen=True)
class Plan:
    """What :func:`twin.simulate` and friends take for one run.

    Attributes
    ----------
    params : tuple of twin.ParameterSet
        One parameter set per route asked, in the order asked.
    scenario : twin.Scenario
        The run's operating conditions.
    """

    params: tuple
    scenario: Scenario

    def __reduce__(self):
        # A ParameterSet holds a mappingproxy, which does not pickle; a plan goes to worker
        # processes (the API's), so it travels as plain dicts.
        sets = tuple((p.name, p.route, dict(p.entries)) for p in self.params)
        return _rebuilt, (sets, self.scenario)

    def checked_grid(self, grid):
        """A sweep's grid (name → values) with each value checked and converted as the
        twin takes it: scenario fields by the scenario's rules, parameters by the first
        parameter set's; TwinError for an unknown name or a value out of range."""
        return {name: [self._grid_value(name, v) for v in values] for name, values in grid.items()}

    def _grid_value(self, name, value):
        if name in SCENARIO_FIELDS and name != "capacity_ramp":
            coerced = coerce_scenario({name: value})
            self.scenario.replace(**coerced)  # raises ScenarioError when out of range
            return coerced[name]
        return check_value(name, self.params[0][name], value)


def _rebuilt(sets, scenario):
    return Plan(tuple(_parameter_set(*s) for s in sets), scenario)


def plan(routes, partner="japan", scenario=None, overrides=(), what_if=None):
    """The parameter sets and scenario of a run.

    Parameters
    ----------
    routes : sequence of str
        ``"domestic"`` and/or ``"tolled"``: one parameter set each, in this order.
    partner : str
        Tolling partner, ``"japan"`` or ``"korea"``.
    scenario : mapping, optional
        :class:`twin.Scenario` fields by name; the others keep their defaults.
    overrides : mapping or iterable of (str, value), optional
        Parameters or scenario fields fixed by name (text or JSON values).
    what_if : twin.what_if.WhatIf, optional
        Named what-ifs; each must act on one of ``routes``.

    Raises
    ------
    TwinError
        For an unknown route, partner or name, a value out of range, a what-if that acts
        on none of ``routes``, or an override of a field the what-if sets.
    """
    what_if = what_if or WhatIf()
    what_if.check_applies(routes)
    pairs = overrides.items() if hasattr(overrides, "items") else overrides
    scenario_overrides, values = split_overrides(pairs)
    given = {**(scenario or {}), **coerce_scenario(scenario_overrides)}
    both = sorted(set(given) & set(what_if.scenario_fields()))
    if both:
        raise ScenarioError(f"{', '.join(both)} is set both as a field and by a what-if")
    params = [route_parameter_set(route, partner) for route in routes]
    check_overrides(values, *params)
    params = [with_overrides(p, values) for p in params]
    return Plan(
        tuple(p.with_entries(what_if.entries(p)) for p in params),
        Scenario(**given, **what_if.scenario_fields()),
    )
