"""SQL for the scheduled forecast's rows in `prediction` (the API reads them back)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import psycopg
from psycopg.types.json import Jsonb

__all__ = ["PredictionRow", "insert_predictions"]

_INSERT = (
    "INSERT INTO prediction (time, scenario, route, horizon_days, metric, unit, p10, p50, p90,"
    " quantiles, model_version, inputs, origin)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'schedule')"
)


class PredictionRow(NamedTuple):
    """One metric of one scheduled forecast, in the column order of `prediction`."""

    time: dt.datetime
    scenario: str
    route: str
    horizon_days: float
    metric: str
    unit: str | None
    p10: float | None
    p50: float | None
    p90: float | None
    quantiles: dict[str, Any]
    model_version: str
    inputs: dict[str, Any]


def insert_predictions(conn: psycopg.Connection, rows: list[PredictionRow]) -> int:
    """Store ``rows`` (origin 'schedule') in one transaction; returns the rows stored."""
    params = [(*r[:9], Jsonb(r.quantiles), r.model_version, Jsonb(r.inputs)) for r in rows]
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(_INSERT, params)
    return len(rows)
