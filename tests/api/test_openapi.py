"""The OpenAPI description is complete, and no endpoint answers bad input with a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api import create_app
from api.settings import ApiSettings
from tests.api.conftest import error_of, keyed
from tests.api.seed import HOUR, T0, TEMP, window

GARBAGE = ["", "x", "-1", "1e309", "NaN", "2026-13-45", "9" * 30, "'; DROP TABLE tag; --"]


def _operations(client: TestClient) -> list[tuple[str, dict]]:
    """The GET operations (the twin's POSTs are checked in test_twin and test_properties)."""
    paths = client.get("/openapi.json").json()["paths"]
    return [(path, ops["get"]) for path, ops in paths.items() if "get" in ops]


def test_every_operation_documents_its_answers(client: TestClient) -> None:
    """Every operation has a summary, a 200 with content, and the error shape for 422."""
    operations = _operations(client)
    assert len(operations) >= 18
    for path, op in operations:
        assert op.get("description"), path
        assert op["responses"]["200"].get("content"), path
        assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "ErrorBody"
        ), path


def test_json_answers_have_response_models(client: TestClient) -> None:
    """Every JSON 200 answer refers to a schema, so clients can generate their types."""
    for path, op in _operations(client):
        content = op["responses"]["200"]["content"]
        if "application/json" in content:
            assert content["application/json"]["schema"], path


def test_no_garbage_parameter_gives_a_500(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Each parameter of each endpoint, given garbage, yields a 2xx or a 4xx in our shape."""
    known = {"tag_id": tag_ids[TEMP], "lot_id": "MG-1", **window(T0, T0 + HOUR)}
    for path, op in _operations(client):
        names = [p["name"] for p in op.get("parameters", []) if p["in"] in ("query", "path")]
        for name in names:
            for junk in GARBAGE:
                params = {**{n: known.get(n, "1") for n in names if n in known}, name: junk}
                url = path.format(**{n: params.pop(n) for n in names if f"{{{n}}}" in path})
                if path.endswith("/stream"):
                    params["duration_s"] = "0.1" if name != "duration_s" else junk
                response = client.get(url, params=params)
                assert response.status_code < 500, (path, name, junk, response.text)
                if response.status_code >= 400:
                    error_of(response)


def test_statement_timeout_is_a_503_in_our_shape(
    module_db_dsn: str, tag_ids: dict[str, int]
) -> None:
    """A query cut by the statement timeout answers 503 query_timeout; the API goes on."""
    settings = ApiSettings(statement_timeout_ms=100, max_points_per_request=10_000_000)
    with keyed(create_app(settings, module_db_dsn), module_db_dsn) as client:
        heavy = window(T0, T0 + 2 * HOUR, tag_id=tag_ids[TEMP], interval="10ms")
        response = client.get("/api/v1/interpolated", params=heavy)
        assert response.status_code == 503 and error_of(response)["code"] == "query_timeout"
        assert client.get("/api/v1/tags").status_code == 200


def test_fast_answers_match_their_response_models(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Answers serialized without FastAPI's model pass still validate against their models."""
    from api.routes.aggregates import Aggregates
    from api.routes.plot import Plot
    from api.routes.readings import LatestValue, ReadingPage
    from api.routes.tags import Readings

    tag = tag_ids[TEMP]
    cases = [
        (Aggregates, "/api/v1/aggregates", window(T0, T0 + HOUR, tag_id=tag)),
        (Plot, "/api/v1/plot", window(T0, T0 + HOUR, tag_id=tag, intervals=10)),
        (ReadingPage, "/api/v1/readings", window(T0, T0 + HOUR, tag_id=tag, limit=5)),
        (Readings, f"/api/v1/tags/{tag}/readings", window(T0, T0 + HOUR, limit=5)),
    ]
    for model, path, params in cases:
        body = client.get(path, params=params).json()
        model.model_validate(body)
        assert set(body) == set(model.model_fields), path
    for row in client.get("/api/v1/latest").json():
        assert set(LatestValue.model_validate(row).model_dump()) == set(row)
