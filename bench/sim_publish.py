"""Benchmark: value changes one simulator process delivers to one subscribing client.

Starts ``python -m simulators serve`` at a given scale and speed, subscribes to every
numeric tag with asyncua's client,
counts the data changes that arrive per second after a warm-up (per publish response,
so that the client is not what limits the count), and reads the server's own
"published N values/s" log line. Usage::

    .venv/bin/python bench/sim_publish.py --lines 20 --banks 20 --furnaces 25 --speed 1
    .venv/bin/python bench/sim_publish.py ... --speed 5 --no-fast-path
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asyncua import Client, ua

from simulators.plant.plant import Plant, PlantLayout
from simulators.profiles import get_profile
from simulators.tags import NAMESPACE_URI


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(args: argparse.Namespace, port: int, data_dir: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "simulators", "serve", "--port", str(port), "--data-dir",
           data_dir, "--lines", str(args.lines), "--banks", str(args.banks), "--furnaces",
           str(args.furnaces), "--speed", str(args.speed), "--step", str(args.step),
           "--security", "None", "--history-window", "60"]  # fmt: skip
    if args.no_fast_path:
        cmd.append("--no-fast-path")
    log = Path(data_dir) / "server.log"
    proc = subprocess.Popen(cmd, stderr=log.open("w"), text=True)
    deadline = time.monotonic() + 300
    while "serving opc.tcp://" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    return proc


async def _subscribe(client: Client, paths: list[str]):
    ns = await client.get_namespace_index(NAMESPACE_URI)
    sub = await client.create_subscription(100, queue_maxsize=2_000_000)
    for i in range(0, len(paths), 1000):
        nodes = [client.get_node(ua.NodeId(p, ns)) for p in paths[i : i + 1000]]
        await sub.subscribe_data_change(nodes, queuesize=20)
    return sub


class _Counter:
    """Counts data changes per publish response, without one Python object per change.

    It takes the subscription's place in the client's publish loop (a private hook of
    asyncua 2.1), so the client costs little more than decoding (~6 µs per change).
    """

    def __init__(self, sub) -> None:
        self.sub, self.count, self.latency_s, self.counting = sub, 0, [], False
        sub.server._subscription_callbacks[sub.subscription_id] = self.callback

    async def callback(self, result: ua.PublishResult) -> None:
        self.sub.last_publish_at = time.monotonic()  # keeps the stale watchdog quiet
        for notif in result.NotificationMessage.NotificationData or []:
            if isinstance(notif, ua.DataChangeNotification) and self.counting:
                self.count += len(notif.MonitoredItems)
                ts = notif.MonitoredItems[0].Value.SourceTimestamp
                self.latency_s.append(time.time() - ts.timestamp())


async def _measure(url: str, paths: list[str], warmup_s: float, seconds: float) -> dict:
    async with Client(url, timeout=60, watchdog_intervall=30) as client:
        sub = await _subscribe(client, paths)
        counter = _Counter(sub)
        await asyncio.sleep(warmup_s)
        counter.counting = True
        await asyncio.sleep(seconds)
        counter.counting = False
        await sub.delete()
    lat = sorted(counter.latency_s)
    return {"changes_per_s": counter.count / seconds,
            "latency_p50_s": lat[len(lat) // 2] if lat else 0.0}  # fmt: skip


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
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="sim-bench-")
    proc = _start_server(args, port, data_dir)
    try:
        result = asyncio.run(_measure(f"opc.tcp://127.0.0.1:{port}/", paths, args.warmup,
                                      args.seconds))  # fmt: skip
    except (ConnectionError, TimeoutError) as exc:
        result = {"changes_per_s": float("nan"), "latency_p50_s": float("nan"),
                  "error": f"client lost the server ({exc!r}): server overloaded"}  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log = (Path(data_dir) / "server.log").read_text()
        if args.keep:
            print(f"server folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir)
    published = re.findall(r"published (\d+) values/s", log)
    expected = len(paths) * args.speed / args.step
    line = (f"tags={len(paths)} speed={args.speed} step={args.step} "
            f"fast_path={not args.no_fast_path} offered={expected:.0f}/s "
            f"server_published={published[-2:]}/s "
            f"client_received={result['changes_per_s']:.0f}/s")  # fmt: skip
    if args.speed == 1:  # source time is wall time only at speed 1
        line += f" latency_p50={result['latency_p50_s']:.2f}s"
    print(line, result.get("error", ""))


if __name__ == "__main__":
    main()
