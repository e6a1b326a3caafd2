"""Property-based run: schemathesis against our own OpenAPI, with an operator's key.

The API runs as ``python -m api`` on a free port over the seeded database, with the
twin's limits set small so that any generated run is quick. For each operation schemathesis
sends ``EXAMPLES`` generated requests (plus its own edge cases) and checks that none gets a
5xx, that every status code, content type, header and body is the one the OpenAPI
description declares, and that a request without the key is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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

from api import create_app
from api.keys import Role
from api.settings import ApiSettings
from tests.api.conftest import bearer, issue_key, start_api

EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]  # fmt: skip
# Small enough that a generated twin run takes milliseconds, large enough to reach them.
SMALL_TWIN = {"TWIN_MAX_SAMPLES": "50", "TWIN_MAX_HORIZON_DAYS": "60",
              "TWIN_MAX_REPLICATIONS": "2", "TWIN_MAX_SWEEP_POINTS": "4", "TWIN_WORKERS": "2",
              "STREAM_MAX_S": "0.5", "STREAM_POLL_S": "0.1"}  # fmt: skip


@pytest.fixture(scope="module")
def served(
    module_db_dsn: str, tag_ids: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The API's URL, served by its own command on a free port."""
    env = {**os.environ, **{f"MAGNETLINE_API_{k}": v for k, v in SMALL_TWIN.items()}}
    log = Path(tmp_path_factory.mktemp("api")) / "api.log"
    server, url = start_api(log, module_db_dsn, env=env)
    try:
        yield url
    finally:
        server.terminate(timeout_s=30)


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
