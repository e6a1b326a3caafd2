"""Plant events as OPC UA events of ``MagnetLineEventType``, live and from history.

One function fills an asyncua event object from a ``StampedEvent``; the live emission and
HistoryRead both use it, so a subscriber and a history reader get the same fields: Time,
ReceiveTime (= Time: the server takes the event from the plant model when it happens),
LocalTime, EventId (the stamped one, not asyncua's random one), EventType, SourceNode,
SourceName, Severity, Message, Kind, Equipment and Details. Events are emitted from the
Server object, which also answers HistoryRead for them.

``emit`` hands the event to the subscriptions as ``EventGenerator.trigger`` does, without
its replacing EventId, ReceiveTime and LocalTime by values of its own (asyncua 2.1's
``SubscriptionService.trigger_event``; the version is pinned, ``runtime/pins.py``).
"""

from __future__ import annotations

import copy
import time
from datetime import datetime

from asyncua import Server, ua
from asyncua.common.events import Event

from simulators.events import StampedEvent
from simulators.opcua.times import datetime_from_us
from simulators.tags import EVENT_TYPE_NAME

__all__ = ["EVENT_TYPE_NAME", "SERVER_SOURCE", "create_event_template", "emit", "to_event"]

SERVER_SOURCE = "Server"
"""Source of the server's own events (restarts): the Server object, ns=0;i=2253."""


async def create_event_template(server: Server, ns: int) -> Event:
    """Define ``MagnetLineEventType`` and return an event of it emitted by the Server object.

    The Server object's EventNotifier says both SubscribeToEvents and HistoryRead.
    """
    etype = await server.create_custom_event_type(
        ns,
        EVENT_TYPE_NAME,
        ua.ObjectIds.BaseEventType,
        [
            ("Kind", ua.VariantType.String),
            ("Equipment", ua.VariantType.String),
            ("Details", ua.VariantType.String),
        ],
    )
    generator = await server.get_event_generator(etype, ua.ObjectIds.Server)
    await server.nodes.server.set_event_notifier(
        [ua.EventNotifier.SubscribeToEvents, ua.EventNotifier.HistoryRead]
    )
    return generator.event


def _local_time(t: datetime) -> ua.TimeZoneDataType:
    """The LocalTime field as asyncua's EventGenerator computes it."""
    local = time.localtime(t.timestamp())
    return ua.TimeZoneDataType(
        Offset=local.tm_gmtoff // 60, DaylightSavingInOffset=bool(local.tm_isdst != -1)
    )


def _fill(event: Event, stamped: StampedEvent, ns: int) -> Event:
    t = datetime_from_us(stamped.t_us)
    event.EventId = stamped.event_id
    event.Time = event.ReceiveTime = t
    event.LocalTime = _local_time(t)
    event.Message = ua.LocalizedText(stamped.message)
    if stamped.source == SERVER_SOURCE:
        event.SourceNode = ua.NodeId(ua.ObjectIds.Server)
    else:
        event.SourceNode = ua.NodeId(stamped.source, ns)
    event.SourceName = stamped.source
    event.Severity = stamped.severity
    event.Kind, event.Equipment, event.Details = stamped.kind, stamped.source, stamped.details
    return event


def to_event(template: Event, stamped: StampedEvent, ns: int) -> Event:
    """A new event object with the fields of ``stamped`` (for HistoryRead)."""
    return _fill(copy.copy(template), stamped, ns)


async def emit(server: Server, template: Event, stamped: StampedEvent, ns: int) -> None:
    """Send ``stamped`` to every subscription that monitors the Server object's events."""
    event = _fill(template, stamped, ns)
    await server.iserver.isession.subscription_service.trigger_event(event)
