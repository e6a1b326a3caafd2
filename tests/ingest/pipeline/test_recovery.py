"""Recovery without loss: gaps backfilled from history, failed nodes quarantined."""

from __future__ import annotations

import asyncio
import datetime as dt

import psycopg
from asyncua import Client, ua

from ingest.opcua.backfill import read_history
from ingest.opcua.discovery import TagInfo
from tests.ingest.tiny_plant import NAMESPACE, TinyPlant, run_service_until, settings_for

TEMPERATURE = f"nsu={NAMESPACE};s=Line1.Sintering.Furnace1.Zone1Temperature"


async def _publish_temperatures(plant: TinyPlant, values: range) -> None:
    for value in values:
        await plant.server.write_attribute_value(
            plant.temperature.nodeid,
            ua.DataValue(ua.Variant(float(value)), SourceTimestamp=dt.datetime.now(dt.UTC)),
        )
        await asyncio.sleep(0.02)


async def test_gap_while_recorder_was_down_is_backfilled(plant: TinyPlant, db_dsn: str) -> None:
    """Values published while the recorder was stopped come back from history, the gap is
    recorded with its readings recovered, and nothing is stored twice."""
    await plant.keep_history(plant.temperature)
    settings = settings_for(
        {
            "endpoint": [
                {"url": plant.url, "namespace_uri": NAMESPACE, "include": ["*/Zone1Temperature"]}
            ]
        }
    )
    stored_sql = "SELECT count(*) FROM reading WHERE value >= 100"
    await run_service_until(
        db_dsn, settings, stored_sql, 10, lambda: _publish_temperatures(plant, range(100, 110))
    )
    await _publish_temperatures(plant, range(110, 140))  # the recorder is down
    await run_service_until(
        db_dsn,
        settings,
        "SELECT count(*) FROM reading WHERE value >= 100",
        50,
        lambda: _publish_temperatures(plant, range(140, 150)),
    )
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        values = await (
            await conn.execute("SELECT value FROM reading WHERE value >= 100 ORDER BY time")
        ).fetchall()
        gap = await (
            await conn.execute("SELECT reason, readings, start_time < end_time FROM gap")
        ).fetchall()
    assert [v[0] for v in values] == [float(v) for v in range(100, 150)]
    assert gap == [("recorder was not running", "recovered", True)]


async def test_unknown_node_is_quarantined_and_the_rest_flows(
    plant: TinyPlant, db_dsn: str
) -> None:
    """A node id the server does not know is quarantined and listed in the health record;
    the good nodes' data, NaN and Bad statuses included, is complete."""
    missing = f"nsu={NAMESPACE};s=Line1.Sintering.Furnace9.Missing"
    settings = settings_for(
        {
            "endpoint": [
                {
                    "url": plant.url,
                    "namespace_uri": NAMESPACE,
                    "browse": False,
                    "nodes": [
                        TEMPERATURE,
                        missing,
                        f"nsu={NAMESPACE};s=Line1.Sintering.Furnace1.VacuumPressure",
                    ],
                }
            ]
        }
    )

    async def publish() -> None:
        for step in range(1, 11):
            await plant.publish(step)
            await asyncio.sleep(0.05)
        await plant.server.write_attribute_value(
            plant.temperature.nodeid,
            ua.DataValue(ua.Variant(float("nan")), SourceTimestamp=dt.datetime.now(dt.UTC)),
        )

    await run_service_until(
        db_dsn, settings, "SELECT count(*) FROM reading WHERE value = 'NaN'", 1, publish
    )
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        temperatures = await (
            await conn.execute(
                "SELECT r.value FROM reading r JOIN tag t USING (tag_id) "
                "WHERE t.name = 'Zone1Temperature' AND r.value > 20 ORDER BY r.time"
            )
        ).fetchall()
        bad = await (
            await conn.execute(
                "SELECT count(*) FROM reading WHERE status_code = %s AND value IS NULL",
                (ua.StatusCodes.BadSensorFailure,),
            )
        ).fetchone()
        health = await (await conn.execute("SELECT details FROM ingest_health")).fetchone()
    assert [v[0] for v in temperatures[:10]] == [20.0 + step for step in range(1, 11)]
    assert bad[0] == 5
    assert health[0]["quarantined"] == [missing] and health[0]["tags"] == 2


