"""Nothing lost: the ingest service (a real process) through a database outage, a simulator
restart, a SIGKILL of itself, and one of two endpoints going away.

The oracle is the simulator's own history (HistoryRead, read with a plain asyncua client):
every value it published in the checked window must be stored exactly once, with its
status. The database outage runs against a private PostgreSQL cluster of its own, stopped
and started for real.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from asyncua import Client, ua

from runtime.ports import free_port, port_open
from runtime.processes import Process, wait_for
from runtime.state import default_state_dir
from store.cluster import EmbeddedCluster
from store.migrate import apply_migrations

# The recorder, the servers and the database run as child processes here, so a socket this
# warning names is the test's own (its OPC UA history client, its polls of a database it
# has just stopped), finalized late after an outage cut it short; it is not product code.
pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")

NAMESPACE = "urn:magnetline:simulator"
SPEED = 30  # ~3,150 value changes/s from the default line (105 numeric tags)
CHECKED_TAGS = "Line1.Sintering.Furnace%"  # 4 furnaces x 8 numeric signals


class Line:
    """A simulator and an ingest service as processes, against one database."""

    def __init__(self, tmp_path: Path, dsn: str, label: str | None = None) -> None:
        self.tmp_path, self.dsn = tmp_path, dsn
        self.opc_port = free_port()
        self.url = f"opc.tcp://127.0.0.1:{self.opc_port}/"
        self.label = label or self.url  # the endpoint column of its tags
        self.simulator: Process | None = None
        self.ingest: Process | None = None
        self.ingest_runs = 0

    def start_simulator(self, *faults: str) -> None:
        args = [
            "simulators",
            "serve",
            "--port",
            str(self.opc_port),
            "--seed",
            "11",
            "--speed",
            str(SPEED),
            "--history-window",
            "7200",
            "--data-dir",
            str(self.tmp_path / "sim"),
        ]
        for fault in faults:
            args += ["--fault", fault]
        self.simulator = Process(self.tmp_path / "simulator.log", *args, dsn=self.dsn)
        wait_for(
            "the OPC UA server", lambda: self.simulator.alive() and port_open(self.opc_port), 60
        )

    def start_ingest(self) -> None:
        self.ingest_runs += 1
        self.ingest = Process(
            self.tmp_path / f"ingest-{self.ingest_runs}.log",
            "ingest",
            "run",
            "--endpoint",
            self.url,
            "--namespace-uri",
            NAMESPACE,
            "--dsn",
            self.dsn,
            "--metrics-port",
            "0",
            "--spool-dir",
            str(self.tmp_path / "spool"),
            dsn=self.dsn,
        )

    def stop(self) -> None:
        for process in (self.ingest, self.simulator):
            if process is not None:
                process.interrupt()


def _stored(dsn: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchall()


def _health(dsn: str) -> dict:
    rows = _stored(dsn, "SELECT state, details FROM ingest_health")
    return {"state": rows[0][0], **rows[0][1]} if rows else {}


def _span_s(dsn: str) -> float:
    """Seconds of data time stored so far."""
    first, last = _stored(dsn, "SELECT min(time), max(time) FROM reading")[0]
    return (last - first).total_seconds() if first else 0.0


def _newest(dsn: str) -> dt.datetime | None:
    return _stored(dsn, "SELECT max(time) FROM reading")[0][0]


async def _history(
    url: str, node_ids: list[str], start: dt.datetime, end: dt.datetime
) -> dict[str, set]:
    """What the simulator published per node in [start, end]: {(time, value, status)}."""
    published = {}
    async with Client(url, timeout=30) as client:
        index = await client.get_namespace_index(NAMESPACE)
        for node_id in node_ids:
            node = client.get_node(ua.NodeId(node_id.removeprefix("s="), index))
            values = await node.read_raw_history(start, end, return_bounds=False)
            published[node_id] = {
                (
                    v.SourceTimestamp,
                    None if v.StatusCode.value & 0x80000000 else v.Value.Value,
                    v.StatusCode.value,
                )
                for v in values
                if start <= v.SourceTimestamp <= end
            }
    return published


def _recorded(line: Line, start: dt.datetime, end: dt.datetime) -> dict[str, list]:
    rows = _stored(
        line.dsn,
        "SELECT t.node_id, r.time, r.value, r.status_code FROM reading r JOIN tag t USING (tag_id)"
        " WHERE t.endpoint = %s AND t.node_id LIKE %s AND t.data_type = 'Double'"
        " AND r.time BETWEEN %s AND %s",
        (line.label, f"s={CHECKED_TAGS}", start, end),
    )
    recorded: dict[str, list] = {}
    for node_id, moment, value, status in rows:
        recorded.setdefault(node_id, []).append((moment, value, status))
    return recorded


def assert_stored_exactly_once(line: Line, start: dt.datetime, end: dt.datetime) -> int:
    """Every value the simulator published for the checked tags in [start, end] is stored
    once, with its status; returns how many values that is."""
    recorded = _recorded(line, start, end)
    published = asyncio.run(_history(line.url, sorted(recorded), start, end))
    assert len(recorded) >= 20
    for node_id, rows in recorded.items():
        assert len(rows) == len(set(rows)), f"{node_id}: a value stored twice"
        # a tag is recorded from its subscription on, which sends its value at once; the
        # chunks are subscribed one after the other, the last a while after the first on a
        # loaded machine, and what came before a tag's subscription was never promised
        subscribed = _first_stored(line, node_id)
        missing = {p for p in published[node_id] - set(rows) if p[0] >= subscribed}
        assert not missing, (
            f"{node_id}: {len(missing)} published values not stored, from "
            f"{min(missing)[0]} to {max(missing)[0]} (window {start} to {end}); "
            f"stored with the overflow bit: {_overflowed(line.dsn)}"
        )
    return sum(len(rows) for rows in recorded.values())


@pytest.fixture
def private_cluster() -> Iterator[EmbeddedCluster]:
    """A PostgreSQL + TimescaleDB cluster of this test's own, to stop and start for real."""
    cluster = EmbeddedCluster(default_state_dir() / "test-clusters" / uuid.uuid4().hex[:12])
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.state_dir, ignore_errors=True)


