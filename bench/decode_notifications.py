"""Micro-benchmark: a PublishResponse of data changes to `reading` rows, asyncua vs ours.

Builds PublishResponses the way a server sends them (asyncua's ``struct_to_binary``) and
times, per item, in the same process and run:

- asyncua: ``struct_from_binary(ua.PublishResponse, ...)`` then ``row_from_datavalue`` per
  item (the ingest path before ingest.opcua.fast_publish);
- ours: ``decode_publish_response`` then ``data_change_rows`` (ingest.opcua.fast_publish and
  ingest.opcua.notification_decoder);

for three mixes: the simulator's (Doubles, one source and one server timestamp per step,
1 % Bad without value), every timestamp distinct, and a mix of types (Int32, Float,
Boolean, String, null, an array that goes to asyncua's decoder). The rows of both are
checked equal before timing. Usage::

    .venv/bin/python bench/decode_notifications.py [--items 2000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.opcua.fast_publish import data_change_rows, decode_publish_response
from ingest.opcua.values import row_from_datavalue

T0 = dt.datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
RECEIVED = T0 + dt.timedelta(seconds=1)
HANDLE0 = 10_000_000


def _item(i: int, value: ua.Variant, source: dt.datetime, status: int = 0):
    data_value = ua.DataValue(
        value, ua.StatusCode(status), source, source + dt.timedelta(milliseconds=3)
    )
    return ua.MonitoredItemNotification(ClientHandle=HANDLE0 + i, Value=data_value)


def simulator_mix(n: int) -> list[ua.MonitoredItemNotification]:
    bad = ua.StatusCodes.BadSensorFailure
    return [
        _item(
            i,
            ua.Variant(None) if i % 100 == 0 else ua.Variant(20.0 + i / 7),
            T0,
            bad if i % 100 == 0 else 0,
        )
        for i in range(n)
    ]


def distinct_times(n: int) -> list[ua.MonitoredItemNotification]:
    return [
        _item(i, ua.Variant(20.0 + i / 7), T0 + dt.timedelta(microseconds=37 * i)) for i in range(n)
    ]


def type_mix(n: int) -> list[ua.MonitoredItemNotification]:
    kinds = [
        lambda i: ua.Variant(i, ua.VariantType.Int32),
        lambda i: ua.Variant(i / 3, ua.VariantType.Float),
        lambda i: ua.Variant(i % 2 == 0, ua.VariantType.Boolean),
        lambda i: ua.Variant(f"LOT-{i:06d}", ua.VariantType.String),
        lambda i: ua.Variant(None),
        lambda i: ua.Variant(float(i), ua.VariantType.Double),
        lambda i: (
            ua.Variant([1.0, 2.0], ua.VariantType.Double)
            if i % 50 == 0
            else ua.Variant(i, ua.VariantType.UInt16)
        ),
    ]
    return [_item(i, kinds[i % len(kinds)](i), T0 + dt.timedelta(microseconds=i)) for i in range(n)]


def encode(items: list[ua.MonitoredItemNotification]) -> bytes:
    notification = ua.DataChangeNotification(MonitoredItems=items)
    message = ua.NotificationMessage(
        SequenceNumber=1, PublishTime=RECEIVED, NotificationData=[notification]
    )
    response = ua.PublishResponse(
        Parameters=ua.PublishResult(SubscriptionId=1, NotificationMessage=message)
    )
    return struct_to_binary(response)


def asyncua_rows(raw: bytes, tag_ids: dict[int, int]) -> list:
    response = struct_from_binary(ua.PublishResponse, Buffer(raw))
    rows = []
    for notification in response.Parameters.NotificationMessage.NotificationData:
        rows += [
            row_from_datavalue(tag_ids[m.ClientHandle], m.Value, RECEIVED)
            for m in notification.MonitoredItems
        ]
    return rows


def our_rows(raw: bytes, tag_ids: dict[int, int]) -> list:
    response = decode_publish_response(Buffer(raw), lambda _: True)
    rows = []
    for notification in response.Parameters.NotificationMessage.NotificationData:
        rows += data_change_rows(notification, tag_ids, RECEIVED)[0]
    return rows


def per_item_us(decode, raw: bytes, tag_ids: dict[int, int], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        decode(raw, tag_ids)
        best = min(best, time.process_time() - start)
    return best / n * 1e6


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x == y or repr(x) == repr(y) for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="items per publish response")
    parser.add_argument("--repeat", type=int, default=30, help="best of this many decodes")
    args = parser.parse_args()
    n = args.items
    tag_ids = {HANDLE0 + i: i + 1 for i in range(n)}
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f},",
        f"{n} items a response",
    )
    for name, build in (
        ("simulator mix", simulator_mix),
        ("distinct times", distinct_times),
        ("type mix", type_mix),
    ):
        raw = encode(build(n))
        if not same(asyncua_rows(raw, tag_ids), our_rows(raw, tag_ids)):
            raise SystemExit(f"{name}: rows differ")
        theirs = per_item_us(asyncua_rows, raw, tag_ids, n, args.repeat)
        ours = per_item_us(our_rows, raw, tag_ids, n, args.repeat)
        print(
            f"{name:15s} asyncua {theirs:5.2f} µs/item, ours {ours:5.2f} µs/item,",
            f"{theirs / ours:4.1f}x",
        )


if __name__ == "__main__":
    main()
