"""The hand-written PublishResponse encoder gives asyncua's bytes, and asyncua reads them back."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from asyncua import ua
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary

from simulators.opcua import fastencode

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
STATUSES = (0, 0x80000000, 0x408F0000, 0x80350000, 0x00A80000)


def _dv(rng: np.random.Generator, i: int) -> ua.DataValue:
    """One DataValue of a shape picked from ``i`` (every shape the encoder distinguishes)."""
    ts = T0 + timedelta(microseconds=int(rng.integers(0, 10**9)))
    values = (
        ua.Variant(float(rng.normal()), ua.VariantType.Double),
        ua.Variant(math.nan, ua.VariantType.Double),
        ua.Variant(-0.0, ua.VariantType.Double),
        ua.Variant(math.inf, ua.VariantType.Double),
        ua.Variant(3, ua.VariantType.Double),  # an int in a Double variant
        ua.Variant(np.float64(2.5), ua.VariantType.Double),
        ua.Variant(bool(i % 2), ua.VariantType.Boolean),
        ua.Variant(f"lot-{i}-é", ua.VariantType.String),
        ua.Variant(None, ua.VariantType.String),
        ua.Variant(int(rng.integers(-(2**31), 2**31)), ua.VariantType.Int32),
        ua.Variant(int(rng.integers(0, 2**32)), ua.VariantType.UInt32),
        ua.Variant([1.0, 2.0], ua.VariantType.Double),
        ua.Variant(None, ua.VariantType.Null),
        ua.Variant(ts, ua.VariantType.DateTime),
    )
    dv = ua.DataValue(
        values[i % len(values)],
        ua.StatusCode(STATUSES[i % len(STATUSES)]),
        ts if i % 3 else None,
        ts + timedelta(milliseconds=5) if i % 5 else None,
    )
    if i % 7 == 0:
        dv.StatusCode = None
    if i % 11 == 0:
        dv.Value = None
    if i % 13 == 0:
        dv.SourcePicoseconds = 17
    if i % 17 == 0:
        dv.ServerPicoseconds = 3
    if i % 19 == 0:
        dv.SourceTimestamp = datetime(1500, 1, 1, tzinfo=UTC)  # before 1601: encoded as 0
    if i % 23 == 0:
        dv.ServerTimestamp = datetime(2026, 3, 1, 12)  # naive
    return dv


def _response(notifications: list | None, seq: int = 7) -> ua.PublishResponse:
    response = ua.PublishResponse()
    response.ResponseHeader.RequestHandle = 42
    response.ResponseHeader.Timestamp = T0
    res = response.Parameters
    res.SubscriptionId, res.MoreNotifications = 3, False
    res.AvailableSequenceNumbers = [5, 6, seq]
    res.NotificationMessage.SequenceNumber = seq
    res.NotificationMessage.PublishTime = T0 + timedelta(seconds=1)
    res.NotificationMessage.NotificationData = notifications
    res.Results = [ua.StatusCode(0), ua.StatusCode(0x80000000)]
    return response


def _data_change(n: int, rng: np.random.Generator, fast_shape: bool) -> ua.DataChangeNotification:
    items = []
    for i in range(n):
        if fast_shape:
            dv = ua.DataValue(ua.Variant(float(rng.normal()), ua.VariantType.Double),
                              ua.StatusCode(0), T0 + timedelta(seconds=i // 10), T0)  # fmt: skip
        else:
            dv = _dv(rng, i)
        items.append(ua.MonitoredItemNotification(ClientHandle=int(rng.integers(0, 2**32)),
                                                  Value=dv))  # fmt: skip
    return ua.DataChangeNotification(MonitoredItems=items)


def _event() -> ua.EventNotificationList:
    fields = [ua.Variant("trip", ua.VariantType.String), ua.Variant(500, ua.VariantType.UInt16)]
    return ua.EventNotificationList(Events=[ua.EventFieldList(ClientHandle=9, EventFields=fields)])


def _assert_same(response: ua.PublishResponse) -> None:
    expected = struct_to_binary(response)
    got = fastencode.publish_response_to_binary(response)
    assert got == expected
    back = struct_from_binary(ua.PublishResponse, ua.utils.Buffer(got))
    assert back.Parameters.NotificationMessage.SequenceNumber == (
        response.Parameters.NotificationMessage.SequenceNumber
    )


@pytest.mark.parametrize("seed", range(5))
def test_every_datavalue_shape_encodes_as_asyncua_does(seed: int) -> None:
    """Bad without value, NaN, missing timestamps, picoseconds, other types: same bytes."""
    rng = np.random.default_rng(seed)
    _assert_same(_response([_data_change(600, rng, fast_shape=False)]))


def test_the_common_shape_encodes_as_asyncua_does() -> None:
    """Thousands of Double/Good/two-timestamp items, the simulator's own output: same bytes."""
    _assert_same(_response([_data_change(5000, np.random.default_rng(1), fast_shape=True)]))


@pytest.mark.parametrize(
    "notifications",
    [
        [],  # keep-alive
        None,
        [ua.DataChangeNotification()],  # no items
        [ua.DataChangeNotification(MonitoredItems=None)],
        [_event()],
        [ua.StatusChangeNotification(Status=ua.StatusCode(ua.StatusCodes.BadTimeout))],
    ],
    ids=["keep-alive", "null-list", "empty-data-change", "null-items", "events", "status"],
)
def test_keep_alives_events_and_status_changes_encode_as_asyncua_does(notifications) -> None:
    """Responses without data changes (asyncua's own encoding for them) are unchanged."""
    _assert_same(_response(notifications))


def test_mixed_response_with_diagnostics_encodes_as_asyncua_does() -> None:
    """Data changes beside events and diagnostic infos, and empty result lists: same bytes."""
    rng = np.random.default_rng(7)
    dcn = _data_change(50, rng, fast_shape=True)
    dcn.DiagnosticInfos = [ua.DiagnosticInfo(SymbolicId=4, AdditionalInfo="x")]
    response = _response([dcn, _event(), _data_change(30, rng, fast_shape=False)])
    response.Parameters.Results = []
    response.Parameters.AvailableSequenceNumbers = []
    response.Parameters.MoreNotifications = True
    _assert_same(response)


def test_decoded_values_match_the_written_ones() -> None:
    """asyncua's decoder reads the fast encoding back to the same handles and DataValues."""
    rng = np.random.default_rng(3)
    dcn = _data_change(200, rng, fast_shape=True)
    data = fastencode.publish_response_to_binary(_response([dcn]))
    back = struct_from_binary(ua.PublishResponse, ua.utils.Buffer(data))
    (got,) = back.Parameters.NotificationMessage.NotificationData
    for sent, item in zip(dcn.MonitoredItems, got.MonitoredItems, strict=True):
        assert item.ClientHandle == sent.ClientHandle
        assert item.Value.Value == sent.Value.Value
        assert item.Value.SourceTimestamp == sent.Value.SourceTimestamp


def test_install_and_uninstall_swap_the_publish_encoder() -> None:
    """install puts the encoder in asyncua's server, uninstall restores asyncua's."""
    was = fastencode.installed()
    try:
        fastencode.uninstall()
        assert not fastencode.installed()
        fastencode.install()
        assert fastencode.installed()
    finally:
        (fastencode.install if was else fastencode.uninstall)()
