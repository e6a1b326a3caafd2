"""Benchmark: value changes one simulator process delivers to one subscribing client.

Starts ``python -m simulators serve`` at a given scale and speed, subscribes to every
numeric tag with asyncua's client, counts the data changes that arrive per second after a
warm-up, and reads the server's own "published N values/s" log lines.

The client must not be what limits the count: asyncua decodes ~20 µs per data change, so
one client core could not take 40,000/s. Here the session's ``publish`` is replaced by one
that sends asyncua's PublishRequest and reads the response's bytes itself: the items of a
DataChangeNotification are read as one numpy record array when they all have the
simulator's usual shape (handle, mask 0x0F, Double, status, two timestamps: 34 bytes),
else walked item by item; anything else (events, status changes, arrays) goes to asyncua's
decoder. Only counts and timestamps are kept. Latency is per data change: client receipt
minus the source timestamp (speed 1 only, where source time is wall time) and minus the
server timestamp (when the server wrote the value; any speed). Usage::

    .venv/bin/python bench/sim_publish.py --speed 1 --seconds 30
    .venv/bin/python bench/sim_publish.py --speed 4 --seconds 30 --no-fast-path
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from asyncua import Client, ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import nodeid_from_binary, struct_from_binary

from runtime.ports import free_port
from runtime.processes import Process
from simulators.plant.plant import Plant, PlantLayout
from simulators.profiles import get_profile
from simulators.tags import NAMESPACE_URI

EPOCH_1601_TO_1970 = 116_444_736_000_000_000  # OPC UA DateTime of 1970-01-01, 100 ns units
_DATA_CHANGE = ua.FourByteNodeId(ua.ObjectIds.DataChangeNotification_Encoding_DefaultBinary)
_ITEM = np.dtype([("handle", "<u4"), ("mask", "u1"), ("vtype", "u1"), ("value", "<f8"),
                  ("status", "<u4"), ("src", "<i8"), ("srv", "<i8")])  # fmt: skip
_SCALAR_SIZE = {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 4, 8: 8, 9: 8, 10: 4, 11: 8, 13: 8,
                19: 4}  # fmt: skip
_I32, _I64 = struct.Struct("<i"), struct.Struct("<q")


@dataclass
class Changes:
    """What the bench keeps of one DataChangeNotification: counts and timestamps."""

    count: int = 0
    source: list[np.ndarray] = field(default_factory=list)  # OPC UA DateTime, 100 ns
    server: list[np.ndarray] = field(default_factory=list)


def _walk_items(raw: bytes, pos: int, n: int, out: Changes) -> int:
    """Items of any scalar shape, one at a time; returns the position after them."""
    src, srv = [], []
    for _ in range(n):
        mask = raw[pos + 4]
        pos += 5
        if mask & 0x01:
            vtype = raw[pos]
            if vtype & 0xC0:
                raise ValueError("array variant")
            pos += 1
            if vtype in (12, 15):  # String, ByteString
                size = _I32.unpack_from(raw, pos)[0]
                pos += 4 + max(size, 0)
            else:
                pos += _SCALAR_SIZE[vtype & 0x3F]
        pos += 4 if mask & 0x02 else 0
        if mask & 0x04:
            src.append(_I64.unpack_from(raw, pos)[0])
            pos += 8
        if mask & 0x08:
            srv.append(_I64.unpack_from(raw, pos)[0])
            pos += 8
        pos += (2 if mask & 0x10 else 0) + (2 if mask & 0x20 else 0)
    out.source.append(np.array(src, dtype=np.int64))
    out.server.append(np.array(srv, dtype=np.int64))
    return pos


def read_data_change(body: bytes) -> Changes:
    """Counts and timestamps of a DataChangeNotification body (asyncua's decoder for arrays)."""
    n = _I32.unpack_from(body, 0)[0]
    out = Changes(count=max(n, 0))
    if n <= 0:
        return out
    end = 4 + n * _ITEM.itemsize
    if len(body) >= end:
        items = np.frombuffer(body, _ITEM, n, 4)
        if (items["mask"] == 0x0F).all() and (items["vtype"] == 11).all():
            out.source.append(items["src"].copy())
            out.server.append(items["srv"].copy())
            return out
    try:
        _walk_items(body, 4, n, out)
    except (ValueError, KeyError, struct.error):
        out = Changes(count=n)
        dcn = struct_from_binary(ua.DataChangeNotification, Buffer(body))
        for key, attr in (("source", "SourceTimestamp"), ("server", "ServerTimestamp")):
            stamps = [getattr(i.Value, attr) for i in dcn.MonitoredItems]
            epochs = [ua.datetime_to_win_epoch(t) for t in stamps if t is not None]
            getattr(out, key).append(np.array(epochs, dtype=np.int64))
    return out


def read_publish_response(data: Buffer) -> ua.PublishResponse:
    """A PublishResponse whose data changes are ``Changes`` (other notifications as asyncua's)."""
    nodeid_from_binary(data)
    response = ua.PublishResponse(ResponseHeader=struct_from_binary(ua.ResponseHeader, data))
    res = response.Parameters
    res.SubscriptionId = ua.ua_binary.Primitives.UInt32.unpack(data)
    res.AvailableSequenceNumbers = ua.ua_binary.unpack_uatype_array(ua.VariantType.UInt32, data)
    res.MoreNotifications = ua.ua_binary.Primitives.Boolean.unpack(data)
    msg = res.NotificationMessage
    msg.SequenceNumber = ua.ua_binary.Primitives.UInt32.unpack(data)
    msg.PublishTime = ua.ua_binary.Primitives.DateTime.unpack(data)
    count = ua.ua_binary.Primitives.Int32.unpack(data)
    msg.NotificationData = []
    for _ in range(max(count, 0)):
        typeid = nodeid_from_binary(data.copy())
        if typeid == _DATA_CHANGE:
            nodeid_from_binary(data)
            data.skip(1)  # encoding byte: body follows
            size = ua.ua_binary.Primitives.Int32.unpack(data)
            msg.NotificationData.append(read_data_change(data.read(size)))
        else:
            msg.NotificationData.append(ua.ua_binary.extensionobject_from_binary(data))
    return response  # Results and DiagnosticInfos are not needed


class Counter:
    """Takes the subscription's place in the client's publish loop and counts data changes."""

    def __init__(self, client: Client, sub) -> None:
        self.sub, self.count, self.counting, self._received = sub, 0, False, 0.0
        self.source: list[np.ndarray] = []  # receipt time minus source timestamp, s
        self.server: list[np.ndarray] = []  # receipt time minus server timestamp, s
        session = client.uaclient.session
        session.publish = self._publisher(session)
        session._subscription_callbacks[sub.subscription_id] = self.callback

    def _publisher(self, session):
        async def publish(acks: list[ua.SubscriptionAcknowledgement]) -> ua.PublishResponse:
            request = ua.PublishRequest()
            request.Parameters.SubscriptionAcknowledgements = acks or []
            data = await session._send_request(request, timeout=0)
            self._received = time.time()
            return read_publish_response(data)

        return publish

    def callback(self, result: ua.PublishResult) -> None:
        self.sub.last_publish_at = time.monotonic()  # keeps the stale watchdog quiet
        if not self.counting:
            return
        unix_received = self._received * 1e7 + EPOCH_1601_TO_1970
        for notif in result.NotificationMessage.NotificationData or []:
            if isinstance(notif, Changes):
                self.count += notif.count
                self.source += [(unix_received - a) / 1e7 for a in notif.source]
                self.server += [(unix_received - a) / 1e7 for a in notif.server]


def _percentiles(parts: list[np.ndarray]) -> tuple[float, float]:
    lat = np.concatenate(parts) if parts else np.zeros(0)
    if not len(lat):
        return float("nan"), float("nan")
    p50, p99 = np.percentile(lat, [50, 99])
    return float(p50), float(p99)


def _start_server(args: argparse.Namespace, port: int, data_dir: str) -> Process:
    fast_path = ["--no-fast-path"] if args.no_fast_path else []
    server = Process(
        Path(data_dir) / "server.log", "simulators", "serve", "--port", str(port),
        "--data-dir", data_dir, "--lines", str(args.lines), "--banks", str(args.banks),
        "--furnaces", str(args.furnaces), "--speed", str(args.speed), "--step", str(args.step),
        "--security", "None", "--history-window", "60", *fast_path,
    )  # fmt: skip
    server.wait_for_log("serving opc.tcp://", 300)
    return server


async def _subscribe(client: Client, paths: list[str]):
    ns = await client.get_namespace_index(NAMESPACE_URI)
    sub = await client.create_subscription(100, queue_maxsize=2_000_000)
    for i in range(0, len(paths), 1000):
        nodes = [client.get_node(ua.NodeId(p, ns)) for p in paths[i : i + 1000]]
        await sub.subscribe_data_change(nodes, queuesize=20)
    return sub


async def _measure(url: str, paths: list[str], warmup_s: float, seconds: float) -> dict:
    async with Client(url, timeout=60, watchdog_intervall=30) as client:
        sub = await _subscribe(client, paths)
        counter = Counter(client, sub)
        await asyncio.sleep(warmup_s)
        cpu0 = time.process_time()
        counter.counting = True
        await asyncio.sleep(seconds)
        counter.counting = False
        cpu_s = time.process_time() - cpu0
        await sub.delete()
    return {"changes_per_s": counter.count / seconds, "client_cpu": cpu_s / seconds,
            "source": _percentiles(counter.source),
            "server": _percentiles(counter.server)}  # fmt: skip


def _report(args: argparse.Namespace, n_tags: int, log: str, result: dict) -> str:
    published = re.findall(r"published (\d+) values/s", log)
    gc_s = re.findall(r"gc ([\d.]+) s", log)
    src, srv = result.get("source"), result.get("server")
    line = (f"tags={n_tags} speed={args.speed} step={args.step} "
            f"fast_path={not args.no_fast_path} offered={n_tags * args.speed / args.step:.0f}/s "
            f"server_published={published[-3:]}/s server_gc_per_10s={gc_s[-3:]} "
            f"client_received={result['changes_per_s']:.0f}/s "
            f"client_cpu={result.get('client_cpu', float('nan')):.1%}")  # fmt: skip
    if srv:
        line += f" write_to_client_p50/p99={srv[0]:.3f}/{srv[1]:.3f}s"
    if src and args.speed == 1:  # source time is wall time only at speed 1
        line += f" latency_p50/p99={src[0]:.3f}/{src[1]:.3f}s"
    return line + " " + result.get("error", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in (("lines", 20), ("banks", 22), ("furnaces", 25)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--step", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-fast-path", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the server folder and log")
    args = parser.parse_args()
    layout = PlantLayout(args.lines, args.banks, args.furnaces)
    paths = [s.path for s in Plant(get_profile("domestic"), layout, 42, 0.0).signals]
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="sim-bench-")
    proc = _start_server(args, port, data_dir)
    try:
        result = asyncio.run(_measure(f"opc.tcp://127.0.0.1:{port}/", paths, args.warmup,
                                      args.seconds))  # fmt: skip
    except (ConnectionError, TimeoutError) as exc:
        result = {"changes_per_s": float("nan"),
                  "error": f"client lost the server ({exc!r}): server overloaded"}  # fmt: skip
    finally:
        proc.terminate(timeout_s=60)
        log = (Path(data_dir) / "server.log").read_text()
        if args.keep:
            print(f"server folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir)
    print(_report(args, len(paths), log, result))


if __name__ == "__main__":
    main()
