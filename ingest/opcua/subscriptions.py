"""Monitored items for the recorded tags, chunked to the server's limits, with no silent loss.

asyncua's iterator queue drops notifications when it overflows (design.md measured half
lost at 5,000 items with its default size), so the queue is sized above the largest
publish response the subscription can carry, and any drop it would still make is counted
by ``CountingSubscription`` and reported in the health record, never silent.

Data changes skip asyncua's per-item decoding: ``create_subscription`` installs
ingest.opcua.fast_publish on the session, which hands a RecordingSubscription each
DataChangeNotification as ``RawDataChanges`` for the collector to turn into rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Awaitable, Callable

from asyncua import Client, ua
from asyncua.common.subscription import OverflowPolicy, SubEvent, Subscription

from ingest.opcua import fast_publish
from ingest.opcua.discovery import TagInfo
from ingest.opcua.fast_publish import RawDataChanges
from ingest.settings import DeadbandSettings, SubscriptionSettings

__all__ = ["DataChangeSink", "RecordingSubscription", "create_subscription", "monitor"]

logger = logging.getLogger(__name__)

_EVENT_QUEUE = 100_000  # events and status changes waiting for the collector
# Our client handles start far above asyncua's own counter (200 upwards, used for events).
_HANDLES = itertools.count(10_000_000)
_TRIGGER = {
    "status": ua.DataChangeTrigger.Status,
    "status_value": ua.DataChangeTrigger.StatusValue,
    "status_value_timestamp": ua.DataChangeTrigger.StatusValueTimestamp,
}
_DEADBAND_TYPE = {"absolute": ua.DeadbandType.Absolute, "percent": ua.DeadbandType.Percent}


_DATA_CHANGES = (RawDataChanges, ua.DataChangeNotification)

DataChangeSink = Callable[
    [RawDataChanges | ua.DataChangeNotification, dt.datetime], Awaitable[None]
]


class RecordingSubscription(Subscription):
    """A Subscription that hands each publish response's data changes over in one call.

    asyncua's iterator makes two objects and two queue operations per notification
    (design.md: ~10 µs); a historian wants the whole batch at once. Data changes go to
    ``sink`` as they came in the response, still binary (``RawDataChanges``) when they come
    through the publish loop, decoded by asyncua when they were republished; events and
    status changes still go through the iterator (``next_event``), where any drop of its
    full queue is counted.
    """

    dropped = 0
    sink: DataChangeSink | None = None

    @property
    def takes_raw_data_changes(self) -> bool:
        """Read by ingest.opcua.fast_publish: with a sink, data changes may stay binary."""
        return self.sink is not None

    async def publish_callback(self, publish_result: ua.PublishResult) -> None:
        self.last_publish_at = time.monotonic()
        message = publish_result.NotificationMessage
        if message.NotificationData is None:
            return
        self.last_sequence_number = int(message.SequenceNumber)
        received = dt.datetime.now(dt.UTC)
        for notification in message.NotificationData:
            if isinstance(notification, _DATA_CHANGES) and self.sink is not None:
                await self.sink(notification, received)
            else:
                for event in self._explode_notifications([notification]):
                    self._deliver(event)

    def _handle_overflow(self, event: SubEvent) -> None:
        self.dropped += 1
        super()._handle_overflow(event)


async def create_subscription(
    client: Client, settings: SubscriptionSettings, sink: DataChangeSink
) -> RecordingSubscription:
    """A subscription whose data changes go to ``sink`` a publish response at a time."""
    period = settings.publishing_interval_ms
    params = ua.CreateSubscriptionParameters()
    params.RequestedPublishingInterval = period
    params.RequestedLifetimeCount = 10_000
    params.RequestedMaxKeepAliveCount = client.get_keepalive_count(period)
    params.MaxNotificationsPerPublish = 0  # no limit: the sink takes any batch
    params.PublishingEnabled = True
    params.Priority = 0
    subscription = RecordingSubscription(
        client.uaclient.session, params, queue_maxsize=_EVENT_QUEUE, overflow=OverflowPolicy.WARN
    )
    subscription.sink = sink
    fast_publish.install(client.uaclient.session)
    await subscription.init()
    return subscription


async def monitor(
    subscription: Subscription,
    tags: list[TagInfo],
    settings: SubscriptionSettings,
    deadband: DeadbandSettings | None,
    per_call: int,
    announce: Callable[[dict[int, TagInfo]], None],
) -> list[TagInfo]:
    """Monitor ``tags`` in calls of at most ``per_call`` items; return the ones refused.

    ``announce`` learns each item's client handle (what its notifications name) before the
    request goes out, since the first values can arrive before the response does.
    """
    refused = []
    for start in range(0, len(tags), per_call):
        chunk = tags[start : start + per_call]
        requests = [_request(tag, settings, deadband) for tag in chunk]
        announce(
            {r.RequestedParameters.ClientHandle: t for r, t in zip(requests, chunk, strict=True)}
        )
        results = await subscription.create_monitored_items(requests)
        for tag, result in zip(chunk, results, strict=True):
            if isinstance(result, ua.StatusCode):
                logger.warning("cannot monitor %s: %s", tag.tag_key, result)
                refused.append(tag)
    return refused


def _request(
    tag: TagInfo, settings: SubscriptionSettings, deadband: DeadbandSettings | None
) -> ua.MonitoredItemCreateRequest:
    item = ua.ReadValueId()
    item.NodeId = tag.node_id
    item.AttributeId = ua.AttributeIds.Value
    parameters = ua.MonitoringParameters()
    parameters.ClientHandle = next(_HANDLES)
    parameters.SamplingInterval = settings.sampling_interval_ms
    parameters.QueueSize = settings.queue_size
    parameters.DiscardOldest = True
    # Every write with a new source timestamp is a value to record, even when it repeats the
    # last value: the server's default trigger (status or value) would drop repeats.
    has_deadband = deadband is not None and _is_numeric(tag)
    parameters.Filter = ua.DataChangeFilter(
        Trigger=_TRIGGER[settings.trigger],
        DeadbandType=_DEADBAND_TYPE[deadband.type] if has_deadband else ua.DeadbandType.None_,
        DeadbandValue=deadband.value if has_deadband else 0.0,
    )
    request = ua.MonitoredItemCreateRequest()
    request.ItemToMonitor = item
    request.MonitoringMode = ua.MonitoringMode.Reporting
    request.RequestedParameters = parameters
    return request


def _is_numeric(tag: TagInfo) -> bool:
    return tag.data_type in {
        "Double",
        "Float",
        "Int16",
        "Int32",
        "Int64",
        "UInt16",
        "UInt32",
        "UInt64",
        "Byte",
        "SByte",
    }
