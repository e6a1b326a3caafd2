"""Requests and answers of the twin's endpoints.

A request states a route's inputs the way ``python -m twin`` does: the scenario (horizon,
oxide fed, grade, ...), ``overrides`` by name for any parameter or scenario field (as
``--set NAME=VALUE``), and named what-ifs that move the twin's own parameters
(:class:`twin.WhatIf`, within its bounds; ``python -m twin`` has a flag each). Answers are
the twin's JSON (``SimulationResult.to_dict()`` and friends), non-finite numbers as null.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from twin import METRICS
from twin.what_if import MAX_ADDED_SINTERING_T_PER_YR, MAX_SHIPPING_DELAY_DAYS

__all__ = [
    "CompareRequest",
    "Comparison",
    "ForecastRequest",
    "PredictRequest",
    "Prediction",
    "ScheduledForecast",
    "StoredForecast",
    "SweepRequest",
    "SweepResult",
    "TwinInputs",
]

Route = Literal["domestic", "tolled"]
Metric = Literal.__getitem__(tuple(METRICS))  # Python 3.11 has no Literal[*names]
Day = Annotated[int, Field(ge=0, le=3650)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExportStop(_Strict):
    start_day: Day = Field(description="First day of the stop, counted from the start [d]")
    days: Day = Field(description="Length of the stop [d]")


class WhatIf(_Strict):
    shipping_delay_days: float = Field(
        0.0,
        ge=0,
        le=MAX_SHIPPING_DELAY_DAYS,
        description="Extra days of handling and customs on each leg (tolled)",
    )
    export_stop: ExportStop | None = Field(
        None, description="The partner's country stops exports for a while (tolled)"
    )
    added_sintering_t_per_yr: float = Field(
        0.0,
        ge=0,
        le=MAX_ADDED_SINTERING_T_PER_YR,
        description="A furnace added: extra sintering capacity [t blocks/yr] of the domestic "
        "line, or of the partner's conversion when tolled",
    )


class TwinInputs(_Strict):
    partner: Literal["japan", "korea"] = Field("japan", description="Tolling partner")
    samples: int | None = Field(
        None, ge=1, description="Monte Carlo samples; default 2000 or the server's limit"
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Random seed: same inputs, same answer")
    horizon_days: int = Field(365, ge=1, le=3650, description="Simulated days")
    oxide_t_per_yr: float = Field(500.0, gt=0, le=100_000, description="NdPr oxide fed [t/yr]")
    grade: str = Field("N42", min_length=1, max_length=16, description="Target grade, e.g. N42SH")
    mature: bool = Field(False, description="Start the domestic line at mature yields")
    capacity_ramp: list[tuple[Day, Annotated[float, Field(ge=0, le=100)]]] = Field(
        [], max_length=100, description="(day, multiplier of nameplate capacity) points"
    )
    what_if: WhatIf = Field(default_factory=WhatIf)
    overrides: dict[str, float | bool | str] = Field(
        {},
        max_length=200,
        description='Any parameter or scenario field by name, e.g. {"sinter_temp_c": 1080} '
        "(as `python -m twin predict --set NAME=VALUE`)",
    )


class PredictRequest(TwinInputs):
    route: Route = "domestic"


class ForecastRequest(PredictRequest):
    scenario: str = Field("api", min_length=1, max_length=100, description="Label stored with it")


class CompareRequest(TwinInputs):
    metric: Metric = Field("finished_t_per_yr", description="Metric of the tornado")
    replications: int | None = Field(
        None, ge=1, description="Repeats of each tornado case; default 24 or the server's limit"
    )


class SweepRequest(PredictRequest):
    grid: dict[str, Annotated[list[float | str], Field(min_length=1, max_length=50)]] = Field(
        min_length=1,
        max_length=4,
        description="Name → values; every combination is one point (bounded by the server)",
    )


class MetricQuantiles(BaseModel):
    p10: float | None
    p50: float | None
    p90: float | None
    label: str
    unit: str


class StageSummary(BaseModel):
    name: str
    wait_days_p50: float | None
    wip_end_t_p50: float | None


class Prediction(BaseModel):
    model_version: str
    parameter_set: str
    route: str
    scenario: dict[str, Any]
    n_samples: int
    metrics: dict[str, MetricQuantiles]
    bottleneck: str
    bottleneck_shares: dict[str, float]
    stages: list[StageSummary]
    purity_spec_share: float | None


class TornadoRow(BaseModel):
    name: str
    unit: str
    base: float | None
    low: float | None
    high: float | None
    swing: float | None


class Tornado(BaseModel):
    metric: str
    unit: str
    difference: str
    rows: list[TornadoRow]


class Comparison(BaseModel):
    model_version: str
    routes: dict[str, Prediction]
    tornado: Tornado


class SweepPoint(BaseModel):
    settings: dict[str, bool | int | float | str]
    metrics: dict[str, MetricQuantiles]
    bottleneck: str


class SweepResult(BaseModel):
    parameter_set: str
    grid: list[str]
    points: list[SweepPoint]


class StoredForecast(BaseModel):
    time: dt.datetime
    scenario: str
    metrics_stored: int
    prediction: Prediction


class ForecastMetric(BaseModel):
    metric: str
    unit: str | None
    p10: float | None
    p50: float | None
    p90: float | None


class ScheduledForecast(BaseModel):
    route: str
    time: dt.datetime
    scenario: str
    horizon_days: float
    model_version: str
    inputs: dict[str, Any]
    metrics: list[ForecastMetric]
