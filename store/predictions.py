"""The `prediction` hypertable: the twin's forecasts, stored and read back.

Two writers, one statement: the recorder's scheduled forecast (origin ``schedule``, a
synchronous connection in a worker thread) and the API's stored forecasts (origin ``api``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

__all__ = [
    "PredictionRow",
    "insert_predictions",
    "insert_predictions_async",
    "latest_scheduled",
]


class PredictionRow(NamedTuple):
    """One metric of one forecast, in the column order of `prediction`."""

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


_INSERT = (
    f"INSERT INTO prediction ({', '.join(PredictionRow._fields)}, origin)"
    f" VALUES ({', '.join(['%s'] * len(PredictionRow._fields))}, %s)"
)

# The newest forecast time of each route, then every metric stored at that time.
_LATEST = """
SELECT p.route, p.time, p.scenario, p.horizon_days, p.model_version, p.inputs,
       p.metric, p.unit, p.p10, p.p50, p.p90
FROM (SELECT route, max(time) AS time FROM prediction
      WHERE origin = 'schedule' AND (%(route)s::text IS NULL OR route = %(route)s)
      GROUP BY route) newest
JOIN prediction p ON p.route = newest.route AND p.time = newest.time
WHERE p.origin = 'schedule'
ORDER BY p.route, p.scenario, p.metric
"""


def _params(rows: list[PredictionRow], origin: str) -> list[tuple]:
    return [(*r[:9], Jsonb(r.quantiles), r.model_version, Jsonb(r.inputs), origin) for r in rows]


def insert_predictions(
    conn: psycopg.Connection, rows: list[PredictionRow], origin: str = "schedule"
) -> int:
    """Store ``rows`` in one transaction; returns the rows stored."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(_INSERT, _params(rows, origin))
    return len(rows)


async def insert_predictions_async(
    conn: psycopg.AsyncConnection, rows: list[PredictionRow], origin: str = "api"
) -> int:
    """:func:`insert_predictions` on an asynchronous connection."""
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_INSERT, _params(rows, origin))
    return len(rows)


async def latest_scheduled(
    conn: psycopg.AsyncConnection, route: str | None
) -> list[dict[str, Any]]:
    """Rows of each route's newest scheduled forecast (or of ``route``'s only)."""
    cur = await conn.cursor(row_factory=dict_row).execute(_LATEST, {"route": route})
    return await cur.fetchall()
