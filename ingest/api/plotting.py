"""Plot values: per pixel interval the first, last, min and max points and the first Bad one.

So a week of 1 Hz data draws from a few thousand points without losing a spike or a
dropout. Points are returned once each (a point that is both first and min appears once),
in time order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["plot_points"]

_ROLES = ("first", "last", "min", "max", "bad")


def plot_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct (time, value, status_code) points of every interval summary in ``rows``."""
    points: dict[dt.datetime, dict[str, Any]] = {}
    for row in rows:
        for role in _ROLES:
            time = row[f"{role}_time"]
            if time is None or time in points:
                continue
            value = None if role == "bad" else row[f"{role}_value"]
            points[time] = {"time": time, "value": value, "status_code": row[f"{role}_status"]}
    return [points[t] for t in sorted(points)]
