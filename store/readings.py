"""The `reading` hypertable's row, and the statements that write it (each once).

A row is a plain tuple ``(time, tag_id, value, value_text, status_code, server_time,
time_source, flags)`` in the column order of the table (``READING_COLUMNS``), so it is
COPYed as it is; code reads its fields by the position constants ``TIME`` ... ``FLAGS``
(``row[VALUE_TEXT]``), never by a bare number. ``time`` is the source timestamp, else the
server timestamp, else the time it was received; ``time_source`` records which
(:class:`TimeSource`). ``status_code`` is the plant's 32-bit status untouched; what the
recorder itself found doubtful about a reading is in ``flags`` (:class:`ReadingFlag`).

Why not a NamedTuple, as every other row that leaves a module here is: readings are the
recorder's hot path (tens of thousands a second). Measured at 10,000 values/s
(BENCHMARKS.md, layout I), a NamedTuple row cost ~30 % more recorder CPU per value: the
garbage collector keeps instances of tuple subclasses tracked (it untracks plain tuples of
plain values), they miss the tuple free list, and psycopg's binary COPY reads their items
through the slow path.

Three ways in, one statement each:

- :func:`copy_readings`: plain binary COPY, the normal path (fails on a repeated row);
- :func:`upsert_readings`: the same rows through a staging table with ``ON CONFLICT DO
  NOTHING``, for a batch that may repeat rows (a resubscribe, a backfill);
- :func:`upsert_copy_text`: rows already in COPY text form (the recorder's spool) through
  the same staging table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from enum import Enum, IntFlag
from typing import Any

import psycopg

__all__ = [
    "COPY_TEXT_TO_STAGE",
    "CREATE_STAGE",
    "FLAGS",
    "MOVE_STAGED",
    "READING_COLUMNS",
    "READING_TYPES",
    "SERVER_TIME",
    "STATUS_CODE",
    "TAG_ID",
    "TIME",
    "TIME_SOURCE",
    "VALUE",
    "VALUE_TEXT",
    "ReadingFlag",
    "ReadingRow",
    "TimeSource",
    "copy_readings",
    "reading_row",
    "upsert_copy_text",
    "upsert_readings",
]


ReadingRow = tuple[dt.datetime, int, float | None, str | None, int, dt.datetime | None, int, int]

READING_COLUMNS = (
    "time",
    "tag_id",
    "value",
    "value_text",
    "status_code",  # the full 32-bit OPC UA status code
    "server_time",
    "time_source",  # TimeSource
    "flags",  # ReadingFlag bits
)
TIME, TAG_ID, VALUE, VALUE_TEXT, STATUS_CODE, SERVER_TIME, TIME_SOURCE, FLAGS = range(8)
READING_TYPES = ("timestamptz", "int4", "float8", "text", "int8", "timestamptz", "int2", "int2")
# Spool segments written before `flags` existed (migration 012) carry the first seven.
_LEGACY_COLUMNS = READING_COLUMNS[:7]


def reading_row(
    time: dt.datetime,
    tag_id: int,
    value: float | None,
    value_text: str | None,
    status_code: int,
    server_time: dt.datetime | None,
    time_source: int,
    flags: int = 0,
) -> ReadingRow:
    """A row from its fields by name (where rows are few; the hot path builds tuples)."""
    return (time, tag_id, value, value_text, status_code, server_time, time_source, flags)


class TimeSource(int, Enum):
    """Which timestamp ``time`` is."""

    SOURCE = 0
    SERVER = 1
    RECEIVED = 2


class ReadingFlag(IntFlag):
    """What the recorder found doubtful about a reading (bits of ``flags``)."""

    # The source timestamp was ahead of the recorder's receive time by more than the
    # endpoint's future_tolerance_s: the plant's clock is ahead (or ours behind). The
    # reading is kept as sent; it does not make its tag fresh (store.receipts).
    FUTURE_TIME = 1


_COLUMNS = ", ".join(READING_COLUMNS)
# The staging upsert's three statements (public so that a benchmark can time each step).
CREATE_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS reading_stage (LIKE reading INCLUDING DEFAULTS)"
    " ON COMMIT DELETE ROWS"
)
COPY_TEXT_TO_STAGE = f"COPY reading_stage ({_COLUMNS}) FROM STDIN"
_COPY_LEGACY_TEXT_TO_STAGE = f"COPY reading_stage ({', '.join(_LEGACY_COLUMNS)}) FROM STDIN"
MOVE_STAGED = (
    f"INSERT INTO reading ({_COLUMNS}) SELECT {_COLUMNS} FROM reading_stage "
    "ON CONFLICT (tag_id, time) DO NOTHING"
)

_Fill = Callable[[psycopg.AsyncCursor], Coroutine[Any, Any, None]]


async def copy_readings(conn: psycopg.AsyncConnection, rows: list[ReadingRow]) -> int:
    """COPY ``rows`` into `reading` in one transaction; UniqueViolation if one is stored."""
    async with conn.transaction(), conn.cursor() as cur:
        await _copy_binary(cur, "reading", rows)
    return len(rows)


async def upsert_readings(conn: psycopg.AsyncConnection, rows: list[ReadingRow]) -> int:
    """Store the rows of ``rows`` not stored yet; returns how many were new."""
    return await _staged(conn, lambda cur: _copy_binary(cur, "reading_stage", rows))


async def upsert_copy_text(
    conn: psycopg.AsyncConnection, data: bytes, tag_ids: dict[int, int] | None = None
) -> int:
    """Store the rows of ``data`` (COPY text, `reading`'s columns) not stored yet.

    ``tag_ids`` maps provisional tag ids (given while the database was away) to the ids
    the database assigned since; rows with other ids are stored as they are."""

    statement = COPY_TEXT_TO_STAGE if _fields_per_line(data) == 8 else _COPY_LEGACY_TEXT_TO_STAGE

    async def fill(cur: psycopg.AsyncCursor) -> None:
        async with cur.copy(statement) as copy:
            await copy.write(data)
        if tag_ids:
            await cur.execute(
                "UPDATE reading_stage s SET tag_id = m.tag_id"
                " FROM unnest(%s::int[], %s::int[]) AS m(provisional, tag_id)"
                " WHERE s.tag_id = m.provisional",
                (list(tag_ids), list(tag_ids.values())),
            )

    return await _staged(conn, fill)


def _fields_per_line(data: bytes) -> int:
    """Fields of the first line of COPY text (tabs inside values are escaped as ``\\t``)."""
    return data[: data.find(b"\n")].count(b"\t") + 1


async def _staged(conn: psycopg.AsyncConnection, fill: _Fill) -> int:
    async with conn.transaction(), conn.cursor() as cur:
        await cur.execute(CREATE_STAGE)
        await fill(cur)
        await cur.execute(MOVE_STAGED)
        return cur.rowcount


async def _copy_binary(cur: psycopg.AsyncCursor, table: str, rows: list[ReadingRow]) -> None:
    async with cur.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(READING_TYPES))
        for row in rows:
            await copy.write_row(row)
