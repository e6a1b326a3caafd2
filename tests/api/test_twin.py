"""The twin's endpoints: answers equal the twin's own, what-ifs move what they should, bad
inputs are 422 before any work, forecasts are stored and read back, a busy twin says 429."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose
from psycopg.types.json import Jsonb

import twin
from api import create_app
from api.keys import Role
from api.settings import ApiSettings
from api.twin_schemas import Comparison, Prediction
from tests.api.conftest import error_of, keyed
from twin.cli import main

TWIN = "/api/v1/twin"
SMALL = {"samples": 200, "horizon_days": 120, "seed": 7}
LIMITS = dict(twin_max_samples=400, twin_max_horizon_days=400, twin_max_sweep_points=6,
              twin_max_replications=4, twin_workers=2)  # fmt: skip


@pytest.fixture(scope="module")
def operator(module_db_dsn: str) -> Iterator[TestClient]:
    """An operator's client, with limits small enough to reach in tests."""
    with keyed(create_app(ApiSettings(**LIMITS), module_db_dsn), module_db_dsn,
               Role.operator) as client:  # fmt: skip
        yield client


def _p50(body: dict, metric: str) -> float:
    return body["metrics"][metric]["p50"]


def test_predict_equals_the_twin_run_directly(operator: TestClient) -> None:
    """A predict answer is the twin's own result for the same inputs and seed."""
    response = operator.post(f"{TWIN}/predict", json={**SMALL, "route": "tolled"})
    assert response.status_code == 200
    expected = twin.simulate(
        twin.route_parameter_set("tolled"),
        twin.Scenario(horizon_days=120),
        np.random.default_rng(7),
        200,
    )
    body = response.json()
    assert body["n_samples"] == 200 and body["route"] == "tolled"
    for metric, q in expected.summary().items():
        assert_allclose([body["metrics"][metric][p] for p in ("p10", "p50", "p90")],
                        [q["p10"], q["p50"], q["p90"]], rtol=1e-12)  # fmt: skip


def test_shipping_delay_lengthens_the_tolled_lead_time(operator: TestClient) -> None:
    """Extra handling days on each leg add to the lead time, out and back."""
    base = operator.post(f"{TWIN}/predict", json={**SMALL, "route": "tolled"}).json()
    late = {**SMALL, "route": "tolled", "what_if": {"shipping_delay_days": 10}}
    delayed = operator.post(f"{TWIN}/predict", json=late).json()
    assert _p50(delayed, "lead_time_days") - _p50(base, "lead_time_days") > 10


def test_export_stop_cuts_tolled_output(operator: TestClient) -> None:
    """A 120-day export stop from day 60 lowers the magnets delivered in a year."""
    year = {**SMALL, "route": "tolled", "horizon_days": 365}
    base = operator.post(f"{TWIN}/predict", json=year).json()
    stop = {"export_stop": {"start_day": 60, "days": 120}}
    stopped = operator.post(f"{TWIN}/predict", json={**year, "what_if": stop})
    assert stopped.json()["scenario"]["export_stop_days"] == 120
    assert _p50(stopped.json(), "finished_t_per_yr") < _p50(base, "finished_t_per_yr")


def test_added_furnace_and_overrides_reach_the_twin(operator: TestClient) -> None:
    """A furnace added raises sintering capacity by its tonnage, and overrides fix values,
    exactly as the twin's own ParameterSet methods would."""
    inputs = {**SMALL, "what_if": {"added_sintering_t_per_yr": 300},
              "overrides": {"sinter_temp_c": 1080, "oxide_t_per_yr": 450}}  # fmt: skip
    body = operator.post(f"{TWIN}/predict", json=inputs).json()
    params = twin.route_parameter_set("domestic").with_values({"sinter_temp_c": 1080})
    capacity = params["sinter_capacity_t_per_yr"]
    params = params.with_entries({"sinter_capacity_t_per_yr": {**capacity,
                                  "value": capacity["value"] + 300}})  # fmt: skip
    scenario = twin.Scenario(horizon_days=120, oxide_t_per_yr=450)
    expected = twin.simulate(params, scenario, np.random.default_rng(7), 200).summary()
    assert_allclose(_p50(body, "finished_t_per_yr"), expected["finished_t_per_yr"]["p50"])
    assert body["scenario"]["oxide_t_per_yr"] == 450


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ({"overrides": {"sinter_tmp_c": 1}}, "unknown parameter 'sinter_tmp_c'"),
        ({"overrides": {"sinter_yield": 2}}, "sinter_yield must be within"),
        ({"overrides": {"horizon_days": "soon"}}, "horizon_days must be a number"),
        ({"route": "mars"}, "the request is not valid"),
        ({"grade": "N99"}, "grade"),
        ({"samples": 401}, "samples is 401"),
        ({"horizon_days": 401}, "horizon_days is 401"),
        ({"overrides": {"horizon_days": 3000}}, "horizon_days is 3000"),
        ({"what_if": {"shipping_delay_days": 5}}, "applies to the tolled route only"),
        ({"capacity_ramp": [[0, -1]]}, "the request is not valid"),
        ({"seed": -1}, "the request is not valid"),
        ({"unknown_field": 1}, "the request is not valid"),
    ],
)
def test_bad_inputs_are_422_with_a_reason(operator: TestClient, inputs: dict, needle: str) -> None:
    """Unknown names, values out of range and requests over a limit: 422, never a 5xx."""
    response = operator.post(f"{TWIN}/predict", json={**SMALL, **inputs})
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert needle in error["message"] or needle in str(error["detail"]), error


