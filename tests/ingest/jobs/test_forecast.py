"""The scheduled forecast against a real recording: a simulated day served over OPC UA,
recorded by the ingest service into TimescaleDB, calibrated, forecast and stored."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from ingest.cli import main as ingest_main
from ingest.errors import ConfigError
from ingest.jobs.forecast import (
    PLAN_ROUTES,
    QUALITY_PARAMETERS,
    ForecastCounters,
    forecast_once,
)
from ingest.recorded_line import historian_line
from ingest.service import run_service
from ingest.settings import ForecastSettings, load
from tests.ingest.tiny_plant import settings_for
from tests.recorded_line import Recording, count, magnetized_lots, recorded_days, recorded_line
from twin import METRICS, MODEL_VERSION
from twin.calibration import calibrate
from twin.calibration.data import line_data

_JOB = ForecastSettings(samples=200, horizon_days=20)


@pytest.fixture(scope="module")
def recording(tmp_path_factory, module_db_dsn: str) -> Iterator[Recording]:
    """A simulated day (at 1 h per second) until the first magnetized lot is recorded."""
    with recorded_line(
        tmp_path_factory.mktemp("line"),
        module_db_dsn,
        speed=3600,
        step_s=60,
        # the job waits for min_days of data: a loaded machine may record a lot sooner
        until=lambda: (
            magnetized_lots(module_db_dsn) >= 1
            and recorded_days(module_db_dsn) > _JOB.min_days + 0.02
        ),
    ) as rec:
        yield rec


@pytest.fixture(scope="module")
def endpoint(recording: Recording) -> str:
    with psycopg.connect(recording.dsn) as conn:
        return conn.execute("SELECT DISTINCT endpoint FROM tag").fetchone()[0]


@pytest.fixture(autouse=True)
def _job_log(caplog) -> None:
    caplog.set_level(logging.INFO, "ingest.jobs.forecast")


@pytest.fixture
def clean(recording: Recording) -> Iterator[str]:
    """The recording's database with no predictions before and after the test."""
    _delete_predictions(recording.dsn)
    yield recording.dsn
    _delete_predictions(recording.dsn)


