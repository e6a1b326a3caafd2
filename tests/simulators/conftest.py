"""Fixtures for the simulator tests: the real server as a subprocess on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.ports import free_port
from runtime.processes import Process

START_TIMEOUT_S = 40.0


class ServerProcess:
    """``python -m simulators serve`` as a child process, its log in a file beside its data."""

    def __init__(self, data_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"opc.tcp://127.0.0.1:{self.port}/"
        self.data_dir = data_dir
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                     "--data-dir", str(data_dir), *args]  # fmt: skip
        self.process: Process | None = None

    def start(self) -> ServerProcess:
        """Start and wait (bounded) for the ``serving`` line."""
        log_path = self.data_dir.parent / f"simulator-{self.port}.log"
        self.process = Process(log_path, "simulators", *self.args)
        self.wait_for(f"serving {self.url}", START_TIMEOUT_S)
        return self

    def wait_for(self, text: str, timeout_s: float) -> str:
        """The first log line containing ``text``; fails with the log if the server ends."""
        assert self.process is not None
        return self.process.wait_for_log(text, timeout_s)

    def stop(self, timeout_s: float = 20.0) -> int:
        """SIGTERM and wait; return the exit status."""
        assert self.process is not None
        return self.process.terminate(timeout_s)


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
        if server.process is not None:
            server.stop()
