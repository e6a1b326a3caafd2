"""bench/sim_publish.py's byte reader counts and timestamps data changes as asyncua decodes them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary

from tests.simulators.test_fastencode import _data_change, _event, _response

_SPEC = importlib.util.spec_from_file_location(
    "sim_publish", Path(__file__).parents[2] / "bench" / "sim_publish.py"
)
sim_publish = sys.modules["sim_publish"] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(sim_publish)


def _epochs(items: list[ua.MonitoredItemNotification], attr: str) -> list[int]:
    stamps = (getattr(i.Value, attr) for i in items)
    return [ua.datetime_to_win_epoch(t) for t in stamps if t is not None]


def _with_bad_nulls(dcn: ua.DataChangeNotification) -> ua.DataChangeNotification:
    """Every 7th item Bad without a value, every 11th a String: the item-by-item walk."""
    for i, item in enumerate(dcn.MonitoredItems):
        if i % 7 == 0:
            item.Value.Value = ua.Variant(None, ua.VariantType.Null)
            item.Value.StatusCode = ua.StatusCode(0x808C0000)
        elif i % 11 == 0:
            item.Value.Value = ua.Variant(f"lot {i}", ua.VariantType.String)
    return dcn


@pytest.mark.parametrize("shape", ["simulator", "bad-nulls", "mixed"])
def test_reader_counts_and_timestamps_like_asyncua(shape: str) -> None:
    """Counts, source and server timestamps per notification equal asyncua's decoding."""
    rng = np.random.default_rng(11)
    first = _data_change(300, rng, shape != "mixed")  # mixed: arrays go to asyncua's decoder
    if shape == "bad-nulls":
        first = _with_bad_nulls(first)
    notifications = [first, _event(), _data_change(40, rng, True)]
    data = struct_to_binary(_response(notifications))
    expected = struct_from_binary(ua.PublishResponse, Buffer(data)).Parameters
    got = sim_publish.read_publish_response(Buffer(data)).Parameters
    assert got.SubscriptionId == expected.SubscriptionId
    msg, want = got.NotificationMessage, expected.NotificationMessage
    assert msg.SequenceNumber == want.SequenceNumber
    assert isinstance(msg.NotificationData[1], ua.EventNotificationList)
    for changes, dcn in zip(msg.NotificationData[::2], want.NotificationData[::2], strict=True):
        assert changes.count == len(dcn.MonitoredItems)
        source = np.concatenate(changes.source).tolist()
        server = np.concatenate(changes.server).tolist()
        assert source == _epochs(dcn.MonitoredItems, "SourceTimestamp")
        assert server == _epochs(dcn.MonitoredItems, "ServerTimestamp")


def test_reader_takes_keep_alives() -> None:
    """A keep-alive (no notifications) reads as an empty message."""
    data = struct_to_binary(_response([]))
    got = sim_publish.read_publish_response(Buffer(data)).Parameters
    assert got.NotificationMessage.NotificationData == []
