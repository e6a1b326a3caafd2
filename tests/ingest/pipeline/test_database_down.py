"""The recorder starts while the database is down: it records to the spool, and once the
database answers it migrates it, registers the tags and stores everything once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ingest.service import run_service
from runtime.tcp_proxy import TcpProxy
from store.databases import create_database, drop_database
from tests.ingest.tiny_plant import NAMESPACE, TinyPlant, count_rows, settings_for


@pytest.fixture
def unmigrated_dsn(server_dsn: str) -> Iterator[str]:
    """A new, empty database: no tables, no TimescaleDB yet."""
    name, dsn = create_database(server_dsn, "magnetline_test_bare", migrate=False)
    yield dsn
    drop_database(server_dsn, name)


def _through(proxy: TcpProxy, dsn: str) -> str:
    return make_conninfo(**{**conninfo_to_dict(dsn), "host": "127.0.0.1", "port": proxy.port})


async def _until(condition, what: str, timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not await condition():
            await asyncio.sleep(0.1)


async def test_starts_and_records_while_the_database_is_down(
    plant: TinyPlant, unmigrated_dsn: str, tmp_path: Path
) -> None:
    """Values, a trip and a lot published before the database was ever reachable are all
    stored, once, under the tags' real ids."""
    params = conninfo_to_dict(unmigrated_dsn)
    spool = tmp_path / "spool"
    settings = settings_for(
        {
            "endpoint": [{"url": plant.url, "namespace_uri": NAMESPACE}],
            "writer": {"flush_interval_s": 0.2, "spool_dir": str(spool)},
        }
    )
    with TcpProxy(params["host"], int(params["port"])) as proxy:
        proxy.cut()
        stop = asyncio.Event()
        service = asyncio.create_task(run_service(settings, _through(proxy, unmigrated_dsn), stop))
        await _until(lambda: _has_segments(spool), "the first spooled readings")
        for step in range(1, 21):
            await plant.publish(step)
            await asyncio.sleep(0.05)
        await plant.trip("Furnace1")
        await plant.publish_lot('{"lot_id": "L-0001", "mass_in_kg": 12.5}')
        await asyncio.sleep(1.5)  # a spool segment and a records segment more
        assert not service.done()
        proxy.restore()
        stored_sql = (
            "SELECT count(*) FROM reading r JOIN tag t USING (tag_id)"
            " WHERE t.name = 'Zone1Temperature' AND r.value > 20"
        )
        await _until(lambda: _count(unmigrated_dsn, stored_sql, 20), "the spool replayed")
        await _until(lambda: _count(unmigrated_dsn, "SELECT count(*) FROM lot", 1), "the lot")
        stop.set()
        await asyncio.wait_for(service, 20)

    async with await psycopg.AsyncConnection.connect(unmigrated_dsn) as conn:
        temperatures = await (
            await conn.execute(
                "SELECT r.value FROM reading r JOIN tag t USING (tag_id)"
                " WHERE t.name = 'Zone1Temperature' AND r.value > 20 ORDER BY r.time"
            )
        ).fetchall()
        negative = await (
            await conn.execute("SELECT count(*) FROM reading WHERE tag_id < 0")
        ).fetchone()
        unknown = await (
            await conn.execute(
                "SELECT count(*) FROM reading r WHERE NOT EXISTS"
                " (SELECT 1 FROM tag t WHERE t.tag_id = r.tag_id)"
            )
        ).fetchone()
        events = await (await conn.execute("SELECT source, message FROM event")).fetchall()
    assert [v[0] for v in temperatures] == [20.0 + step for step in range(1, 21)]
    assert negative[0] == 0 and unknown[0] == 0
    assert events == [("Furnace1", "Furnace1 tripped")]
    assert not list(spool.glob("*.copy")) and not list((spool / "records").glob("*.jsonl"))


async def _has_segments(folder: Path) -> bool:
    return any(folder.glob("*.copy"))


async def _count(dsn: str, sql: str, minimum: int) -> bool:
    try:
        return await count_rows(dsn, sql) >= minimum
    except psycopg.errors.UndefinedTable:
        return False  # not migrated yet


def test_a_database_that_refuses_is_one_clear_error(server_dsn: str, tmp_path: Path) -> None:
    """Down is waited for; a server that answers "no" (a wrong password) is not: the
    recorder exits with one line saying why, and nothing it recorded is lost."""
    wrong = make_conninfo(**{**conninfo_to_dict(server_dsn), "password": "not-the-password"})
    done = subprocess.run(
        [sys.executable, "-m", "ingest", "run", "--endpoint", "opc.tcp://127.0.0.1:9/",
         "--dsn", wrong, "--metrics-port", "0", "--spool-dir", str(tmp_path / "spool")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert "password authentication failed" in last and "Traceback" not in done.stderr
