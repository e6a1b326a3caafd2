"""The low-volume records: OPC UA events (`event`) and lot genealogy (`lot`, `lot_parent`).

Both are written idempotently, like the readings: an event is unique by (source, time,
type), a lot by its id (a republished lot updates its row; parents are added once).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import psycopg

__all__ = ["EventRow", "LotRecord", "write_records"]


class EventRow(NamedTuple):
    """One `event` row: an equipment trip, a fault, an alarm."""

    time: dt.datetime
    endpoint: str
    source: str
    event_type: str
    severity: int
    message: str | None
    attributes: str  # JSON object of every non-standard field


@dataclass(frozen=True)
class LotRecord:
    """One lot as the plant published it, with its parents (genealogy)."""

    lot_id: str
    stage: str
    equipment: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    mass_in_kg: float | None
    mass_out_kg: float | None
    parents: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)


_INSERT_EVENT = f"""
INSERT INTO event ({", ".join(EventRow._fields)}) VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (source, time, event_type) DO NOTHING
"""
_UPSERT_LOT = """
INSERT INTO lot (lot_id, stage, equipment, started_at, finished_at, mass_in_kg, mass_out_kg,
                 properties, endpoint)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (lot_id) DO UPDATE SET stage = EXCLUDED.stage, equipment = EXCLUDED.equipment,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
    mass_in_kg = EXCLUDED.mass_in_kg, mass_out_kg = EXCLUDED.mass_out_kg,
    properties = EXCLUDED.properties, endpoint = EXCLUDED.endpoint, recorded_at = now()
"""
_INSERT_PARENT = """
INSERT INTO lot_parent (lot_id, parent_lot_id) VALUES (%s, %s) ON CONFLICT DO NOTHING
"""


async def write_records(
    conn: psycopg.AsyncConnection,
    events: list[EventRow],
    lots: list[tuple[LotRecord, str]],
) -> None:
    """Store ``events`` and ``lots`` (each with the endpoint that published it) in one
    transaction."""
    async with conn.transaction(), conn.cursor() as cur:
        if events:
            await cur.executemany(_INSERT_EVENT, events)
        for record, endpoint in lots:
            await cur.execute(_UPSERT_LOT, _lot_params(record, endpoint))
            await cur.executemany(_INSERT_PARENT, [(record.lot_id, p) for p in record.parents])


def _lot_params(record: LotRecord, endpoint: str) -> tuple:
    return (
        record.lot_id,
        record.stage,
        record.equipment,
        record.started_at,
        record.finished_at,
        record.mass_in_kg,
        record.mass_out_kg,
        json.dumps(record.properties),
        endpoint,
    )
