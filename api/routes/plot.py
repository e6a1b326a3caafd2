"""Plot values: a chart's worth of points that keeps every spike and dropout."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.deps import Conn, Tags, Window
from api.errors import ERROR_RESPONSES, InvalidRequest
from api.params import status_name
from api.plotting import chosen_times, plot_points
from api.responses import json_response, pick
from api.schemas import Status, TagRef
from store import queries

router = APIRouter(tags=["plot"], responses=ERROR_RESPONSES)

_MAX_INTERVALS = 10_000


class PlotPoint(BaseModel):
    time: dt.datetime
    value: float | None
    status_code: int
    status: Status


class PlotSeries(BaseModel):
    tag: TagRef
    points: list[PlotPoint] = Field(description="first, last, min, max, first Bad; time order")


class Plot(BaseModel):
    start: dt.datetime
    end: dt.datetime
    intervals: int
    interval_s: float
    series: list[PlotSeries]


@router.get("/plot", response_model=Plot)
async def plot(
    conn: Conn,
    tags: Tags,
    window: Window,
    intervals: Annotated[
        int, Query(ge=1, le=_MAX_INTERVALS, description="Pixel columns of the chart")
    ] = 1000,
) -> Response:
    """Per interval the first, last, min, max and first Bad-status point of each tag."""
    width = window.span / intervals
    if width < dt.timedelta(milliseconds=1):
        raise InvalidRequest("intervals shorter than 1 ms; use fewer intervals")
    width = dt.timedelta(microseconds=-(-width // dt.timedelta(microseconds=1)))
    span = (window.start, window.end)
    series = []
    for tag in tags:
        rows = await queries.plot_summary(conn, tag["tag_id"], span, width)
        statuses = await queries.point_statuses(conn, tag["tag_id"], span, chosen_times(rows))
        points = plot_points(rows, statuses)
        for point in points:
            point["status"] = status_name(point["status_code"])
        series.append({"tag": pick(tag, TagRef), "points": points})
    body = {
        "start": window.start,
        "end": window.end,
        "intervals": intervals,
        "interval_s": width.total_seconds(),
        "series": series,
    }
    return json_response(body)
