"""Project command lines run as real child processes, and bounded waits for them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Process", "get_json", "port_open", "wait_for"]

ROOT = Path(__file__).resolve().parents[2]


def wait_for(what: str, check: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def get_json(url: str, key: str | None = None, body: Any = None) -> Any:
    """The JSON answer to a GET (or, with ``body``, a POST), sending the API ``key``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


class Process:
    """A project command line run as a child process, logging to a file."""

    def __init__(self, log_path: Path, *args: str, dsn: str) -> None:
        self.log_path = log_path
        env = {**os.environ, "MAGNETLINE_DSN": dsn, "PYTHONUNBUFFERED": "1"}
        with log_path.open("w") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        if self.popen.poll() is not None:
            raise AssertionError(f"exited {self.popen.returncode}:\n{self.log_path.read_text()}")
        return True

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush anything."""
        self.popen.kill()
        self.popen.wait()

    def interrupt(self, timeout_s: float = 20) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode
