"""Events: OPC UA events and equipment state changes, with severity, a page at a time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import Conn, Window
from api.errors import ERROR_RESPONSES
from api.params import decode_cursor, encode_cursor
from store import queries

router = APIRouter(tags=["events"], responses=ERROR_RESPONSES)


class Event(BaseModel):
    time: dt.datetime
    endpoint: str
    source: str
    event_type: str
    severity: int
    message: str | None
    attributes: dict[str, Any]


class Events(BaseModel):
    events: list[Event]
    next_cursor: str | None


@router.get("/events", response_model=Events)
async def events(
    conn: Conn,
    window: Window,
    source: str | None = None,
    event_type: str | None = None,
    endpoint: str | None = None,
    min_severity: Annotated[int, Query(ge=0, le=1000)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Events:
    """Events in [start, end), oldest first, filtered by source, type, endpoint, severity."""
    after = None if cursor is None else decode_cursor(cursor, ("time", "source", "type"))
    filters = {"source": source, "event_type": event_type, "endpoint": endpoint,
               "min_severity": min_severity}  # fmt: skip
    rows = await queries.events(conn, (window.start, window.end), filters, after, limit + 1)
    page = [Event(**row) for row in rows[:limit]]
    token = None
    if len(rows) > limit:
        last = page[-1]
        token = encode_cursor({"time": last.time, "source": last.source, "type": last.event_type})
    return Events(events=page, next_cursor=token)
