"""Event history: HistoryRead (ReadEventDetails) on the Server object answers every event
published, with the fields the live subscription delivered, across restarts."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
from asyncua import Client, Server, ua
from asyncua.common.events import Event, get_filter_from_event_type
from asyncua.common.subscription import DataChangeEvent, OpcEvent

from simulators.events import StampedEvent
from simulators.history import History
from simulators.opcua.events import EVENT_TYPE_NAME, create_event_template
from simulators.opcua.history_read import PublisherHistoryStorage
from simulators.tags import NAMESPACE_URI

TAG = "Line1.Sintering.Furnace1.Zone1Temperature"
TIMEOUT_S = 30.0
SERVER = ua.NodeId(ua.ObjectIds.Server)
T0_US = 1_767_225_600_000_000


async def _recorder_filter(client: Client) -> ua.EventFilter:
    """The filter a recorder's live subscription uses, reused for HistoryRead."""
    ns = await client.get_namespace_index(NAMESPACE_URI)
    etype = await client.nodes.base_event_type.get_child(f"{ns}:{EVENT_TYPE_NAME}")
    types = [client.nodes.base_event_type, etype]
    return await get_filter_from_event_type(types, where_clause_generation=False)


async def _read_events(client: Client, evfilter: ua.EventFilter, per_call: int):
    """All events of the last hour, ``per_call`` at a time through continuation points."""
    now = datetime.now(UTC)
    details = ua.ReadEventDetails(NumValuesPerNode=per_call, StartTime=now - timedelta(hours=1),
                                  EndTime=now + timedelta(hours=1), Filter=evfilter)  # fmt: skip
    events, cont, calls = [], None, 0
    while calls == 0 or cont:
        node = ua.HistoryReadValueId(NodeId=SERVER, ContinuationPoint=cont)
        params = ua.HistoryReadParameters(HistoryReadDetails=details, NodesToRead=[node])
        result = (await client.uaclient.history_read(params))[0]
        result.StatusCode.check()
        events += [Event.from_event_fields(evfilter.SelectClauses, f.EventFields)
                   for f in result.HistoryData.Events]  # fmt: skip
        cont, calls = result.ContinuationPoint, calls + 1
    return events, calls


def _fields(event: Event) -> dict[str, ua.Variant]:
    return event.get_event_props_as_fields_dict()


async def _watch_live(url: str, stop_after: str) -> tuple[list[Event], list[ua.DataValue]]:
    """Events and values of TAG as a subscriber gets them, until an event from ``stop_after``."""
    events, values = [], []
    async with asyncio.timeout(TIMEOUT_S), Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        etype = await client.nodes.base_event_type.get_child(f"{ns}:{EVENT_TYPE_NAME}")
        sub = await client.create_subscription(50, queue_maxsize=10_000)
        await sub.subscribe_data_change(client.get_node(f"ns={ns};s={TAG}"), queuesize=1000)
        await sub.subscribe_events(client.nodes.server, [client.nodes.base_event_type, etype],
                                   where_clause_generation=False, queuesize=1000)  # fmt: skip
        while not any(e.SourceName == stop_after and e.Kind == "repair" for e in events):
            item = await sub.next_event(timeout=10.0)
            if isinstance(item, OpcEvent):
                events.append(item.event)
            elif isinstance(item, DataChangeEvent):
                values.append(item.data.monitored_item.Value)
        await sub.delete()
    return events, values


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


