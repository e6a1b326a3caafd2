"""Benchmark: simulator (fast path) -> ingest -> TimescaleDB, all on this machine, speed 1.

For each offered rate (tags x 1/step values per second) it starts ``python -m simulators
serve`` and ``python -m ingest run`` as real processes against a throwaway database, lets
them warm up, then measures over a window:

- stored value changes/s (the writer's committed rows) and received/s (notifications);
- loss: for a sample of tags, every value the simulator's history holds in the window must
  be stored (received = published = stored);
- ingest CPU microseconds per value change (/proc user+system time of the ingest process);
- source-timestamp-to-commit latency p50/p99 (the service's own sampled metric);
- the server's own share of that latency: a bare asyncua client in this process
  subscribes to 100 of the tags with the same publishing interval and records receive
  time minus source timestamp (``LatencyProbe``);
- in the same run, the simulator's own delivery ceiling to one bare client
  (bench/sim_publish.py at a speed that saturates it) and the decoder micro-benchmark
  (bench/decode_notifications.py).

``--publishing-interval-ms``, ``--flush-interval-s`` and ``--batch-size`` override the
service's defaults (through a settings file) to compare settings in one run.

Usage::

    .venv/bin/python bench/ingest_e2e.py                      # 10k and 20k values/s
    .venv/bin/python bench/ingest_e2e.py --rates 10000 --seconds 30
    .venv/bin/python bench/ingest_e2e.py --rates 10000 --flush-interval-s 0.5 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
from asyncua import Client, ua

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import SubscriptionSettings  # noqa: E402
from runtime.ports import free_port  # noqa: E402
from runtime.processes import Process  # noqa: E402
from simulators.plant.plant import Plant, PlantLayout  # noqa: E402
from simulators.profiles import get_profile  # noqa: E402
from store.cluster import resolve_dsn  # noqa: E402
from store.databases import create_database, drop_database  # noqa: E402

NAMESPACE = "urn:magnetline:simulator"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        match = re.match(r"^(magnetline_ingest_\w+)(\{[^}]*\})? ([-0-9.e+naNinf]+)$", line)
        if match:
            values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def metric(values: dict[str, float], name: str) -> float:
    return sum(v for k, v in values.items() if k.split("{")[0] == name)


BANKS, FURNACES = 22, 25  # per line: 507 numeric tags


def wait_until_recording(metrics_port: int, timeout_s: float) -> None:
    """Until the collector has subscribed everything and notifications flow."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            values = scrape(metrics_port)
        except OSError:
            values = {}
        running = any("running" in key and value == 1.0 for key, value in values.items())
        if running and metric(values, "magnetline_ingest_notifications_total") > 0:
            return
        time.sleep(0.5)
    raise TimeoutError(f"the ingest service was not recording after {timeout_s} s")


def layout_for(rate: int, step_s: float) -> tuple[int, int, int]:
    """Lines, banks and furnaces giving about ``rate`` numeric tags per step."""
    per_line = len(Plant(get_profile("domestic"), PlantLayout(1, BANKS, FURNACES), 42, 0.0).signals)
    return max(1, round(rate * step_s / per_line)), BANKS, FURNACES


def tag_count(lines: int, banks: int, furnaces: int) -> int:
    return len(Plant(get_profile("domestic"), PlantLayout(lines, banks, furnaces), 42, 0.0).signals)