def _delete_predictions(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM prediction")


def _predictions(dsn: str) -> list[dict]:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM prediction ORDER BY scenario, route, metric").fetchall()


async def test_a_run_stores_the_calibrated_line_and_both_plans(clean, endpoint) -> None:
    """One run stores, at one time and with origin 'schedule', the calibrated line's
    forecast (model version and calibration inputs) and every twin metric for both routes."""
    counters = ForecastCounters()
    stored = await forecast_once(clean, _JOB, endpoint, counters)
    rows = _predictions(clean)
    assert stored == len(rows) > 0
    assert (counters.stored, counters.skipped, counters.failed) == (1, 0, 0)
    assert len({row["time"] for row in rows}) == 1
    assert {row["origin"] for row in rows} == {"schedule"}
    assert all(row["model_version"] == MODEL_VERSION for row in rows)
    assert all(row["p10"] <= row["p50"] <= row["p90"] for row in rows if row["p50"] is not None)
    line = [row for row in rows if row["scenario"] == "calibrated-line"]
    assert {row["metric"] for row in line} >= {"good_magnets_kg_per_day", "br_t", "grade_share"}
    assert {row["route"] for row in line} == {"domestic"}
    assert all(row["horizon_days"] == _JOB.horizon_days for row in line)
    for route in PLAN_ROUTES:
        plan = [row for row in rows if row["scenario"] == "plan" and row["route"] == route]
        assert {row["metric"] for row in plan} == set(METRICS)
        # both routes are planned against the grade the recorded line sorts to
        line_grade = line[0]["inputs"]["grade"]
        assert {row["inputs"]["scenario"]["target_grade"] for row in plan} == {line_grade}


async def test_inputs_name_the_data_and_the_calibrated_values(clean, endpoint) -> None:
    """The stored inputs are the calibration's own: its window, grade and calibrated
    values; the domestic plan carries the calibrated quality entries, the tolled none."""
    await forecast_once(clean, _JOB, endpoint, ForecastCounters())
    rows = _predictions(clean)
    data = line_data(historian_line(clean, endpoint=endpoint))
    cal = calibrate(data)
    inputs = next(row["inputs"] for row in rows if row["scenario"] == "calibrated-line")
    assert inputs["data"]["start"] == cal.data_start.isoformat()
    assert inputs["data"]["end"] == cal.data_end.isoformat()
    assert inputs["grade"] == cal.grade
    assert inputs["n_samples"] == _JOB.samples and inputs["warmup_days"] >= 10
    assert inputs["feed_t_per_yr"] == pytest.approx(cal.feed_t_per_yr, rel=1e-12)
    assert set(inputs["calibrated"]) == set(cal.calibrated_names())
    for name in ("sinter_capacity_t_per_yr", "nonmagnetic_base"):
        assert inputs["calibrated"][name] == pytest.approx(cal.parameters[name]["value"])
    plans = {row["route"]: row["inputs"] for row in rows if row["scenario"] == "plan"}
    quality = plans["domestic"]["calibrated_quality"]
    assert "nonmagnetic_base" in quality and set(quality) <= set(QUALITY_PARAMETERS)
    assert quality == {name: inputs["calibrated"][name] for name in quality}
    assert plans["tolled"]["calibrated_quality"] == {}


def test_calibrate_from_the_historian_is_one_command(clean, endpoint, tmp_path, capsys) -> None:
    """`python -m ingest calibrate` calibrates the twin to the historian's recorded line and
    gives what the forecast job calibrates on the same data."""
    out = tmp_path / "cal.json"
    argv = ["calibrate", "--dsn", clean, "--endpoint", endpoint, "--out", str(out),
            "--samples", "20", "--json"]  # fmt: skip
    assert ingest_main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    cal = calibrate(line_data(historian_line(clean, endpoint=endpoint)))
    assert answer["calibration"]["data"]["source"] == f"historian {endpoint}"
    assert answer["calibration"]["grade"] == cal.grade and out.is_file()
    assert set(answer["forecast"]) >= {"metrics"}


async def test_too_little_data_is_a_note_and_writes_nothing(clean, endpoint, caplog) -> None:
    """With less recorded than min_days the run is skipped with a logged note."""
    counters = ForecastCounters()
    job = ForecastSettings(min_days=30)
    assert await forecast_once(clean, job, endpoint, counters) == 0
    assert _predictions(clean) == []
    assert (counters.stored, counters.skipped, counters.failed) == (0, 1, 0)
    assert "waits for min_days" in caplog.text


async def test_a_window_without_magnetized_lots_writes_nothing(clean, endpoint, caplog) -> None:
    """A window too short for calibration (no finished lots in it) is skipped, no rows."""
    counters = ForecastCounters()
    job = ForecastSettings(window_days=0.001, min_days=0.0005)  # two model steps
    assert await forecast_once(clean, job, endpoint, counters) == 0
    assert _predictions(clean) == []
    assert counters.skipped == 1 and "calibration needs" in caplog.text


async def test_an_empty_database_writes_nothing(db_dsn: str, caplog) -> None:
    """A historian with nothing recorded yet: skipped, logged, no rows."""
    counters = ForecastCounters()
    assert await forecast_once(db_dsn, _JOB, None, counters) == 0
    assert count(db_dsn, "SELECT count(*) FROM prediction") == 0
    assert counters.skipped == 1 and "no tags" in caplog.text


async def test_an_unreachable_database_is_counted_as_a_failure(tmp_path, caplog) -> None:
    """A database that cannot be reached is a failure, logged and counted, not raised."""
    counters = ForecastCounters()
    dsn = f"postgresql:///nothing?host={tmp_path}&port=1"
    assert await forecast_once(dsn, _JOB, None, counters) == 0
    assert (counters.skipped, counters.failed) == (0, 1)
    assert "scheduled forecast failed" in caplog.text


async def test_the_service_runs_the_job_on_its_schedule(clean, endpoint) -> None:
    """The ingest service runs the forecast every interval_s while it records; its
    endpoint is down (the simulator has stopped) and the service carries on."""
    settings = settings_for(
        {
            "endpoint": [{"url": endpoint}],
            "forecast": {"interval_s": 0.5, "samples": 100, "horizon_days": 10},
        }
    )
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, clean, stop))
    async with asyncio.timeout(60):
        while count(clean, "SELECT count(DISTINCT time) FROM prediction") < 2:
            await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(service, 30)
    times = [row["time"] for row in _predictions(clean)]
    assert max(times) - min(times) >= dt.timedelta(seconds=0.5)


def test_forecast_settings_come_from_the_file_and_the_environment(tmp_path, monkeypatch) -> None:
    """[forecast] keys are read from the file, MAGNETLINE_INGEST_FORECAST_<KEY> overrides
    them, and an unknown grade is one line naming the key."""
    config = tmp_path / "ingest.toml"
    config.write_text(
        '[[endpoint]]\nurl = "opc.tcp://127.0.0.1:4840/"\n'
        '[forecast]\ninterval_s = 60\ngrade = "n45"\n'
    )
    monkeypatch.setenv("MAGNETLINE_INGEST_FORECAST_MIN_DAYS", "1.5")
    loaded = load(config).forecast
    assert (loaded.interval_s, loaded.grade, loaded.min_days) == (60, "N45", 1.5)
    assert (loaded.enabled, loaded.window_days, loaded.samples) == (True, 14, 1000)
    monkeypatch.setenv("MAGNETLINE_INGEST_FORECAST_GRADE", "N99")
    with pytest.raises(ConfigError, match=r"forecast\.grade: .*unknown grade"):
        load(config)
