"""Monitored items for the recorded tags, chunked to the server's limits, with no silent loss.

asyncua's iterator queue drops notifications when it overflows (design.md measured half
lost at 5,000 items with its default size), so the queue is sized above the largest
publish response the subscription can carry, and any drop it would still make is counted
by ``CountingSubscription`` and reported in the health record, never silent.
"""

from __future__ import annotations

import itertools
import logging

from asyncua import Client, ua
from asyncua.common.subscription import OverflowPolicy, SubEvent, Subscription

from ingest.discovery import TagInfo
from ingest.settings import DeadbandSettings, SubscriptionSettings

__all__ = ["CountingSubscription", "create_subscription", "monitor"]

logger = logging.getLogger(__name__)

_MIN_QUEUE = 100_000
# Our client handles start far above asyncua's own counter (200 upwards, used for events).
_HANDLES = itertools.count(10_000_000)
_TRIGGER = {
    "status": ua.DataChangeTrigger.Status,
    "status_value": ua.DataChangeTrigger.StatusValue,
    "status_value_timestamp": ua.DataChangeTrigger.StatusValueTimestamp,
}
_DEADBAND_TYPE = {"absolute": ua.DeadbandType.Absolute, "percent": ua.DeadbandType.Percent}


class CountingSubscription(Subscription):
    """A Subscription that counts the notifications its full queue had to drop."""

    dropped = 0

    def _handle_overflow(self, event: SubEvent) -> None:
        self.dropped += 1
        super()._handle_overflow(event)


async def create_subscription(
    client: Client, settings: SubscriptionSettings, items: int
) -> CountingSubscription:
    # A publish response carries at most every item's whole queue.
    queue_rows = max(_MIN_QUEUE, 2 * items * settings.queue_size)
    subscription = await client.create_subscription(
        settings.publishing_interval_ms, queue_maxsize=queue_rows, overflow=OverflowPolicy.WARN
    )
    subscription.__class__ = CountingSubscription  # same object, counting overflow hook
    return subscription


async def monitor(
    subscription: Subscription,
    tags: list[TagInfo],
    settings: SubscriptionSettings,
    deadband: DeadbandSettings | None,
    per_call: int,
) -> list[TagInfo]:
    """Monitor ``tags`` in calls of at most ``per_call`` items; return the ones refused."""
    refused = []
    for start in range(0, len(tags), per_call):
        chunk = tags[start : start + per_call]
        requests = [_request(tag, settings, deadband) for tag in chunk]
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
