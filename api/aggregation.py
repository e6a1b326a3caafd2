"""Bucketed summaries, from the roll-ups where they fit and from raw readings otherwise.

The roll-ups hold Good-only avg, min, max, last and counts per minute and per hour, final
before their watermark (``rollup_state.complete_until``). A request fits them when it asks
for Good values only, does not ask for ``first`` (the roll-ups do not keep it), and its
buckets are whole minutes (or hours) starting on a whole minute (or hour). Then the buckets
before the watermark come from the roll-up (through the cache of final buckets, see
``bucket_cache.py``) and the rest from ``reading``.

A request cuts its buckets at the watermark read last (the cache remembers it) and reads
the current watermark and its tags in the same statement as its raw buckets: one round
trip where it took three. When the watermark has moved (about once a minute, when the
roll-up job runs), the answer is made again at the new one, so no answer is cut at a
stale watermark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from api.bucket_cache import FinalBuckets
from store import queries

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
    tags: dict[int, bytes]  # tag id -> its TagRef as JSON, for the tags that exist


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


@dataclass(frozen=True)
class _Ask:
    tag_ids: list[int]
    window: tuple[dt.datetime, dt.datetime]
    width: dt.timedelta
    keys: tuple[str, ...]


async def summarize(
    conn: AsyncConnection, tag_ids: list[int], window: tuple[dt.datetime, dt.datetime],
    width: dt.timedelta, good_only: bool, functions: set[str], cache: FinalBuckets,
) -> Summary:  # fmt: skip
    """Each tag's buckets as JSON parts: time, the functions (count: count_good, count_all);
    and the tags' references (ids that are no tag have none: the caller says so)."""
    ask = _Ask(tag_ids, window, width, bucket_keys(functions))
    level = rollup_level(window[0], width, good_only, functions)
    if level is None:
        query = queries.raw_aggregates(None, tag_ids, window, width, good_only, ask.keys)
        _, rows = queries.watermark_and_rows(await queries.fetch(conn, query))
        return _summary(_collected(tag_ids, []), rows, ["raw"])
    if level not in cache.watermarks:
        cache.watermarks[level] = await queries.rollup_watermark(conn, level)
    assumed = cache.watermarks[level]
    summary, seen = await _rollup_and_raw(conn, level, assumed, ask, cache)
    if seen != assumed:
        # The roll-up job moved on since the watermark this answer was cut at (it does so
        # about once a minute): answer again, cut at the new one.
        summary, seen = await _rollup_and_raw(conn, level, seen, ask, cache)
    cache.watermarks[level] = seen
    return summary


async def _rollup_and_raw(
    conn: AsyncConnection, level: str, state: tuple[dt.datetime, dt.datetime] | None,
    ask: _Ask, cache: FinalBuckets,
) -> tuple[Summary, tuple[dt.datetime, dt.datetime] | None]:  # fmt: skip
    """Final buckets before the split (cached) and raw ones after it, split at ``state``'s
    watermark; and the watermark as read with the raw buckets, which tells the caller
    whether ``state`` still held."""
    start, end = ask.window
    split = start if state is None else split_point(ask.window, ask.width, state[0])
    final = _collected(ask.tag_ids, [])
    if split > start:
        final = await _final(conn, level, state, split, ask, cache)
    query = queries.raw_aggregates(level, ask.tag_ids, (split, end), ask.width, True, ask.keys)
    seen, rows = queries.watermark_and_rows(await queries.fetch(conn, query))
    sources = [f"rollup_{level}"] * (split > start) + ["raw"] * (split < end)
    return _summary(final, rows, sources), seen


async def _final(
    conn: AsyncConnection, level: str, state: tuple[dt.datetime, dt.datetime],
    split: dt.datetime, ask: _Ask, cache: FinalBuckets,
) -> dict[int, list[bytes]]:  # fmt: skip
    """Roll-up buckets before ``split``: final while the roll-up state is ``state``."""
    key = (level, tuple(ask.tag_ids), ask.window[0], split, ask.width, ask.keys, state[1])
    final = cache.get(key)
    if final is None:
        window = (ask.window[0], split)
        query = queries.rollup_aggregates(level, ask.tag_ids, window, ask.width, ask.keys)
        final = _collected(ask.tag_ids, await queries.fetch(conn, query))
        cache.put(key, final)
    return final


def _summary(
    final: dict[int, list[bytes]], rows: list[dict[str, Any]], sources: list[str]
) -> Summary:
    """The final buckets followed by each tag's raw ones (the rows of raw_aggregates)."""
    parts = {tag_id: list(arrays) for tag_id, arrays in final.items()}
    _collect(parts, [row for row in rows if row["buckets"] is not None])
    tags = {row["tag_id"]: row["tag"] for row in rows}
    return Summary(buckets=parts, sources=sources, tags=tags)


def bucket_keys(functions: set[str]) -> tuple[str, ...]:
    """The keys of a bucket: time, the functions in their order, count as two counts."""
    keys = tuple(f for f in FUNCTIONS if f in functions and f != "count")
    return ("time", *keys, *(("count_good", "count_all") if "count" in functions else ()))


def _collected(tag_ids: list[int], rows: list[dict[str, Any]]) -> dict[int, list[bytes]]:
    parts: dict[int, list[bytes]] = {tag_id: [] for tag_id in tag_ids}
    _collect(parts, rows)
    return parts


def _collect(parts: dict[int, list[bytes]], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        parts[row["tag_id"]].append(row["buckets"])
