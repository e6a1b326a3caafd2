"""Cursor pagination of raw readings over one or several tags, ordered by tag then time.

The cursor names the last row returned (tag id and time); the next page starts after it.
Each tag is read with its own bounded index range scan, so a page costs at most ``limit``
rows plus one query per tag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from api.errors import InvalidRequest
from api.params import decode_cursor, encode_cursor
from store import queries

__all__ = ["Page", "read_page"]


@dataclass(frozen=True)
class Page:
    rows: list[tuple[dict[str, Any], dict[str, Any]]]  # (tag, reading row)
    next_cursor: str | None


def _resume(tags: list[dict[str, Any]], cursor: str | None) -> tuple[int, dt.datetime | None]:
    if cursor is None:
        return 0, None
    after = decode_cursor(cursor, ("tag_id", "time"))
    ids = [tag["tag_id"] for tag in tags]
    if after["tag_id"] not in ids:
        raise InvalidRequest("the cursor belongs to another request", {"cursor": cursor})
    return ids.index(after["tag_id"]), after["time"]


async def read_page(
    conn: AsyncConnection, tags: list[dict[str, Any]], window: tuple[dt.datetime, dt.datetime],
    limit: int, cursor: str | None,
) -> Page:  # fmt: skip
    """Up to ``limit`` readings after ``cursor``, and the cursor of the next page (or None)."""
    first, after = _resume(tags, cursor)
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index in range(first, len(tags)):
        tag, room = tags[index], limit - len(rows)
        found = await queries.readings(
            conn, tag["tag_id"], window, room + 1, after if index == first else None
        )
        rows += [(tag, row) for row in found[:room]]
        if len(found) > room or (len(rows) == limit and index + 1 < len(tags)):
            last_tag, last_row = rows[-1]
            token = encode_cursor({"tag_id": last_tag["tag_id"], "time": last_row["time"]})
            return Page(rows, token)
    return Page(rows, None)
