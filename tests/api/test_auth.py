"""API keys and roles on every route, the access log, CORS, and the keys' own routes.

The role matrix is built from the app's routes, so a route added later is covered without
editing this file: GET needs a viewer, POST an operator, ``/keys`` an admin, and only
``/health`` answers without a key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.app import API_PREFIX
from api.keys import Role
from api.settings import ApiSettings
from tests.api.conftest import bearer, error_of, issue_key

PUBLIC = {("GET", f"{API_PREFIX}/health")}
# Small twin limits: an allowed twin request is refused as too large (422) before any work.
SETTINGS = dict(key_cache_s=0.0, twin_max_horizon_days=10, twin_max_samples=10)


def needed_role(method: str, path: str) -> Role | None:
    """The least role the policy admits on a route (None: no key needed)."""
    if (method, path) in PUBLIC:
        return None
    if path.startswith(f"{API_PREFIX}/keys"):
        return Role.admin
    return Role.operator if method in ("POST", "PUT", "PATCH", "DELETE") else Role.viewer


def _api_routes() -> list[tuple[str, str]]:
    """Every operation the app documents (building the app opens no connection)."""
    app = create_app(ApiSettings(), "postgresql://unused@127.0.0.1:1/none")
    paths = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


ROUTES = _api_routes()


@pytest.fixture(scope="module")
def keyring(module_db_dsn: str) -> dict[str, str]:
    """Presented keys by label: one per role, a revoked one and a forged one."""
    keys = {role.value: issue_key(module_db_dsn, role) for role in Role}
    revoked = issue_key(module_db_dsn, Role.admin, "revoked")
    with psycopg.connect(module_db_dsn, autocommit=True) as conn:
        conn.execute("UPDATE api_key SET revoked_at = now() WHERE key_id = %s", (revoked[4:16],))
    forged = keys["admin"][:-4] + "AAAA"
    return {**keys, "revoked": revoked, "forged": forged, "malformed": "let-me-in"}


@pytest.fixture(scope="module")
def anonymous(module_db_dsn: str) -> Iterator[TestClient]:
    """A client without a key (each request adds its own)."""
    with TestClient(create_app(ApiSettings(**SETTINGS), module_db_dsn)) as client:
        yield client


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]):
    url = path.replace("{tag_id}", "1").replace("{lot_id}", "L-1").replace("{key_id}", "nokey")
    body = {} if method == "POST" else None
    return client.request(method, url, headers=headers, json=body, params={"duration_s": 0.1})


def test_the_matrix_covers_every_kind_of_route() -> None:
    """Reads, twin runs, key management and the public probe are all in the matrix."""
    needed = {needed_role(m, p) for m, p in ROUTES}
    assert needed == {None, Role.viewer, Role.operator, Role.admin} and len(ROUTES) >= 25


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_each_role_is_admitted_or_refused_on_each_route(
    anonymous: TestClient, keyring: dict[str, str], method: str, path: str
) -> None:
    """Roles at or above the route's need pass auth; lower ones get 403; no, forged,
    malformed or revoked keys get 401 (unless the route is public)."""
    needed = needed_role(method, path)
    for label, key in [("none", None), *keyring.items()]:
        response = _call(anonymous, method, path, bearer(key) if key else {})
        admitted = needed is None or (label in Role.__members__ and Role(label).allows(needed))
        if admitted:
            assert response.status_code not in (401, 403), (label, response.text)
        elif label in Role.__members__:
            assert response.status_code == 403, (label, response.text)
            assert error_of(response)["code"] == "forbidden"
        else:
            assert response.status_code == 401, (label, response.text)
            assert error_of(response)["code"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"


def test_x_api_key_header_works_and_must_agree_with_bearer(
    anonymous: TestClient, keyring: dict[str, str]
) -> None:
    """X-API-Key is accepted alone; with a different Bearer key the request is refused."""
    tags = f"{API_PREFIX}/tags"
    assert anonymous.get(tags, headers={"X-API-Key": keyring["viewer"]}).status_code == 200
    both = {"X-API-Key": keyring["viewer"], **bearer(keyring["admin"])}
    assert anonymous.get(tags, headers=both).status_code == 401
    same = {"X-API-Key": keyring["viewer"], **bearer(keyring["viewer"])}
    assert anonymous.get(tags, headers=same).status_code == 200


def test_revocation_shows_within_the_key_cache_period(module_db_dsn: str) -> None:
    """A cached key keeps working until its period ends (no database trip per request);
    with no cache a revoked key is refused on the next request."""
    key = issue_key(module_db_dsn, Role.viewer, "to revoke")
    cached = TestClient(create_app(ApiSettings(key_cache_s=600), module_db_dsn))
    uncached = TestClient(create_app(ApiSettings(key_cache_s=0), module_db_dsn))
    with cached, uncached:
        for client in (cached, uncached):
            assert client.get(f"{API_PREFIX}/tags", headers=bearer(key)).status_code == 200
        with psycopg.connect(module_db_dsn, autocommit=True) as conn:
            conn.execute("UPDATE api_key SET revoked_at = now() WHERE key_id = %s", (key[4:16],))
        assert cached.get(f"{API_PREFIX}/tags", headers=bearer(key)).status_code == 200
        refused = uncached.get(f"{API_PREFIX}/tags", headers=bearer(key))
        assert refused.status_code == 401 and "revoked" in error_of(refused)["message"]


def test_every_request_is_logged_with_key_id_route_status_and_time_but_never_the_key(
    anonymous: TestClient, keyring: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """One access line per request: key id, method, route template, status, duration."""
    with caplog.at_level(logging.INFO, logger="api.access"):
        anonymous.get(f"{API_PREFIX}/tags/999999", headers=bearer(keyring["viewer"]))
        anonymous.get(f"{API_PREFIX}/tags", headers=bearer(keyring["forged"]))
    lines = [r.getMessage() for r in caplog.records if r.name == "api.access"]
    viewer_id = keyring["viewer"][4:16]
    assert lines[0].startswith(f"key={viewer_id} GET {API_PREFIX}/tags/{{tag_id}} 404 ")
    assert lines[1].startswith(f"key=- GET {API_PREFIX}/tags 401 ") and lines[1].endswith("ms")
    for key in keyring.values():
        assert all(key not in r.getMessage() for r in caplog.records), "a key reached the log"


def test_cors_is_closed_by_default_and_opens_to_listed_origins(module_db_dsn: str) -> None:
    """Without origins no browser origin is allowed; a listed origin gets the headers."""
    preflight = {"Origin": "https://dash.example", "Access-Control-Request-Method": "GET"}
    closed = TestClient(create_app(ApiSettings(), module_db_dsn))
    opened = TestClient(create_app(ApiSettings(cors_origins=["https://dash.example"]),
                                   module_db_dsn))  # fmt: skip
    with closed, opened:
        answer = closed.options(f"{API_PREFIX}/tags", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
        answer = opened.options(f"{API_PREFIX}/tags", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://dash.example"
        other = {**preflight, "Origin": "https://evil.example"}
        answer = opened.options(f"{API_PREFIX}/tags", headers=other)
        assert "access-control-allow-origin" not in answer.headers


def test_admins_create_list_and_revoke_keys_over_http(
    anonymous: TestClient, keyring: dict[str, str]
) -> None:
    """A created key is in the creation answer only; it works until revoked."""
    admin = bearer(keyring["admin"])
    created = anonymous.post(f"{API_PREFIX}/keys", headers=admin,
                             json={"name": "dashboard", "role": "viewer"})  # fmt: skip
    assert created.status_code == 201
    new = created.json()
    assert anonymous.get(f"{API_PREFIX}/tags", headers=bearer(new["key"])).status_code == 200
    listed = anonymous.get(f"{API_PREFIX}/keys", headers=admin).json()
    mine = next(k for k in listed if k["key_id"] == new["key_id"])
    assert "key" not in mine and "key_hash" not in mine and mine["last_used_at"] is not None
    revoked = anonymous.delete(f"{API_PREFIX}/keys/{new['key_id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert anonymous.get(f"{API_PREFIX}/tags", headers=bearer(new["key"])).status_code == 401
    assert anonymous.delete(f"{API_PREFIX}/keys/nokey", headers=admin).status_code == 404


def test_openapi_documents_the_security_schemes_and_error_answers(
    anonymous: TestClient,
) -> None:
    """Both key headers are security schemes; every keyed operation declares 401 and 403
    in the error shape, every twin run 422 and 429; /health needs no key."""
    spec = anonymous.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["BearerKey"]["scheme"] == "bearer"
    assert schemes["ApiKeyHeader"] == {**schemes["ApiKeyHeader"], "in": "header",
                                       "name": "X-API-Key"}  # fmt: skip
    for method, path in ROUTES:
        operation = spec["paths"][path][method.lower()]
        codes = set(operation["responses"])
        if needed_role(method, path) is None:
            assert "security" not in operation, path
            continue
        assert {"401", "403", "422"} <= codes and operation["security"], (method, path)
        for code in codes - {"200", "201"}:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorBody"), (method, path, code)
        if path.startswith(f"{API_PREFIX}/twin") and method == "POST":
            assert "429" in codes, path
