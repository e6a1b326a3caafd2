"""Tags: search and filters, one tag, and one tag's raw readings with cursor pagination."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import Conn, Settings, Window
from api.errors import ERROR_RESPONSES, InvalidRequest, NotFound
from api.paging import read_page
from api.responses import json_response, pick
from api.schemas import Reading, Tag, TagId, reading_dict
from store import queries

router = APIRouter(tags=["tags"], responses=ERROR_RESPONSES)


class Readings(BaseModel):
    tag: Tag
    start: dt.datetime
    end: dt.datetime
    readings: list[Reading]
    truncated: bool
    next_cursor: str | None


@router.get("/tags", response_model=list[Tag])
async def list_tags(
    conn: Conn,
    q: Annotated[str | None, Query(description="Text in name, path, key or description")] = None,
    stage: str | None = None,
    equipment: str | None = None,
    unit: Annotated[str | None, Query(description="Engineering unit, e.g. °C")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Tag]:
    """Recorded tags with unit, range and data type; search text and filters combine."""
    filters = {"q": q, "stage": stage, "equipment": equipment, "unit": unit}
    rows = await queries.list_tags(conn, filters, limit, offset)
    return [Tag(**row) for row in rows]


async def _tag(conn: Conn, tag_id: TagId) -> dict:
    tag = await queries.find_tag(conn, tag_id)
    if tag is None:
        raise NotFound(f"no tag with id {tag_id}", {"tag_id": tag_id})
    return tag


@router.get("/tags/{tag_id}", response_model=Tag)
async def get_tag(conn: Conn, tag_id: TagId) -> Tag:
    """One tag by id."""
    return Tag(**await _tag(conn, tag_id))


@router.get("/tags/{tag_id}/readings", response_model=Readings)
async def tag_readings(
    conn: Conn,
    settings: Settings,
    tag_id: TagId,
    window: Window,
    limit: Annotated[int | None, Query(ge=1, description="Page size; default the maximum")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    """Raw readings of one tag in [start, end), oldest first, a page at a time."""
    limit = limit or settings.max_readings_per_request
    if limit > settings.max_readings_per_request:
        raise InvalidRequest(f"limit is at most {settings.max_readings_per_request}")
    tag = await _tag(conn, tag_id)
    page = await read_page(conn, [tag], (window.start, window.end), limit, cursor)
    body = {
        "tag": pick(tag, Tag),
        "start": window.start,
        "end": window.end,
        "readings": [reading_dict(row, tag) for _, row in page.rows],
        "truncated": page.next_cursor is not None,
        "next_cursor": page.next_cursor,
    }
    return json_response(body)