@pytest.fixture
def line(tmp_path: Path, db_dsn: str) -> Iterator[Line]:
    line = Line(tmp_path, db_dsn)
    yield line
    line.stop()


def test_database_outage_loses_nothing(tmp_path: Path, private_cluster: EmbeddedCluster) -> None:
    """The database stopped for 30 s mid-run and started again: every value published in
    the window is stored exactly once, through the spool."""
    dsn = private_cluster.start()
    apply_migrations(dsn)
    line = Line(tmp_path, dsn)
    try:
        line.start_simulator()
        line.start_ingest()
        wait_for("10 s of data", lambda: line.ingest.alive() and _span_s(dsn) > 10 * SPEED, 60)
        before_outage = _newest(dsn)
        private_cluster.stop()
        hold(30, line.ingest)
        private_cluster.start()
        wait_for("the spool replayed", lambda: _spool_empty_and_recent(dsn, before_outage), 90)
        health = _health(dsn)
        line.ingest.interrupt()
        start, end = _window(dsn)
        checked = assert_stored_exactly_once(line, start, end)
    finally:
        line.stop()
    assert health["writer_rows_spooled"] > 30 * 2000 * 0.5
    assert health["writer_rows_replayed"] > 0 and health["spool_segments"] == 0
    # The checked window spans the whole outage.
    assert start < before_outage and end > before_outage + dt.timedelta(seconds=30 * SPEED)
    assert checked > 1000


