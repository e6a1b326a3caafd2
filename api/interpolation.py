"""Values at fixed times aligned across tags: linear for analog tags, step for discrete ones.

At each grid time the value is the reading at or before it (step), or the straight line
between that reading and the next one (linear). A Bad neighbour makes the point Bad, with
no value (the Bad reading's own value stays in the raw readings); an Uncertain one makes it
Uncertain; no reading within the hold period gives BadNoData.
"""

from __future__ import annotations

from typing import Any

from api.params import BAD, UNCERTAIN

__all__ = ["BAD_NO_DATA", "interpolate", "is_discrete"]

BAD_NO_DATA = 0x809B0000
_ANALOG_TYPES = {"Double", "Float", "Int16", "Int32", "Int64", "UInt16", "UInt32", "UInt64",
                 "Byte", "SByte"}  # fmt: skip


def is_discrete(tag: dict[str, Any]) -> bool:
    """Step, not linear: booleans, strings, enumerations and anything not a plain number."""
    return tag["data_type"] not in _ANALOG_TYPES


def _worse(a: int, b: int) -> int:
    for floor in (BAD, UNCERTAIN):
        if a >= floor or b >= floor:
            return a if a >= floor else b
    return 0


def _point(row: dict[str, Any], linear: bool) -> tuple[float | None, str | None, int]:
    if row["p_time"] is None:
        return None, None, BAD_NO_DATA
    value, status = row["p_value"], row["p_status"]
    if status >= BAD:  # raw readings keep a Bad value; values derived from them never do
        return None, None, status
    if not linear or row["p_time"] == row["t"] or row["n_time"] is None or value is None:
        return value, row["p_text"], status
    if row["n_value"] is None or row["n_status"] >= BAD:  # no line through a Bad value
        return None, None, _worse(status, row["n_status"])
    fraction = (row["t"] - row["p_time"]) / (row["n_time"] - row["p_time"])
    return value + (row["n_value"] - value) * fraction, None, _worse(status, row["n_status"])


def interpolate(
    rows: list[dict[str, Any]], discrete: bool
) -> tuple[list[float | None], list[str | None], list[int]]:
    """Values, texts and status codes at the grid times of ``rows`` (one row per time)."""
    points = [_point(row, not discrete) for row in rows]
    return [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]
