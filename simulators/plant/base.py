"""Building blocks of the plant model: signal specifications and the equipment base class.

An equipment object owns its true physical state, advances it with ``step`` and exposes
its true signal values as one numpy vector (``values``) in the order of ``ANALOG``.
Sensors, faults and publishing live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = ["METER_CUTOFF", "STATES", "AnalogSpec", "Equipment", "TextSpec"]

STATES = ("running", "idle", "down", "maintenance")
"""Equipment states published as the ``State`` variable."""

METER_CUTOFF = 0.01
"""Low cut-off of flow, rate, power and level meters [fraction of range]: 1 % is a usual
setting, above the zero noise and small zero drift of the meter."""


@dataclass(frozen=True)
class AnalogSpec:
    """A numeric signal of one equipment.

    Attributes
    ----------
    name : browse name under the equipment, e.g. ``Zone1Temperature``
    unit : display symbol, a key of ``simulators.units.UNITS``
    low, high : EURange, the instrument's range
    description : what the signal measures
    noise : sensor noise as a fraction of the range (1 sigma); 0 for counters, timers and
        set points. With ``relative``, a fraction of the reading instead.
    drifts : whether the sensor can drift slowly (False for counters, timers, set points)
    relative : error proportional to the reading (gauges over decades, e.g. vacuum): a
        positive quantity stays positive however the gauge drifts
    cutoff : low cut-off as a fraction of the range: a reading below ``low + cutoff·span``
        is reported as ``low``, as flow, rate and power meters suppress their zero noise
        (a quantity that is zero while the equipment stands reads zero, not ±noise)
    """

    name: str
    unit: str
    low: float
    high: float
    description: str
    noise: float = 0.0005
    drifts: bool = True
    relative: bool = False
    cutoff: float = 0.0


@dataclass(frozen=True)
class TextSpec:
    """A non-numeric variable of one equipment (``kind`` is ``"string"`` or ``"bool"``)."""

    name: str
    description: str
    kind: str = "string"


class Equipment:
    """Base class: a piece of equipment with numeric signals, text variables and a state."""

    KIND: ClassVar[str] = "Equipment"
    ANALOG: ClassVar[tuple[AnalogSpec, ...]] = ()
    TEXTS: ClassVar[tuple[TextSpec, ...]] = ()

    def __init__(self, path: str) -> None:
        self.path = path
        self.state = "idle"
        self.down_until_s = -1.0
        self.values = np.zeros(len(self.ANALOG))
        self.texts: dict[str, str | bool] = {
            spec.name: (False if spec.kind == "bool" else "") for spec in self.TEXTS
        }

    def get(self, name: str) -> float:
        """One true signal value by name."""
        return float(self.values[self._index[name]])

    @property
    def _index(self) -> dict[str, int]:
        cls = type(self)
        cached = cls.__dict__.get("_INDEX")
        if cached is None:
            cached = {spec.name: i for i, spec in enumerate(cls.ANALOG)}
            cls._INDEX = cached
        return cached

    @property
    def is_down(self) -> bool:
        """True while a breakdown or trip keeps the equipment stopped."""
        return self.state in ("down", "maintenance")

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        """Advance the true state by ``dt_s`` seconds ending at simulated time ``t_s``."""
        raise NotImplementedError
