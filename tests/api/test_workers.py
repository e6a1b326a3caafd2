"""``python -m ingest api --workers N``: N uvicorn worker processes serve the same port."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.conftest import bearer, issue_key
from tests.api.seed import seed
from tests.conftest import free_tcp_port

_START_TIMEOUT_S = 60.0


def _spawned_children(pid: int) -> list[int]:
    """Child processes started by multiprocessing's spawn (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "the API exited while starting"
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the API did not answer within {_START_TIMEOUT_S} s")


def test_two_workers_serve_the_api(db_dsn: str, tmp_path: Path) -> None:
    """With --workers 2 the supervisor runs two worker processes that answer with keys."""
    seed(db_dsn)
    key = issue_key(db_dsn, "viewer")
    port = free_tcp_port()
    command = [sys.executable, "-m", "ingest", "--log-level", "WARNING", "api", "--port",
               str(port), "--dsn", db_dsn, "--workers", "2"]  # fmt: skip
    log = (tmp_path / "api.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, server)
        assert len(_spawned_children(server.pid)) == 2
        for _ in range(4):
            latest = httpx.get(f"{url}/api/v1/latest", headers=bearer(key), timeout=10)
            assert latest.status_code == 200 and len(latest.json()) == 4
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