def test_compare_puts_both_routes_side_by_side_with_a_ranked_tornado(
    operator: TestClient,
) -> None:
    """Both routes under the same inputs; tornado rows are ranked by the size of the swing."""
    body = operator.post(f"{TWIN}/compare", json={**SMALL, "replications": 2,
                                                  "metric": "cost_usd_per_kg"}).json()  # fmt: skip
    assert set(body["routes"]) == {"domestic", "tolled-japan"}
    rows = body["tornado"]["rows"]
    assert body["tornado"]["metric"] == "cost_usd_per_kg" and len(rows) > 5
    swings = [abs(r["swing"]) for r in rows]
    assert swings == sorted(swings, reverse=True)
    too_many = operator.post(f"{TWIN}/compare", json={**SMALL, "replications": 5})
    assert too_many.status_code == 422


def test_sweep_runs_each_point_of_a_bounded_grid(operator: TestClient) -> None:
    """A 2 × 2 grid gives four points in order; a grid over the limit is refused."""
    grid = {"sinter_temp_c": [1040, 1100], "horizon_days": [60, 120]}
    body = operator.post(f"{TWIN}/sweep", json={**SMALL, "grid": grid}).json()
    settings = [p["settings"] for p in body["points"]]
    assert settings == [{"sinter_temp_c": t, "horizon_days": d}
                        for t in (1040, 1100) for d in (60, 120)]  # fmt: skip
    big = {**SMALL, "grid": {"sinter_temp_c": [1040, 1050, 1060, 1070], "sinter_time_h": [3, 4]}}
    refused = operator.post(f"{TWIN}/sweep", json=big)
    assert refused.status_code == 422 and error_of(refused)["detail"]["limit"] == "grid points"
    bad = operator.post(f"{TWIN}/sweep", json={**SMALL, "grid": {"horizon_days": [0]}})
    assert bad.status_code == 422


def test_a_stored_forecast_keeps_every_metric_with_its_inputs(
    operator: TestClient, module_db_dsn: str
) -> None:
    """POST /twin/forecasts stores one 'api' row per metric, inputs included."""
    response = operator.post(f"{TWIN}/forecasts", json={**SMALL, "scenario": "plan-b"})
    assert response.status_code == 201
    body = response.json()
    assert body["metrics_stored"] == len(twin.METRICS)
    with psycopg.connect(module_db_dsn) as conn:
        rows = conn.execute(
            "SELECT metric, p50, origin, inputs FROM prediction WHERE scenario = 'plan-b'"
        ).fetchall()
    assert {r[0] for r in rows} == set(twin.METRICS) and {r[2] for r in rows} == {"api"}
    stored = {r[0]: r[1] for r in rows}
    assert_allclose(stored["br_t"], body["prediction"]["metrics"]["br_t"]["p50"])
    assert rows[0][3]["samples"] == 200 and rows[0][3]["horizon_days"] == 120


def _store_schedule(dsn: str, time: dt.datetime, route: str, p50: float) -> None:
    with psycopg.connect(dsn) as conn:
        for metric, unit in (("finished_t_per_yr", "t/yr"), ("br_t", "T")):
            conn.execute(
                "INSERT INTO prediction (time, scenario, route, horizon_days, metric, unit, p10,"
                " p50, p90, model_version, inputs, origin) VALUES (%s, 'base', %s, 365, %s, %s,"
                " %s, %s, %s, 'twin-1.0', %s, 'schedule')",
                (time, route, metric, unit, p50 - 1, p50, p50 + 1, Jsonb({"samples": 2000})),
            )


