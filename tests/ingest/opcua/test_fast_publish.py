"""Publish responses decoded by ingest.opcua.fast_publish: asyncua's envelope, raw data changes,
and a real session's publish loop (acknowledgements, keep-alives, events) still working."""

from __future__ import annotations

import asyncio
import datetime as dt

from asyncua import Client, Server, ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary

from ingest.opcua.fast_publish import RawDataChanges, data_change_rows, decode_publish_response
from ingest.opcua.subscriptions import create_subscription
from ingest.opcua.values import row_from_datavalue
from ingest.settings import SubscriptionSettings
from runtime.ports import free_port

T0 = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.UTC)
RECEIVED = T0 + dt.timedelta(seconds=1)


def _data_changes(first_handle: int, count: int) -> ua.DataChangeNotification:
    return ua.DataChangeNotification(
        MonitoredItems=[
            ua.MonitoredItemNotification(
                ClientHandle=first_handle + i,
                Value=ua.DataValue(ua.Variant(i / 4), SourceTimestamp=T0, ServerTimestamp=T0),
            )
            for i in range(count)
        ]
    )


def _response(notification_data, **result) -> bytes:
    message = ua.NotificationMessage(
        SequenceNumber=41, PublishTime=T0, NotificationData=notification_data
    )
    parameters = ua.PublishResult(SubscriptionId=7, NotificationMessage=message, **result)
    return struct_to_binary(ua.PublishResponse(Parameters=parameters))


def _as_asyncua(response: ua.PublishResponse) -> ua.PublishResponse:
    """``response`` with each RawDataChanges replaced by asyncua's decoding of its bytes."""
    message = response.Parameters.NotificationMessage
    if message.NotificationData is not None:
        message.NotificationData = [
            n.to_notification() if isinstance(n, RawDataChanges) else n
            for n in message.NotificationData
        ]
    return response


def _decode_both(raw: bytes, takes_raw: bool = True):
    ours = decode_publish_response(Buffer(raw), lambda _: takes_raw)
    return ours, struct_from_binary(ua.PublishResponse, Buffer(raw))


def test_envelope_equals_asyncuas() -> None:
    """Sequence numbers, available ones, results and diagnostics come out as asyncua's."""
    status = ua.StatusChangeNotification(Status=ua.StatusCode(ua.StatusCodes.BadTimeout))
    events = ua.EventNotificationList(
        Events=[ua.EventFieldList(ClientHandle=200, EventFields=[ua.Variant("trip")])]
    )
    raw = _response(
        [_data_changes(10, 3), events, _data_changes(20, 2), status],
        AvailableSequenceNumbers=[39, 40, 41],
        MoreNotifications=True,
        Results=[ua.StatusCode(), ua.StatusCode(ua.StatusCodes.BadSequenceNumberUnknown)],
        DiagnosticInfos=[ua.DiagnosticInfo(SymbolicId=3, AdditionalInfo="ack")],
    )
    ours, theirs = _decode_both(raw)
    kinds = [type(n) for n in ours.Parameters.NotificationMessage.NotificationData]
    assert kinds == [RawDataChanges, ua.EventNotificationList, RawDataChanges, type(status)]
    assert _as_asyncua(ours) == theirs


def test_keep_alives_and_empty_messages() -> None:
    """A keep-alive (no notification data, empty or null) is decoded as asyncua decodes it."""
    for data in ([], None):
        ours, theirs = _decode_both(_response(data))
        assert ours == theirs
        assert not ours.Parameters.NotificationMessage.NotificationData


def test_other_subscriptions_get_asyncuas_decoding() -> None:
    """A subscription that does not take raw data changes gets asyncua's objects."""
    ours, theirs = _decode_both(_response([_data_changes(10, 3)]), takes_raw=False)
    assert ours == theirs
    assert isinstance(
        ours.Parameters.NotificationMessage.NotificationData[0], ua.DataChangeNotification
    )


def test_rows_of_raw_and_of_decoded_notifications_agree() -> None:
    """data_change_rows gives the same rows for the raw form and for asyncua's (republish)."""
    ours, theirs = _decode_both(_response([_data_changes(10, 5)]))
    tag_ids = {10 + i: 500 + i for i in range(5)}
    raw_rows = data_change_rows(
        ours.Parameters.NotificationMessage.NotificationData[0], tag_ids, RECEIVED
    )
    decoded = theirs.Parameters.NotificationMessage.NotificationData[0]
    assert raw_rows == data_change_rows(decoded, tag_ids, RECEIVED)
    assert raw_rows[0] == [
        row_from_datavalue(tag_ids[item.ClientHandle], item.Value, RECEIVED)
        for item in decoded.MonitoredItems
    ]


