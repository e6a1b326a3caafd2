"""SQL for the twin's stored forecasts (the ``prediction`` hypertable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

__all__ = ["insert_forecast", "latest_scheduled"]

_INSERT = (
    "INSERT INTO prediction (time, scenario, route, horizon_days, metric, unit, p10, p50, p90,"
    " quantiles, model_version, inputs, origin)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'api')"
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


async def insert_forecast(
    conn: AsyncConnection, time: dt.datetime, scenario: str, prediction: dict[str, Any],
    inputs: dict[str, Any],
) -> int:  # fmt: skip
    """Store one row per metric of a prediction (``SimulationResult.to_dict()``) as
    origin 'api'; returns the rows stored."""
    horizon = prediction["scenario"]["horizon_days"]
    rows = [
        (time, scenario, prediction["route"], horizon, metric, q["unit"], q["p10"], q["p50"],
         q["p90"], Jsonb(q), prediction["model_version"], Jsonb(inputs))
        for metric, q in prediction["metrics"].items()
    ]  # fmt: skip
    async with conn.transaction():
        await conn.cursor().executemany(_INSERT, rows)
    return len(rows)


async def latest_scheduled(conn: AsyncConnection, route: str | None) -> list[dict[str, Any]]:
    """Rows of each route's newest scheduled forecast (or of ``route``'s only)."""
    cur = await conn.cursor(row_factory=dict_row).execute(_LATEST, {"route": route})
    return await cur.fetchall()
