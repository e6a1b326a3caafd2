"""Fixtures of the API tests: one seeded database per module, and a client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ingest.api import create_app
from ingest.api.settings import ApiSettings
from tests.api.seed import seed


@pytest.fixture(scope="module")
def tag_ids(module_db_dsn: str) -> dict[str, int]:
    """Tag ids by browse path of the seeded plant."""
    return seed(module_db_dsn)


@pytest.fixture(scope="module")
def client(module_db_dsn: str, tag_ids: dict[str, int]) -> Iterator[TestClient]:
    """A client of the API on the seeded database (small limits to reach them in tests)."""
    settings = ApiSettings(max_readings_per_request=5000, max_export_rows=7000,
                           stream_poll_s=0.05, stream_max_s=1.0)  # fmt: skip
    with TestClient(create_app(settings, module_db_dsn)) as client:
        yield client


def error_of(response) -> dict:
    """The ``error`` object of an error response, checking the stable shape."""
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "detail"} <= set(body["error"])
    return body["error"]
