"""API benchmark: p50/p99 latency and requests/s at 8 concurrent clients over loopback.

Loads ≥ 10 M readings for 1,000 tags into a throwaway database (see ``api_data.py``),
serves the API as a real uvicorn process (``python -m api --log-level WARNING``, so without
access logs, started by ``runtime.processes``), and drives it over loopback with 8
concurrent keep-alive clients for each scenario:

  a  one tag, one day, 1-minute buckets (roll-ups up to 2 minutes ago, raw after)
  a' the same from raw readings only (good_only=false does not fit the roll-ups)
  b  latest values of all 1,000 tags
  a0, b0: a and b with the final-bucket cache and the latest snapshot turned off
  c  a page of 1,000 raw readings of one tag
  d  a one-day CSV export of one 1 Hz tag (86,400 rows)
  e  plot values of one 1 Hz tag over a week at 1,000 intervals

Run by hand (not part of the test suite):

    .venv/bin/python bench/api_load.py [--dsn DSN] [--seconds 15] [--workers 1] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import psycopg
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_data import DAYS, FAST_TAGS, fill_rollups, load_readings

from api.keys import create_key_at
from runtime.processes import ROOT, Process, answers
from store.cluster import resolve_dsn
from store.databases import create_database, drop_database

logger = logging.getLogger("bench.api_load")
CLIENTS = 8


def _scenarios(end: dt.datetime) -> dict[str, object]:
    """Each scenario's request maker: a fresh (path, params) per call."""
    day_start = end - dt.timedelta(days=1)

    def fast() -> int:
        return random.randint(1, FAST_TAGS)

    def some_day() -> tuple[str, str]:
        start = end - dt.timedelta(days=DAYS) + dt.timedelta(hours=random.randint(0, 24 * 6 - 1))
        return start.isoformat(), (start + dt.timedelta(days=1)).isoformat()

    def window(**more: object) -> dict[str, object]:
        return {"start": day_start.isoformat(), "end": end.isoformat(), **more}

    week = {"start": (end - dt.timedelta(days=DAYS)).isoformat(), "end": end.isoformat()}
    return {
        "a  aggregates, 1 tag, 1 day, 1-min buckets": lambda: (
            "/api/v1/aggregates", window(tag_id=fast(), bucket="1m")),
        "a' the same, raw only (good_only=false)": lambda: (
            "/api/v1/aggregates", window(tag_id=fast(), bucket="1m", good_only="false")),
        "b  latest values of 1,000 tags": lambda: ("/api/v1/latest", {}),
        "c  page of 1,000 raw readings": lambda: (
            f"/api/v1/tags/{fast()}/readings",
            dict(zip(("start", "end"), some_day(), strict=True), limit=1000)),
        "d  one-day CSV export, 1 tag (86,400 rows)": lambda: (
            "/api/v1/export/readings.csv",
            dict(zip(("start", "end"), some_day(), strict=True), tag_id=fast())),
        "e  plot, 1 tag, 1 week, 1,000 intervals": lambda: (
            "/api/v1/plot", {**week, "tag_id": fast(), "intervals": 1000}),
    }  # fmt: skip


def _runs(end: dt.datetime) -> list[tuple[dict[str, str], dict[str, object]]]:
    """(server environment, scenarios): defaults first, then without the caches."""
    scenarios = _scenarios(end)
    uncached_a = "a0 a without the final-bucket cache (aggregate_cache_mb=0)"
    uncached_b = "b0 b without the snapshot (latest_cache_s=0)"
    no_caches = {"MAGNETLINE_API_LATEST_CACHE_S": "0", "MAGNETLINE_API_AGGREGATE_CACHE_MB": "0"}
    return [
        ({}, scenarios),
        (
            no_caches,
            {
                uncached_a: scenarios["a  aggregates, 1 tag, 1 day, 1-min buckets"],
                uncached_b: scenarios["b  latest values of 1,000 tags"],
            },
        ),
    ]


class _Connection:
    """A minimal keep-alive HTTP/1.1 GET client, so that the load generator's own CPU (a
    Python HTTP parser reading 100s of kB per answer) does not become the measurement."""

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.key = key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, object]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {self.key}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])
        return status, await self.reader.readexactly(length)