def test_simulator_restart_and_ingest_crash_lose_nothing(line: Line) -> None:
    """The simulator restarts mid-run, later the ingest process is SIGKILLed and started
    again: both gaps are recorded and backfilled from history, nothing lost or doubled."""
    line.start_simulator(f"restart:*:{20 * SPEED}:{8 * SPEED}")
    line.start_ingest()
    wait_for(
        "the restart's gap filled", lambda: line.ingest.alive() and _filled_gaps(line.dsn) >= 1, 90
    )
    line.ingest.kill()
    time.sleep(8)  # the recorder is dead; the line runs on
    line.start_ingest()
    wait_for(
        "the crash's gap filled", lambda: line.ingest.alive() and _filled_gaps(line.dsn) >= 2, 90
    )
    line.ingest.interrupt()
    gaps = _stored(line.dsn, "SELECT reason, filled FROM gap ORDER BY start_time")
    assert ("session lost", True) in gaps and ("recorder was not running", True) in gaps
    start, end = _window(line.dsn)
    assert assert_stored_exactly_once(line, start, end) > 1000


def test_one_endpoint_going_away_leaves_the_other_complete(tmp_path: Path, db_dsn: str) -> None:
    """Of two endpoints, one stops for good: the other's data stays complete."""
    first, second = Line(tmp_path / "a", db_dsn, "line-a"), Line(tmp_path / "b", db_dsn, "line-b")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    config = tmp_path / "ingest.toml"
    config.write_text(
        f'metrics_port = 0\n[writer]\nspool_dir = "{tmp_path / "spool"}"\n'
        f'[[endpoint]]\nurl = "{first.url}"\nname = "line-a"\n'
        f'[[endpoint]]\nurl = "{second.url}"\nname = "line-b"\n'
    )
    try:
        first.start_simulator()
        second.start_simulator()
        ingest = Process(
            tmp_path / "ingest.log",
            "ingest",
            "run",
            "--config",
            str(config),
            "--dsn",
            db_dsn,
            dsn=db_dsn,
        )
        wait_for("both endpoints recording", lambda: ingest.alive() and _running(db_dsn) == 2, 60)
        hold(10, ingest)
        second.simulator.interrupt()
        wait_for(
            "line-b seen as lost",
            lambda: ingest.alive() and _states(db_dsn)["line-b"] in ("connecting", "reconnecting"),
            60,
        )
        hold(10, ingest)
        assert _states(db_dsn)["line-a"] == "running"
        ingest.interrupt()
        start, end = _window(db_dsn, endpoint="line-a")
        assert assert_stored_exactly_once(first, start, end) > 1000
    finally:
        first.stop()
        second.stop()


def hold(seconds: float, process: Process) -> None:
    """Let ``seconds`` pass while ``process`` must stay alive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        process.alive()
        time.sleep(0.5)


def _overflowed(dsn: str) -> int:
    """Readings the server marked as following an overflow of its monitored-item queue."""
    return _stored(dsn, "SELECT count(*) FROM reading WHERE status_code & 1152 = 1152")[0][0]


def _window(dsn: str, endpoint: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The checked window: the stored span less a margin at each end (simulated seconds)."""
    rows = _stored(
        dsn,
        "SELECT min(r.time), max(r.time) FROM reading r JOIN tag t USING (tag_id) "
        "WHERE %s::text IS NULL OR t.endpoint = %s",
        (endpoint, endpoint),
    )
    margin = dt.timedelta(seconds=10 * SPEED)
    return rows[0][0] + margin, rows[0][1] - margin


def _first_stored(line: Line, node_id: str) -> dt.datetime:
    return _stored(
        line.dsn,
        "SELECT min(r.time) FROM reading r JOIN tag t USING (tag_id) "
        "WHERE t.endpoint = %s AND t.node_id = %s",
        (line.label, node_id),
    )[0][0]


def _spool_empty_and_recent(dsn: str, before_outage: dt.datetime) -> bool:
    try:
        health = _health(dsn)
        newest = _newest(dsn)
    except psycopg.OperationalError:
        return False
    caught_up = newest is not None and newest > before_outage + dt.timedelta(seconds=40 * SPEED)
    return bool(health) and health["spool_segments"] == 0 and health["database_up"] and caught_up


def _filled_gaps(dsn: str) -> int:
    return _stored(dsn, "SELECT count(*) FROM gap WHERE filled")[0][0]


def _states(dsn: str) -> dict[str, str]:
    return dict(_stored(dsn, "SELECT endpoint, state FROM ingest_health"))


def _running(dsn: str) -> int:
    return sum(state == "running" for state in _states(dsn).values())
