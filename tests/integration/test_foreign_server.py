"""The recorder against another plant's server (tests/foreign_server.py), configured with
its URL alone: every variable of both its namespaces is recorded once, with its browse
path, unit, range, data type, stage and equipment; NaN as NaN; a Bad reading with its status
and the value the server sent."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import numpy as np
import psycopg
import pytest
from asyncua import ua
from numpy.testing import assert_allclose

from ingest.service import run_service
from tests.foreign_server import BAD_VALUE, OWN, SITE, VARIABLES, ForeignPlant, running_plant
from tests.ingest.tiny_plant import count_rows, settings_for, wait_until_running

# Where the default levels (line, stage, equipment) place each variable: (stage, equipment,
# name). A shallow tree's holder of a signal is its equipment, never its stage.
PLACES = {
    "Heartbeat": (None, None, "Heartbeat"),
    "Boiler1/Temperature": (None, "Boiler1", "Temperature"),
    "Boiler1/Pressure": (None, "Boiler1", "Pressure"),
    "Boiler1/Running": (None, "Boiler1", "Running"),
    "Utilities/Compressor1/OutletPressure": (None, "Compressor1", "OutletPressure"),
    "Utilities/Compressor1/Mode": (None, "Compressor1", "Mode"),
    "PlantA/Sintering/Furnace2/ZoneTemperature": ("Sintering", "Furnace2", "ZoneTemperature"),
    "PlantA/Sintering/Furnace2/VacuumGauge": ("Sintering", "Furnace2", "VacuumGauge"),
    "PlantA/Area1/Unit1/Pump7/Speed": ("Area1", "Unit1", "Pump7.Speed"),
}
GAUGE = "PlantA/Sintering/Furnace2/VacuumGauge"
PUBLISHED = {"Boiler1/Temperature": 82.0, "PlantA/Sintering/Furnace2/ZoneTemperature": 1051.0}
_GAUGE_READINGS = (
    f"SELECT count(*) FROM reading r JOIN tag t USING (tag_id) WHERE t.browse_path = '{GAUGE}'"
)


@pytest.fixture
async def plant() -> AsyncIterator[ForeignPlant]:
    async with running_plant() as plant:
        yield plant


async def _record(plant: ForeignPlant, dsn: str) -> None:
    """Run the recorder with the plant's URL alone until its first values and a few
    published later (one per namespace, and one more failed reading) are stored."""
    settings = settings_for({"endpoint": [{"url": plant.url}], "health_interval_s": 0.2})
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, dsn, stop))
    async with asyncio.timeout(30):
        await wait_until_running(dsn)
        for path, value in PUBLISHED.items():
            await plant.publish(path, value)
        await plant.publish(GAUGE, BAD_VALUE + 0.2, ua.StatusCodes.BadSensorFailure)
        while (
            await count_rows(dsn, "SELECT count(*) FROM reading WHERE value IN (82, 1051)") < 2
            or await count_rows(dsn, _GAUGE_READINGS) < 2
            or await count_rows(dsn, "SELECT count(DISTINCT tag_id) FROM reading") < len(PLACES)
        ):
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(service, 15)


async def _readings(conn: psycopg.AsyncConnection, path: str) -> list[tuple]:
    cur = await conn.execute(
        "SELECT r.value, r.value_text, r.status_code FROM reading r JOIN tag t USING (tag_id) "
        "WHERE t.browse_path = %s ORDER BY r.time",
        (path,),
    )
    return await cur.fetchall()


async def test_a_foreign_plant_is_recorded_from_its_url_alone(
    plant: ForeignPlant, db_dsn: str
) -> None:
    """Every variable of both namespaces once, with path, key, unit, range, type, stage and
    equipment; nothing of the Server object's diagnostics, no property, no second path."""
    await _record(plant, db_dsn)
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        cur = await conn.execute(
            "SELECT browse_path, tag_key, namespace_uri, stage, equipment, name, unit, eu_low,"
            " eu_high, data_type FROM tag"
        )
        tags = {row[0]: row[1:] for row in await cur.fetchall()}
    expected = {
        v.path: (
            v.node_key,
            v.namespace,
            *PLACES[v.path],
            v.unit[0] if v.unit else None,
            *(v.eu_range or (None, None)),
            v.variant.name,
        )
        for v in VARIABLES
    }
    assert tags == expected


async def test_values_nan_and_bad_readings_are_kept(plant: ForeignPlant, db_dsn: str) -> None:
    """Values of every type in both namespaces as sent: NaN stays NaN, and a Bad reading
    keeps its status and its value."""
    await _record(plant, db_dsn)
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        pressure = await _readings(conn, "Boiler1/Pressure")
        assert pressure and all(math.isnan(value) for value, _, _ in pressure)
        assert (await _readings(conn, "Boiler1/Running"))[0] == (1.0, None, 0)
        assert (await _readings(conn, "Heartbeat"))[0] == (7.0, None, 0)
        assert (await _readings(conn, "PlantA/Area1/Unit1/Pump7/Speed"))[0] == (1450.0, None, 0)
        assert (await _readings(conn, "Utilities/Compressor1/Mode"))[0] == (None, "auto", 0)
        for path, value in PUBLISHED.items():  # one in each namespace: OWN, then SITE
            assert (await _readings(conn, path))[-1] == (value, None, 0)
        gauge = await _readings(conn, GAUGE)
        assert [status for _, _, status in gauge] == [ua.StatusCodes.BadSensorFailure] * 2
        values = np.array([value for value, _, _ in gauge], dtype=float)  # None: NaN
        assert_allclose(values, [BAD_VALUE, BAD_VALUE + 0.2], rtol=1e-12)
    assert {OWN, SITE} == {v.namespace for v in VARIABLES if v.path in PUBLISHED}
