"""The latest scheduled forecast of each route, as the forecast job stored it."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import Conn
from api.errors import ERROR_RESPONSES, NotFound
from api.twin_schemas import ForecastMetric, ScheduledForecast
from store.predictions import latest_scheduled

router = APIRouter(prefix="/twin", tags=["twin"], responses=ERROR_RESPONSES)

_HEAD = ("route", "time", "scenario", "horizon_days", "model_version", "inputs")


def _forecasts(rows: list[dict[str, Any]]) -> list[ScheduledForecast]:
    grouped = itertools.groupby(rows, key=lambda row: tuple(row[k] for k in _HEAD[:3]))
    forecasts = []
    for _, group in grouped:
        metrics = list(group)
        head = {k: metrics[0][k] for k in _HEAD}
        forecasts.append(ScheduledForecast(
            **head, metrics=[ForecastMetric.model_validate(m) for m in metrics]
        ))  # fmt: skip
    return forecasts


@router.get("/forecasts/latest", response_model=list[ScheduledForecast])
async def latest_forecast(
    conn: Conn,
    route: Annotated[
        Literal["domestic", "tolled"] | None, Query(description="Only this route")
    ] = None,
) -> list[ScheduledForecast]:
    """Each route's newest scheduled forecast (origin ``schedule``): every metric of that
    time with P10/P50/P90 and unit, the model version and the inputs it ran with."""
    forecasts = _forecasts(await latest_scheduled(conn, route))
    if not forecasts:
        raise NotFound("no scheduled forecast is stored" + (f" for {route}" if route else ""))
    return forecasts
