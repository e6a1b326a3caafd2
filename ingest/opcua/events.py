"""OPC UA events (equipment trips, faults, alarms) as `event` rows, live and from history.

The collector subscribes to the Server object's events for the base event type and every
event type the plant defines in the namespaces it records, so the plant's own fields arrive too.
The same filter reads the server's event history after an outage (HistoryRead with
ReadEventDetails), so a recovered event is the same row as the live one would have been.
The standard fields become columns (EventId too, which tells apart two events of one
source, time and type); every other field goes to `attributes` (JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import Any

from asyncua import Client, ua
from asyncua.common.events import Event, get_filter_from_event_type
from asyncua.common.node import Node
from asyncua.common.subscription import Subscription

from store.records import EventRow

__all__ = ["EventSelection", "event_row", "read_event_history", "select_events", "subscribe_events"]

logger = logging.getLogger(__name__)

_EVENTS_PER_PAGE = 1000  # small pages keep the server answering the live session meanwhile

_STANDARD = {
    "EventId",
    "EventType",
    "SourceNode",
    "SourceName",
    "Time",
    "ReceiveTime",
    "Message",
    "Severity",
    "LocalTime",
}


@dataclass(frozen=True)
class EventSelection:
    """Which events of a server are recorded and which of their fields."""

    event_filter: ua.EventFilter
    type_names: dict[ua.NodeId, str]
    history: bool  # the Server object's EventNotifier allows HistoryRead of its events


async def select_events(client: Client, namespaces: Collection[int]) -> EventSelection:
    """The base event type and every event type the plant defines in ``namespaces`` (their
    indexes), with all their fields."""
    types = [
        ua.NodeId(ua.ObjectIds.BaseEventType),
        *await _plant_event_types(client, namespaces),
    ]
    event_filter = await get_filter_from_event_type(
        [client.get_node(node_id) for node_id in types], where_clause_generation=False
    )
    names = {types[0]: "BaseEventType"}
    for node_id in types[1:]:
        names[node_id] = (await client.get_node(node_id).read_browse_name()).Name
    notifier = await client.nodes.server.read_attribute(ua.AttributeIds.EventNotifier)
    history = bool((notifier.Value.Value or 0) & ua.EventNotifier.HistoryRead.mask)
    return EventSelection(event_filter, names, history)


async def subscribe_events(
    subscription: Subscription, server: Node, selection: EventSelection
) -> None:
    """Subscribe to the selected events of the Server object."""
    await subscription.subscribe_events(server, evfilter=selection.event_filter, queuesize=1000)


async def read_event_history(
    client: Client,
    selection: EventSelection,
    start: dt.datetime,
    end: dt.datetime,
    received: dt.datetime,
    endpoint: str,
) -> AsyncIterator[list[EventRow]]:
    """The Server object's events in [start, end] from the server's event history, a
    page at a time, following continuation points. A server without event history
    raises ``ua.UaStatusCodeError`` (BadHistoryOperationUnsupported and the like)."""
    continuation = None
    while True:
        result = await _read_event_page(client, selection, start, end, continuation)
        result.StatusCode.check()
        page = result.HistoryData.Events if result.HistoryData else []
        clauses = selection.event_filter.SelectClauses
        yield [
            event_row(
                endpoint,
                Event.from_event_fields(clauses, entry.EventFields),
                selection.type_names,
                received,
            )
            for entry in page or []
        ]
        continuation = result.ContinuationPoint
        if not continuation:
            return


async def _read_event_page(
    client: Client,
    selection: EventSelection,
    start: dt.datetime,
    end: dt.datetime,
    continuation: bytes | None,
) -> ua.HistoryReadResult:
    details = ua.ReadEventDetails()
    details.StartTime, details.EndTime = start, end
    details.NumValuesPerNode = _EVENTS_PER_PAGE
    details.Filter = selection.event_filter
    value_id = ua.HistoryReadValueId()
    value_id.NodeId = ua.NodeId(ua.ObjectIds.Server)
    value_id.ContinuationPoint = continuation
    parameters = ua.HistoryReadParameters()
    parameters.HistoryReadDetails = details
    parameters.TimestampsToReturn = ua.TimestampsToReturn.Both
    parameters.ReleaseContinuationPoints = False
    parameters.NodesToRead.append(value_id)
    return (await client.uaclient.history_read(parameters))[0]


async def _plant_event_types(client: Client, namespaces: Collection[int]) -> list[ua.NodeId]:
    found, frontier = [], [client.get_node(ua.ObjectIds.BaseEventType)]
    while frontier:
        node = frontier.pop()
        for child in await node.get_children(refs=ua.ObjectIds.HasSubtype):
            frontier.append(child)
            if child.nodeid.NamespaceIndex in namespaces:
                found.append(child.nodeid)
    return found


def event_row(
    endpoint: str, event: Event, type_names: dict[ua.NodeId, str], received: dt.datetime
) -> EventRow:
    """The `event` row (time, endpoint, source, event_type, severity, message, attributes)."""
    fields = event.get_event_props_as_fields_dict()
    time = _value(fields, "Time") or received
    event_type = _value(fields, "EventType")
    type_name = type_names.get(event_type, str(event_type)) if event_type else "BaseEventType"
    message = _value(fields, "Message")
    event_id = _value(fields, "EventId")
    attributes = {
        name: _jsonable(variant.Value) for name, variant in fields.items() if name not in _STANDARD
    }
    return EventRow(
        time,
        endpoint,
        str(_value(fields, "SourceName") or "unknown"),
        type_name,
        int(_value(fields, "Severity") or 0),
        message.Text if isinstance(message, ua.LocalizedText) else message,
        json.dumps(attributes),
        bytes(event_id) if event_id else None,
    )


def _value(fields: dict[str, ua.Variant], name: str) -> Any:
    variant = fields.get(name)
    return variant.Value if variant is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value[:1] in "{[" else value
        except ValueError:
            return value
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, ua.LocalizedText):
        return value.Text
    return str(value)
