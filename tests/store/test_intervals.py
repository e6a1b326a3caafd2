"""Expected intervals observed from the recorded readings, so that `stale` works."""

from __future__ import annotations

import datetime as dt

import psycopg

from store.intervals import observe_expected_intervals
from store.readings import READING_COLUMNS, reading_row

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _tag(conn: psycopg.Connection, name: str) -> int:
    return conn.execute(
        "INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, name, data_type)"
        " VALUES (%s, 'line', 'urn:x', %s, %s, %s, 'Double') RETURNING tag_id",
        (f"nsu=urn:x;s={name}", f"s={name}", name, name),
    ).fetchone()[0]


def test_a_steady_tag_gets_its_interval_and_a_quiet_one_none(db_dsn: str) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        steady, quiet = _tag(conn, "Steady"), _tag(conn, "Quiet")
        rows = [
            reading_row(T0 + dt.timedelta(seconds=2 * i), steady, float(i), None, 0, None, 0)
            for i in range(300)
        ] + [
            reading_row(T0 + dt.timedelta(minutes=i), quiet, 1.0, None, 0, None, 0) for i in (1, 7)
        ]
        with conn.cursor().copy(f"COPY reading ({', '.join(READING_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        until = T0 + dt.timedelta(minutes=10)
        assert observe_expected_intervals(conn, until) == 1
        assert observe_expected_intervals(conn, until) == 0  # unchanged: no write
        intervals = dict(conn.execute("SELECT name, expected_interval_s FROM tag").fetchall())
    assert intervals == {"Steady": 2.0, "Quiet": None}
