"""Interpolated values at a fixed interval, aligned across tags (PI's "interpolated")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Conn, Settings, Tags, Window
from api.errors import ERROR_RESPONSES, InvalidRequest
from api.interpolation import interpolate, is_discrete
from api.params import parse_duration, status_name
from api.schemas import Status, TagRef
from store import queries

router = APIRouter(tags=["interpolated"], responses=ERROR_RESPONSES)


class InterpolatedSeries(BaseModel):
    tag: TagRef
    method: Literal["linear", "step"]
    values: list[float | None] = Field(description="One per time; None where Bad or no data")
    texts: list[str | None] = Field(description="String values of step tags, one per time")
    status_codes: list[int]
    statuses: list[Status]


class Interpolated(BaseModel):
    start: dt.datetime
    end: dt.datetime
    interval_s: float
    times: list[dt.datetime] = Field(description="start, start + interval, ... before end")
    series: list[InterpolatedSeries]


@router.get("/interpolated", response_model=Interpolated)
async def interpolated(
    conn: Conn,
    settings: Settings,
    tags: Tags,
    window: Window,
    interval: Annotated[str, Query(description="Spacing: 1s, 1m, 15min, 1h, 1d or PT1M")],
) -> Interpolated:
    """Each tag's value at start + k·interval: linear for analog tags, step for discrete."""
    step = parse_duration(interval, "interval")
    points = -(-window.span // step) * len(tags)
    if points > settings.max_points_per_request:
        raise InvalidRequest(
            f"{points} points; at most {settings.max_points_per_request} per request"
        )
    hold = dt.timedelta(days=settings.hold_days)
    grid = (window.start, window.end, step)
    times: list[dt.datetime] = []
    series = []
    for tag in tags:
        rows = await queries.interpolation_rows(conn, tag["tag_id"], grid, hold)
        times = [row["t"] for row in rows]
        discrete = is_discrete(tag)
        values, texts, codes = interpolate(rows, discrete)
        series.append(
            InterpolatedSeries(
                tag=TagRef(**tag),
                method="step" if discrete else "linear",
                values=values,
                texts=texts,
                status_codes=codes,
                statuses=[status_name(code) for code in codes],
            )
        )
    return Interpolated(
        start=window.start, end=window.end, interval_s=step.total_seconds(), times=times,
        series=series,
    )  # fmt: skip
