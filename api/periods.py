"""Plant days and shifts as UTC intervals, from the plant's time zone (DST-correct)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

__all__ = ["periods"]


def _local_starts(kind: str, shifts: list[dt.time]) -> list[dt.time]:
    return [dt.time(0)] if kind == "day" else shifts


def periods(
    start: dt.datetime, end: dt.datetime, kind: str, zone: ZoneInfo, shifts: list[dt.time]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The days (local midnight to midnight) or shifts that overlap ``[start, end)``, in UTC.

    The first and last period are whole: a period is never cut at the request's bounds.
    """
    bounds: list[dt.datetime] = []
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    while True:
        for at in _local_starts(kind, shifts):
            bounds.append(dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC))
        if bounds[-1] >= end:
            break
        day += dt.timedelta(days=1)
    pairs = itertools.pairwise(bounds)
    return [(a, b) for a, b in pairs if b > start and a < end]
