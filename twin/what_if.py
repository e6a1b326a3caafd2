"""Named what-ifs: a planner's question, stated in the planner's terms.

A :class:`WhatIf` moves the twin's own inputs the way a planner asks it, instead of by
parameter name:

- ``shipping_delay_days`` lengthens each leg's handling and customs (``handling_days``) by
  that many days, its P10/P90 band moved with it (tolled route);
- ``added_sintering_t_per_yr`` is a furnace added: it enlarges the domestic line's
  ``sinter_capacity_t_per_yr`` or the partner's ``toll_capacity_t_per_yr`` by that tonnage;
- ``export_stop_start_day`` and ``export_stop_days`` force an export stop at the tolling
  partner (the scenario's fields of the same names; tolled route).

A what-if that touches none of the routes simulated is an error: it would change nothing.
:func:`twin.planning.plan` applies one to a run.

>>> WhatIf(shipping_delay_days=10).routes()
('tolled',)
"""

from dataclasses import dataclass

from twin.errors import ScenarioError
from twin.scenario import MAX_HORIZON_DAYS

__all__ = ["WhatIf"]

MAX_SHIPPING_DELAY_DAYS = 365.0
MAX_ADDED_SINTERING_T_PER_YR = 100_000.0

#: What-if → route → the parameter it moves by its value.
_MOVES = {
    "shipping_delay_days": {"tolled": "handling_days"},
    "added_sintering_t_per_yr": {
        "domestic": "sinter_capacity_t_per_yr",
        "tolled": "toll_capacity_t_per_yr",
    },
}
#: Routes on which the scenario's export stop acts.
_EXPORT_STOP_ROUTES = ("tolled",)
_SHIFTED = ("value", "p10", "p90", "low", "high")


def _number(name, value, high):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{name} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not 0.0 <= number <= high:
        raise ScenarioError(f"{name} must be within [0, {high:g}], got {value!r}")
    return number


def _day(name, value):
    number = _number(name, value, MAX_HORIZON_DAYS)
    if not number.is_integer():
        raise ScenarioError(f"{name} must be a whole number of days, got {value!r}")
    return int(number)


@dataclass(frozen=True)
class WhatIf:
    """What-ifs applied to a run (all off by default).

    Attributes
    ----------
    shipping_delay_days : float
        Extra handling and customs on each leg, out and back [d], 0 to 365 (tolled).
    added_sintering_t_per_yr : float
        Sintering capacity added [t blocks/yr domestic, t oxide/yr tolled], 0 to 100000.
    export_stop_start_day : int or None
        First day of a forced export stop at the partner [d], 0 to 3650 (tolled); None
        for none.
    export_stop_days : int
        Length of that stop [d], 0 to 3650; only with ``export_stop_start_day``.
    """

    shipping_delay_days: float = 0.0
    added_sintering_t_per_yr: float = 0.0
    export_stop_start_day: int | None = None
    export_stop_days: int = 0

    def __post_init__(self):
        checked = {
            "shipping_delay_days": _number(
                "shipping_delay_days", self.shipping_delay_days, MAX_SHIPPING_DELAY_DAYS
            ),
            "added_sintering_t_per_yr": _number(
                "added_sintering_t_per_yr",
                self.added_sintering_t_per_yr,
                MAX_ADDED_SINTERING_T_PER_YR,
            ),
            "export_stop_days": _day("export_stop_days", self.export_stop_days),
        }
        if self.export_stop_start_day is not None:
            checked["export_stop_start_day"] = _day(
                "export_stop_start_day", self.export_stop_start_day
            )
        elif checked["export_stop_days"]:
            raise ScenarioError("export_stop_days needs export_stop_start_day")
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # as numbers, whatever the caller gave

    def _asked(self):
        """Names of the what-ifs that are on → the routes each acts on."""
        asked = {name: tuple(_MOVES[name]) for name in _MOVES if getattr(self, name)}
        if self.export_stop_start_day is not None:
            asked["export_stop"] = _EXPORT_STOP_ROUTES
        return asked

    def routes(self):
        """The routes some what-if of this one acts on, sorted (empty when none is on)."""
        return tuple(sorted({route for routes in self._asked().values() for route in routes}))

    def check_applies(self, routes):
        """ScenarioError for a what-if that acts on none of ``routes`` (it would change
        nothing)."""
        for name, acts_on in self._asked().items():
            if not set(acts_on) & set(routes):
                raise ScenarioError(
                    f"{name} applies to the {' and '.join(acts_on)} route only, "
                    f"not {' and '.join(routes)}"
                )

    def entries(self, params):
        """Entries of ``params`` (a :class:`twin.ParameterSet`) this what-if moves, moved."""
        moved = {}
        for name, by_route in _MOVES.items():
            delta = getattr(self, name)
            if delta and params.route in by_route:
                target = by_route[params.route]
                moved[target] = {
                    k: (v + delta if k in _SHIFTED else v) for k, v in params[target].items()
                }
        return moved

    def scenario_fields(self):
        """The :class:`twin.Scenario` fields this what-if sets."""
        if self.export_stop_start_day is None:
            return {}
        return {
            "export_stop_start_day": self.export_stop_start_day,
            "export_stop_days": self.export_stop_days,
        }
