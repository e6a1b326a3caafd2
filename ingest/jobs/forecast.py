"""The scheduled forecast: the twin calibrated on the recorded line, its forecast, stored.

Every ``forecast.interval_s`` the job reads the last ``window_days`` the historian holds as
the twin's recorded line (:func:`ingest.recorded_line.historian_line`), calibrates the twin
to it and stores, in one transaction with origin ``schedule``:

- scenario ``calibrated-line``: the line's good magnets per day, Br, Hcj and grade share
  over ``horizon_days`` (:func:`twin.calibration.forecast`);
- scenario ``plan``, both routes: every metric of :func:`twin.simulate` for the planning
  scenario, the domestic route with the line's calibrated quality entries and the tolled
  route as it is, so the routes are compared at the quality this line really makes.

The work (1–3 s of CPU) runs in a worker thread so recording never waits for it; too
little data is a logged note, any other failure is logged and counted, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from ingest.recorded_line import historian_line, historian_span
from ingest.settings import ForecastSettings, IngestSettings
from store.errors import LineExportError
from store.predictions import PredictionRow, insert_predictions
from twin import MODEL_VERSION, Scenario, route_parameter_set, simulate
from twin.calibration import (
    Calibration,
    CalibrationDataError,
    Forecast,
    LineData,
    calibrate,
    forecast,
)
from twin.calibration.mapping import apply_tag_map
from twin.calibration.tag_map import get_tag_map

__all__ = [
    "PLAN_ROUTES",
    "QUALITY_PARAMETERS",
    "ForecastCounters",
    "forecast_once",
    "forecast_rows",
    "run_forecast_job",
]

logger = logging.getLogger(__name__)

PLAN_ROUTES = ("domestic", "tolled")
#: Calibrated entries that describe the magnets' quality, not the line's capacity: these
#: carry over to the domestic planning set (its capacities are the planned plant's own).
QUALITY_PARAMETERS = (
    "particle_size_um",
    "oxygen_base_ppm",
    "align_field_t",
    "sinter_temp_c",
    "sinter_time_h",
    "furnace_temp_sd_c",
    "magnetizer_field_t",
    "nonmagnetic_base",
    "br_cv",
    "alpha_ref",
    "hcj_cv",
    "remagnetized_share",
)


@dataclass
class ForecastCounters:
    """Outcomes of the job's runs, read by the metrics endpoint."""

    stored: int = 0
    skipped: int = 0
    failed: int = 0
    rows_written: int = 0


async def run_forecast_job(
    dsn: str, settings: IngestSettings, counters: ForecastCounters, stop: asyncio.Event
) -> None:
    """Every ``forecast.interval_s`` until ``stop``: one forecast run."""
    job = settings.forecast
    if not job.enabled:
        return
    single = settings.endpoint[0].label if len(settings.endpoint) == 1 else None
    endpoint = job.endpoint or single
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), job.interval_s)
            return
        await forecast_once(dsn, job, endpoint, counters)


async def forecast_once(
    dsn: str, job: ForecastSettings, endpoint: str | None, counters: ForecastCounters
) -> int:
    """Calibrate, forecast and store in a worker thread; returns the rows stored (0 when
    the run was skipped or failed: logged and counted)."""
    try:
        rows = await asyncio.to_thread(_forecast_and_store, dsn, job, endpoint)
    except (CalibrationDataError, LineExportError) as exc:  # too little data: not a failure
        counters.skipped += 1
        logger.info("scheduled forecast skipped: %s", exc)
        return 0
    except Exception as exc:  # a forecast must never stop the recorder
        return _failed(counters, exc)
    counters.stored += 1
    counters.rows_written += rows
    logger.info("scheduled forecast stored: %d rows", rows)
    return rows


def _failed(counters: ForecastCounters, exc: BaseException) -> int:
    counters.failed += 1
    logger.error("scheduled forecast failed: %s", exc, exc_info=exc)
    return 0


def _forecast_and_store(dsn: str, job: ForecastSettings, endpoint: str | None) -> int:
    now = dt.datetime.now(dt.UTC)
    data = _recent_data(dsn, job, endpoint)
    rows = forecast_rows(data, job, now, np.random.SeedSequence())
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        return insert_predictions(conn, rows)


