"""HistoryRead from the publisher's own history, across restarts of the process.

A restart of the server inside one process (the "restart" fault) is in
``test_event_history``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
from asyncua import Client, ua
from asyncua.ua.ua_binary import struct_to_binary

from simulators.config import SimConfig
from simulators.faults import STATUS_BAD, FaultSpec
from simulators.history import History
from simulators.opcua.history_read import PublisherHistoryStorage
from simulators.opcua.times import us_from_datetime
from simulators.serve import LiveRun
from simulators.tags import NAMESPACE_URI

TAG = "Line1.Sintering.Furnace1.Zone1Temperature"
TIMEOUT_S = 30.0


async def _history(url: str, tag: str, since: datetime) -> list:
    async with asyncio.timeout(TIMEOUT_S), Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        node = client.get_node(f"ns={ns};s={tag}")
        return await node.read_raw_history(since, datetime.now(UTC) + timedelta(hours=1))


async def _events(url: str) -> list:
    async with asyncio.timeout(TIMEOUT_S), Client(url) as client:
        return await client.nodes.server.read_event_history(
            datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)
        )


def _runs(data_dir: Path) -> list[str]:
    """The two serve runs' ground-truth folders, oldest first."""
    return sorted(p.name for p in (data_dir / "runs").iterdir() if p.is_dir())


def _truth(data_dir: Path, run: str) -> list[dict]:
    text = (data_dir / "runs" / run / "events.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


async def test_history_survives_a_process_restart(start_server, tmp_path) -> None:
    """Values and events published before a restart are read back, with unique rising
    timestamps; the second process numbers its lots and events on from the first."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    data_dir = tmp_path / "sim"
    first = start_server("--history-window", "600", data_dir=data_dir)
    await asyncio.sleep(3.0)
    assert first.stop() == 0
    stopped = datetime.now(UTC)
    second = start_server("--history-window", "600", data_dir=data_dir)
    await asyncio.sleep(1.5)
    values = await _history(second.url, TAG, since)
    times = [dv.SourceTimestamp for dv in values]
    assert sum(t < stopped for t in times) >= 3  # from the first process
    assert sum(t > stopped for t in times) >= 1  # and from the second
    assert all(b > a for a, b in pairwise(times))
    states = await _history(second.url, "Line1.Sintering.Furnace1.State", since)
    assert states and states[0].Value.Value in ("running", "idle", "down", "maintenance")
    events = await _events(second.url)
    assert sum(e.Time < stopped for e in events) >= 2  # the first process's seed-stock lots
    assert second.stop() == 0
    first_run, second_run = (_truth(data_dir, run) for run in _runs(data_dir))
    published = [x["event_id"] for x in first_run + second_run]
    ids = [e.EventId.hex() for e in events]
    assert len(ids) >= len(first_run) + 2 and ids == published[: len(ids)]
    lots = [{x["lot_id"] for x in run if x["kind"] == "lot"} for run in (first_run, second_run)]
    assert "Line1-OX00001" in lots[0] and "Line1-OX00002" in lots[1]  # numbers continue
    assert not lots[0] & lots[1]


class _Published:
    """Stands in for the publisher: keeps what would have been written."""

    def __init__(self) -> None:
        self.numeric: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.texts: list[tuple[str, int, str | bool]] = []

    async def publish_numeric(self, ts, values, status, written) -> None:
        self.numeric.append((us_from_datetime(ts), values.copy(), status.copy(), written.copy()))

    async def publish_text(self, path, ts, value, status=0) -> None:
        self.texts.append((path, us_from_datetime(ts), value))


async def test_a_start_and_a_restart_publish_only_what_history_holds(tmp_path) -> None:
    """Step 0 at the first start, and the last values a restarted server is filled with
    (Bad and dropped-out tags too), are in history with the same time, value and status."""
    faults = (FaultSpec("dropout", "Line1.Sintering.Press1.*", 2, 60),
              FaultSpec("bad", "Line1.Separation.Bank1.*", 3, 60))  # fmt: skip
    run = LiveRun(SimConfig(data_dir=tmp_path, faults=faults))
    published = _Published()
    await run._publish_current(published)  # the first start: step 0
    for _ in range(5):
        run.archive.record(run.sim.advance())
    await run._publish_current(published)  # a restart: the last values history has
    paths = list(run.history.columns)
    assert len(published.numeric) >= 3  # step 0, then the restart's groups of times
    for t_us, values, status, written in published.numeric:
        for i in np.flatnonzero(written):
            assert run.history.numeric(paths[i], t_us, t_us) == [(t_us, values[i], status[i])]
    for path, t_us, value in published.texts:
        assert (t_us, value) in run.history.text(path, t_us, t_us)
    run.archive.close()


async def test_a_bad_value_reads_back_null_as_it_was_published() -> None:
    """HistoryRead gives a Bad value as the publisher sent it: null, with its status, and
    the answer encodes (a Double variant without a value is refused by asyncua)."""
    history = History(["X.Flow"], [], 60.0, 1.0)
    t0 = 1_767_225_600_000_000
    for k, status in enumerate((0, STATUS_BAD, 0)):
        history.append(t0 + k, np.array([1.5]), np.array([status], np.uint32), np.ones(1, bool))
    storage = PublisherHistoryStorage(history, 2)
    values, _ = await storage.read_node_history(ua.NodeId("X.Flow", 2), None, None, 0)
    assert [(dv.Value.Value, dv.StatusCode.value) for dv in values] == [
        (1.5, 0),
        (None, STATUS_BAD),
        (1.5, 0),
    ]
    assert values[1].Value.VariantType == ua.VariantType.Null
    struct_to_binary(ua.HistoryData(DataValues=values))
