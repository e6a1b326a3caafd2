"""The publisher's fast path and asyncua's own path deliver the same notifications."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest
from asyncua import Server, ua

from simulators.config import SimConfig
from simulators.faults import STATUS_BAD, STATUS_UNCERTAIN
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
        ns = await build_address_space(server, sim.published)
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


class _Log:
    def __init__(self) -> None:
        self.got: list[tuple[str, object, int, datetime]] = []

    def datachange_notification(self, node, value, data) -> None:
        dv = data.monitored_item.Value
        self.got.append((node.nodeid.Identifier, dv.Value.Value, dv.StatusCode.value,
                         dv.SourceTimestamp))  # fmt: skip


async def _notifications(fast: bool) -> list[tuple[str, object, int, datetime]]:
    """What four monitored items of different settings are told over a fixed write sequence."""
    (fastpath.install if fast else fastpath.uninstall)()
    sim = Simulation(SimConfig(), 1_767_225_600_000_000)
    server = Server()
    await server.init()
    ns = await build_address_space(server, sim.published)
    paths = [s.path for s in sim.plant.signals]
    pub = Publisher(server, ns, paths, [], fast=fast)
    log = _Log()
    sub = await server.create_subscription(20, log)
    nodes = [server.get_node(ua.NodeId(p, ns)) for p in paths[:4]]
    await sub.subscribe_data_change(nodes[0], queuesize=10)
    await sub.subscribe_data_change(nodes[1], queuesize=2)  # a burst keeps the last two
    await sub.deadband_monitor(nodes[2], 1.0, queuesize=10)  # absolute deadband 1.0
    await sub.subscribe_data_change(nodes[3], queuesize=10, monitoring=ua.MonitoringMode.Disabled)
    status = np.zeros(len(paths), dtype=np.uint32)
    written = np.ones(len(paths), dtype=bool)
    sequence = [(1.0, 0), (1.0, 0), (1.5, 0), (2.7, 0), (2.7, STATUS_UNCERTAIN), (2.7, STATUS_BAD),
                (2.7, 0), (np.nan, 0)]  # fmt: skip
    for burst in (sequence[:4], sequence[4:]):  # no publish inside a burst
        for k, (value, code) in enumerate(burst):
            status[:] = code
            ts = datetime(2026, 1, 1, 0, 0, k, tzinfo=UTC)
            await pub.publish_numeric(ts, np.full(len(paths), value), status, written)
        await asyncio.sleep(0.2)
    async with asyncio.timeout(5):
        while len(log.got) < 8:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    await sub.delete()
    await server.stop()
    return log.got


def _by_item(got: list[tuple[str, object, int, datetime]]) -> dict[str, list[tuple]]:
    items: dict[str, list[tuple]] = {}
    for path, value, code, ts in got:
        shown = "nan" if isinstance(value, float) and np.isnan(value) else value
        items.setdefault(path, []).append((shown, code, ts.second if ts else None))
    return items


async def test_inline_notifications_follow_asyncua_semantics() -> None:
    """Unchanged values, queue overflow, deadband (with a Bad value), disabled items: as asyncua."""
    try:
        fast, standard = _by_item(await _notifications(True)), _by_item(await _notifications(False))
    finally:
        fastpath.install()
    assert fast == standard
    plain, burst, deadband = fast.values()  # the disabled item is told nothing
    assert [v for v, _, _ in plain[1:]] == [1.0, 1.5, 2.7, 2.7, None, 2.7, "nan"]  # no repeat
    assert plain[4][1] == STATUS_UNCERTAIN  # a change of status alone is a change
    assert [v for v, _, _ in burst] == [1.5, 2.7, 2.7, "nan"]  # queue of 2: last two per burst
    assert (2.7, 0, 3) in deadband and (1.5, 0, 2) not in deadband


def test_double_value_equals_the_dataclass_built_one() -> None:
    """``double_value`` gives what asyncua's constructors give, null variant for None."""
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    status = ua.StatusCode(STATUS_UNCERTAIN)
    built = fastpath.double_value(2.5, status, ts, ts)
    assert built == ua.DataValue(ua.Variant(2.5, ua.VariantType.Double), status, ts, ts)
    assert built.Encoding == 0 and built.SourcePicoseconds is None
    null = fastpath.double_value(None, status, ts, ts)
    assert null == ua.DataValue(ua.Variant(None, ua.VariantType.Null), status, ts, ts)