def _recent_data(dsn: str, job: ForecastSettings, endpoint: str | None) -> LineData:
    """The last ``window_days`` recorded; counted back from the newest reading, not from
    now, because a line's clock (a fast simulator's, a backfill's) need not be ours."""
    first, last = historian_span(dsn, endpoint)
    start = max(first, last - dt.timedelta(days=job.window_days))
    recorded_days = (last - start) / dt.timedelta(days=1)
    if recorded_days < job.min_days:
        raise CalibrationDataError(
            f"{recorded_days:.3f} days recorded; the forecast waits for min_days = {job.min_days}"
        )
    data, _ = apply_tag_map(historian_line(dsn, start, None, endpoint), get_tag_map(job.tag_map))
    return data


def forecast_rows(
    data: LineData, job: ForecastSettings, now: dt.datetime, seed: np.random.SeedSequence
) -> list[PredictionRow]:
    """Every row of one run: the calibrated line's forecast, then both routes' plans."""
    cal = calibrate(data, job.grade)
    line_rng, plan_rng = (np.random.default_rng(s) for s in seed.spawn(2))
    result = forecast(cal, job.horizon_days, line_rng, job.samples)
    inputs = _calibration_inputs(cal, data, job, result, seed)
    rows = _line_rows(now, cal, result, inputs)
    for route in PLAN_ROUTES:
        rows += _plan_rows(now, cal, route, job, plan_rng, inputs["data"])
    return rows


def _calibration_inputs(
    cal: Calibration,
    data: LineData,
    job: ForecastSettings,
    result: Forecast,
    seed: np.random.SeedSequence,
) -> dict[str, Any]:
    return {
        "data": {
            "source": cal.data_source,
            "start": cal.data_start.isoformat(),
            "end": cal.data_end.isoformat(),
            "days": data.days,
        },
        "tag_map": job.tag_map,
        "grade": cal.grade,
        "grade_inferred": cal.grade_inferred,
        "parameter_set": cal.parameters.name,
        "calibrated": {n: _number(cal.parameters[n]["value"]) for n in cal.calibrated_names()},
        "feed_t_per_yr": cal.feed_t_per_yr,
        "n_samples": job.samples,
        "warmup_days": result.warmup_days,
        "seed": str(seed.entropy),
    }


def _line_rows(now, cal: Calibration, result: Forecast, inputs: dict) -> list[PredictionRow]:
    return [
        _row(
            now,
            "calibrated-line",
            cal.parameters.route,
            result.horizon_days,
            metric,
            q,
            cal.model_version,
            inputs,
        )
        for metric, q in result.to_dict()["metrics"].items()
    ]


def _plan_rows(
    now,
    cal: Calibration,
    route: str,
    job: ForecastSettings,
    rng: np.random.Generator,
    data_window: dict,
) -> list[PredictionRow]:
    params = route_parameter_set(route)
    quality = {}
    if route == "domestic":
        calibrated = set(cal.calibrated_names())
        quality = {n: cal.parameters[n] for n in QUALITY_PARAMETERS if n in calibrated}
        params = params.with_entries(quality)
    # both routes are planned against the grade the line sorts to (set, or inferred)
    scenario = Scenario(target_grade=cal.grade)
    result = simulate(params, scenario, rng, job.samples)
    inputs = {
        "parameter_set": params.name,
        "scenario": scenario.to_dict(),
        "n_samples": job.samples,
        "calibrated_quality": {n: _number(e["value"]) for n, e in quality.items()},
        "calibration_data": data_window,
    }
    return [
        _row(now, "plan", route, scenario.horizon_days, metric, q, MODEL_VERSION, inputs)
        for metric, q in result.summary().items()
    ]


def _row(now, scenario, route, horizon_days, metric, q, model_version, inputs) -> PredictionRow:
    quantiles = {k: _number(v) if k.startswith("p") else v for k, v in q.items()}
    return PredictionRow(
        now,
        scenario,
        route,
        float(horizon_days),
        metric,
        q.get("unit"),
        quantiles["p10"],
        quantiles["p50"],
        quantiles["p90"],
        quantiles,
        model_version,
        inputs,
    )


def _number(value) -> float | None:
    """JSON has no NaN: a value the data left undetermined is null."""
    number = float(value) if value is not None else math.nan
    return number if math.isfinite(number) else None
