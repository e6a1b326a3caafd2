"""The README's main job (scripts/demo.py) calls the project's command lines as they are,
and stops everything it started however it is stopped."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from runtime.ports import free_port
from runtime.processes import ROOT, Process, answers


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_makes_its_key_with_the_keys_command(db_dsn: str) -> None:
    """create_key runs `python -m api keys create`: an operator key, stored as a hash."""
    key = _demo().create_key({**os.environ, "MAGNETLINE_DSN": db_dsn})
    assert key["role"] == "operator" and key["key"].startswith(f"mlk_{key['key_id']}_")
    with psycopg.connect(db_dsn) as conn:
        (stored,) = conn.execute("SELECT key_hash FROM api_key").fetchone()
    assert key["key"] not in stored


def _started(log: str) -> dict[str, int]:
    """The children the demo says it started: name -> pid."""
    return {name: int(pid) for name, pid in re.findall(r"started (\w+)\s+pid (\d+)", log)}


def _alive_in_groups(groups: set[int]) -> list[str]:
    """Live processes in the given process groups (a child leads its own, with whatever it
    started in it: the API's twin workers)."""
    found = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            state, _, group = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            if proc.name.isdigit() and int(group) in groups and state != "Z":
                found.append(f"pid {proc.name}: {(proc / 'cmdline').read_bytes()[:120]!r}")
    return found


# SIGHUP takes the same path (scripts/demo.py installs one handler for both); a second demo
# run to show it would double this test's ~10 s.
@pytest.mark.parametrize("signum", [signal.SIGTERM], ids=["SIGTERM"])
def test_a_signal_stops_everything_the_demo_started(
    tmp_path: Path, db_dsn: str, signum: signal.Signals
) -> None:
    """SIGTERM (a service manager, `timeout`) once the demo serves: it stops the simulator,
    the recorder and the API as Ctrl-C does, and none of them outlives it."""
    api_port = free_port()
    demo = Process(tmp_path / "demo.log", "scripts.demo", "--api-port", str(api_port),
                   "--log-dir", str(tmp_path / "logs"), dsn=db_dsn)  # fmt: skip
    started: dict[str, int] = {}
    try:
        health = f"http://127.0.0.1:{api_port}/api/v1/health"
        demo.wait_until("the demo's API", lambda: answers(health, timeout_s=0.5), 60)
        started = _started(demo.log_path.read_text())
        assert set(started) == {"simulator", "ingest", "api"}
        demo.popen.send_signal(signum)
        assert demo.popen.wait(45) == 0, demo.log_tail()
        assert f"{signum.name}: stopping" in demo.log_path.read_text()
        assert _alive_in_groups(set(started.values())) == []
    finally:
        demo.kill()
        for group in started.values():  # what a failed stop left behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