def test_an_envelope_that_does_not_parse_goes_to_asyncua() -> None:
    """A response the fast path cannot read is handed whole to asyncua's decoder."""
    raw = _response([_data_changes(10, 2)])
    corrupt = raw[:-8] + b"\xff\xff\xff\x7f" + raw[-4:]  # Results: an absurd array length
    try:
        expected = struct_from_binary(ua.PublishResponse, Buffer(corrupt))
    except Exception as exc:  # asyncua refuses it too: so must we, with its error
        expected = type(exc)
    try:
        ours = decode_publish_response(Buffer(corrupt), lambda _: True)
    except Exception as exc:
        ours = type(exc)
    assert ours == expected or _as_asyncua(ours) == expected


async def test_a_live_session_records_and_acknowledges() -> None:
    """Through a real server: raw data changes reach the sink, every message is acknowledged,
    keep-alives keep the subscription alive, and events still come through asyncua."""
    server, url = await _server()
    received: list = []

    async def sink(notification, when) -> None:
        received.append(notification)

    try:
        variable = await server.nodes.objects.add_variable(ua.NodeId("T", 2), "T", 0.0)
        async with Client(url, timeout=10) as client:
            settings = SubscriptionSettings(publishing_interval_ms=50, sampling_interval_ms=0)
            subscription = await create_subscription(client, settings, sink)
            node = client.get_node(variable.nodeid)
            handle = await subscription.subscribe_data_change(node, queuesize=100)
            await subscription.subscribe_events()
            for step in range(20):
                await _write(server, variable, step)
            generator = await server.get_event_generator()
            await generator.trigger(message="furnace 3 tripped")
            async with asyncio.timeout(10):
                while sum(_count(n) for n in received) < 20:  # 0.0 twice is one change
                    await asyncio.sleep(0.05)
                event = await subscription.next_event(timeout=5)
                server_subscription = _server_subscription(server, subscription.subscription_id)
                while server_subscription._not_acknowledged_results:
                    await asyncio.sleep(0.05)  # acknowledged with the next publish request
                seen = subscription.last_sequence_number
                await asyncio.sleep(1.0)  # keep-alives only from here on
            assert subscription.last_publish_at is not None
            assert subscription.last_sequence_number == seen
            assert any(isinstance(n, RawDataChanges) for n in received)
            assert event is not None and "tripped" in event.event.Message.Text
            handles = {item_handle: 1 for item_handle in _client_handles(subscription, handle)}
            rows = [r for n in received for r in data_change_rows(n, handles, RECEIVED)[0]]
            bad = [r for r in rows if r[4] == ua.StatusCodes.BadSensorFailure]
            assert len(bad) == 10 and all(r[2] is None for r in bad)
            assert sorted(r[2] for r in rows if r[4] == 0 and r[2])[-1] == 18.0
    finally:
        await server.stop()


async def _server() -> tuple[Server, str]:
    server = Server()
    await server.init()
    url = f"opc.tcp://127.0.0.1:{free_port()}/"
    server.set_endpoint(url)
    await server.register_namespace("urn:test:fast-publish")
    await server.start()
    return server, url


async def _write(server: Server, variable, step: int) -> None:
    status = ua.StatusCodes.BadSensorFailure if step % 2 else ua.StatusCodes.Good
    when = T0 + dt.timedelta(milliseconds=step)
    value = ua.DataValue(ua.Variant(float(step)), ua.StatusCode(status), when)
    await server.write_attribute_value(variable.nodeid, value)


def _count(notification) -> int:
    return (
        len(notification.to_notification().MonitoredItems)
        if isinstance(notification, RawDataChanges)
        else len(notification.MonitoredItems or [])
    )


def _server_subscription(server: Server, subscription_id: int):
    return server.iserver.subscription_service.subscriptions[subscription_id]


def _client_handles(subscription, server_handle: int) -> list[int]:
    return [
        client_handle
        for client_handle, data in subscription._monitored_items.items()
        if data.server_handle == server_handle
    ]
