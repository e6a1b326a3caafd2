"""Plot values now that Bad readings keep their value: the status decides, and it is fast.

A week of 1 Hz readings of one tag (604,800 rows) among ten written together, in four
variants: no Bad reading, one in
10,000 Bad, one in 100 Bad, and a whole day Bad. For each, 1,000 plot intervals:

- ``plot_summary``: the API's query (store.queries.aggregates): the window's Bad readings
  from the partial index ``reading_bad``, every interval from the covering index alone,
  and only the intervals holding a Bad reading summed again with statuses;
- ``status from heap``: one statement filtering every row by its status, which reads the
  heap (what the plot would cost if it simply checked every status).

Median of ``--repeat`` runs each, in the same process and database, so the ratio holds on a
noisy machine; with JIT off, as the API's sessions run (compiling costs ~0.5 s a query). Usage::

    .venv/bin/python bench/plot_bad_values.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.databases import create_database
from store.queries import plot_summary
from store.queries.aggregates import USABLE

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
WEEK_S = 7 * 86400
BAD = 0x80320000
TAGS = 10
VARIANTS = {  # tag id -> (name, SQL condition on i for a Bad reading)
    1: ("no Bad reading", "false"),
    2: ("1 in 10,000 Bad", "i %% 10000 = 5000"),
    3: ("1 in 100 Bad", "i %% 100 = 50"),
    4: ("a whole day Bad", "i BETWEEN 200000 AND 286399"),
}
_HEAP = (
    "SELECT time_bucket(%(width)s, time, origin => %(origin)s) AS bucket,"
    f" min(time) FILTER (WHERE {USABLE}) AS first_time,"
    f" max(value) FILTER (WHERE {USABLE}) AS max_value,"
    f" min(value) FILTER (WHERE {USABLE}) AS min_value,"
    f" last(value, time) FILTER (WHERE {USABLE}) AS last_value,"
    " min(time) FILTER (WHERE status_code >= 2147483648) AS bad_time"
    " FROM reading WHERE tag_id = %(tag)s AND time >= %(start)s AND time < %(end)s"
    " GROUP BY 1 ORDER BY 1"
)


def _load(dsn: str) -> None:
    """Ten tags at 1 Hz written in time order, as a recorder writes them: one tag's rows
    are spread over ten times as many heap pages as it fills, as in a plant."""
    is_bad = " OR ".join(f"(tag = {tag} AND ({bad}))" for tag, (_, bad) in VARIANTS.items())
    with psycopg.connect(dsn, autocommit=True) as conn:
        for day in range(7):
            conn.execute(
                "INSERT INTO reading (time, tag_id, value, status_code, time_source)"
                " SELECT %(t0)s + i * interval '1 second', tag,"
                f"  CASE WHEN {is_bad} THEN 1e6 ELSE 1000 + 100 * sin(i / 600.0) END,"
                f"  CASE WHEN {is_bad} THEN %(bad)s ELSE 0 END, 0"
                " FROM generate_series(%(first)s, %(last)s) AS i,"
                "  generate_series(1, %(tags)s) AS tag ORDER BY i, tag",
                {"t0": T0, "bad": BAD, "first": day * 86400, "last": day * 86400 + 86399,
                 "tags": TAGS},
            )  # fmt: skip
        conn.execute("VACUUM ANALYZE reading")


async def _time(run, repeat: int) -> tuple[float, list]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


async def _bench(dsn: str, repeat: int) -> None:
    window = (T0, T0 + dt.timedelta(seconds=WEEK_S))
    width = dt.timedelta(seconds=WEEK_S / 1000)
    async with await psycopg.AsyncConnection.connect(dsn, options="-c jit=off") as conn:
        for tag_id, (name, _) in VARIANTS.items():
            ours, rows = await _time(lambda t=tag_id: plot_summary(conn, t, window, width), repeat)

            async def heap(t=tag_id):
                cur = conn.cursor(row_factory=dict_row, binary=True)
                params = {"width": width, "origin": T0, "tag": t, "start": window[0],
                          "end": window[1]}  # fmt: skip
                return await (await cur.execute(_HEAP, params)).fetchall()

            baseline, heap_rows = await _time(heap, repeat)
            assert [r["max_value"] for r in rows] == [r["max_value"] for r in heap_rows]
            assert all(r["max_value"] is None or r["max_value"] < 1e6 for r in rows)  # no Bad
            print(f"{name:17s} plot_summary {ours * 1e3:6.1f} ms, status from heap"
                  f" {baseline * 1e3:6.1f} ms, ratio {ours / baseline:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    server = subprocess.run(
        [sys.executable, "-m", "store", "dsn"], capture_output=True, text=True, check=True,
        cwd=root,
    ).stdout.strip()  # fmt: skip
    name, dsn = create_database(server, "bench_plot_bad", migrate=True)
    try:
        began = time.perf_counter()
        _load(dsn)
        print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f},"
              f" {TAGS * WEEK_S:,} readings loaded in {time.perf_counter() - began:.0f} s;"
              " 1 tag x 1 week x 1 Hz, 1,000 intervals")  # fmt: skip
        asyncio.run(_bench(dsn, args.repeat))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}"')


if __name__ == "__main__":
    main()
