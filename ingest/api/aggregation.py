"""Bucketed summaries, from the roll-ups where they fit and from raw readings otherwise.

The roll-ups hold Good-only avg, min, max, last and counts per minute and per hour, final
before their watermark (``rollup_state.complete_until``). A request fits them when it asks
for Good values only, does not ask for ``first`` (the roll-ups do not keep it), and its
buckets are whole minutes (or hours) starting on a whole minute (or hour). Then the buckets
before the watermark come from the roll-up (through the cache of final buckets, see
``bucket_cache.py``) and the rest from ``reading``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from ingest.api import repository
from ingest.api.bucket_cache import FinalBuckets

__all__ = ["FUNCTIONS", "Summary", "bucket_keys", "summarize"]

FUNCTIONS = ("avg", "min", "max", "first", "last", "count")
_LEVELS = (("1h", dt.timedelta(hours=1)), ("1m", dt.timedelta(minutes=1)))
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Summary:
    # tag id -> its buckets as parts of a JSON array's inside (comma-joined objects, no
    # brackets), in time order: the route writes them out with one join
    buckets: dict[int, list[bytes]]
    sources: list[str]  # "rollup_1h", "rollup_1m", "raw", in time order


def _fits(start: dt.datetime, width: dt.timedelta, level_width: dt.timedelta) -> bool:
    zero = dt.timedelta(0)
    return width % level_width == zero and (start - _EPOCH) % level_width == zero


def rollup_level(
    start: dt.datetime, width: dt.timedelta, good_only: bool, functions: set[str]
) -> str | None:
    """The coarsest roll-up level whose buckets tile these buckets, or None."""
    if not good_only or "first" in functions:
        return None
    return next((name for name, lw in _LEVELS if _fits(start, width, lw)), None)


def split_point(
    window: tuple[dt.datetime, dt.datetime], width: dt.timedelta, watermark: dt.datetime | None
) -> dt.datetime:
    """The last bucket boundary at or before both the watermark and the end."""
    start, end = window
    if watermark is None or watermark <= start:
        return start
    whole = (min(watermark, end) - start) // width
    return start + whole * width


async def summarize(
    conn: AsyncConnection, tag_ids: list[int], window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta, good_only: bool, functions: set[str], cache: FinalBuckets,
) -> Summary:  # fmt: skip
    """Each tag's buckets as JSON parts: time, the functions (count: count_good, count_all)."""
    keys = bucket_keys(functions)
    level = rollup_level(window[0], width, good_only, functions)
    split = window[0]
    parts: dict[int, list[bytes]] = {tag_id: [] for tag_id in tag_ids}
    sources: list[str] = []
    state = None if level is None else await repository.rollup_watermark(conn, level)
    if state is not None:
        split = split_point(window, width, state[0])
    if split > window[0]:
        key = (level, tuple(tag_ids), window[0], split, width, keys, state[1])
        final = cache.get(key)
        if final is None:
            rows = await repository.rollup_aggregates(
                conn, level, tag_ids, (window[0], split), width, keys
            )
            final = {tag_id: [] for tag_id in tag_ids}
            _collect(final, rows)
            cache.put(key, final)
        for tag_id, arrays in final.items():
            parts[tag_id] += arrays
        sources.append(f"rollup_{level}")
    if split < window[1]:
        rows = await repository.raw_aggregates(
            conn, tag_ids, (split, window[1]), width, good_only, keys
        )
        _collect(parts, rows)
        sources.append("raw")
    return Summary(buckets=parts, sources=sources)


def bucket_keys(functions: set[str]) -> tuple[str, ...]:
    """The keys of a bucket: time, the functions in their order, count as two counts."""
    keys = tuple(f for f in FUNCTIONS if f in functions and f != "count")
    return ("time", *keys, *(("count_good", "count_all") if "count" in functions else ()))


def _collect(parts: dict[int, list[bytes]], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        parts[row["tag_id"]].append(row["buckets"])
