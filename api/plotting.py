"""Plot values: per pixel interval the first, last, min and max points and the first Bad one.

So a week of 1 Hz data draws from a few thousand points without losing a spike or a
dropout. Points are returned once each (a point that is both first and min appears once),
in time order. Bad readings keep the value the server sent, but a plot never draws it:
min, max, first and last are of Good and Uncertain values, and the first Bad reading of an
interval is a point without a value (the raw readings route has its value).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.params import BAD

__all__ = ["chosen_times", "plot_points"]

_ROLES = ("first", "last", "min", "max", "bad")


def chosen_times(rows: list[dict[str, Any]]) -> list[dt.datetime]:
    """Every distinct point time named by the interval summaries."""
    times = {row[f"{role}_time"] for row in rows for role in _ROLES}
    times.discard(None)
    return sorted(times)


def plot_points(
    rows: list[dict[str, Any]], statuses: dict[dt.datetime, int]
) -> list[dict[str, Any]]:
    """Distinct (time, value, status_code) points of the interval summaries, in time order."""
    points: dict[dt.datetime, dict[str, Any]] = {}
    for row in rows:
        for role in _ROLES:
            time = row[f"{role}_time"]
            if time is None or time in points or time not in statuses:
                continue
            if role == "bad" and statuses[time] < BAD:
                continue
            value = None if role == "bad" else row[f"{role}_value"]
            points[time] = {"time": time, "value": value, "status_code": statuses[time]}
    return [points[t] for t in sorted(points)]
