"""Exports of readings: CSV straight from PostgreSQL's COPY, Parquet through polars."""

from __future__ import annotations

import io

import polars as pl

__all__ = ["CSV_COLUMNS", "csv_to_parquet"]

CSV_COLUMNS = ("time", "tag_id", "tag_key", "value", "value_text", "unit", "status_code",
               "status")  # fmt: skip

_SCHEMA = {
    "time": pl.String,
    "tag_id": pl.Int32,
    "tag_key": pl.String,
    "value": pl.Float64,
    "value_text": pl.String,
    "unit": pl.String,
    "status_code": pl.Int64,
    "status": pl.String,
}


def csv_to_parquet(csv: bytes) -> bytes:
    """The same table as Parquet, with ``time`` as a UTC timestamp (microseconds)."""
    frame = pl.read_csv(io.BytesIO(csv), schema=_SCHEMA).with_columns(
        pl.col("time").str.to_datetime(time_unit="us", time_zone="UTC")
    )
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()
