"""Twin endpoints' latency: a default predict and a default compare over loopback.

Serves the API as ``python -m api`` (default settings: twin workers = cores, up to
4) on a throwaway database, creates an operator key, and measures for each scenario the
latency of ``POST /api/v1/twin/predict`` with ``{}`` (domestic, 2,000 samples, 365 days)
and ``POST /api/v1/twin/compare`` with ``{}`` (both routes, 2,000 samples, 24 tornado
replications): first one client at a time (service time), then ``--clients`` at once
(queueing for the workers). While the twin is loaded, one more client reads
``GET /api/v1/tags`` to show what the twin's load does to the read endpoints.

Run by hand (not part of the test suite):

    .venv/bin/python bench/api_twin.py [--dsn DSN] [--requests 30] [--clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.keys import create_key_at
from runtime.ports import free_port
from runtime.processes import ROOT, Process, answers
from store.cluster import resolve_dsn
from store.databases import create_database, drop_database

ROUTES = {"predict": "/api/v1/twin/predict", "compare": "/api/v1/twin/compare"}


def _serve(dsn: str, port: int) -> Process:
    server = Process(ROOT / "var" / "bench" / "api_twin.log", "api", "--log-level", "WARNING",
                     "--port", str(port), "--dsn", dsn)  # fmt: skip
    server.wait_until("the API", lambda: answers(f"http://127.0.0.1:{port}/api/v1/health"), 60)
    return server


async def _timed(client: httpx.AsyncClient, method: str, path: str) -> tuple[int, float]:
    began = time.perf_counter()
    response = await client.request(method, path, json={} if method == "POST" else None)
    return response.status_code, time.perf_counter() - began


async def _worker(client, method, path, count, out, errors) -> None:
    for _ in range(count):
        status, seconds = await _timed(client, method, path)
        (out if status == 200 else errors).append(seconds if status == 200 else status)


async def _reader(client, stop: asyncio.Event, out: list) -> None:
    while not stop.is_set():
        out.append((await _timed(client, "GET", "/api/v1/tags"))[1])
        await asyncio.sleep(0.05)


def _stats(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return (f"{len(ms)} | {np.percentile(ms, 50):.0f} | {np.percentile(ms, 99):.0f} |"
            f" {ms.max():.0f}")  # fmt: skip


async def _scenario(client, path: str, clients: int, per_client: int) -> tuple[str, str, int]:
    stop, reads, out, errors = asyncio.Event(), [], [], []
    reader = asyncio.create_task(_reader(client, stop, reads))
    await asyncio.gather(*(_worker(client, "POST", path, per_client, out, errors)
                           for _ in range(clients)))  # fmt: skip
    stop.set()
    await reader
    return _stats(out), _stats(reads), len(errors)


async def _measure(port: int, key: str, requests: int, clients: int) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers,
                                 timeout=300, limits=limits) as client:  # fmt: skip
        for path in ROUTES.values():  # warm-up: worker processes start, twin imported
            await _worker(client, "POST", path, 2, [], [])
        print(
            "| request | clients | n | p50 ms | p99 ms | max ms | tag reads meanwhile |"
            " reads p50 ms | reads p99 ms | reads max ms | errors |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, path in ROUTES.items():
            for n in (1, clients):
                per_client = max(1, requests // n)
                twin, reads, errors = await _scenario(client, path, n, per_client)
                print(f"| {name} | {n} | {twin} | {reads} | {errors} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="database server; default the embedded one")
    parser.add_argument("--requests", type=int, default=30, help="per scenario")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    args = parser.parse_args()
    server_dsn = args.dsn or resolve_dsn()
    name, dsn = create_database(server_dsn, "magnetline_bench_twin")
    port = free_port()
    server = _serve(dsn, port)
    try:
        print(f"load average at start: {os.getloadavg()[0]:.1f}, cores: {os.cpu_count()}")
        key = create_key_at(dsn, "api_twin bench", "operator")[1]
        asyncio.run(_measure(port, key, args.requests, args.clients))
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate(timeout_s=30)
        drop_database(server_dsn, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
