"""Fixtures for the simulator tests: the real server as a subprocess on a free port."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT_S = 40.0


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``python -m simulators serve`` in a subprocess, with its log lines collected."""

    def __init__(self, data_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"opc.tcp://127.0.0.1:{self.port}/"
        self.data_dir = data_dir
        self.args = [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            *args,
        ]
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        """Start and wait (bounded) for the ``serving`` line."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "simulators", *self.args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        self.wait_for(f"serving {self.url}", START_TIMEOUT_S)
        return self

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, timeout_s: float) -> str:
        """Wait for a log line containing ``text``; fail with the log so far."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc is not None and self.proc.poll() is not None:
                    break
                continue
            self.log.append(line)
            if text in line:
                return line
        raise AssertionError(f"no log line with {text!r}; log:\n{''.join(self.log)}")

    def stop(self, timeout_s: float = 20.0) -> int:
        """SIGTERM and wait; return the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=timeout_s)
        self._pump_thread.join(timeout=timeout_s)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return status


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    """Factory: ``start_server(*cli_args)`` starts a server; all are stopped at the end."""
    started: list[ServerProcess] = []

    def _start(*args: str, data_dir: Path | None = None) -> ServerProcess:
        server = ServerProcess(data_dir or tmp_path / "sim", *args).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        stderr = server.proc.stderr if server.proc is not None else None
        if stderr is not None and not stderr.closed:
            server.stop()
