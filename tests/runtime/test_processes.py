"""A child process is started, waited for, and stopped with everything it started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from runtime.ports import free_port, port_is_free, port_open
from runtime.processes import Process, ProcessExited, wait_for

# A module that starts a grandchild (which ignores SIGINT and SIGTERM) and then waits.
SPAWNER = """
import signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN);"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
print("grandchild", child.pid, flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"


def test_a_server_is_waited_for_and_stopped(tmp_path: Path) -> None:
    """wait_until returns once the port answers; interrupt ends the process, port free."""
    port = free_port()
    server = Process(tmp_path / "http.log", "http.server", str(port), "--bind", "127.0.0.1")
    assert server.wait_until("the HTTP server", lambda: port_open(port), 30)
    server.interrupt(timeout_s=10)
    assert server.returncode is not None and port_is_free(port)


def test_stopping_ends_what_the_process_started(tmp_path: Path) -> None:
    """A grandchild that ignores signals does not outlive its parent's stop."""
    (tmp_path / "spawner.py").write_text(SPAWNER)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    parent = Process(tmp_path / "spawner.log", "spawner", env=env)
    line = parent.wait_for_log("grandchild", 30)
    grandchild = int(line.split()[1])
    assert _alive(grandchild)
    parent.terminate(timeout_s=10)
    wait_for("the grandchild to end", lambda: not _alive(grandchild), 10, poll_s=0.05)


def test_an_early_exit_fails_the_wait_with_the_log(tmp_path: Path) -> None:
    """A process that dies while waited for fails at once, naming its status and log."""
    process = Process(tmp_path / "bad.log", "no_such_module_here")
    started = time.monotonic()
    with pytest.raises(ProcessExited, match="No module named no_such_module_here"):
        process.wait_until("never", lambda: False, 30)
    assert time.monotonic() - started < 20


def test_wait_for_gives_up_after_its_timeout() -> None:
    """A check that never holds ends in TimeoutError naming what was waited for."""
    with pytest.raises(TimeoutError, match="the impossible"):
        wait_for("the impossible", lambda: False, 0.2, poll_s=0.05)
