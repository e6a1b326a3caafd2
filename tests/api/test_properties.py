"""Property-based run: schemathesis against our own OpenAPI, with an operator's key.

The API runs as ``python -m ingest api`` on a free port over the seeded database, with the
twin's limits set small so that any generated run is quick. For each operation schemathesis
sends ``EXAMPLES`` generated requests (plus its own edge cases) and checks that none gets a
5xx, that every status code, content type, header and body is the one the OpenAPI
description declares, and that a request without the key is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ingest.api import create_app
from ingest.api.settings import ApiSettings
from ingest.api_keys import Role
from tests.api.conftest import bearer, issue_key
from tests.conftest import free_tcp_port

EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]  # fmt: skip
# Small enough that a generated twin run takes milliseconds, large enough to reach them.
SMALL_TWIN = {"TWIN_MAX_SAMPLES": "50", "TWIN_MAX_HORIZON_DAYS": "60",
              "TWIN_MAX_REPLICATIONS": "2", "TWIN_MAX_SWEEP_POINTS": "4", "TWIN_WORKERS": "2",
              "STREAM_MAX_S": "0.5", "STREAM_POLL_S": "0.1"}  # fmt: skip


def _wait_for_health(url: str, server: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, "the API exited at start-up"
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError("the API did not answer its health probe")


@pytest.fixture(scope="module")
def served(
    module_db_dsn: str, tag_ids: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The API's URL, served by its own command on a free port."""
    port = free_tcp_port()
    env = {**os.environ, **{f"MAGNETLINE_API_{k}": v for k, v in SMALL_TWIN.items()}}
    log = Path(tmp_path_factory.mktemp("api")) / "api.log"
    command = [sys.executable, "-m", "ingest", "api", "--port", str(port),
               "--dsn", module_db_dsn]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def operator_key(module_db_dsn: str) -> str:
    return issue_key(module_db_dsn, Role.operator, "schemathesis")


# The description the served API publishes: the same app's, built here so that tests are
# collected per operation (building it connects to nothing).
schema = schemathesis.openapi.from_dict(
    create_app(ApiSettings(), "postgresql://unused@127.0.0.1:1/none").openapi()
)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_server_error_and_every_answer_fits_its_schema(
    case, served: str, operator_key: str
) -> None:
    """No 5xx; every answer has a declared status, type, headers and body shape."""
    case.call_and_validate(base_url=served, headers=bearer(operator_key), checks=CHECKS, timeout=60)
