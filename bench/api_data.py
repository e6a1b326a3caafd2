"""Loads the API benchmark's plant into a throwaway database: 1,000 tags, ≥ 10 M readings.

Ten "fast" tags read at 1 Hz and 990 "slow" tags every 120 s, for seven days ending now,
written in time order (as the ingest service writes them) with binary COPY built in numpy.
One reading in 10,000 gets a Bad twin 500 µs later, with a far-off value (a Bad reading
keeps the value the server sent, and no summary may use it). Then the 1-minute roll-up is
filled up to two minutes before the newest data and the 1-hour one up to its last whole
hour (the watermarks a roll-up job running every minute would leave), and the tables are
vacuumed.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
import time

import numpy as np
import psycopg

logger = logging.getLogger("bench.api_data")

BAD_CODE = 0x80320000
FAST_TAGS = 10
SLOW_TAGS = 990
SLOW_EVERY_S = 120
DAYS = 7
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("t", ">i8"), ("l2", ">i4"), ("tag", ">i4"),
                 ("l3", ">i4"), ("v", ">f8"), ("l4", ">i4"), ("s", ">i8"), ("l5", ">i4"),
                 ("src", ">i2")])  # fmt: skip
_GOOD = "status_code < 1073741824 AND value IS NOT NULL AND value <> 'NaN'::float8"


def _insert_tags(conn: psycopg.Connection) -> None:
    rows = []
    for i in range(FAST_TAGS + SLOW_TAGS):
        fast = i < FAST_TAGS
        stage, equipment = f"Stage{i % 5}", f"Equipment{i % 50}"
        path = f"Line1/{stage}/{equipment}/Signal{i}"
        rows.append((f"nsu=urn:bench;s={path}", "opc.tcp://bench:4840/", "urn:bench", f"s={path}",
                     path, stage, equipment, f"Signal{i}", "°C", "Double",
                     1.0 if fast else float(SLOW_EVERY_S)))  # fmt: skip
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, stage,"
            " equipment, name, unit, data_type, expected_interval_s)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def _slab(start_s: int, hours: int, rng: np.random.Generator) -> np.ndarray:
    """The readings of ``hours`` hours from ``start_s`` (seconds since 2000), time-ordered."""
    seconds = np.arange(start_s, start_s + hours * 3600, dtype=np.int64)
    fast_t = np.repeat(seconds, FAST_TAGS)
    fast_tag = np.tile(np.arange(1, FAST_TAGS + 1, dtype=np.int32), len(seconds))
    slow_s = seconds[seconds % SLOW_EVERY_S == 0]
    slow_t = np.repeat(slow_s, SLOW_TAGS)
    slow_tag = np.tile(np.arange(FAST_TAGS + 1, FAST_TAGS + SLOW_TAGS + 1, dtype=np.int32),
                       len(slow_s))  # fmt: skip
    t = np.concatenate([fast_t, slow_t])
    tag = np.concatenate([fast_tag, slow_tag])
    order = np.argsort(t, kind="stable")
    t, tag = t[order], tag[order]
    rows = np.empty(len(t), dtype=_ROW)
    rows["n"], rows["l1"], rows["l2"], rows["l3"], rows["l4"], rows["l5"] = 5, 8, 4, 8, 8, 2
    rows["t"] = t * 1_000_000 + tag  # a few µs apart: no two tags share a timestamp
    rows["tag"] = tag
    phase = (t % 3600) / 3600.0 * 2 * np.pi
    rows["v"] = 1000.0 + 50.0 * np.sin(phase + tag) + rng.normal(0.0, 1.0, len(t))
    rows["s"] = 0
    rows["src"] = 0
    return rows


def _bad_rows(rows: np.ndarray, rng: np.random.Generator) -> list[tuple]:
    """A rare Bad reading, with a far-off value, 500 µs after some readings."""
    chosen = rows[rng.random(len(rows)) < 1e-4]
    return [(_PG_EPOCH + dt.timedelta(microseconds=int(r["t"]) + 500), int(r["tag"]),
             float(r["v"]) + 1e6, BAD_CODE, 0) for r in chosen]  # fmt: skip


def load_readings(dsn: str, end: dt.datetime, seed: int = 1) -> int:
    """Write the tags and seven days of readings ending at ``end``; return the row count."""
    rng = np.random.default_rng(seed)
    end_s = int((end - _PG_EPOCH).total_seconds()) // 3600 * 3600
    start_s, total, began = end_s - DAYS * 86400, 0, time.monotonic()
    bad: list[tuple] = []
    with psycopg.connect(dsn) as conn:
        _insert_tags(conn)
        columns = "time, tag_id, value, status_code, time_source"
        with conn.cursor().copy(f"COPY reading ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            for slab_start in range(start_s, end_s, 6 * 3600):
                rows = _slab(slab_start, 6, rng)
                bad += _bad_rows(rows, rng)
                copy.write(rows.tobytes())
                total += len(rows)
                logger.info("loaded %.1f M readings (%.0f k rows/s)", total / 1e6,
                            total / 1e3 / (time.monotonic() - began))  # fmt: skip
            copy.write(struct.pack(">h", -1))
        with conn.cursor().copy(
            "COPY reading (time, tag_id, value, status_code, time_source) FROM STDIN"
        ) as copy:
            for row in bad:
                copy.write_row(row)
    return total + len(bad)


def fill_rollups(dsn: str, until: dt.datetime, start: dt.datetime) -> None:
    """Fill reading_1m up to ``until`` and reading_1h up to its hour; set the watermarks."""
    hours_until = until.replace(minute=0, second=0, microsecond=0)
    with psycopg.connect(dsn, autocommit=True) as conn:
        day = start
        while day < until:
            stop = min(day + dt.timedelta(days=1), until)
            conn.execute(
                "INSERT INTO reading_1m (bucket, tag_id, avg, min, max, last, count_good,"
                f" count_all) SELECT time_bucket('1 minute', time), tag_id,"
                f" avg(value) FILTER (WHERE {_GOOD}), min(value) FILTER (WHERE {_GOOD}),"
                f" max(value) FILTER (WHERE {_GOOD}), last(value, time) FILTER (WHERE {_GOOD}),"
                f" count(*) FILTER (WHERE {_GOOD}), count(*) FROM reading"
                " WHERE time >= %s AND time < %s GROUP BY 1, 2",
                (day, stop),
            )
            logger.info("rolled up %s", day.date())
            day = stop
        conn.execute(
            "INSERT INTO reading_1h (bucket, tag_id, avg, min, max, last, count_good, count_all)"
            " SELECT time_bucket('1 hour', bucket), tag_id,"
            " sum(avg * count_good) / nullif(sum(count_good), 0), min(min), max(max),"
            " last(last, bucket) FILTER (WHERE count_good > 0), sum(count_good), sum(count_all)"
            " FROM reading_1m WHERE bucket < %s GROUP BY 1, 2",
            (hours_until,),
        )
        conn.execute(
            "INSERT INTO rollup_state (level, complete_until) VALUES ('1m', %s), ('1h', %s)",
            (until, hours_until),
        )
        for table in ("reading", "reading_1m", "reading_1h", "tag"):
            conn.execute(f"VACUUM ANALYZE {table}")