async def history_counts(
    url: str, node_ids: list[str], start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    counts = {}
    async with Client(url, timeout=60, watchdog_intervall=30) as client:
        index = await client.get_namespace_index(NAMESPACE)
        for node_id in node_ids:
            node = client.get_node(ua.NodeId(node_id.removeprefix("s="), index))
            values = await node.read_raw_history(start, end, return_bounds=False)
            counts[node_id] = sum(start <= v.SourceTimestamp < end for v in values)
    return counts


def check_loss(dsn: str, url: str, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """(published, stored) over [start, end) for 100 random numeric tags."""
    with psycopg.connect(dsn) as conn:
        tags = conn.execute("SELECT tag_id, node_id FROM tag WHERE data_type = 'Double'").fetchall()
        sample = random.Random(7).sample(tags, min(100, len(tags)))
        stored = dict(
            conn.execute(
                "SELECT t.node_id, count(r.*) FROM tag t LEFT JOIN reading r ON r.tag_id = t.tag_id"
                " AND r.time >= %s AND r.time < %s WHERE t.tag_id = ANY(%s) GROUP BY t.node_id",
                (start, end, [tag_id for tag_id, _ in sample]),
            ).fetchall()
        )
    published = asyncio.run(history_counts(url, [n for _, n in sample], start, end))
    return sum(published.values()), sum(stored.get(n, 0) for n in published)


class LatencyProbe:
    """Receive time minus source timestamp of 100 tags, seen by a bare asyncua client.

    It runs its own event loop in a thread of this process, with a subscription like the
    recorder's (same publishing interval), and counts only while ``measuring`` is set:
    what the server adds to the latency before any ingest code runs.
    """

    def __init__(self, url: str, node_ids: list[str], publishing_interval_ms: float) -> None:
        self.url, self.node_ids, self.interval_ms = url, node_ids, publishing_interval_ms
        self.measuring = False
        self.latency_s: list[float] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(120):
            raise TimeoutError("the latency probe did not subscribe within 120 s")

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join(60)
        return sorted(self.latency_s)

    async def _run(self) -> None:
        async with Client(self.url, timeout=60, watchdog_intervall=30) as client:
            index = await client.get_namespace_index(NAMESPACE)
            nodes = [client.get_node(ua.NodeId(n.removeprefix("s="), index)) for n in self.node_ids]
            subscription = await client.create_subscription(self.interval_ms, self)
            await subscription.subscribe_data_change(nodes, queuesize=100)
            self._ready.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.2)

    def datachange_notification(self, node, value, data) -> None:
        """asyncua's handler call for each data change."""
        if self.measuring:
            source = data.monitored_item.Value.SourceTimestamp
            self.latency_s.append(time.time() - source.timestamp())


def sample_node_ids(dsn: str, count: int = 100) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT node_id FROM tag WHERE data_type = 'Double'").fetchall()
    return random.Random(11).sample([row[0] for row in rows], min(count, len(rows)))


def receive_latency(log: str) -> dict[str, float]:
    """The recorder's own source-to-receive latency lines (ingest.opcua.delivery_latency), one per
    10 s: the median of their p50s and the largest of their p99s."""
    found = re.findall(r"source-to-receive latency p50 ([0-9.]+) s p99 ([0-9.]+) s", log)
    p50s = sorted(float(p50) for p50, _ in found)
    return {
        "receive_latency_p50_s": p50s[len(p50s) // 2] if p50s else float("nan"),
        "receive_latency_p99_s": max((float(p99) for _, p99 in found), default=float("nan")),
    }


def quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def settings_file(args: argparse.Namespace, index: int, work: Path) -> Path:
    """A settings file with this run's overrides of the service's defaults."""
    subscription, writer = {}, {"spool_dir": f'"{work / "spool"}"'}
    for values, table, key in (
        (args.publishing_interval_ms, subscription, "publishing_interval_ms"),
        (args.flush_interval_s, writer, "flush_interval_s"),
        (args.batch_size, writer, "batch_size"),
    ):
        if values:
            table[key] = values[min(index, len(values) - 1)]
    lines = ["[subscription]", *(f"{k} = {v}" for k, v in subscription.items())]
    lines += ["[writer]", *(f"{k} = {v}" for k, v in writer.items())]
    path = work / "ingest.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def measure_rate(
    rate: int, args: argparse.Namespace, server_dsn: str, index: int = 0
) -> dict[str, float]:
    name, dsn = create_database(server_dsn, "bench_ingest")
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    lines, banks, furnaces = layout_for(rate, args.step)
    opc_port, metrics_port = free_port(), free_port()
    url = f"opc.tcp://127.0.0.1:{opc_port}/"
    sim = Process(
        work / "sim.log", "simulators", "serve", "--port", str(opc_port),
        "--data-dir", str(work / "sim"), "--lines", str(lines), "--banks", str(banks),
        "--furnaces", str(furnaces), "--speed", "1", "--step", str(args.step),
        "--history-window", "900", "--security", "None",
    )  # fmt: skip
    ingest = None
    try:
        sim.wait_for_log("serving opc.tcp://", 300)
        ingest = Process(
            work / "ingest.log", "ingest", "run", "--endpoint", url, "--namespace-uri", NAMESPACE,
            "--dsn", dsn, "--metrics-port", str(metrics_port),
            "--config", str(settings_file(args, index, work)),
        )  # fmt: skip
        wait_until_recording(metrics_port, 600)
        interval = SubscriptionSettings().publishing_interval_ms
        if args.publishing_interval_ms:
            interval = args.publishing_interval_ms[min(index, len(args.publishing_interval_ms) - 1)]
        probe = LatencyProbe(url, sample_node_ids(dsn), interval)
        probe.start()
        time.sleep(args.warmup)
        before, cpu_before, t_before = scrape(metrics_port), cpu_seconds(ingest.pid), time.time()
        sim_cpu_before = cpu_seconds(sim.pid)
        start = dt.datetime.now(dt.UTC)
        probe.measuring = True
        log_start = (work / "ingest.log").stat().st_size
        time.sleep(args.seconds)
        probe.measuring = False
        log_window = (work / "ingest.log").read_bytes()[log_start:].decode(errors="replace")
        after, cpu_after, t_after = scrape(metrics_port), cpu_seconds(ingest.pid), time.time()
        sim_cpu = cpu_seconds(sim.pid) - sim_cpu_before
        load = os.getloadavg()[0]
        server_latency = probe.stop()
        end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)  # leave the in-flight values
        time.sleep(8)
        published, stored = check_loss(dsn, url, start, end)
    finally:
        for process in (ingest, sim):
            if process is not None:
                process.terminate(timeout_s=60)
        sim_log = (work / "sim.log").read_text()
        shutil.rmtree(work, ignore_errors=True)
        drop_database(server_dsn, name)
    elapsed = t_after - t_before
    rows = metric(after, "magnetline_ingest_rows_written_total") - metric(
        before, "magnetline_ingest_rows_written_total"
    )
    received = metric(after, "magnetline_ingest_notifications_total") - metric(
        before, "magnetline_ingest_notifications_total"
    )
    server = re.findall(r"published (\d+) values/s", sim_log)
    return {
        "offered_per_s": rate,
        "tags": tag_count(lines, banks, furnaces),
        "server_published_per_s": float(server[-1]) if server else float("nan"),
        "received_per_s": received / elapsed,
        "stored_per_s": rows / elapsed,
        "cpu_us_per_value": (cpu_after - cpu_before) / max(rows, 1) * 1e6,
        "latency_p50_s": after.get('magnetline_ingest_commit_latency_seconds{quantile="0.5"}'),
        "latency_p99_s": after.get('magnetline_ingest_commit_latency_seconds{quantile="0.99"}'),
        **receive_latency(log_window),
        "server_latency_p50_s": quantile(server_latency, 0.5),
        "server_latency_p99_s": quantile(server_latency, 0.99),
        "server_latency_mean_s": statistics.fmean(server_latency) if server_latency else 0.0,
        "server_latency_min_s": quantile(server_latency, 0.0),
        "sim_cpu_share": sim_cpu / elapsed,
        "load": load,
        "dropped": metric(after, "magnetline_ingest_notifications_dropped_total"),
        "sample_published": published,
        "sample_stored": stored,
    }


