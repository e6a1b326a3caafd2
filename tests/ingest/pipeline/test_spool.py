"""The spools through crashes: a process killed between fsync and rename, or between a
segment's commit and its deletion, loses nothing and doubles nothing.

Each crash is real: a child process runs the spool and dies by ``os._exit`` at that step.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg

from ingest.pipeline.record_writer import RecordWriter, decode_records, encode_records
from ingest.pipeline.spool import Spool
from store.readings import upsert_copy_text
from store.records import EventRow, LotRecord
from tests.ingest.tiny_plant import count_rows

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

_READINGS = """
import datetime as dt
from ingest.pipeline.spool import Spool
from store.readings import reading_row
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
def rows(first):
    return [reading_row(T0 + dt.timedelta(seconds=i), 1, float(i), None, 0, None, 0)
            for i in range(first, first + 100)]
"""
_RECORDS = """
import datetime as dt
from ingest.pipeline.record_writer import encode_records
from ingest.pipeline.spool import Spool
from store.records import EventRow, LotRecord
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
def records(first):
    events = [("event", EventRow(T0 + dt.timedelta(seconds=i), "line-a", "Furnace1", "Trip",
               700, "tripped", '{"Kind": "trip"}', bytes([i]))) for i in range(first, first + 5)]
    lot = LotRecord(f"L1-AL-{first:05d}", "Sintering", "Furnace1", T0, None, 10.0, 9.5,
                    ("L1-OX-00001",), {"br_t": 1.38})
    return [*events, ("lot", (lot, "line-a"))]
"""


def _crash(script: str) -> None:
    """Run ``script`` in a child process; it must die by os._exit(9)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=Path.cwd())
    assert done.returncode == 9


def _crash_at(step: str) -> str:
    """Code that makes ``step`` (a dotted callable) kill the process when it is called."""
    owner, name = step.rsplit(".", 1)
    return f"import os\n{owner}.{name} = lambda *a, **k: os._exit(9)\n"


async def _replay_all(spool: Spool, dsn: str, store) -> int:
    stored = 0
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        while len(spool):
            stored += await spool.replay_oldest(conn, store)
    return stored


async def test_readings_segment_cut_between_fsync_and_rename_is_kept(
    tmp_path: Path, db_dsn: str
) -> None:
    """The second segment's process dies after its fsync, before the rename: at the next
    start the whole temporary file becomes a segment; a cut-short one is dropped."""
    _crash(
        _READINGS
        + "from pathlib import Path\n"
        + f"spool = Spool(Path({str(tmp_path)!r}), 10**8)\n"
        + "spool.append(rows(0))\n"
        + _crash_at("Path.rename")
        + "spool.append(rows(100))\n"
    )
    (tmp_path / f"{3:020d}.999.copy.tmp").write_bytes(b"cut short")
    spool = Spool(tmp_path, 10**8)
    assert len(spool) == 2 and not list(tmp_path.glob("*.tmp"))
    assert await _replay_all(spool, db_dsn, upsert_copy_text) == 200
    assert await count_rows(db_dsn, "SELECT count(DISTINCT time) FROM reading") == 200


async def test_readings_segment_replayed_after_a_crash_between_commit_and_delete(
    tmp_path: Path, db_dsn: str
) -> None:
    """The replaying process dies after the commit, before the file is deleted: the next
    replay stores the segment again and no row is doubled."""
    spool = Spool(tmp_path, 10**8)
    _crash(
        _READINGS
        + "import asyncio, psycopg\nfrom pathlib import Path\n"
        + "from store.readings import upsert_copy_text\n"
        + f"spool = Spool(Path({str(tmp_path)!r}), 10**8)\n"
        + "spool.append(rows(0))\n"
        + _crash_at("Spool.remove")
        + "async def main():\n"
        + f"    async with await psycopg.AsyncConnection.connect({db_dsn!r}) as conn:\n"
        + "        await spool.replay_oldest(conn, upsert_copy_text)\n"
        + "asyncio.run(main())\n"
    )
    assert await count_rows(db_dsn, "SELECT count(*) FROM reading") == 100
    spool = Spool(tmp_path, 10**8)
    assert len(spool) == 1
    assert await _replay_all(spool, db_dsn, upsert_copy_text) == 0
    assert await count_rows(db_dsn, "SELECT count(*) FROM reading") == 100


async def test_records_through_both_crashes_are_stored_once(tmp_path: Path, db_dsn: str) -> None:
    """Events and lots: a segment cut between fsync and rename is kept, one replayed after
    a crash between commit and delete is stored once, and no lot is flagged as conflicting."""
    folder = tmp_path / "records"
    _crash(
        _RECORDS
        + "from pathlib import Path\n"
        + f"spool = Spool(Path({str(folder)!r}), 10**8, encode_records, '.jsonl')\n"
        + "spool.append(records(0))\n"
        + _crash_at("Path.rename")
        + "spool.append(records(10))\n"
    )
    spool = Spool(folder, 10**8, encode_records, ".jsonl")
    assert len(spool) == 2
    migrated = asyncio.Event()
    migrated.set()
    async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
        writer = RecordWriter(None, spool, migrated)
        _, data = spool.oldest()
        # committed, and the file left as a crash between commit and delete leaves it
        await writer._store_segment(conn, data)
        assert await _replay_all(spool, db_dsn, writer._store_segment) == 6
    assert await count_rows(db_dsn, "SELECT count(*) FROM event") == 10
    assert await count_rows(db_dsn, "SELECT count(*) FROM lot WHERE conflicts = 0") == 2
    assert await count_rows(db_dsn, "SELECT count(*) FROM lot_conflict") == 0


def test_records_round_trip_through_their_segment_format() -> None:
    """What the records spool writes reads back as the same rows."""
    event = EventRow(T0, "line-a", "F1", "Trip", 700, "tripped", '{"a": 1}', b"\x00\xff")
    lot = LotRecord("L-1", "Sintering", None, T0, None, None, 2.5, ("P-2", "P-1"), {"x": [1]})
    events, lots = decode_records(encode_records([("event", event), ("lot", (lot, "line-a"))]))
    assert events == [event]
    assert lots[0][1] == "line-a" and lots[0][0].content() == lot.content()


async def test_a_segment_from_before_reading_flags_replays(db_dsn: str) -> None:
    """A spool segment written by a recorder before migration 012 (seven fields a line, no
    flags) is stored after the upgrade, its readings unflagged."""
    legacy = "".join(
        f"{(T0 + dt.timedelta(seconds=i)).isoformat()}\t1\t{float(i)!r}\t\\N\t0\t\\N\t0\n"
        for i in range(10)
    ).encode()
    async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as conn:
        assert await upsert_copy_text(conn, legacy) == 10
    assert await count_rows(db_dsn, "SELECT count(*) FROM reading WHERE flags = 0") == 10
