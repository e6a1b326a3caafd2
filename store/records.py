"""The low-volume records: OPC UA events (`event`) and lot genealogy (`lot`, `lot_parent`).

Both are written idempotently, like the readings, so a batch replayed after a crash
changes nothing: an event is unique by (endpoint, source, time, type, EventId); a lot by
its id. A lot published again with the same content is a no-op; with other content (a
plant reusing an id) the first record stays and the other is kept in `lot_conflict`, once
per distinct content, and counted on the lot: nothing a plant published is overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import psycopg

__all__ = ["EventRow", "LotRecord", "RecordsWritten", "write_records"]


class EventRow(NamedTuple):
    """One `event` row: an equipment trip, a fault, an alarm."""

    time: dt.datetime
    endpoint: str
    source: str
    event_type: str
    severity: int
    message: str | None
    attributes: str  # JSON object of every non-standard field
    event_id: bytes | None = None  # the server's EventId, when it sends one


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

    def content(self) -> dict[str, Any]:
        """Everything the plant said about the lot, as JSON values (parents as a set)."""
        content = asdict(self)
        for key in ("started_at", "finished_at"):
            if content[key] is not None:
                content[key] = content[key].astimezone(dt.UTC).isoformat()
        content["parents"] = sorted(self.parents)
        return content


@dataclass
class RecordsWritten:
    """What one ``write_records`` call changed."""

    events_new: int = 0
    lots_new: int = 0
    lots_conflicting: list[str] = field(default_factory=list)  # ids published with new content


_INSERT_EVENT = f"""
INSERT INTO event ({", ".join(EventRow._fields)}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (endpoint, source, time, event_type, event_id) DO NOTHING
"""
_INSERT_LOT = """
INSERT INTO lot (lot_id, stage, equipment, started_at, finished_at, mass_in_kg, mass_out_kg,
                 properties, endpoint)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (lot_id) DO NOTHING
"""
_INSERT_PARENT = """
INSERT INTO lot_parent (lot_id, parent_lot_id) VALUES (%s, %s) ON CONFLICT DO NOTHING
"""
_STORED_LOT = """
SELECT l.stage, l.equipment, l.started_at, l.finished_at, l.mass_in_kg, l.mass_out_kg,
       l.properties, coalesce(array_agg(p.parent_lot_id) FILTER (WHERE p.lot_id IS NOT NULL), '{}')
FROM lot l LEFT JOIN lot_parent p USING (lot_id) WHERE l.lot_id = %s GROUP BY l.lot_id
"""
_INSERT_CONFLICT = """
INSERT INTO lot_conflict (lot_id, record, endpoint) VALUES (%s, %s, %s)
ON CONFLICT (lot_id, record_md5) DO NOTHING
"""


async def write_records(
    conn: psycopg.AsyncConnection,
    events: list[EventRow],
    lots: list[tuple[LotRecord, str]],
) -> RecordsWritten:
    """Store ``events`` and ``lots`` (each with the endpoint that published it) in one
    transaction; say what was new."""
    written = RecordsWritten()
    async with conn.transaction(), conn.cursor() as cur:
        for row in events:
            await cur.execute(_INSERT_EVENT, row)
            written.events_new += cur.rowcount
        for record, endpoint in lots:
            await _write_lot(cur, record, endpoint, written)
    return written


async def _write_lot(
    cur: psycopg.AsyncCursor, record: LotRecord, endpoint: str, written: RecordsWritten
) -> None:
    await cur.execute(_INSERT_LOT, _lot_params(record, endpoint))
    if cur.rowcount:
        written.lots_new += 1
        await cur.executemany(_INSERT_PARENT, [(record.lot_id, p) for p in record.parents])
        return
    await cur.execute(_STORED_LOT, (record.lot_id,))
    *columns, properties, parents = await cur.fetchone()
    stored = LotRecord(record.lot_id, *columns, parents=tuple(parents), properties=properties)
    if stored.content() == record.content():
        return  # published again, or a batch replayed: nothing new
    await cur.execute(_INSERT_CONFLICT, (record.lot_id, json.dumps(record.content()), endpoint))
    if cur.rowcount:
        await cur.execute(
            "UPDATE lot SET conflicts = conflicts + 1 WHERE lot_id = %s", (record.lot_id,)
        )
        written.lots_conflicting.append(record.lot_id)


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
