"""Roll-ups match the raw data they summarize; retention drops only old, rolled-up chunks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import psycopg
from numpy.testing import assert_allclose

from store.retention import apply_retention
from store.rollups import roll_up

T0 = dt.datetime(2026, 5, 1, 0, 0, tzinfo=dt.UTC)
BAD = 0x80000000


def _readings(
    rng: np.random.Generator, start: dt.datetime, seconds: int, tags: int
) -> pl.DataFrame:
    """Irregular readings, about one per 5 s per tag, with Bad, Uncertain and NaN among them."""
    frames = []
    for tag_id in range(1, tags + 1):
        offsets = np.sort(rng.choice(seconds * 1000, size=seconds // 5, replace=False))
        values = rng.normal(1000.0, 25.0, offsets.size)
        status = rng.choice([0, 0, 0, 0, 0, 0, 0, BAD, 0x40000000], offsets.size)
        values[rng.random(offsets.size) < 0.02] = np.nan
        frames.append(
            pl.DataFrame(
                {
                    "time": [start + dt.timedelta(milliseconds=int(o)) for o in offsets],
                    "tag_id": tag_id,
                    "value": values,
                    "status_code": status,
                }
            )
        )
    return pl.concat(frames).with_columns(
        pl.when(pl.col("status_code") >= BAD).then(None).otherwise(pl.col("value")).alias("value")
    )


def _store(conn: psycopg.Connection, frame: pl.DataFrame) -> None:
    with conn.cursor().copy(
        "COPY reading (time, tag_id, value, status_code, time_source) FROM STDIN"
    ) as copy:
        for row in frame.iter_rows():
            copy.write_row((*row, 0))
    conn.commit()


def _expected(frame: pl.DataFrame, every: str) -> pl.DataFrame:
    good = (
        (pl.col("status_code") < 0x40000000)
        & pl.col("value").is_not_null()
        & ~pl.col("value").is_nan()
    )
    return (
        frame.sort("time")
        .group_by(pl.col("tag_id"), pl.col("time").dt.truncate(every).alias("bucket"))
        .agg(
            pl.col("value").filter(good).mean().alias("avg"),
            pl.col("value").filter(good).min().alias("min"),
            pl.col("value").filter(good).max().alias("max"),
            pl.col("value").filter(good).last().alias("last"),
            good.sum().alias("count_good"),
            pl.len().alias("count_all"),
        )
        .sort("tag_id", "bucket")
    )


def _stored(conn: psycopg.Connection, table: str) -> pl.DataFrame:
    rows = conn.execute(
        f"SELECT tag_id, bucket, avg, min, max, last, count_good, count_all FROM {table} "
        "ORDER BY tag_id, bucket"
    ).fetchall()
    columns = ["tag_id", "bucket", "avg", "min", "max", "last", "count_good", "count_all"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def _assert_same(stored: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert stored["bucket"].to_list() == expected["bucket"].to_list()
    assert stored["count_all"].to_list() == expected["count_all"].to_list()
    assert stored["count_good"].to_list() == expected["count_good"].to_list()
    for column in ("avg", "min", "max", "last"):
        assert_allclose(
            stored[column].to_numpy().astype(float),
            expected[column].to_numpy().astype(float),
            rtol=1e-12,
        )


def test_rollups_match_the_raw_data(db_dsn: str) -> None:
    """Minute and hour roll-ups equal the same aggregates computed from the raw rows."""
    frame = _readings(np.random.default_rng(3), T0, seconds=3 * 3600, tags=3)
    with psycopg.connect(db_dsn) as conn:
        _store(conn, frame)
        upserted = roll_up(conn, data_until=T0 + dt.timedelta(hours=3))
        _assert_same(_stored(conn, "reading_1m"), _expected(frame, "1m"))
        _assert_same(_stored(conn, "reading_1h"), _expected(frame, "1h"))
    assert upserted == {"1m": 3 * 180, "1h": 3 * 3}


def test_rollups_are_incremental_and_take_in_late_rows(db_dsn: str) -> None:
    """A second run adds only new buckets, leaves an unfinished bucket alone and redoes
    buckets that received late rows (a backfill) when told where they start."""
    rng = np.random.default_rng(5)
    first = _readings(rng, T0, seconds=3600, tags=2)
    with psycopg.connect(db_dsn) as conn:
        _store(conn, first)
        roll_up(conn, data_until=T0 + dt.timedelta(minutes=30, seconds=20))
        minutes = _stored(conn, "reading_1m")
        assert minutes["bucket"].max() == T0 + dt.timedelta(minutes=29)
        late = _readings(rng, T0 + dt.timedelta(minutes=10), seconds=60, tags=2)
        _store(conn, late)
        roll_up(
            conn, data_until=T0 + dt.timedelta(hours=1), late_since=T0 + dt.timedelta(minutes=10)
        )
        _assert_same(_stored(conn, "reading_1m"), _expected(pl.concat([first, late]), "1m"))


def test_retention_drops_only_old_rolled_up_chunks(db_dsn: str) -> None:
    """Raw chunks past the period go once rolled up; recent raw rows and roll-ups stay."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    old = _readings(np.random.default_rng(7), now - dt.timedelta(days=40), seconds=600, tags=1)
    new = _readings(np.random.default_rng(8), now - dt.timedelta(days=1), seconds=600, tags=1)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        _store(conn, old)
        _store(conn, new)
        assert apply_retention(conn, now, raw_days=30, minute_days=90, hour_days=None) == {
            "reading": 0,
            "reading_1m": 0,
            "reading_1h": 0,
        }, "nothing may be dropped before it is rolled up"
        roll_up(conn, data_until=now)
        dropped = apply_retention(conn, now, raw_days=30, minute_days=90, hour_days=None)
        remaining = conn.execute("SELECT min(time), count(*) FROM reading").fetchone()
        minute_rows = conn.execute("SELECT count(*) FROM reading_1m").fetchone()[0]
    assert dropped["reading"] >= 1
    assert remaining[1] == new.height and remaining[0] >= now - dt.timedelta(days=2)
    assert minute_rows == _expected(old, "1m").height + _expected(new, "1m").height
