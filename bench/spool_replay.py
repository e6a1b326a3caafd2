"""Benchmark: replaying the durable spool after a database outage.

A 5-minute outage at 10,000 values/s leaves 3,000,000 readings in the spool, in segments of
``writer.batch_size`` (5000) rows, written exactly as BatchWriter does (``Spool.append``).
The script times writing them, then replays every segment with ``Spool.replay_oldest`` on
one connection into an empty ``reading`` table in a throwaway database, checks the count,
and replays the same segments again into the full table (every row a duplicate: the
crash-after-commit case). A last pair of passes repeats both replays with the steps of
``replay_oldest`` timed one by one (staging COPY, INSERT ... ON CONFLICT, commit, file
work), and the database backend's CPU time is read from /proc when the server is local.
Usage::

    .venv/bin/python bench/spool_replay.py            # 10,000 tags x 300 s = 3,000,000 rows
    .venv/bin/python bench/spool_replay.py --quick    # 100,000 rows, a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg

from ingest.pipeline.spool import Spool, encode_rows
from store.cluster import resolve_dsn
from store.databases import create_database, drop_database
from store.readings import (
    COPY_TEXT_TO_STAGE,
    CREATE_STAGE,
    MOVE_STAGED,
    ReadingRow,
    reading_row,
    upsert_copy_text,
)

_STEPS = ("file read", "stage (create + COPY)", "INSERT ON CONFLICT", "commit", "file delete")
_START = dt.datetime(2026, 11, 2, 6, 0, 0, 412_337, tzinfo=dt.UTC)  # a morning shift


def generate_batches(tags: int, seconds: int, batch_rows: int, seed: int) -> list[list[ReadingRow]]:
    """The writer's batches for ``seconds`` of ``tags`` values at 1 Hz, in arrival order."""
    rng = np.random.default_rng(seed)
    tag_ids = list(range(1, tags + 1))
    # Analog signals: a per-tag level with a random walk; one tag in ten is a discrete state.
    level = rng.uniform(0.0, 1200.0, tags)
    walk = rng.normal(0.0, 0.05, (seconds, tags)).cumsum(axis=0) * np.sqrt(level + 1.0)
    values = level + walk
    discrete = np.arange(tags) % 10 == 9
    values[:, discrete] = rng.integers(0, 4, (seconds, int(discrete.sum())))
    jitter_us = rng.integers(0, 2000, seconds)  # the publishing timer is a little late each step
    rows: list[ReadingRow] = []
    for second in range(seconds):
        ts = _START + dt.timedelta(seconds=second, microseconds=int(jitter_us[second]))
        line = zip(tag_ids, values[second].tolist(), strict=True)
        rows.extend([reading_row(ts, tag, value, None, 0, ts, 0) for tag, value in line])
    return [rows[i : i + batch_rows] for i in range(0, len(rows), batch_rows)]


def spool_all(spool: Spool, batches: list[list[ReadingRow]]) -> float:
    """Append every batch as one segment; return the seconds it took."""
    t0 = time.perf_counter()
    for batch in batches:
        if not spool.append(batch):
            raise SystemExit(f"spool full at {spool.bytes_used} bytes: raise --spool-max-mb")
    return time.perf_counter() - t0


class SchedClock:
    """On-CPU and run-queue seconds of a process (its main thread) from /proc/PID/schedstat.

    Run-queue time is time the process was ready but another process had the CPU; the rest
    of the wall time it was asleep (on disk flushes, on the other end of the connection).
    """

    def __init__(self, pid: int | str) -> None:
        self._path = Path(f"/proc/{pid}/schedstat")

    def read(self) -> tuple[float, float] | None:
        try:
            on_cpu, queued = self._path.read_text().split()[:2]
        except OSError:
            return None  # the server is not on this machine
        return int(on_cpu) / 1e9, int(queued) / 1e9


class Measure:
    """Wall time of one section, and where the backend and the client spent it."""

    def __init__(self, backend: SchedClock | None) -> None:
        self._clocks = {"backend": backend} if backend is not None else {}
        self._clocks["client"] = SchedClock("self")

    def __enter__(self) -> Measure:
        self._start = {name: clock.read() for name, clock in self._clocks.items()}
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.spent: dict[str, tuple[float, float] | None] = {}
        for name, clock in self._clocks.items():
            start, end = self._start[name], clock.read()
            ok = start is not None and end is not None
            self.spent[name] = (end[0] - start[0], end[1] - start[1]) if ok else None

    def cpu_text(self) -> str:
        parts = []
        for name, spent in self.spent.items():
            if spent is None:
                parts.append(f"{name}: n/a")
            else:
                on_cpu, queued = spent
                parts.append(
                    f"{name} on CPU {on_cpu / self.wall:.0%}, waiting for a CPU "
                    f"{queued / self.wall:.0%}"
                )
        return "; ".join(parts) + " of wall"


async def replay_all(spool: Spool, conn: psycopg.AsyncConnection) -> int:
    """The writer's replay loop: oldest segment first until the spool is empty."""
    stored = 0
    while len(spool):
        stored += await spool.replay_oldest(conn, upsert_copy_text)
    return stored


async def replay_all_timed_steps(spool: Spool, conn: psycopg.AsyncConnection) -> list[float]:
    """The same SQL as Spool.replay_oldest, each step timed; seconds per step in _STEPS."""
    spent = [0.0] * len(_STEPS)
    clock = time.perf_counter
    while segments := spool.segments():
        segment = segments[0]
        t0 = clock()
        data = segment.read_bytes()
        t1 = clock()
        async with conn.cursor() as cur:
            await cur.execute(CREATE_STAGE)
            async with cur.copy(COPY_TEXT_TO_STAGE) as copy:
                await copy.write(data)
            t2 = clock()
            await cur.execute(MOVE_STAGED)
        t3 = clock()
        await conn.commit()
        t4 = clock()
        segment.unlink()
        spool._fsync_folder()
        spool.bytes_used -= len(data)
        t5 = clock()
        for i, (a, b) in enumerate([(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)]):
            spent[i] += b - a
    return spent