async def _after_restart(url: str) -> tuple[list[Event], int, list[Event], list, ua.DataValue]:
    async with asyncio.timeout(TIMEOUT_S), Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        evfilter = await _recorder_filter(client)
        paged, calls = await _read_events(client, evfilter, per_call=2)
        whole, _ = await _read_events(client, evfilter, per_call=0)
        node = client.get_node(f"ns={ns};s={TAG}")
        values = await node.read_raw_history(datetime.now(UTC) - timedelta(hours=1),
                                             datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
        return paged, calls, whole, values, await node.read_data_value()


def _point(dv: ua.DataValue) -> tuple:
    return dv.SourceTimestamp, dv.Value.Value, dv.StatusCode.value


async def test_events_and_values_of_a_server_restart_are_all_in_history(start_server) -> None:
    """Live events equal their history (every field, EventId too); events made while the
    server was down and the restart itself are there after it; paging loses none; every
    value a subscriber got (step 0 and the restart's republish included) is in history;
    ``events.jsonl`` holds exactly the events of history."""
    server = start_server("--fault", "trip:Line1.Sintering.Press1:2:1",
                          "--fault", "restart:Server:5:3",
                          "--fault", "trip:Line1.Sintering.JetMill1:6:1")  # fmt: skip
    live, live_values = await _watch_live(server.url, "Line1.Sintering.Press1")
    server.wait_for("again after restart", 20)
    await _wait_reconnect(server.url, 15)
    paged, calls, whole, values, current = await _after_restart(server.url)

    assert calls > 2 and [_fields(e) for e in paged] == [_fields(e) for e in whole]
    by_id = {e.EventId: e for e in paged}
    assert len(by_id) == len(paged) and all(b.Time > a.Time for a, b in pairwise(paged))
    assert len(live) >= 2 and all(_fields(e) == _fields(by_id[e.EventId]) for e in live)
    seen = {(e.Kind, e.SourceName) for e in paged}
    assert {("trip", "Line1.Sintering.JetMill1"), ("repair", "Line1.Sintering.JetMill1")} <= seen
    restart = next(e for e in paged if e.Kind == "restart")
    assert restart.SourceNode == SERVER and restart.Time > paged[0].Time

    history = {_point(dv) for dv in values}
    assert {_point(dv) for dv in live_values} <= history and _point(current) in history
    times = np.array([dv.SourceTimestamp.timestamp() for dv in values])
    assert np.max(np.diff(times)) < 1.5  # one value per second, none missing in the downtime

    assert server.stop() == 0
    folder = server.data_dir / "runs" / (server.data_dir / "runs" / "latest.txt").read_text()
    lines = [json.loads(x) for x in (folder / "events.jsonl").read_text().splitlines()]
    truth = [(x["event_id"], x["t_us"], x["kind"], x["source"]) for x in lines]
    assert truth == [(e.EventId.hex(), _us(e.Time), e.Kind, e.SourceName) for e in paged]


def _us(t: datetime) -> int:
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _stamped(n: int) -> list[StampedEvent]:
    """``n`` events, two per step as the stamper gives them (t, t + 1 µs)."""
    out = []
    for i in range(n):
        t_us, event_id = T0_US + (i // 2) * 1_000_000 + i % 2, bytes(8) + i.to_bytes(8, "big")
        out.append(StampedEvent(t_us, event_id, "Line1.Sintering.Press1", "trip", 800, "", "{}"))
    return out


async def test_event_history_pages_both_ways_and_applies_the_where_clause() -> None:
    """Continuation points resume at the next event forward and backward; a where clause
    on the event type filters as a subscription does; other nodes have no events."""
    server = Server()
    await server.init()
    ns = await server.register_namespace(NAMESPACE_URI)
    history = History(["x"], [], 3600.0, 1.0)
    for event in _stamped(7):
        history.append_event(event)
    template = await create_event_template(server, ns)
    storage = PublisherHistoryStorage(history, ns, template, server.iserver.aspace)
    ours = await get_filter_from_event_type([server.get_node(template.EventType)])
    audits = await get_filter_from_event_type([server.get_node(ua.ObjectIds.AuditEventType)])
    ids = [e.event_id for e in history.events]

    async def pages(start: datetime, end: datetime, evfilter) -> list[bytes]:
        got, cont = [], None
        while True:
            events, cont = await storage.read_event_history(SERVER, cont or start, end, 3, evfilter)
            got += [e.EventId for e in events]
            if cont is None:
                return got

    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    assert await pages(early, late, ours) == ids
    assert await pages(late, early, ours) == ids[::-1]
    assert await pages(early, late, audits) == []
    other = await storage.read_event_history(ua.NodeId("Line1", ns), early, late, 0, ours)
    assert other == ([], None)
