"""Health of the API and of the ingest service, as the operators see it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api import create_app
from api.settings import ApiSettings
from runtime.ports import free_port
from tests.api.conftest import UNCHECKABLE_KEY, bearer, error_of
from tests.api.seed import HOUR, T0


def test_ingest_health_has_endpoints_and_rollup_watermarks(client: TestClient) -> None:
    """Each endpoint's state with the age of its report, and each roll-up's watermark."""
    body = client.get("/api/v1/ingest/health").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["state"] == "connected" and endpoint["age_s"] >= 0
    (rollup,) = body["rollups"]
    assert rollup["level"] == "1m" and rollup["complete_until"].startswith(
        (T0 + HOUR).strftime("%Y-%m-%dT%H:%M")
    )


def test_every_resource_is_503_in_our_shape_when_the_database_is_down() -> None:
    """With the database away, data endpoints answer 503 service_unavailable, never 500."""
    dsn = f"postgresql://nobody:x@127.0.0.1:{free_port()}/none?connect_timeout=1"
    with TestClient(create_app(ApiSettings(), dsn), headers=bearer(UNCHECKABLE_KEY)) as client:
        for path in ("/api/v1/ingest/health", "/api/v1/latest"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert error_of(response)["code"] == "service_unavailable"


def test_unknown_paths_and_methods_use_the_error_shape(client: TestClient) -> None:
    """A path that does not exist is a 404, a wrong method a 405, both in our shape."""
    assert error_of(client.get("/api/v1/nothing"))["code"] == "not_found"
    response = client.post("/api/v1/tags")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
