"""``python -m api --workers N``: N uvicorn worker processes serve the same port."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import bearer, issue_key, start_api
from tests.api.seed import seed


def _spawned_children(pid: int) -> list[int]:
    """Child processes started by multiprocessing's spawn (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_two_workers_serve_the_api(db_dsn: str, tmp_path: Path) -> None:
    """With --workers 2 the supervisor runs two worker processes that answer with keys."""
    seed(db_dsn)
    key = issue_key(db_dsn, "viewer")
    server, url = start_api(tmp_path / "api.log", db_dsn, "--workers", "2")
    try:
        assert len(_spawned_children(server.pid)) == 2
        for _ in range(4):
            latest = httpx.get(f"{url}/api/v1/latest", headers=bearer(key), timeout=10)
            assert latest.status_code == 200 and len(latest.json()) == 4
    finally:
        server.terminate(timeout_s=30)
