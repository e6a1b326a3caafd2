"""Plant clocks are not trusted blindly: a value stamped ahead of its receipt is kept and
flagged, staleness is measured from receipt, and `stale` fires after the expected interval."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import psycopg
from asyncua import ua
from psycopg_pool import AsyncConnectionPool

from ingest.pipeline.receipts import Receipts
from ingest.pipeline.tag_ids import TagIds
from ingest.service import run_service
from store import queries
from store.readings import reading_row
from store.tags import TagRow
from tests.ingest.tiny_plant import NAMESPACE, TinyPlant, count_rows, settings_for

_AHEAD = dt.timedelta(hours=1)


async def _latest(dsn: str) -> dict[str, dict]:
    """The latest-value answer of every tag, by tag name."""
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        rows = await queries.latest(
            conn, None, {"stage": None, "equipment": None}, dt.timedelta(days=2), 100, 3.0
        )
    return {answer["name"]: answer for answer in (json.loads(row["json"]) for row in rows)}


async def _write(plant: TinyPlant, node, value: float, source: dt.datetime) -> None:
    await plant.server.write_attribute_value(
        node.nodeid, ua.DataValue(ua.Variant(value), SourceTimestamp=source)
    )


async def test_future_stamps_are_flagged_and_staleness_follows_receipt(
    plant: TinyPlant, db_dsn: str
) -> None:
    settings = settings_for(
        {
            "endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE, "future_tolerance_s": 5}],
            "writer": {"flush_interval_s": 0.1},
            "health_interval_s": 0.5,
        }
    )
    temperature_sql = (
        "SELECT count(*) FROM reading r JOIN tag t USING (tag_id)"
        " WHERE t.name = 'Zone1Temperature' AND r.value >= %s"
    )
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, db_dsn, stop))
    async with asyncio.timeout(30):
        while await count_rows(db_dsn, "SELECT count(*) FROM tag") < 3:
            await asyncio.sleep(0.1)
        # A plant clock 3 s ahead is within the tolerance; the next value is an hour ahead.
        written = dt.datetime.now(dt.UTC)
        await _write(plant, plant.temperature, 500.0, written + dt.timedelta(seconds=3))
        await _write(plant, plant.failing, 2e-3, written)
        received_sql = (
            "SELECT count(*) FROM tag_receipt r JOIN tag t USING (tag_id)"
            " WHERE t.name IN ('Zone1Temperature', 'VacuumPressure')"
            f" AND r.received_at >= '{written.isoformat()}'"
        )
        while await count_rows(db_dsn, received_sql) < 2:  # both received and noted
            await asyncio.sleep(0.1)
        while await count_rows(db_dsn, temperature_sql.replace("%s", "500")) < 1:
            await asyncio.sleep(0.1)
        async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
            await conn.execute("UPDATE tag SET expected_interval_s = 60")
        fresh = await _latest(db_dsn)
        await _write(plant, plant.temperature, 900.0, dt.datetime.now(dt.UTC) + _AHEAD)
        while await count_rows(db_dsn, temperature_sql.replace("%s", "900")) < 1:
            await asyncio.sleep(0.1)
        future_sql = (
            "SELECT coalesce(max((details->>'readings_future')::int), 0) FROM ingest_health"
        )
        while await count_rows(db_dsn, future_sql) < 1:  # health counts it
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.2)  # a receipt flush: the flagged value must not move it
        ahead = await _latest(db_dsn)
    stop.set()
    await asyncio.wait_for(service, 15)

    temperature = fresh["Zone1Temperature"]
    assert temperature["value"] == 500.0 and temperature["future_time"] is False
    assert temperature["stale"] is False and 0 <= temperature["age_s"] < 10
    assert temperature["received_at"] is not None

    flagged = ahead["Zone1Temperature"]
    assert flagged["value"] == 900.0  # kept as sent, at its own time
    assert flagged["future_time"] is True and flagged["stale"] is True
    assert flagged["received_at"] == temperature["received_at"]  # not a receipt
    assert flagged["age_s"] >= 0  # from receipt, not from the time an hour ahead
    assert ahead["VacuumPressure"]["stale"] is False

    async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
        rows = await (
            await conn.execute(
                "SELECT r.value, r.flags FROM reading r JOIN tag t USING (tag_id)"
                " WHERE t.name = 'Zone1Temperature' AND r.value >= 500 ORDER BY r.time"
            )
        ).fetchall()
        assert rows == [(500.0, 0), (900.0, 1)]
        # Staleness by receipt: with an expected interval of 0.2 s, the pressure that was
        # fresh a moment ago is stale once 3 intervals have passed without a receipt.
        await conn.execute("UPDATE tag SET expected_interval_s = 0.2")
    await asyncio.sleep(0.7)
    assert (await _latest(db_dsn))["VacuumPressure"]["stale"] is True


async def test_a_receipt_under_a_provisional_id_waits_for_the_database_id(
    db_dsn: str, tmp_path: Path
) -> None:
    """A tag found while the database was away is received under a provisional id: its
    receipt is kept, and written under the id the database gives it once registered."""
    tag_ids = TagIds(tmp_path, spool_empty=True)
    row = TagRow("nsu=urn:x;s=T", "e", "urn:x", "s=T", "T", None, None, "T", None, None,
                 None, None, "Double", None)  # fmt: skip
    provisional = tag_ids.provisional([row])["nsu=urn:x;s=T"]
    received = dt.datetime.now(dt.UTC)
    receipts_sql = "SELECT count(*) FROM tag_receipt"
    async with AsyncConnectionPool(db_dsn, open=False, kwargs={"autocommit": True}) as pool:
        receipts = Receipts(pool, tag_ids)
        receipts.note([reading_row(received, provisional, 1.0, None, 0, None, 0)], received)
        assert await receipts.flush() and await count_rows(db_dsn, receipts_sql) == 0
        async with pool.connection() as conn:
            await tag_ids.resolve(conn)
        assert await receipts.flush()
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        stored = await (
            await conn.execute("SELECT tag_id, received_at FROM tag_receipt")
        ).fetchall()
    assert stored == [(tag_ids.database_id(provisional), received)]
