"""Tags and their readings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from ingest.api import repository
from ingest.api.deps import Conn, Settings
from ingest.api.errors import ErrorBody, InvalidRequest, NotFound

router = APIRouter(tags=["tags"])


class Tag(BaseModel):
    tag_id: int
    tag_key: str
    endpoint: str
    node_id: str
    browse_path: str
    stage: str | None
    equipment: str | None
    name: str
    unit: str | None
    unit_id: int | None
    eu_low: float | None
    eu_high: float | None
    data_type: str
    description: str | None


class Reading(BaseModel):
    time: dt.datetime
    value: float | None
    value_text: str | None
    status_code: int
    server_time: dt.datetime | None
    time_source: int


class Readings(BaseModel):
    tag: Tag
    start: dt.datetime
    end: dt.datetime
    readings: list[Reading]
    truncated: bool


@router.get("/tags", response_model=list[Tag])
async def list_tags(
    conn: Conn,
    stage: str | None = None,
    equipment: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Tag]:
    """Recorded tags with unit, range and data type, optionally of one stage or equipment."""
    rows = await repository.list_tags(conn, stage, equipment, limit, offset)
    return [Tag(**row) for row in rows]


@router.get(
    "/tags/{tag_id}/readings",
    response_model=Readings,
    responses={404: {"model": ErrorBody}},
)
async def tag_readings(
    conn: Conn,
    settings: Settings,
    tag_id: int,
    start: AwareDatetime,
    end: AwareDatetime,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Readings:
    """Raw readings of one tag in [start, end), oldest first, with their status codes."""
    limit = limit or settings.max_readings_per_request
    if limit > settings.max_readings_per_request:
        raise InvalidRequest(f"limit is at most {settings.max_readings_per_request}")
    if end <= start:
        raise InvalidRequest("end must be after start")
    if end - start > dt.timedelta(days=settings.max_range_days):
        raise InvalidRequest(f"the range is at most {settings.max_range_days:g} days")
    tag = await repository.find_tag(conn, tag_id)
    if tag is None:
        raise NotFound(f"no tag with id {tag_id}")
    rows = await repository.readings(conn, tag_id, start, end, limit + 1)
    return Readings(
        tag=Tag(**tag),
        start=start,
        end=end,
        readings=[Reading(**row) for row in rows[:limit]],
        truncated=len(rows) > limit,
    )
