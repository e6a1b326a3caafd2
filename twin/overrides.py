"""What-if overrides by name: ``NAME=VALUE`` pairs split into scenario fields and parameters.

Shared by ``python -m twin ... --set NAME=VALUE`` (values as text) and the HTTP API (values
as JSON numbers, booleans or text), so both accept the same names and give the same errors.
"""

import dataclasses

from twin.errors import TwinError
from twin.scenario import Scenario

__all__ = ["SCENARIO_FIELDS", "check_overrides", "coerce_scenario", "split_overrides",
           "with_overrides"]  # fmt: skip

#: Scenario field → its type; ``capacity_ramp`` is a list of points, not one value.
SCENARIO_FIELDS = {f.name: f.type for f in dataclasses.fields(Scenario)}


def split_overrides(pairs):
    """Split ``(name, value)`` pairs into scenario fields and parameter values."""
    scenario, params = {}, {}
    for name, value in pairs:
        if name in SCENARIO_FIELDS and name != "capacity_ramp":
            scenario[name] = value
        else:
            params[name] = value
    return scenario, params


def _flag(value):
    return value.lower() in ("1", "true", "yes") if isinstance(value, str) else bool(value)


def _whole(value):
    if isinstance(value, str):
        return None if value.lower() == "none" else int(value)
    if value is None or float(value) != int(value):
        raise ValueError(value)
    return int(value)


def _coerce(kind, value):
    if kind in ("bool", bool):
        return _flag(value)
    if isinstance(value, bool):
        raise ValueError(value)  # a JSON true is not a number of days or tonnes
    if "int" in str(kind):
        return _whole(value)
    if "float" in str(kind):
        return float(value)
    return value if isinstance(value, str) else str(value)


def coerce_scenario(fields):
    """Scenario fields with their values converted to the field's type (text or JSON)."""
    out = {}
    for name, value in fields.items():
        try:
            out[name] = _coerce(SCENARIO_FIELDS[name], value)
        except (TypeError, ValueError, OverflowError):
            raise TwinError(f"{name} must be a number, got {value!r}") from None
    return out


def with_overrides(params, values):
    """``params`` with the values it has fixed (a name only the other route has is skipped)."""
    known = {k: v for k, v in values.items() if k in params}
    return params.with_values(known) if known else params


def check_overrides(values, *param_sets):
    """ParameterError (with close matches) for a name none of ``param_sets`` has."""
    for name in values:
        if not any(name in p for p in param_sets):
            param_sets[0][name]  # raises ParameterError with close matches
