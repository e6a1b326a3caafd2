"""HistoryRead from the publisher's own history, across restarts of the server."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
from asyncua import Client

from simulators.tags import NAMESPACE_URI

TAG = "Line1.Sintering.Furnace1.Zone1Temperature"
TIMEOUT_S = 30.0


async def _history(url: str, tag: str, since: datetime) -> list:
    async with asyncio.timeout(TIMEOUT_S), Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        node = client.get_node(f"ns={ns};s={tag}")
        return await node.read_raw_history(since, datetime.now(UTC) + timedelta(hours=1))


async def _wait_reconnect(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            async with asyncio.timeout(5), Client(url) as client:
                await client.get_namespace_index(NAMESPACE_URI)
                return
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def test_history_survives_a_process_restart(start_server, tmp_path) -> None:
    """Values published before a restart are read back, with unique rising timestamps."""
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


async def test_plant_runs_through_a_server_restart_and_history_fills_the_gap(start_server):
    """A restart fault drops clients; afterwards HistoryRead covers the downtime."""
    server = start_server("--fault", "restart:Server:3:4")
    since = datetime.now(UTC)
    server.wait_for("fault: server restart", 15)
    went_down = datetime.now(UTC)
    server.wait_for("again after restart", 15)
    await _wait_reconnect(server.url, 15)
    values = await _history(server.url, TAG, since)
    times = np.array([dv.SourceTimestamp.timestamp() for dv in values])
    assert np.max(np.diff(times)) < 1.5  # one value per second, none missing
    assert np.sum(times > went_down.timestamp() + 1) >= 3
    assert server.stop() == 0
