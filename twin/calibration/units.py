"""Engineering units a plant may record in, and their conversion to the twin's.

Each unit is a dimension, a factor and an offset: its value in the dimension's base unit
is ``value × factor + offset`` (kelvin for temperature, kg/h for mass flow, 1 for
fractions). Symbols are those of OPC UA ``EUInformation`` display names; a few spellings
a plant may use instead (``degC``, ``um``, ``m3/h``) are aliases. Only units of the same
dimension convert: ``ppm`` to ``%`` does, ``K`` to ``kg/h`` does not.
"""

from __future__ import annotations

import numpy as np

from twin.errors import TwinError

__all__ = ["UNITS", "UnitError", "canonical_unit", "conversion", "convert"]

_C_IN_K = 273.15
_F_IN_K = _C_IN_K - 32.0 * 5.0 / 9.0

#: symbol → (dimension, factor to the dimension's base unit, offset)
UNITS: dict[str, tuple[str, float, float]] = {
    "K": ("temperature", 1.0, 0.0),
    "°C": ("temperature", 1.0, _C_IN_K),
    "°F": ("temperature", 5.0 / 9.0, _F_IN_K),
    "kg/h": ("mass flow", 1.0, 0.0),
    "g/h": ("mass flow", 1e-3, 0.0),
    "kg/min": ("mass flow", 60.0, 0.0),
    "kg/s": ("mass flow", 3600.0, 0.0),
    "t/h": ("mass flow", 1000.0, 0.0),
    "t/d": ("mass flow", 1000.0 / 24.0, 0.0),
    "kg": ("mass", 1.0, 0.0),
    "g": ("mass", 1e-3, 0.0),
    "t": ("mass", 1000.0, 0.0),
    "lb": ("mass", 0.45359237, 0.0),
    "T": ("flux density", 1.0, 0.0),
    "mT": ("flux density", 1e-3, 0.0),
    "G": ("flux density", 1e-4, 0.0),
    "kG": ("flux density", 0.1, 0.0),
    "kA/m": ("field strength", 1.0, 0.0),
    "A/m": ("field strength", 1e-3, 0.0),
    "kOe": ("field strength", 1e3 / (4.0 * np.pi), 0.0),
    "Oe": ("field strength", 1.0 / (4.0 * np.pi), 0.0),
    "1": ("count", 1.0, 0.0),
    "%": ("fraction", 1e-2, 0.0),
    "ppm": ("fraction", 1e-6, 0.0),
    "µm": ("length", 1e-6, 0.0),
    "nm": ("length", 1e-9, 0.0),
    "mm": ("length", 1e-3, 0.0),
    "m": ("length", 1.0, 0.0),
    "mbar": ("pressure", 100.0, 0.0),
    "Pa": ("pressure", 1.0, 0.0),
    "hPa": ("pressure", 100.0, 0.0),
    "kPa": ("pressure", 1e3, 0.0),
    "bar": ("pressure", 1e5, 0.0),
    "MPa": ("pressure", 1e6, 0.0),
    "Torr": ("pressure", 101325.0 / 760.0, 0.0),
    "W": ("power", 1e-3, 0.0),
    "kW": ("power", 1.0, 0.0),
    "MW": ("power", 1e3, 0.0),
    "Wh": ("energy", 1e-3, 0.0),
    "kWh": ("energy", 1.0, 0.0),
    "MWh": ("energy", 1e3, 0.0),
    "MJ": ("energy", 1.0 / 3.6, 0.0),
    "s": ("time", 1.0, 0.0),
    "min": ("time", 60.0, 0.0),
    "h": ("time", 3600.0, 0.0),
    "d": ("time", 86400.0, 0.0),
    "L/h": ("volume flow", 1.0, 0.0),
    "L/min": ("volume flow", 60.0, 0.0),
    "m³/h": ("volume flow", 1000.0, 0.0),
    "g/cm³": ("density", 1.0, 0.0),
    "kg/m³": ("density", 1e-3, 0.0),
    "mol/L": ("concentration", 1.0, 0.0),
    "V": ("voltage", 1.0, 0.0),
    "kV": ("voltage", 1e3, 0.0),
}

_ALIASES = {
    "degC": "°C",
    "℃": "°C",
    "CEL": "°C",
    "degF": "°F",
    "℉": "°F",
    "KEL": "K",
    "um": "µm",
    "μm": "µm",  # Greek mu, where the units above use the micro sign
    "m3/h": "m³/h",
    "l/h": "L/h",
    "l/min": "L/min",
    "g/cm3": "g/cm³",
    "kg/m3": "kg/m³",
    "mol/l": "mol/L",
    "-": "1",
}


class UnitError(TwinError, ValueError):
    """A unit the table does not know, or two units that do not convert into each other."""


def canonical_unit(unit: str) -> str:
    """The table's symbol for ``unit`` (``degC`` → ``°C``); :class:`UnitError` if unknown."""
    symbol = _ALIASES.get(unit.strip(), unit.strip())
    if symbol not in UNITS:
        raise UnitError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})")
    return symbol


def conversion(source: str, target: str) -> tuple[float, float]:
    """``(scale, offset)`` with ``value in target = value in source × scale + offset``."""
    (dim_a, fa, oa), (dim_b, fb, ob) = UNITS[canonical_unit(source)], UNITS[canonical_unit(target)]
    if dim_a != dim_b:
        raise UnitError(f"cannot convert {source!r} ({dim_a}) to {target!r} ({dim_b})")
    return fa / fb, (oa - ob) / fb


def convert(value, source: str, target: str):
    """``value`` in ``source`` units expressed in ``target`` units (scalar or array).

    >>> float(convert(1323.15, "K", "°C"))
    1050.0
    """
    scale, offset = conversion(source, target)
    return np.asarray(value, dtype=float) * scale + offset