def test_latest_scheduled_forecast_per_route(db_dsn: str) -> None:
    """The newest scheduled time of each route with all its metrics; 404 when none."""
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with keyed(create_app(ApiSettings(), db_dsn), db_dsn, Role.viewer) as viewer:
        assert viewer.get(f"{TWIN}/forecasts/latest").status_code == 404
        for hours, p50 in ((0, 100.0), (6, 110.0)):
            _store_schedule(db_dsn, t0 + dt.timedelta(hours=hours), "domestic", p50)
        _store_schedule(db_dsn, t0, "tolled", 90.0)
        forecasts = viewer.get(f"{TWIN}/forecasts/latest").json()
        only = viewer.get(f"{TWIN}/forecasts/latest", params={"route": "tolled"}).json()
    domestic, tolled = forecasts
    assert domestic["route"] == "domestic" and domestic["time"].startswith("2026-03-01T06:00")
    assert {m["metric"]: m["p50"] for m in domestic["metrics"]} == {
        "br_t": 110.0,
        "finished_t_per_yr": 110.0,
    }
    assert domestic["inputs"] == {"samples": 2000} and domestic["model_version"] == "twin-1.0"
    assert [f["route"] for f in only] == ["tolled"] and tolled == only[0]


def test_a_busy_twin_answers_429_and_reads_go_on(module_db_dsn: str) -> None:
    """With its one worker busy and no queueing, of two long runs at once one is a 429
    with Retry-After, while reads still answer."""
    settings = ApiSettings(twin_workers=1, twin_queue_timeout_s=0)
    answers: list = []
    long_run = {"json": {"samples": 4000, "horizon_days": 730}}
    with keyed(create_app(settings, module_db_dsn), module_db_dsn, Role.operator) as client:
        assert client.post(f"{TWIN}/predict", json={**SMALL, "samples": 10}).status_code == 200
        runs = [threading.Thread(target=lambda: answers.append(
            client.post(f"{TWIN}/predict", **long_run))) for _ in range(2)]  # fmt: skip
        for run in runs:
            run.start()
        assert client.get("/api/v1/tags").status_code == 200
        for run in runs:
            run.join(timeout=120)
    assert sorted(a.status_code for a in answers) == [200, 429]
    busy = next(a for a in answers if a.status_code == 429)
    assert busy.headers["retry-after"] and error_of(busy)["code"] == "too_busy"


WHAT_IFS = {"shipping_delay_days": 7, "added_sintering_t_per_yr": 150,
            "export_stop": {"start_day": 30, "days": 45}}  # fmt: skip
WHAT_IF_FLAGS = ["--shipping-delay-days", "7", "--added-sintering-t-per-yr", "150",
                 "--export-stop", "30:45"]  # fmt: skip
CLI_SMALL = ["--samples", "200", "--horizon-days", "120", "--seed", "7"]


@pytest.mark.parametrize(
    ("endpoint", "body", "argv", "model"),
    [
        ("predict", {"route": "tolled", "what_if": WHAT_IFS, "overrides": {"sinter_temp_c": 1080}},
         ["predict", "--route", "tolled", *WHAT_IF_FLAGS, "--set", "sinter_temp_c=1080"],
         Prediction),
        ("compare", {"replications": 2, "what_if": WHAT_IFS},
         ["compare", "--replications", "2", *WHAT_IF_FLAGS], Comparison),
    ],
)  # fmt: skip
def test_the_command_line_and_the_api_give_one_answer(
    operator: TestClient, capsys: pytest.CaptureFixture[str], endpoint: str, body: dict,
    argv: list[str], model: type,
) -> None:  # fmt: skip
    """The same what-ifs and overrides, as python -m twin's flags and as an API request,
    give the same answer."""
    answer = operator.post(f"{TWIN}/{endpoint}", json={**SMALL, **body})
    assert answer.status_code == 200, answer.text
    assert main([*argv, *CLI_SMALL, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert answer.json() == model.model_validate(printed).model_dump(mode="json")


def test_each_request_is_planned_once_and_that_plan_runs(
    operator: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan checked against the limits is the one the worker gets: one plan per request."""
    plans: list[twin.Plan] = []
    sent: list[tuple] = []
    real_plan, runner = twin.plan, operator.app.state.twin
    real_run = runner.run

    def planning(*args: object, **kwargs: object) -> twin.Plan:
        plans.append(real_plan(*args, **kwargs))
        return plans[-1]

    async def running(job: object, *args: object) -> object:
        sent.append(args)
        return await real_run(job, *args)

    monkeypatch.setattr(twin, "plan", planning)
    monkeypatch.setattr(runner, "run", running)
    grid = {"sinter_temp_c": [1040, 1100]}
    for endpoint, body in (("predict", {}), ("compare", {"replications": 2}),
                           ("sweep", {"grid": grid})):  # fmt: skip
        response = operator.post(f"{TWIN}/{endpoint}", json={**SMALL, **body})
        assert response.status_code == 200, response.text
    assert len(plans) == len(sent) == 3
    assert all(args[0] is p for args, p in zip(sent, plans, strict=True))
