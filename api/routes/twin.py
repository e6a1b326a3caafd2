"""The twin on the API: predict, compare and sweep what-ifs, and store a forecast.

Each request is planned once (``twin_jobs.plan``, the twin's own assembly of what-ifs and
overrides); that plan is checked against the limits (samples, horizon, grid points,
sample-days: see ``ApiSettings.twin_*``) and is what runs, queued for a few worker processes
(``TwinRunner``). A bad input is a 422 before any work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from api import twin_jobs
from api.deps import Settings, borrow
from api.errors import BODY_RESPONSES, BUSY_RESPONSES, ERROR_RESPONSES, InvalidRequest
from api.twin_limits import compare_size, predict_size, sweep_size
from api.twin_runner import TwinRunner
from api.twin_schemas import (
    CompareRequest,
    Comparison,
    ForecastRequest,
    Prediction,
    PredictRequest,
    StoredForecast,
    SweepRequest,
    SweepResult,
)
from store.predictions import PredictionRow, insert_predictions_async
from twin import Plan, TwinError

router = APIRouter(
    prefix="/twin",
    tags=["twin"],
    responses={
        **BODY_RESPONSES,
        422: ERROR_RESPONSES[422],
        503: ERROR_RESPONSES[503],
        **BUSY_RESPONSES,
    },
)


async def _runner(request: Request) -> TwinRunner:
    return request.app.state.twin


Runner = Annotated[TwinRunner, Depends(_runner)]


@contextmanager
def _refused() -> Iterator[None]:
    """Inputs the twin refuses (TwinError) as a 422."""
    try:
        yield
    except TwinError as exc:
        raise InvalidRequest(str(exc)) from exc


def _plan(body: PredictRequest | CompareRequest, routes: list[str]) -> Plan:
    with _refused():
        return twin_jobs.plan(body, routes)


async def _run(runner: TwinRunner, job: Any, *args: Any) -> dict[str, Any]:
    with _refused():
        return await runner.run(job, *args)


@router.post("/predict", response_model=Prediction)
async def predict(body: PredictRequest, settings: Settings, runner: Runner) -> dict[str, Any]:
    """One route's throughput, lead time, quality and cost as P10/P50/P90, with any input
    overridden (e.g. ``{"route": "tolled", "what_if": {"shipping_delay_days": 10}}``)."""
    p = _plan(body, [body.route])
    samples = predict_size(body, p, settings)
    return await _run(runner, twin_jobs.predict, p, body.seed, samples)


@router.post("/compare", response_model=Comparison)
async def compare(body: CompareRequest, settings: Settings, runner: Runner) -> dict[str, Any]:
    """Both routes under the same inputs, side by side, with a tornado of the inputs that
    drive the difference in ``metric`` most."""
    p = _plan(body, ["domestic", "tolled"])
    samples, replications = compare_size(body, p, settings)
    return await _run(runner, twin_jobs.compare, p, body.seed, samples, body.metric, replications)


@router.post("/sweep", response_model=SweepResult)
async def sweep(body: SweepRequest, settings: Settings, runner: Runner) -> dict[str, Any]:
    """One prediction per combination of the grid's values (parameters or scenario fields),
    e.g. ``{"grid": {"sinter_temp_c": [1040, 1060, 1080]}}``; the grid's size is bounded."""
    p = _plan(body, [body.route])
    with _refused():
        grid = p.checked_grid(body.grid)
    samples = sweep_size(body, p, grid, settings)
    return await _run(runner, twin_jobs.sweep, p, grid, body.seed, samples)


@router.post("/forecasts", response_model=StoredForecast, status_code=201)
async def store_forecast(
    body: ForecastRequest, request: Request, settings: Settings, runner: Runner
) -> StoredForecast:
    """Run a prediction and store it (origin ``api``) with its inputs, one row per metric."""
    p = _plan(body, [body.route])
    samples = predict_size(body, p, settings)
    prediction = await _run(runner, twin_jobs.predict, p, body.seed, samples)
    now = dt.datetime.now(dt.UTC)
    inputs = {**body.model_dump(mode="json"), "samples": samples}
    # The connection is borrowed only now, not for the whole run.
    async with borrow(request.app.state.pool) as conn:
        stored = await insert_predictions_async(
            conn, _prediction_rows(now, body.scenario, prediction, inputs)
        )
    return StoredForecast(time=now, scenario=body.scenario, metrics_stored=stored,
                          prediction=Prediction.model_validate(prediction))  # fmt: skip


def _prediction_rows(
    time: dt.datetime, scenario: str, prediction: dict[str, Any], inputs: dict[str, Any]
) -> list[PredictionRow]:
    """One row per metric of a prediction (``SimulationResult.to_dict()``)."""
    horizon = prediction["scenario"]["horizon_days"]
    return [
        PredictionRow(time, scenario, prediction["route"], horizon, metric, q["unit"], q["p10"],
                      q["p50"], q["p90"], q, prediction["model_version"], inputs)
        for metric, q in prediction["metrics"].items()
    ]  # fmt: skip
