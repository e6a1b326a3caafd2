"""The API slice against the real database: health, tags, readings, and its error shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.settings import ApiSettings
from runtime.ports import free_port
from tests.api.conftest import bearer, issue_key

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _seed(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        tag_id = conn.execute(
            "INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, stage,"
            " equipment, name, unit, eu_low, eu_high, data_type) VALUES ('nsu=urn:x;s=L.S.F.T',"
            " 'opc.tcp://plant:4840/', 'urn:x', 's=L.S.F.T', 'L/Sintering/F/T', 'Sintering', 'F',"
            " 'T', '°C', 0, 1200, 'Double') RETURNING tag_id"
        ).fetchone()[0]
        with conn.cursor().copy(
            "COPY reading (time, tag_id, value, status_code, time_source) FROM STDIN"
        ) as copy:
            for i in range(100):
                status = 0x80320000 if i == 50 else 0
                value = None if status else 1000.0 + i
                copy.write_row((T0 + dt.timedelta(seconds=i), tag_id, value, status, 0))
    return tag_id


@pytest.fixture
def client(db_dsn: str) -> Iterator[TestClient]:
    app = create_app(ApiSettings(max_readings_per_request=60), db_dsn)
    with TestClient(app, headers=bearer(issue_key(db_dsn, "viewer"))) as client:
        yield client


def test_health_reports_the_database(client: TestClient) -> None:
    """Health is 200 with the TimescaleDB version and schema version when the DB answers."""
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["timescaledb"].startswith("2.")
    assert body["schema_version"] >= 1


def test_health_without_a_key_says_only_up(db_dsn: str) -> None:
    """Anyone who reaches the port learns that the API is up, nothing more: no endpoint
    URLs, versions or counters."""
    with TestClient(create_app(ApiSettings(), db_dsn)) as client:
        response = client.get("/api/v1/health")
        forged = client.get("/api/v1/health", headers=bearer("mlk_0000_" + "A" * 43))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert forged.json() == {"status": "ok"}


def test_health_is_503_when_the_database_is_down() -> None:
    """With no database behind it the API still starts and health answers 503 in our shape."""
    dsn = f"postgresql://nobody:x@127.0.0.1:{free_port()}/none?connect_timeout=1"
    with TestClient(create_app(ApiSettings(), dsn)) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_tags_are_listed_with_units_and_filtered_by_stage(client: TestClient, db_dsn: str) -> None:
    """Tags come with their unit and range; a stage filter keeps only that stage."""
    _seed(db_dsn)
    tags = client.get("/api/v1/tags").json()
    assert [(t["name"], t["unit"], t["eu_high"]) for t in tags] == [("T", "°C", 1200.0)]
    assert client.get("/api/v1/tags", params={"stage": "Magnetization"}).json() == []


def test_readings_over_a_range_with_status(client: TestClient, db_dsn: str) -> None:
    """Readings in [start, end) come oldest first, Bad ones with their code and no value."""
    tag_id = _seed(db_dsn)
    params = {
        "start": (T0 + dt.timedelta(seconds=45)).isoformat(),
        "end": (T0 + dt.timedelta(seconds=55)).isoformat(),
    }
    body = client.get(f"/api/v1/tags/{tag_id}/readings", params=params).json()
    readings = body["readings"]
    assert len(readings) == 10 and body["truncated"] is False
    assert readings[0]["value"] == 1045.0
    assert readings[5]["value"] is None and readings[5]["status_code"] == 0x80320000
    assert dt.datetime.fromisoformat(readings[0]["time"]) == T0 + dt.timedelta(seconds=45)


def test_readings_are_truncated_at_the_limit(client: TestClient, db_dsn: str) -> None:
    """More rows than the limit are cut at the limit and marked truncated."""
    tag_id = _seed(db_dsn)
    params = {"start": T0.isoformat(), "end": (T0 + dt.timedelta(hours=1)).isoformat()}
    body = client.get(f"/api/v1/tags/{tag_id}/readings", params=params).json()
    assert len(body["readings"]) == 60 and body["truncated"] is True


@pytest.mark.parametrize(
    ("path", "params", "status", "needle"),
    [
        (
            "/api/v1/tags/999/readings",
            {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"},
            404,
            "no tag",
        ),
        (
            "/api/v1/tags/1/readings",
            {"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"},
            422,
            "after start",
        ),
        (
            "/api/v1/tags/1/readings",
            {"start": "2026-01-01T00:00:00Z", "end": "2026-06-01T00:00:00Z"},
            422,
            "at most",
        ),
        (
            "/api/v1/tags/1/readings",
            {"start": "2026-03-01T00:00:00", "end": "2026-03-02T00:00:00Z"},
            422,
            "not valid",
        ),
        (
            "/api/v1/tags/1/readings",
            {"start": "yesterday", "end": "2026-03-02T00:00:00Z"},
            422,
            "not valid",
        ),
        ("/api/v1/tags", {"limit": "0"}, 422, "not valid"),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    client: TestClient, db_dsn: str, path: str, params: dict, status: int, needle: str
) -> None:
    """Unknown tags, reversed, oversized or zone-less ranges and bad limits are 4xx, not 500."""
    _seed(db_dsn)
    response = client.get(path, params=params)
    assert response.status_code == status
    assert needle in response.json()["error"]["message"]