async def _client(target: tuple[int, str], make, stop_at: float, out: list, errors: list) -> None:
    connection = _Connection(*target)
    while time.monotonic() < stop_at:
        path, params = make()
        began = time.perf_counter()
        status, _ = await connection.get(path, params)
        elapsed = time.perf_counter() - began
        if status == 200:
            out.append(elapsed)
        else:
            errors.append(status)


async def _measure(target: tuple[int, str], make, seconds: float, clients: int) -> dict[str, float]:
    warm_until = time.monotonic() + 2
    await asyncio.gather(*(_client(target, make, warm_until, [], []) for _ in range(clients)))
    latencies: list[float] = []
    errors: list[int] = []
    began = time.monotonic()
    await asyncio.gather(
        *(_client(target, make, began + seconds, latencies, errors) for _ in range(clients))
    )
    wall = time.monotonic() - began
    ms = np.array(latencies) * 1000
    return {"n": len(ms), "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "rps": len(ms) / wall, "errors": len(errors)}  # fmt: skip


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its children (uvicorn workers)."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    ticks = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _serve(dsn: str, port: int, env: dict[str, str], workers: int, log: Path) -> Process:
    server = Process(log, "api", "--log-level", "WARNING", "--port", str(port), "--dsn", dsn,
                     "--workers", str(workers), env={**os.environ, **env})  # fmt: skip
    server.wait_until("the API", lambda: answers(f"http://127.0.0.1:{port}/api/v1/health"), 60)
    return server


def _report(results: dict[str, dict[str, float]], rows: int, load_s: float) -> None:
    print(f"\n{rows / 1e6:.2f} M readings, 1,000 tags, loaded and rolled up in {load_s:.0f} s\n")
    print("| scenario | requests | p50 ms | p99 ms | requests/s | errors | server CPU ms/req |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r['n']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} |"
              f" {r['errors']} | {r['cpu_ms']:.2f} |")  # fmt: skip


def _prepare(dsn: str) -> tuple[int, dt.datetime, float]:
    began, now = time.monotonic(), dt.datetime.now(dt.UTC)
    rows = load_readings(dsn, now)
    end = now.replace(minute=0, second=0, microsecond=0)
    fill_rollups(dsn, end - dt.timedelta(minutes=2), end - dt.timedelta(days=DAYS))
    return rows, end, time.monotonic() - began


def _loaded(dsn: str) -> tuple[int, dt.datetime, float]:
    with psycopg.connect(dsn) as conn:
        rows, end = conn.execute("SELECT count(*), max(time) FROM reading").fetchone()
    return rows, end.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1), 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="database server; default the embedded one")
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")
    parser.add_argument("--only", type=lambda t: t.split(","), help="scenarios, e.g. a,b,a0")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure a database kept before")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    server_dsn = args.dsn or resolve_dsn()
    if args.reuse:
        name, dsn = args.reuse, make_conninfo(server_dsn, dbname=args.reuse)
    else:
        name, dsn = create_database(server_dsn, "magnetline_bench")
    try:
        rows, end, load_s = _prepare(dsn) if not args.reuse else _loaded(dsn)
        # A viewer key for the load generator (the API needs one on every data route).
        key = create_key_at(dsn, "api_load bench", "viewer")[1]
        results = {}
        for env, every in _runs(end):
            scenarios = {
                k: v for k, v in every.items() if not args.only or k.split()[0] in args.only
            }
            if not scenarios:
                continue
            server = _serve(dsn, args.port, env, args.workers, ROOT / "var" / "bench" / "api.log")
            try:
                for label, make in scenarios.items():
                    cpu = _cpu_s(server.pid)
                    results[label] = asyncio.run(
                        _measure((args.port, key), make, args.seconds, args.clients)
                    )
                    # Server CPU per request (warm-up included in both), robust to the
                    # other load on the machine, unlike the latencies.
                    served = results[label]["n"] * (1 + 2 / args.seconds)
                    results[label]["cpu_ms"] = (_cpu_s(server.pid) - cpu) * 1000 / served
                    logger.info("%s: %s", label, results[label])
            finally:
                server.terminate(timeout_s=30)
        _report(results, rows, load_s)
    finally:
        if not (args.keep or args.reuse):
            drop_database(server_dsn, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
