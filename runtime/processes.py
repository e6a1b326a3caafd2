"""A project command line run as a child process: started, waited for, stopped by pid.

The demo, the tests and the benches start the simulator, the recorder and the API the same
way: ``python -m <part> ...`` from the repository root with this interpreter, output to a
log file, in a session of its own (a Ctrl-C at the terminal reaches the parent, which stops
its children in order). Stopping sends a signal, waits, kills on a timeout, and then kills
whatever the child left in its process group (worker processes it spawned), so nothing
outlives its parent's run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Process", "ProcessExited", "answers", "wait_for"]

ROOT = Path(__file__).resolve().parents[1]
_POLL_S = 0.3
_LOG_TAIL_LINES = 25


class ProcessExited(RuntimeError):
    """A child process ended while it was expected to run; the message ends with its log."""


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, poll_s: float = _POLL_S) -> Any:
    """``check()``'s first truthy result, polled until ``timeout_s`` (then TimeoutError)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(poll_s)


def answers(url: str, timeout_s: float = 2.0) -> bool:
    """Whether a GET of ``url`` answers 200 (a service's readiness probe)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Process:
    """``python -m <args>`` as a child process whose output goes to ``log_path``."""

    def __init__(
        self,
        log_path: Path,
        *args: str,
        env: Mapping[str, str] | None = None,
        dsn: str | None = None,
    ) -> None:
        self.log_path = log_path
        self.args: Sequence[str] = args
        environment = {**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"}
        if dsn is not None:
            environment["MAGNETLINE_DSN"] = dsn
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def alive(self) -> bool:
        """True while it runs; ProcessExited (with its log's tail) once it has ended."""
        if self.popen.poll() is not None:
            raise ProcessExited(
                f"`python -m {' '.join(self.args)}` exited with {self.popen.returncode}:\n"
                f"{self.log_tail()}"
            )
        return True

    def wait_until(self, what: str, check: Callable[[], Any], timeout_s: float) -> Any:
        """``wait_for`` that fails at once, with the log, if the process ends meanwhile."""
        return wait_for(what, lambda: self.alive() and check(), timeout_s)

    def wait_for_log(self, text: str, timeout_s: float) -> str:
        """The first log line containing ``text``, waited for while the process runs."""

        def line() -> str | None:
            found = [x for x in self.log_path.read_text(errors="replace").splitlines() if text in x]
            return found[0] if found else None

        return self.wait_until(f"{text!r} in {self.log_path.name}", line, timeout_s)

    def stop(self, signum: int = signal.SIGINT, timeout_s: float = 20.0) -> int:
        """Send ``signum``, wait up to ``timeout_s``, then SIGKILL; clean its group; rc."""
        if self.popen.poll() is None:
            self.popen.send_signal(signum)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._kill_group()
        return self.popen.returncode

    def interrupt(self, timeout_s: float = 20.0) -> int:
        """SIGINT, as Ctrl-C: the process stops in order (or is killed after the timeout)."""
        return self.stop(signal.SIGINT, timeout_s)

    def terminate(self, timeout_s: float = 20.0) -> int:
        """SIGTERM, as a service manager stops a service."""
        return self.stop(signal.SIGTERM, timeout_s)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush anything."""
        self.popen.kill()
        self.popen.wait()
        self._kill_group()

    def _kill_group(self) -> None:
        # The child led its own session: what is left in its group are processes it started.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
