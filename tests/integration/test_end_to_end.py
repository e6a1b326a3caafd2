"""The whole line end to end: simulator and ingest as processes over TCP, the real
TimescaleDB, the API as a process, and the twin's command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from runtime.ports import free_port, port_open
from runtime.processes import Process, wait_for
from tests.api.conftest import issue_key
from tests.integration.http import get_json
from twin import MODEL_VERSION

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "urn:magnetline:simulator"
STAGES = ("Separation", "Sintering", "Magnetization")
TRIPPED = "Line1.Sintering.Furnace1"
FAILING_SENSOR = "Line1.Separation.Bank1.Temperature"
BAD_SENSOR_FAILURE = 0x808C0000
# An hour per second in steps of a minute (as many values per second as 60x in seconds): a
# simulated day, time enough for magnetized lots and so for a calibrated forecast, in about
# 25 s. The faults start after the recorder has connected, 12 simulated hours in.
SPEED, STEP_S = 3600, 60
# Longer than the test runs: the simulator starts (SPEED - 1) x CATCH_UP_S back (12.5 days)
# and goes at SPEED throughout, its source time never reaching the wall clock.
CATCH_UP_S = 300
FAULT_START_S, FAULT_S = 12 * 3600, 4 * 3600
SCHEDULED_FORECAST = {"INTERVAL_S": "2", "MIN_DAYS": "0.5", "SAMPLES": "200"}


@pytest.fixture
def line(tmp_path: Path, db_dsn: str, monkeypatch) -> Iterator[dict[str, Any]]:
    """Simulator, ingest and API running as processes against a fresh database."""
    for key, value in SCHEDULED_FORECAST.items():  # the processes inherit the environment
        monkeypatch.setenv(f"MAGNETLINE_INGEST_FORECAST_{key}", value)
    opc_port, api_port, metrics_port = free_port(), free_port(), free_port()
    simulator = Process(
        tmp_path / "simulator.log",
        "simulators",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(opc_port),
        "--seed",
        "7",
        "--speed",
        str(SPEED),
        "--step",
        str(STEP_S),
        "--catch-up",
        str(CATCH_UP_S),
        "--data-dir",
        str(tmp_path / "sim"),
        "--fault",
        f"trip:{TRIPPED}:{FAULT_START_S}:{FAULT_S}",
        "--fault",
        f"bad:{FAILING_SENSOR}:{FAULT_START_S}:{FAULT_S}",
        dsn=db_dsn,
    )
    processes = [simulator]
    try:
        wait_for("the OPC UA server", lambda: simulator.alive() and port_open(opc_port), 60)
        ingest = Process(
            tmp_path / "ingest.log",
            "ingest",
            "run",
            "--endpoint",
            f"opc.tcp://127.0.0.1:{opc_port}/",
            "--namespace-uri",
            NAMESPACE,
            "--dsn",
            db_dsn,
            "--metrics-port",
            str(metrics_port),
            dsn=db_dsn,
        )
        api = Process(
            tmp_path / "api.log",
            "api",
            "--port",
            str(api_port),
            "--dsn",
            db_dsn,
            dsn=db_dsn,
        )
        processes += [ingest, api]
        yield {
            "dsn": db_dsn,
            "ingest": ingest,
            "api": api,
            "simulator": simulator,
            "api_port": api_port,
            "metrics_url": f"http://127.0.0.1:{metrics_port}/metrics",
            "api_url": f"http://127.0.0.1:{api_port}/api/v1",
            "viewer_key": issue_key(db_dsn, "viewer", "end to end"),
            "operator_key": issue_key(db_dsn, "operator", "end to end"),
        }
    finally:
        for process in reversed(processes):
            process.interrupt()


def _readings_per_stage(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT t.stage, count(*) FROM reading r JOIN tag t USING (tag_id) GROUP BY t.stage"
        ).fetchall()
    return dict(rows)


def test_line_flows_from_simulator_to_api_and_twin(line: dict[str, Any]) -> None:
    """Every stage's readings reach the database with units and status codes, read back
    through the API, the service stops cleanly having written every notification, and the
    twin predicts both routes."""
    dsn = line["dsn"]
    counts = wait_for(
        "readings of every stage",
        lambda: (
            line["ingest"].alive()
            and all(_readings_per_stage(dsn).get(stage, 0) >= 10 for stage in STAGES)
            and _readings_per_stage(dsn)
        ),
        120,
    )
    assert set(STAGES) <= set(counts)

    with psycopg.connect(dsn) as conn:
        units = dict(
            conn.execute(
                "SELECT stage, count(*) FILTER (WHERE unit IS NOT NULL AND eu_high > eu_low) "
                "FROM tag GROUP BY stage"
            ).fetchall()
        )
        keys = [row[0] for row in conn.execute("SELECT tag_key FROM tag")]
        statuses = conn.execute("SELECT count(*) FILTER (WHERE status_code = 0) FROM reading")
        good = statuses.fetchone()[0]
    assert all(units.get(stage, 0) >= 1 for stage in STAGES), units
    assert all(key.startswith(f"nsu={NAMESPACE};s=") for key in keys)
    assert good > 0

    api, key = line["api_url"], line["viewer_key"]
    wait_for("the API", lambda: line["api"].alive() and port_open(line["api_port"]), 60)
    with pytest.raises(urllib.error.HTTPError) as refused:
        get_json(f"{api}/tags")
    assert refused.value.code == 401
    health = wait_for(
        "the ingest service to report itself running",
        lambda: (
            (h := get_json(f"{api}/health", key))["ingest"]
            and h["ingest"][0]["state"] == "running"
            and h
        ),
        30,
    )
    assert health["status"] == "ok" and health["timescaledb"].startswith("2.")
    for stage in STAGES:
        tags = get_json(f"{api}/tags?stage={stage}", key)
        assert tags and all(tag["stage"] == stage for tag in tags)
        with_unit = next(tag for tag in tags if tag["unit"])
        body = wait_for(
            f"readings of {with_unit['tag_key']} through the API",
            lambda tag=with_unit: _readings_via_api(api, key, tag["tag_id"]),
            30,
        )
        assert all("status_code" in reading for reading in body["readings"])

    wait_for(
        "the trip event and the failing sensor's Bad status", lambda: _faults_recorded(dsn), 60
    )
    with psycopg.connect(dsn) as conn:
        lots = conn.execute("SELECT count(*), count(mass_in_kg) FROM lot").fetchone()
    assert lots[0] >= 1 and lots[0] == lots[1]
    metrics = urllib.request.urlopen(line["metrics_url"], timeout=10).read().decode()
    assert "magnetline_ingest_rows_written_total" in metrics
    assert (
        'magnetline_ingest_endpoint_state{endpoint="' in metrics
        and 'state="running"} 1.0' in metrics
    )
    forecasts = wait_for("a scheduled forecast", lambda: _scheduled_forecasts(dsn), 90)
    assert forecasts == {("calibrated-line", "domestic"), ("plan", "domestic"), ("plan", "tolled")}

    assert line["ingest"].interrupt() == 0
    with psycopg.connect(dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM reading").fetchone()[0]
        details = conn.execute("SELECT state, details FROM ingest_health").fetchone()
    assert details[0] == "stopped"
    notified = details[1]["notifications"]
    assert details[1]["writer_rows_written"] + details[1]["writer_rows_duplicate"] == notified
    assert stored == details[1]["writer_rows_written"]

    for route in ("domestic", "tolled"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "twin",
                "predict",
                "--route",
                route,
                "--json",
                "--samples",
                "500",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)
    what_if = {"route": "tolled", "samples": 300, "what_if": {"shipping_delay_days": 7}}
    predicted = get_json(f"{api}/twin/predict", line["operator_key"], what_if)
    assert predicted["route"] == "tolled" and predicted["metrics"]["lead_time_days"]["p50"] > 0


def _scheduled_forecasts(dsn: str) -> set[tuple[str, str]]:
    """(scenario, route) of the forecasts the ingest service stored on its schedule."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT DISTINCT scenario, route FROM prediction WHERE origin = 'schedule' "
            "AND model_version = %s",
            (MODEL_VERSION,),
        ).fetchall()
    return set(rows)


def _faults_recorded(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        trips = conn.execute("SELECT count(*) FROM event WHERE source = %s", (TRIPPED,))
        bad = conn.execute(
            "SELECT count(*) FROM reading r JOIN tag t USING (tag_id) WHERE t.node_id = %s "
            "AND r.status_code = %s AND r.value IS NULL",
            (f"s={FAILING_SENSOR}", BAD_SENSOR_FAILURE),
        )
        return trips.fetchone()[0] >= 1 and bad.fetchone()[0] >= 1


def _readings_via_api(api: str, key: str, tag_id: int) -> dict[str, Any] | None:
    now = time.time()
    back_s = (SPEED - 1) * CATCH_UP_S + 86400  # where the simulator started, and a day
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - back_s))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 86400))
    body = get_json(f"{api}/tags/{tag_id}/readings?start={start}&end={end}", key)
    return body if body["readings"] else None
