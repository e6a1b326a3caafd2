"""Readings of several tags: raw pages, and the latest value of each tag with staleness."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ingest.api import repository
from ingest.api.deps import Conn, Settings, Tags, Window
from ingest.api.errors import ERROR_RESPONSES, InvalidRequest, NotFound
from ingest.api.paging import read_page
from ingest.api.params import status_name
from ingest.api.schemas import Reading, Status, TagId, TagRef, reading_from_row

router = APIRouter(tags=["readings"], responses=ERROR_RESPONSES)


class ReadingPage(BaseModel):
    start: dt.datetime
    end: dt.datetime
    tags: list[TagRef]
    readings: list[Reading] = Field(description="Ordered by tag (as requested), then time")
    next_cursor: str | None


class LatestValue(BaseModel):
    tag_id: int
    tag_key: str
    name: str
    unit: str | None
    time: dt.datetime | None
    value: float | None
    value_text: str | None
    status_code: int | None
    status: Status | None
    age_s: float | None = Field(description="Seconds since the reading, None when none")
    expected_interval_s: float | None
    stale: bool = Field(description="No reading, or older than stale_factor × expected rate")


@router.get("/readings", response_model=ReadingPage)
async def readings(
    conn: Conn,
    settings: Settings,
    tags: Tags,
    window: Window,
    limit: Annotated[int, Query(ge=1, description="Page size")] = 1000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> ReadingPage:
    """Raw readings of several tags in [start, end), a page at a time."""
    if limit > settings.max_readings_per_request:
        raise InvalidRequest(f"limit is at most {settings.max_readings_per_request}")
    page = await read_page(conn, tags, (window.start, window.end), limit, cursor)
    return ReadingPage(
        start=window.start,
        end=window.end,
        tags=[TagRef(**tag) for tag in tags],
        readings=[reading_from_row(row, tag) for tag, row in page.rows],
        next_cursor=page.next_cursor,
    )


def _latest(row: dict, stale_factor: float) -> LatestValue:
    age = None if row["time"] is None else (row["now"] - row["time"]).total_seconds()
    expected = row["expected_interval_s"]
    stale = age is None or (expected is not None and age > stale_factor * expected)
    status = None if row["status_code"] is None else status_name(row["status_code"])
    return LatestValue(**row, status=status, age_s=age, stale=stale)


@router.get("/latest", response_model=list[LatestValue])
async def latest(
    conn: Conn,
    settings: Settings,
    tag_id: Annotated[list[TagId] | None, Query(description="Tags; all (filtered) if none")] = None,
    stage: str | None = None,
    equipment: str | None = None,
) -> list[LatestValue]:
    """The newest reading of each tag with its status, age and staleness."""
    if tag_id is not None and len(tag_id) > settings.max_latest_tags:
        raise InvalidRequest(f"at most {settings.max_latest_tags} tags per request")
    rows = await repository.latest(
        conn,
        tag_id,
        {"stage": stage, "equipment": equipment},
        dt.timedelta(days=settings.latest_lookback_days),
        settings.max_latest_tags,
    )
    missing = sorted(set(tag_id or []) - {row["tag_id"] for row in rows})
    if missing:
        raise NotFound(f"no tag with id {', '.join(map(str, missing))}", {"tag_id": missing})
    return [_latest(row, settings.stale_factor) for row in rows]