async def test_history_read_follows_pages_cut_without_continuation_point(
    plant: TinyPlant,
) -> None:
    """asyncua's own history storage cuts a page at NumValuesPerNode without a continuation
    point; the backfill still reads every value, in order, once."""
    await plant.server.historize_node_data_change(plant.temperature, period=None, count=0)
    start = dt.datetime.now(dt.UTC)
    t0 = start + dt.timedelta(seconds=1)
    for i in range(2500):
        await plant.server.write_attribute_value(
            plant.temperature.nodeid,
            ua.DataValue(ua.Variant(float(i)), SourceTimestamp=t0 + dt.timedelta(milliseconds=i)),
        )
    end = t0 + dt.timedelta(seconds=10)
    async with Client(plant.url) as client:
        idx = await client.get_namespace_index(NAMESPACE)
        node_id = ua.NodeId("Line1.Sintering.Furnace1.Zone1Temperature", idx)
        tag = TagInfo(
            "key", plant.url, NAMESPACE, node_id, ("Line1", "Sintering", "F", "T"), "Double"
        )
        rows = [
            row
            async for batch in read_history(client, [tag], {node_id: 7}, start, end)
            for row in batch.rows
        ]
    assert [row[2] for row in rows] == [float(i) for i in range(2500)]


async def _while_down(plant: TinyPlant, first: int, lot_id: str, equipment: str) -> None:
    """What happens while the recorder is down: a lot, a trip, then five temperatures."""
    await plant.publish_lot(f'{{"lot_id": "{lot_id}", "mass_in_kg": 10.0}}')
    await plant.trip(equipment)
    await _publish_temperatures(plant, range(first, first + 5))


async def test_each_gap_says_what_history_gave_back(plant: TinyPlant, db_dsn: str) -> None:
    """Three downtimes of the recorder: with no history on the server, with history for the
    temperature only, then with history for every tag and for events. Each gap says, for
    readings, events and lots, none / partly / recovered; what history had is stored,
    events and lots included."""
    settings = settings_for(
        {
            "endpoint": [
                {
                    "url": plant.url,
                    "namespace_uri": NAMESPACE,
                    "include": ["*/Zone1Temperature", "*/LastLot"],
                    "backfill_overlap_s": 1,
                }
            ]
        }
    )
    recovered_sql = "SELECT count(*) FROM gap WHERE recovered_at IS NOT NULL"
    await run_service_until(
        db_dsn, settings, "SELECT count(*) FROM reading WHERE value >= 100", 5,
        lambda: _publish_temperatures(plant, range(100, 105)),
    )  # fmt: skip
    await _while_down(plant, 200, "L-0001", "Furnace1")
    await run_service_until(db_dsn, settings, recovered_sql, 1)
    await plant.keep_history(plant.temperature)
    await _while_down(plant, 300, "L-0002", "Furnace2")
    await run_service_until(db_dsn, settings, recovered_sql, 2)
    await plant.keep_history(plant.last_lot)
    await plant.keep_event_history()
    await _while_down(plant, 400, "L-0003", "Furnace3")
    await run_service_until(db_dsn, settings, recovered_sql, 3)

    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        gaps = await (
            await conn.execute("SELECT readings, events, lots, filled FROM gap ORDER BY start_time")
        ).fetchall()
        values = await (
            await conn.execute("SELECT value FROM reading WHERE value >= 200 ORDER BY time")
        ).fetchall()
        lots = await (await conn.execute("SELECT lot_id FROM lot ORDER BY lot_id")).fetchall()
        trips = await (await conn.execute("SELECT source FROM event ORDER BY time")).fetchall()
    assert gaps == [
        ("none", "none", "none", False),
        ("partly", "none", "none", False),
        ("recovered", "recovered", "recovered", True),
    ]
    # Without history only each tag's current value comes back (its first value after
    # the gap); with it, every value.
    assert [v[0] for v in values] == [204.0, *range(300, 305), *range(400, 405)]
    assert lots == [("L-0001",), ("L-0002",), ("L-0003",)]
    assert trips == [("Furnace3",)]
