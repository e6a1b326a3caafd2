"""The schema: TimescaleDB loaded, every storage table there, migrations recorded once."""

from __future__ import annotations

import psycopg

from store.migrate import apply_migrations, available_migrations

TABLES = {
    "tag",
    "reading",
    "reading_1m",
    "reading_1h",
    "event",
    "gap",
    "lot",
    "lot_parent",
    "prediction",
    "api_key",
    "ingest_health",
    "schema_migration",
    "tag_receipt",
}


def test_timescaledb_extension_is_loaded(db_dsn: str) -> None:
    """The extension is installed in the database and its library is loaded (time_bucket runs)."""
    with psycopg.connect(db_dsn) as conn:
        version = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
        bucket = conn.execute(
            "SELECT time_bucket('1 minute', '2026-01-01 10:03:30+00'::timestamptz)"
        ).fetchone()
    assert version is not None and version[0].startswith("2.")
    assert bucket[0].minute == 3 and bucket[0].second == 0


def test_reading_and_prediction_are_hypertables(db_dsn: str) -> None:
    """`reading` (and the other time series) are hypertables partitioned on time."""
    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "SELECT hypertable_name FROM timescaledb_information.hypertables"
        ).fetchall()
    assert {"reading", "prediction", "event", "reading_1m", "reading_1h"} <= {r[0] for r in rows}


def test_every_storage_table_exists(db_dsn: str) -> None:
    """Every table of the storage design is created by the migrations."""
    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert TABLES <= {r[0] for r in rows}


def test_reading_has_one_unique_covering_index(db_dsn: str) -> None:
    """`reading` carries the unique (tag_id, time) INCLUDE (value) index, no default time
    index; beside it only the partial index of Bad readings."""
    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reading'"
        ).fetchall()
    indexes = dict(rows)
    assert set(indexes) == {"reading_tag_time", "reading_bad"}
    assert "UNIQUE" in indexes["reading_tag_time"]
    assert '(tag_id, "time") INCLUDE (value)' in indexes["reading_tag_time"]
    assert "WHERE (status_code >= '2147483648'" in indexes["reading_bad"]


def test_migrations_are_recorded_and_applied_once(db_dsn: str) -> None:
    """Running the migrations again applies nothing and leaves one record per version."""
    assert apply_migrations(db_dsn) == []
    with psycopg.connect(db_dsn) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migration ORDER BY 1")]
    assert versions == [m.version for m in available_migrations()]