def simulator_ceiling(args: argparse.Namespace) -> str:
    lines, banks, furnaces = layout_for(20_000, 1.0)
    command = [
        sys.executable,
        str(ROOT / "bench" / "sim_publish.py"),
        "--lines",
        str(lines),
        "--banks",
        str(banks),
        "--furnaces",
        str(furnaces),
        "--speed",
        "4",
        "--seconds",
        "20",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip().splitlines()[-1]


def settings_summary(args: argparse.Namespace, index: int) -> str:
    parts = []
    for name in ("publishing_interval_ms", "flush_interval_s", "batch_size"):
        values = getattr(args, name)
        parts.append(f"{name}={values[min(index, len(values) - 1)] if values else 'default'}")
    return " ".join(parts)


def decoder_benchmark() -> str:
    command = [sys.executable, str(ROOT / "bench" / "decode_notifications.py"), "--repeat", "10"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[10_000, 20_000])
    parser.add_argument("--publishing-interval-ms", type=float, nargs="+", help="per rate run")
    parser.add_argument("--flush-interval-s", type=float, nargs="+", help="per rate run")
    parser.add_argument("--batch-size", type=int, nargs="+", help="per rate run")
    parser.add_argument("--no-decoder", action="store_true", help="skip the micro-benchmark")
    parser.add_argument("--step", type=float, default=1.0, help="simulator step [s]")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--no-ceiling", action="store_true")
    args = parser.parse_args()
    server_dsn = resolve_dsn()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    if not args.no_decoder:
        print(decoder_benchmark(), flush=True)
    runs = max(len(args.rates), *(len(v or []) for v in (args.publishing_interval_ms,
               args.flush_interval_s, args.batch_size)))  # fmt: skip
    for index in range(runs):
        rate = args.rates[min(index, len(args.rates) - 1)]
        result = measure_rate(rate, args, server_dsn, index)
        loss = result["sample_published"] - result["sample_stored"]
        print(
            f"offered {rate}/s ({result['tags']} tags): server published "
            f"{result['server_published_per_s']:.0f}/s, received {result['received_per_s']:.0f}/s, "
            f"stored {result['stored_per_s']:.0f}/s; ingest CPU "
            f"{result['cpu_us_per_value']:.1f} µs/value; latency p50 "
            f"{result['latency_p50_s']:.3f} s p99 {result['latency_p99_s']:.3f} s (of which before "
            f"receipt: p50 {result['receive_latency_p50_s']:.3f} s p99 "
            f"{result['receive_latency_p99_s']:.3f} s; bare client on 100 tags: "
            f"p50 {result['server_latency_p50_s']:.3f} s p99 {result['server_latency_p99_s']:.3f} s"
            f" mean {result['server_latency_mean_s']:.3f} s"
            f" min {result['server_latency_min_s']:.3f} s); simulator CPU "
            f"{result['sim_cpu_share']:.0%} of a core; load {result['load']:.1f}; "
            f"settings {settings_summary(args, index)}; sample of 100 "
            f"tags: published {result['sample_published']}, stored {result['sample_stored']} "
            f"(loss {loss}), client-queue drops {result['dropped']:.0f}",
            flush=True,
        )
    if not args.no_ceiling:
        print("simulator ceiling to one bare client:", simulator_ceiling(args))


if __name__ == "__main__":
    main()