async def count_readings(conn: psycopg.AsyncConnection) -> int:
    cur = await conn.execute("SELECT count(*) FROM reading")
    (count,) = await cur.fetchone()
    await conn.commit()
    return count


async def run(args: argparse.Namespace, dsn: str, folder: Path) -> list[str]:
    total = args.tags * args.seconds
    t0 = time.perf_counter()
    batches = generate_batches(args.tags, args.seconds, args.segment_rows, args.seed)
    print(f"generated {total:,} rows in {len(batches)} batches in {time.perf_counter() - t0:.1f} s")

    with Measure(None) as encoding:
        for batch in batches:
            encode_rows(batch)
    spool = Spool(folder, args.spool_max_mb * 1024 * 1024)
    with Measure(None) as writing:
        spool_all(spool, batches)
    write_s = writing.wall
    spool_mb = spool.bytes_used / 1e6
    print(f"spooled in {write_s:.1f} s, {spool_mb:.1f} MB in {len(spool)} segments")

    conn = await psycopg.AsyncConnection.connect(dsn)
    try:
        cur = await conn.execute("SELECT pg_backend_pid()")
        (pid,) = await cur.fetchone()
        await conn.commit()
        backend = SchedClock(pid)

        with Measure(backend) as fresh:
            stored = await replay_all(spool, conn)
        stored_count = await count_readings(conn)
        left = len(spool)
        print(f"replayed into empty table in {fresh.wall:.1f} s ({fresh.cpu_text()})")
        if stored != total or stored_count != total or left:
            raise SystemExit(
                f"replay lost or doubled rows: replay_oldest said {stored}, table holds "
                f"{stored_count}, {left} segments left; expected {total} and 0"
            )

        spool_all(spool, batches)  # the crash-after-commit case: every segment already stored
        with Measure(backend) as dup:
            new_dup = await replay_all(spool, conn)
        dup_count = await count_readings(conn)
        print(f"replayed duplicates in {dup.wall:.1f} s ({dup.cpu_text()})")
        if new_dup or dup_count != total or len(spool):
            raise SystemExit(f"duplicate replay stored {new_dup} rows, table holds {dup_count}")

        breakdown: list[tuple[str, Measure, list[float]]] = []
        if not args.no_breakdown:
            spool_all(spool, batches)
            with Measure(backend) as measured:
                steps = await replay_all_timed_steps(spool, conn)
            breakdown.append(("duplicates", measured, steps))
            await conn.execute("TRUNCATE reading")
            await conn.commit()
            spool_all(spool, batches)
            with Measure(backend) as measured:
                steps = await replay_all_timed_steps(spool, conn)
            breakdown.insert(0, ("empty table", measured, steps))
            if await count_readings(conn) != total:
                raise SystemExit("the step-timed replay did not store every row")
    finally:
        await conn.close()

    lines = [
        f"rows: {total:,} ({args.tags} tags x {args.seconds} s at 1 Hz), "
        f"segments of {args.segment_rows} rows: {len(batches)}",
        f"spool write: {total / write_s:,.0f} rows/s ({spool_mb:.1f} MB on disk, {write_s:.1f} s; "
        f"{writing.cpu_text()})",
        f"    encode_rows alone, timed apart: {encoding.wall:.1f} s ({encoding.cpu_text()})",
        f"replay into empty table: {total / fresh.wall:,.0f} rows/s ({fresh.wall:.1f} s; "
        f"{fresh.cpu_text()})",
        f"replay of duplicates: {total / dup.wall:,.0f} rows/s ({dup.wall:.1f} s; "
        f"{dup.cpu_text()})",
        f"stored rows: {stored_count} (expected {total}); spool empty: {left == 0}",
    ]
    for label, measured, steps in breakdown:
        wall = measured.wall
        parts = ", ".join(
            f"{name} {s:.1f} s ({s / wall:.0%})" for name, s in zip(_STEPS, steps, strict=True)
        )
        lines.append(f"step-timed replay, {label}: {total / wall:,.0f} rows/s; {parts}")
        lines.append(f"    ({measured.cpu_text()})")
    return lines


def with_database(server_dsn: str, keep: bool, body: Callable[[str], list[str]]) -> list[str]:
    name, dsn = create_database(server_dsn, "bench_spool")
    try:
        return body(dsn)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_database(server_dsn, name)


def server_settings(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        shown = [
            f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"
            for name in ("server_version", "shared_buffers", "synchronous_commit")
        ]
    return ", ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=300, help="outage length at 1 Hz per tag")
    parser.add_argument("--segment-rows", type=int, default=5000, help="writer.batch_size")
    parser.add_argument("--quick", action="store_true", help="100,000 rows: a smoke run")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the step-timed passes")
    parser.add_argument("--spool-dir", type=Path, default=None, help="parent of the temp spool")
    parser.add_argument("--spool-max-mb", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.quick:
        args.seconds = max(1, 100_000 // args.tags)

    server_dsn = resolve_dsn()
    print(f"server: {server_settings(server_dsn)}; {os.cpu_count()} CPUs, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="spool_replay_", dir=args.spool_dir) as tmp:
        lines = with_database(
            server_dsn, args.keep, lambda dsn: asyncio.run(run(args, dsn, Path(tmp) / "spool"))
        )
    print("\n".join(["", "== spool replay after a database outage ==", *lines]))
    print(f"load average after the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()
