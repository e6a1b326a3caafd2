"""Injected faults arrive as the right value, status code or event over OPC UA."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import defaultdict

from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent, OpcEvent

from simulators.tags import NAMESPACE_URI

BANK = "Line1.Separation.Bank1"
FAULTS = {
    "bad": f"{BANK}.FeedFlow",
    "uncertain": f"{BANK}.OrganicFlow",
    "nan": f"{BANK}.OARatio",
    "stuck": f"{BANK}.Temperature",
    "drift": f"{BANK}.Acidity",
    "spike": f"{BANK}.RaffinatePrPurity",
    "dropout": f"{BANK}.ProductNdPurity",
}
TIMING = {"spike": "3:0:50", "drift": "0:600:3600", "dropout": "3:600"}
WATCH_S = 9.0


def _fault_args() -> list[str]:
    args = []
    for kind, tag in FAULTS.items():
        args += ["--fault", f"{kind}:{tag}:{TIMING.get(kind, '0:600')}"]
    return [*args, "--fault", "trip:Line1.Sintering.Press1:3:3"]


async def _collect(url: str) -> tuple[dict[str, list[ua.DataValue]], list]:
    values: dict[str, list[ua.DataValue]] = defaultdict(list)
    events = []
    async with asyncio.timeout(WATCH_S + 20), Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        etype = await client.nodes.base_event_type.get_child(f"{ns}:MagnetLineEventType")
        nodes = {client.get_node(f"ns={ns};s={tag}"): tag for tag in FAULTS.values()}
        nodes[client.get_node(f"ns={ns};s=Line1.Sintering.Press1.State")] = "state"
        sub = await client.create_subscription(100, queue_maxsize=100_000)
        async with sub:
            await sub.subscribe_data_change(list(nodes), queuesize=100)
            await sub.subscribe_events(client.nodes.server, etype)
            deadline = time.monotonic() + WATCH_S
            while (left := deadline - time.monotonic()) > 0:
                item = await sub.next_event(timeout=left)
                if isinstance(item, DataChangeEvent):
                    values[nodes[item.node]].append(item.data.monitored_item.Value)
                elif isinstance(item, OpcEvent):
                    events.append(item.event)
    return values, events


async def test_each_fault_arrives_as_value_status_or_event(start_server) -> None:
    """Bad/Uncertain status, NaN, stuck, drift, spike, dropout, and a trip event."""
    server = start_server("--seed", "5", *_fault_args())
    values, events = await _collect(server.url)

    def series(kind: str) -> list[ua.DataValue]:
        """Values after the first notification (which may predate a fault from step 1)."""
        return values[FAULTS[kind]][1:]

    assert all(dv.StatusCode.value == ua.StatusCodes.BadSensorFailure for dv in series("bad"))
    assert all(dv.Value.Value is None for dv in series("bad"))
    uncertain = series("uncertain")
    assert all(dv.StatusCode.value == ua.StatusCodes.UncertainSensorNotAccurate
               for dv in uncertain)  # fmt: skip
    assert all(dv.Value.Value > 0 for dv in uncertain)
    assert all(math.isnan(dv.Value.Value) for dv in series("nan"))
    assert len(series("stuck")) <= 2  # a frozen value raises no data change
    drift = [dv.Value.Value for dv in series("drift")]
    assert drift[-1] - drift[0] > 0.8 * (len(drift) - 1)  # ~1 mol/L per second of fault
    spikes = [dv.Value.Value for dv in series("spike")]
    assert sum(v > 140 for v in spikes) == 1 and spikes[-1] < 101
    dropout = series("dropout")
    assert dropout and len(dropout) <= 5
    assert dropout[-1].SourceTimestamp < series("drift")[-1].SourceTimestamp
    states = [dv.Value.Value for dv in values["state"]]
    assert "down" in states and states[-1] != "down"
    kinds = [(e.Kind, e.SourceName) for e in events]
    assert ("trip", "Line1.Sintering.Press1") in kinds
    assert ("repair", "Line1.Sintering.Press1") in kinds
    trip = next(e for e in events if e.Kind == "trip")
    assert trip.Severity >= 700 and json.loads(trip.Details)["cause"] == "injected fault"
    assert server.stop() == 0
    log = server.data_dir / "runs" / (server.data_dir / "runs" / "latest.txt").read_text()
    started = [json.loads(x) for x in (log / "faults.jsonl").read_text().splitlines()]
    assert {r["kind"] for r in started if r["phase"] == "start"} == {*FAULTS, "trip"}
