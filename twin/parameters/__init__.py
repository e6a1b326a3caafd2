"""Named parameter sets behind one registry.

A parameter set is plain data: a mapping of name → entry, each entry a dict with ``value``,
``unit``, ``source`` and, when the value is uncertain, ``p10`` and ``p90`` (optionally
``low``/``high`` bounds). Calibrated values can replace entries without touching the model.

>>> params = get_parameter_set("domestic")
>>> params.route, params["sinter_temp_c"]["unit"]
('domestic', '°C')
"""

import difflib
import math
from dataclasses import dataclass, field
from types import MappingProxyType

from twin.errors import ParameterError, UnknownParameterSetError
from twin.parameters import domestic, tolled
from twin.parameters._spec import entry

__all__ = [
    "ParameterSet",
    "check_value",
    "entry",
    "get_parameter_set",
    "parameter_set_names",
    "route_parameter_set",
]

_REGISTRY = {
    "domestic": ("domestic", domestic.get_parameter_values),
    "tolled-japan": ("tolled", lambda: tolled.get_parameter_values("japan")),
    "tolled-korea": ("tolled", lambda: tolled.get_parameter_values("korea")),
}
_ALIASES = {"tolled": "tolled-japan"}


@dataclass(frozen=True)
class ParameterSet:
    """A named set of parameter entries for one route.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"domestic"`` or ``"tolled-japan"``.
    route : str
        ``"domestic"`` or ``"tolled"``: which line the simulation builds.
    entries : Mapping[str, dict]
        Name → entry (``value``, ``unit``, ``source``, optional ``p10``/``p90``).
    """

    name: str
    route: str
    entries: MappingProxyType = field(repr=False)

    def __getitem__(self, key):
        try:
            return self.entries[key]
        except KeyError:
            raise ParameterError(_unknown_message(key, self.entries, self.name)) from None

    def __contains__(self, key):
        return key in self.entries

    def names(self):
        """Parameter names, sorted."""
        return sorted(self.entries)

    def uncertain_names(self):
        """Names of the entries that carry a P10/P90 range, sorted."""
        return sorted(k for k, v in self.entries.items() if "p10" in v)

    def with_values(self, values, source="override"):
        """Return a copy with ``values`` (name → number) fixed, their uncertainty removed."""
        new = dict(self.entries)
        for key, value in values.items():
            old = self[key]
            new[key] = entry(check_value(key, old, value), old["unit"], source)
        return ParameterSet(self.name, self.route, MappingProxyType(new))

    def with_entries(self, entries):
        """Return a copy with whole entries replaced or added (e.g. calibrated ones)."""
        return ParameterSet(self.name, self.route, MappingProxyType({**self.entries, **entries}))

    def to_dict(self):
        """Plain, JSON-ready copy of the entries."""
        return {k: dict(v) for k, v in self.entries.items()}


_SHARES = ("_yield", "_recovery", "_initial", "_share", "_fraction", "_efficiency", "_purity_spec")
_POSITIVE = ("_yield", "_recovery", "_days", "_t_per_yr", "_um", "_h", "_stages", "_ratio")


def check_value(name, spec, value):
    """``value`` as a float if it is a number ``name`` can take, else ParameterError.

    It must be finite, within [0, 1] for shares and yields, above 0 for yields,
    durations, capacities, sizes and stage counts, and not negative where the central value
    is positive. (An entry's ``low``/``high`` only clip sampled values: a what-if may go
    beyond them.)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be a finite number, got {value}")
    low, high = -math.inf, math.inf
    if name.endswith(_SHARES):
        low, high = 0.0, 1.0
    if spec["value"] > 0 and spec["unit"] != "°C":
        low = max(low, 0.0)
    positive = name.endswith(_POSITIVE)
    if not low <= number <= high or (positive and number <= 0):
        span = f"({low:g}, {high:g}]" if positive else f"[{low:g}, {high:g}]"
        raise ParameterError(f"{name} must be within {span} {spec['unit']}, got {value}")
    return number


def _unknown_message(key, known, where):
    close = difflib.get_close_matches(str(key), list(known), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown parameter {key!r} in {where}{hint}"


def parameter_set_names():
    """Names accepted by :func:`get_parameter_set` (aliases included), sorted."""
    return sorted([*_REGISTRY, *_ALIASES])


def route_parameter_set(route, partner="japan"):
    """The parameter set of ``route`` (``"domestic"`` or ``"tolled"``) and tolling partner.

    Raises
    ------
    UnknownParameterSetError
        If the route or partner is unknown.
    """
    if route == "domestic":
        return get_parameter_set("domestic")
    if route != "tolled":
        raise UnknownParameterSetError(f"unknown route {route!r}; known: domestic, tolled")
    return get_parameter_set(f"tolled-{partner}")


def get_parameter_set(name):
    """Return the named :class:`ParameterSet` (``"tolled"`` means ``"tolled-japan"``).

    Raises
    ------
    UnknownParameterSetError
        If no set has that name; the message lists the names that exist.
    """
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        raise UnknownParameterSetError(
            f"unknown parameter set {name!r}; known: {', '.join(parameter_set_names())}"
        )
    route, build = _REGISTRY[key]
    return ParameterSet(key, route, MappingProxyType(build()))
