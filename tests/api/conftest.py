"""Fixtures of the API tests: one seeded database per module, keys, and a client on it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from api.keys import Role, create_key_at
from api.settings import ApiSettings
from runtime.ports import free_port
from runtime.processes import Process, answers
from tests.api.seed import seed


def issue_key(dsn: str, role: Role | str, name: str = "tests") -> str:
    """A new key of ``role`` stored in the database at ``dsn``; returns its text."""
    return create_key_at(dsn, name, Role(role).value)[1]


def start_api(
    log_path: Path, dsn: str, *args: str, env: Mapping[str, str] | None = None
) -> tuple[Process, str]:
    """``python -m api`` on a free port over the database at ``dsn``, answering its health
    probe: the process and the server's URL. Stop it with ``.terminate()``."""
    port = free_port()
    server = Process(log_path, "api", "--port", str(port), "--dsn", dsn, *args, env=env)
    url = f"http://127.0.0.1:{port}"
    server.wait_until("the API's health probe", lambda: answers(f"{url}/api/v1/health"), 60)
    return server, url


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def keyed(app: FastAPI, dsn: str, role: Role | str = Role.viewer) -> TestClient:
    """A client of ``app`` that sends a new key of ``role`` from the database at ``dsn``."""
    return TestClient(app, headers=bearer(issue_key(dsn, role)))


#: Well-formed, but in no database: with the database away it cannot be checked (503).
UNCHECKABLE_KEY = "mlk_000000000000_" + "A" * 43


@pytest.fixture(scope="module")
def role_keys(module_db_dsn: str) -> dict[Role, str]:
    """One key per role on the module's database."""
    return {role: issue_key(module_db_dsn, role, f"{role.value} tests") for role in Role}


@pytest.fixture(scope="module")
def tag_ids(module_db_dsn: str) -> dict[str, int]:
    """Tag ids by browse path of the seeded plant."""
    return seed(module_db_dsn)


@pytest.fixture(scope="module")
def client(
    module_db_dsn: str, tag_ids: dict[str, int], role_keys: dict[Role, str]
) -> Iterator[TestClient]:
    """A viewer's client of the API on the seeded database (small limits to reach them)."""
    settings = ApiSettings(max_readings_per_request=5000, max_export_rows=7000,
                           stream_poll_s=0.05, stream_max_s=1.0)  # fmt: skip
    app = create_app(settings, module_db_dsn)
    with TestClient(app, headers=bearer(role_keys[Role.viewer])) as client:
        yield client


def error_of(response) -> dict:
    """The ``error`` object of an error response, checking the stable shape."""
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "detail"} <= set(body["error"])
    return body["error"]
