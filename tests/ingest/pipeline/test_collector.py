"""The collector and writer against a real asyncua server over TCP and the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import socket
from pathlib import Path

import psycopg
import pytest
from asyncua import ua

from ingest.check import check_endpoints
from ingest.errors import ConfigError
from ingest.pipeline.database_gate import DatabaseGate
from ingest.pipeline.spool import Spool
from ingest.pipeline.tag_ids import TagIds
from ingest.pipeline.writer import BatchWriter, RowBuffer
from ingest.service import run_service
from store.readings import reading_row
from tests.ingest.tiny_plant import (
    NAMESPACE,
    TinyPlant,
    count_rows,
    run_service_until,
    settings_for,
    wait_until_running,
)


async def test_service_records_values_units_and_statuses(plant: TinyPlant, db_dsn: str) -> None:
    """Every published value arrives with its unit, range, status code and source time."""
    settings = settings_for(
        {
            "endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE}],
            "writer": {"flush_interval_s": 0.2},
        }
    )
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, db_dsn, stop))
    async with asyncio.timeout(30):
        while await count_rows(db_dsn, "SELECT count(*) FROM tag") < 3:
            await asyncio.sleep(0.1)
        for step in range(1, 21):
            await plant.publish(step)
            await asyncio.sleep(0.12)
        temperature_sql = (
            "SELECT count(*) FROM reading r JOIN tag t USING (tag_id) "
            "WHERE t.name = 'Zone1Temperature' AND r.value >= 21"
        )
        while await count_rows(db_dsn, temperature_sql) < 20:
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(service, 15)

    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        tag = await (
            await conn.execute(
                "SELECT tag_key, stage, equipment, unit, eu_low, eu_high, data_type FROM tag "
                "WHERE name = 'Zone1Temperature'"
            )
        ).fetchone()
        assert tag == (
            f"nsu={NAMESPACE};s=Line1.Sintering.Furnace1.Zone1Temperature",
            "Sintering",
            "Furnace1",
            "°C",
            0.0,
            1200.0,
            "Double",
        )
        values = await (
            await conn.execute(
                "SELECT r.value FROM reading r JOIN tag t USING (tag_id) "
                "WHERE t.name = 'Zone1Temperature' AND r.value >= 21 ORDER BY r.time"
            )
        ).fetchall()
        assert [v[0] for v in values] == [20.0 + step for step in range(1, 21)]
        bad = await (
            await conn.execute(
                "SELECT count(*), count(r.value) FROM reading r JOIN tag t USING (tag_id) "
                "WHERE t.name = 'VacuumPressure' AND r.status_code = %s",
                (ua.StatusCodes.BadSensorFailure,),
            )
        ).fetchone()
        assert bad[0] >= 5 and bad[1] == 0
        lots = await (
            await conn.execute(
                "SELECT DISTINCT r.value_text FROM reading r JOIN tag t USING (tag_id) "
                "WHERE t.name = 'LotId' AND r.value_text <> ''"
            )
        ).fetchall()
        assert {"LOT-0001", "LOT-0002", "LOT-0003", "LOT-0004"} <= {row[0] for row in lots}
        health = await (await conn.execute("SELECT state FROM ingest_health")).fetchone()
        assert health == ("stopped",)


async def test_lots_and_events_are_recorded(plant: TinyPlant, db_dsn: str) -> None:
    """Published lot records become lots with genealogy; a broken one is refused; plant
    events become event rows with their own fields."""
    settings = settings_for({"endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE}]})
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, db_dsn, stop))
    lot = {
        "lot_id": "FL-0001",
        "parents": ["AL-0007", "AL-0008"],
        "equipment": "Furnace1",
        "start_s": 1.79e9,
        "end_s": 1.79e9 + 14400,
        "mass_in_kg": 600.0,
        "mass_out_kg": 588.5,
        "scrap_kg": 11.5,
        "properties": {"density_g_cm3": 7.56},
    }
    async with asyncio.timeout(30):
        await wait_until_running(db_dsn)
        await plant.publish_lot(json.dumps(lot))
        await asyncio.sleep(0.3)
        await plant.publish_lot('{"lot_id": "FL-0002", "mass_in_kg": -5}')
        await plant.trip("Furnace1")
        while (await count_rows(db_dsn, "SELECT count(*) FROM lot")) < 1 or (
            await count_rows(db_dsn, "SELECT count(*) FROM event")
        ) < 1:
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(service, 15)

    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        stored = await (
            await conn.execute(
                "SELECT lot_id, stage, equipment, mass_in_kg, mass_out_kg, properties, "
                "finished_at - started_at FROM lot"
            )
        ).fetchall()
        parents = await (
            await conn.execute(
                "SELECT parent_lot_id FROM lot_parent WHERE lot_id = 'FL-0001' ORDER BY 1"
            )
        ).fetchall()
        event = await (
            await conn.execute(
                "SELECT source, event_type, severity, message, attributes FROM event"
            )
        ).fetchone()
        health = await (await conn.execute("SELECT details FROM ingest_health")).fetchone()
    assert stored == [
        (
            "FL-0001",
            "Sintering",
            "Furnace1",
            600.0,
            588.5,
            {"scrap_kg": 11.5, "density_g_cm3": 7.56},
            dt.timedelta(hours=4),
        )
    ]
    assert [p[0] for p in parents] == ["AL-0007", "AL-0008"]
    assert event[:4] == ("Furnace1", "EquipmentTrip", 700, "Furnace1 tripped")
    assert event[4]["Equipment"] == "Furnace1" and event[4]["Details"] == {"cause": "vacuum leak"}
    assert health[0]["lots_invalid"] == 1 and health[0]["events"] == 1


async def test_writer_skips_rows_it_already_stored(db_dsn: str, tmp_path: Path) -> None:
    """A batch that repeats stored rows writes only the new ones and never fails."""
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        reading_row(t0 + dt.timedelta(seconds=i), 1, float(i), None, 0, None, 0) for i in range(10)
    ]
    buffer = RowBuffer(max_rows=1000)
    gate = DatabaseGate()
    gate.migrated.set()
    tag_ids = TagIds(tmp_path, spool_empty=True)
    writer = BatchWriter(db_dsn, buffer, 100, 0.1, Spool(tmp_path, 10**8), gate, tag_ids)
    await buffer.put_many(rows[:6])
    assert await writer.flush_once() == 6
    await buffer.put_many(rows)
    assert await writer.flush_once() == 4
    await buffer.put_many([reading_row(t0, 1, float("nan"), None, 0, None, 0)])
    assert await writer.flush_once() == 0
    stop = asyncio.Event()
    stop.set()
    await writer.run(stop)
    assert writer.counters.rows_written == 10 and writer.counters.rows_duplicate == 7
    assert await count_rows(db_dsn, "SELECT count(*) FROM reading") == 10


async def test_selection_by_glob_and_explicit_node(plant: TinyPlant, db_dsn: str) -> None:
    """Only variables matching the include globs, minus excludes, plus explicit nsu= nodes."""
    settings = settings_for(
        {
            "endpoint": [
                {
                    "url": plant.url,
                    "namespace_uri": NAMESPACE,
                    "include": ["Line1/Sintering/Furnace1/*"],
                    "exclude": ["*/VacuumPressure"],
                    "nodes": [f"nsu={NAMESPACE};s=Line1.Sintering.Lots.LastLot"],
                }
            ]
        }
    )
    await run_service_until(db_dsn, settings, "SELECT count(*) FROM tag", 3)
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        names = await (await conn.execute("SELECT name FROM tag ORDER BY name")).fetchall()
    assert [n[0] for n in names] == ["LastLot", "LotId", "Zone1Temperature"]


async def test_check_lists_tags_and_names_a_missing_node(plant: TinyPlant) -> None:
    """`check` lists the selected tags with units, and fails naming a node id that is absent."""
    good = settings_for(
        {
            "endpoint": [
                {"url": plant.url, "namespace_uri": NAMESPACE, "include": ["*/Zone1Temperature"]}
            ]
        }
    )
    out = io.StringIO()
    assert await check_endpoints(good, out) == 0
    assert "1 tags selected" in out.getvalue()
    assert "Line1/Sintering/Furnace1/Zone1Temperature  [°C]  0..1200  Double" in out.getvalue()
    missing = f"nsu={NAMESPACE};s=Line1.Sintering.Furnace9.Nothing"
    bad = settings_for(
        {"endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE, "nodes": [missing]}]}
    )
    out = io.StringIO()
    assert await check_endpoints(bad, out) == 1
    assert f"no such node: {missing}" in out.getvalue()
    elsewhere = settings_for({"endpoint": [{"url": plant.url, "namespace_uri": "urn:other"}]})
    out = io.StringIO()
    assert await check_endpoints(elsewhere, out) == 1
    assert "no namespace 'urn:other'; it has " in out.getvalue()
    assert repr(NAMESPACE) in out.getvalue()


async def test_absolute_deadband_filters_small_changes(plant: TinyPlant, db_dsn: str) -> None:
    """With a 5 °C absolute deadband only moves of more than 5 °C are recorded."""
    settings = settings_for(
        {
            "endpoint": [
                {
                    "url": plant.url,
                    "namespace_uri": NAMESPACE,
                    "include": ["*/Zone1Temperature"],
                    "deadband": {"type": "absolute", "value": 5.0},
                }
            ]
        }
    )

    async def ramp() -> None:
        for value in (20.0, 21.0, 23.0, 26.0, 27.0, 40.0):
            await plant.server.write_attribute_value(
                plant.temperature.nodeid,
                ua.DataValue(ua.Variant(value), SourceTimestamp=dt.datetime.now(dt.UTC)),
            )
            await asyncio.sleep(0.25)

    await run_service_until(
        db_dsn, settings, "SELECT count(*) FROM reading WHERE value = 40", 1, ramp
    )
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        values = await (await conn.execute("SELECT value FROM reading ORDER BY time")).fetchall()
    recorded = [v[0] for v in values]
    # The spec compares with the last reported value (26 passes); asyncua's server compares
    # with the last sampled one (26 does not): either way no change of 5 °C or less passes.
    assert recorded in ([20.0, 26.0, 40.0], [20.0, 40.0])


async def test_a_busy_metrics_port_is_one_clear_error(db_dsn: str) -> None:
    """A metrics port already in use stops the service at start with a message naming it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = settings_for(
            {
                "metrics_port": port,
                "metrics_host": "127.0.0.1",
                "endpoint": [{"url": "opc.tcp://127.0.0.1:1/"}],
            }
        )
        with pytest.raises(ConfigError, match=f"metrics_port {port}: cannot listen there"):
            await run_service(settings, db_dsn, asyncio.Event())


async def test_a_server_shutting_down_is_one_info_line(
    plant: TinyPlant, db_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An orderly server stop is reported once, at INFO, with the status by name: no ERROR,
    no traceback, no raw number."""
    caplog.set_level(logging.INFO)
    settings = settings_for({"endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE}]})
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, db_dsn, stop))
    async with asyncio.timeout(30):
        await wait_until_running(db_dsn)
        caplog.clear()
        await plant.server.stop()
        while "the server shut down" not in caplog.text:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # asyncua's publish loop would log its "crash" within 1 s
    stop.set()
    await asyncio.wait_for(service, 20)
    shutdown = [r for r in caplog.records if "the server shut down" in r.getMessage()]
    assert len(shutdown) == 1 and shutdown[0].levelname == "INFO"
    assert "BadShutdown" in shutdown[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
