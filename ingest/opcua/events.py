"""OPC UA events (equipment trips, faults, alarms) as `event` rows.

The collector subscribes to the Server object's events for the base event type and every
event type the plant defines in its own namespace, so the plant's own fields arrive too.
The standard fields become columns; every other field goes to `attributes` (JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from asyncua import Client, ua
from asyncua.common.events import Event
from asyncua.common.subscription import Subscription

from store.records import EventRow

__all__ = ["event_row", "subscribe_events"]

logger = logging.getLogger(__name__)

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


async def subscribe_events(
    client: Client, subscription: Subscription, namespace_index: int
) -> dict[ua.NodeId, str]:
    """Subscribe to every event of the plant; return event type names by node id."""
    types = await _plant_event_types(client, namespace_index)
    await subscription.subscribe_events(
        client.nodes.server,
        evtypes=[ua.NodeId(ua.ObjectIds.BaseEventType), *types],
        where_clause_generation=False,
        queuesize=1000,
    )
    names = {ua.NodeId(ua.ObjectIds.BaseEventType): "BaseEventType"}
    for node_id in types:
        names[node_id] = (await client.get_node(node_id).read_browse_name()).Name
    return names


async def _plant_event_types(client: Client, namespace_index: int) -> list[ua.NodeId]:
    found, frontier = [], [client.get_node(ua.ObjectIds.BaseEventType)]
    while frontier:
        node = frontier.pop()
        for child in await node.get_children(refs=ua.ObjectIds.HasSubtype):
            frontier.append(child)
            if child.nodeid.NamespaceIndex == namespace_index:
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
