"""A real recording for the tests that read the historian: the simulator served over OPC
UA and the ingest service recording it into a test database, both as processes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg

from runtime.ports import free_port, port_open
from runtime.processes import Process, wait_for

NAMESPACE = "urn:magnetline:simulator"
_HISTORY_S = 3 * 86400  # the simulator keeps every step of a test's recording


@dataclass(frozen=True)
class Recording:
    """Where the simulator kept what it published, once both processes have stopped."""

    dsn: str
    data_dir: Path

    @property
    def history_file(self) -> Path:
        return self.data_dir / "history.npz"

    @property
    def run_folder(self) -> Path:
        return self.data_dir / "runs" / (self.data_dir / "runs" / "latest.txt").read_text()


@contextmanager
def recorded_line(
    tmp_path: Path, dsn: str, *, speed: float, step_s: float, until: Callable[[], bool],
    timeout_s: float = 90, seed: int = 7, naming: str = "native",
) -> Iterator[Recording]:  # fmt: skip
    """Serve the simulator and record it until ``until()`` holds, then stop the recorder
    (it flushes) and the simulator (it saves its history); yields the recording.

    ``--catch-up`` covers the start wait and ``timeout_s``: the simulator starts that many
    wall seconds at ``speed`` back (days at 3600, inside the recorder's raw retention) and
    runs at ``speed`` throughout, never reaching the wall clock."""
    port = free_port()
    url = f"opc.tcp://127.0.0.1:{port}/"
    data_dir = tmp_path / "sim"
    simulator = Process(tmp_path / "simulator.log", "simulators", "serve", "--port", str(port),
                        "--seed", str(seed), "--speed", str(speed), "--step", str(step_s),
                        "--catch-up", str(timeout_s + 60),
                        "--data-dir", str(data_dir), "--history-window", str(_HISTORY_S),
                        "--naming", naming, dsn=dsn)  # fmt: skip
    processes = [simulator]
    try:
        wait_for("the OPC UA server", lambda: simulator.alive() and port_open(port), 60)
        ingest = Process(tmp_path / "ingest.log", "ingest", "run",
                         *_source(tmp_path, url, naming), "--dsn", dsn, "--metrics-port", "0",
                         dsn=dsn)  # fmt: skip
        processes.append(ingest)
        wait_for("the recording", lambda: ingest.alive() and simulator.alive() and until(),
                 timeout_s)  # fmt: skip
        assert ingest.interrupt() == 0
        assert simulator.interrupt() == 0
        yield Recording(dsn, data_dir)
    finally:
        for process in reversed(processes):
            process.interrupt()


def _source(tmp_path: Path, url: str, naming: str) -> list[str]:
    """The recorder's options for the simulator under ``naming``: a foreign-named plant
    has another tree (Plant/Line/Stage/Equipment) and publishes lots on ``LastBatch``."""
    if naming == "native":
        return ["--endpoint", url, "--namespace-uri", NAMESPACE]
    config = tmp_path / "ingest.toml"
    config.write_text(
        f'[[endpoint]]\nurl = "{url}"\nnamespaces = ["{NAMESPACE}"]\nlot_variable = "LastBatch"\n'
        'levels = ["plant", "line", "stage", "equipment"]\n'
    )
    return ["--config", str(config)]


def count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchone()[0]


def recorded_days(dsn: str) -> float:
    """Span of the numeric readings recorded so far [d] (0 before the first)."""
    return (
        float(
            count(dsn, "SELECT coalesce(extract(epoch FROM max(time) - min(time)), 0) FROM reading")
        )
        / 86400.0
    )


def magnetized_lots(dsn: str) -> int:
    """Magnetized lots recorded: calibration needs at least one."""
    return count(dsn, "SELECT count(*) FROM lot WHERE properties->>'kind' = 'magnetized'")


def published_history(history_file: Path) -> tuple[dict[str, list], dict[str, list]]:
    """What the simulator published, from its saved history: numeric tag → [(time µs, value,
    status)] of the steps it wrote, and text tag → [(time µs, value)] of its changes."""
    with np.load(history_file) as saved:
        times, values = saved["times"], saved["values"]
        status, written = saved["status"], saved["written"]
        columns = [str(c) for c in saved["columns"]]
        texts = json.loads(str(saved["texts"]))
    numeric = {
        tag: list(zip(times[written[:, i]].tolist(), values[written[:, i], i].tolist(),
                      status[written[:, i], i].tolist(), strict=True))
        for i, tag in enumerate(columns)
    }  # fmt: skip
    return numeric, {tag: [(int(t), v) for t, v in changes] for tag, changes in texts.items()}
