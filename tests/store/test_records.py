"""Events and lots stored idempotently; a lot id published with other content is kept."""

from __future__ import annotations

import datetime as dt
import json

import psycopg

from store.records import EventRow, LotRecord, write_records

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _lot(mass_out_kg: float = 98.5, parents: tuple[str, ...] = ("L1-OX-00001",)) -> LotRecord:
    return LotRecord(
        "L1-AL-00001",
        "Sintering",
        "Furnace1",
        T0,
        T0 + dt.timedelta(hours=2),
        100.0,
        mass_out_kg,
        parents,
        {"br_t": 1.3812, "kind": "alloy"},
    )


def _event(event_id: bytes | None) -> EventRow:
    return EventRow(T0, "line-a", "Furnace1", "Trip", 700, "tripped", "{}", event_id)


async def _rows(conn: psycopg.AsyncConnection, sql: str) -> list[tuple]:
    return await (await conn.execute(sql)).fetchall()


async def test_a_replayed_batch_changes_nothing(db_dsn: str) -> None:
    """The same events and lots written twice (a spool segment replayed after a crash
    between commit and delete) are one row each, and no lot is flagged."""
    batch = ([_event(b"e1"), _event(b"e2"), _event(None)], [(_lot(), "line-a")])
    async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
        first = await write_records(conn, *batch)
        again = await write_records(conn, *batch)
        events = await _rows(conn, "SELECT event_id FROM event ORDER BY event_id")
        lots = await _rows(conn, "SELECT lot_id, conflicts FROM lot")
    assert (first.events_new, first.lots_new) == (3, 1)
    assert (again.events_new, again.lots_new, again.lots_conflicting) == (0, 0, [])
    # Two events of one source, time and type, told apart by their EventId.
    assert events == [(b"e1",), (b"e2",), (None,)]
    assert lots == [("L1-AL-00001", 0)]


async def test_a_lot_id_with_other_content_is_kept_and_flagged(db_dsn: str) -> None:
    """A restarted line reusing a lot id never overwrites the first record: the other
    content is kept once in lot_conflict and the lot counts it."""
    async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
        await write_records(conn, [], [(_lot(), "line-a")])
        other = _lot(mass_out_kg=61.0, parents=("L1-OX-00007",))
        written = await write_records(conn, [], [(other, "line-a")])
        await write_records(conn, [], [(other, "line-a")])  # the same conflict again
        lot = await _rows(conn, "SELECT mass_out_kg, conflicts FROM lot")
        parents = await _rows(conn, "SELECT parent_lot_id FROM lot_parent")
        conflicts = await _rows(conn, "SELECT record, endpoint FROM lot_conflict")
    assert written.lots_conflicting == ["L1-AL-00001"]
    assert lot == [(98.5, 1)] and parents == [("L1-OX-00001",)]
    assert len(conflicts) == 1
    record, endpoint = conflicts[0]
    assert endpoint == "line-a" and record == json.loads(json.dumps(other.content()))
    assert record["mass_out_kg"] == 61.0 and record["parents"] == ["L1-OX-00007"]
