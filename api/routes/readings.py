"""Readings of several tags: raw pages, and the latest value of each tag with staleness."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import Conn, Settings, Tags, Window, borrow
from api.errors import ERROR_RESPONSES, InvalidRequest, NotFound
from api.paging import read_page
from api.responses import json_array, json_response, pick
from api.schemas import Reading, Status, TagId, TagRef, reading_dict
from store import queries

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
    future_time: bool = Field(
        description="The reading's source time was ahead of its receipt by more than the"
        " recorder's tolerance (a plant clock ahead): kept as sent, never counted fresh"
    )
    received_at: dt.datetime | None = Field(
        description="When the recorder last received this tag with a trusted time"
    )
    age_s: float | None = Field(
        description="Seconds since received_at (since the reading's time when the tag was"
        " never received live); None without a reading"
    )
    expected_interval_s: float | None
    stale: bool = Field(
        description="No reading, a future_time reading, or received longer ago than"
        " stale_factor × expected_interval_s"
    )


@router.get("/readings", response_model=ReadingPage)
async def readings(
    conn: Conn,
    settings: Settings,
    tags: Tags,
    window: Window,
    limit: Annotated[int, Query(ge=1, description="Page size")] = 1000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    """Raw readings of several tags in [start, end), a page at a time."""
    if limit > settings.max_readings_per_request:
        raise InvalidRequest(f"limit is at most {settings.max_readings_per_request}")
    page = await read_page(conn, tags, (window.start, window.end), limit, cursor)
    body = {
        "start": window.start,
        "end": window.end,
        "tags": [pick(tag, TagRef) for tag in tags],
        "readings": [reading_dict(row, tag) for tag, row in page.rows],
        "next_cursor": page.next_cursor,
    }
    return json_response(body)


def _wanted(row: dict[str, Any], ids: set[int] | None, stage: str | None, eq: str | None) -> bool:
    return (
        (ids is None or row["tag_id"] in ids)
        and (stage is None or row["stage"] == stage)
        and (eq is None or row["equipment"] == eq)
    )


async def _latest_rows(
    request: Request, settings: Settings, ids: list[int] | None,
    filters: dict[str, str | None],
) -> list[dict[str, Any]]:  # fmt: skip
    """From the snapshot when it holds every asked tag, else straight from the database."""
    if settings.latest_cache_s > 0:
        rows = await request.app.state.latest.rows()
        wanted = None if ids is None else set(ids)
        chosen = [r for r in rows if _wanted(r, wanted, filters["stage"], filters["equipment"])]
        if wanted is None or len(chosen) == len(wanted):
            return chosen
    lookback = dt.timedelta(days=settings.latest_lookback_days)
    async with borrow(request.app.state.pool) as conn:
        return await queries.latest(
            conn, ids, filters, lookback, settings.max_latest_tags, settings.stale_factor
        )


@router.get("/latest", response_model=list[LatestValue])
async def latest(
    request: Request,
    settings: Settings,
    tag_id: Annotated[list[TagId] | None, Query(description="Tags; all (filtered) if none")] = None,
    stage: str | None = None,
    equipment: str | None = None,
) -> Response:
    """The newest reading of each tag with its status, age and staleness.

    Served from a snapshot at most `latest_cache_s` old (1 s by default; 0 reads the
    database each time); ages and staleness are as of that snapshot.
    """
    if tag_id is not None and len(tag_id) > settings.max_latest_tags:
        raise InvalidRequest(f"at most {settings.max_latest_tags} tags per request")
    filters = {"stage": stage, "equipment": equipment}
    if settings.latest_cache_s > 0 and tag_id is None and stage is None and equipment is None:
        body = await request.app.state.latest.body()
        return Response(body, media_type="application/json")
    rows = await _latest_rows(request, settings, tag_id, filters)
    missing = sorted(set(tag_id or []) - {row["tag_id"] for row in rows})
    if missing:
        raise NotFound(f"no tag with id {', '.join(map(str, missing))}", {"tag_id": missing})
    return Response(json_array([row["json"] for row in rows]), media_type="application/json")
