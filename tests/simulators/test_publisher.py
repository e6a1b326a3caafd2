"""The publisher's fast path and asyncua's own path deliver the same notifications."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest
from asyncua import Server, ua

from simulators.config import SimConfig
from simulators.faults import STATUS_BAD
from simulators.opcua import fastpath
from simulators.opcua.address_space import build_address_space
from simulators.opcua.publisher import Publisher
from simulators.simulation import Simulation


class _Inbox:
    def __init__(self) -> None:
        self.values: list[ua.DataValue] = []

    def datachange_notification(self, node, value, data) -> None:
        self.values.append(data.monitored_item.Value)


@pytest.mark.parametrize("fast", [True, False])
async def test_fast_and_standard_paths_notify_alike(fast: bool) -> None:
    """Good values arrive as written; a Bad status arrives with a null value."""
    (fastpath.install if fast else fastpath.uninstall)()
    try:
        sim = Simulation(SimConfig(), 1_767_225_600_000_000)
        server = Server()
        await server.init()
        ns = await build_address_space(server, sim.plant)
        paths = [s.path for s in sim.plant.signals]
        pub = Publisher(server, ns, paths, [], fast=fast)
        inbox = _Inbox()
        sub = await server.create_subscription(10, inbox)
        await sub.subscribe_data_change(server.get_node(ua.NodeId(paths[0], ns)), queuesize=10)
        status = np.zeros(len(paths), dtype=np.uint32)
        written = np.ones(len(paths), dtype=bool)
        for k, value in enumerate((1.5, 2.5)):
            ts = datetime(2026, 1, 1, 0, 0, k, tzinfo=UTC)
            await pub.publish_numeric(ts, np.full(len(paths), value), status, written)
        status[0] = STATUS_BAD
        await pub.publish_numeric(datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC),
                                  np.full(len(paths), 3.5), status, written)  # fmt: skip
        async with asyncio.timeout(5):
            while len(inbox.values) < 3 or inbox.values[-1].StatusCode.value != STATUS_BAD:
                await asyncio.sleep(0.02)
        got = [(dv.Value.Value, dv.StatusCode.value) for dv in inbox.values[-3:]]
        assert got == [(1.5, 0), (2.5, 0), (None, STATUS_BAD)]
        assert fastpath.installed() is fast
        await sub.delete()
        await server.stop()
    finally:
        fastpath.install()
