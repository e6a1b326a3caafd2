"""Where stored data ends, on the plant's clock: the start of the gap before a new process."""

from __future__ import annotations

import datetime as dt

import psycopg

from store.gaps import last_stored_time
from store.readings import READING_COLUMNS, ReadingFlag, TimeSource, reading_row

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def _store(dsn: str, rows: list) -> None:
    statement = f"COPY reading ({', '.join(READING_COLUMNS)}) FROM STDIN"
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


async def test_stored_data_ends_at_the_plants_clock(db_dsn: str) -> None:
    """A lot variable stamped with our receive time and a value from a clock ahead end
    later, but the plant's data ends at T0: that is where a gap would start."""
    source, received = int(TimeSource.SOURCE), int(TimeSource.RECEIVED)
    _store(db_dsn, [
        reading_row(T0, 1, 1.0, None, 0, None, source),
        reading_row(T0 + H, 2, None, "", 0, None, received),
        reading_row(T0 + 2 * H, 3, 2.0, None, 0, None, source, int(ReadingFlag.FUTURE_TIME)),
    ])  # fmt: skip
    async with await psycopg.AsyncConnection.connect(db_dsn) as conn:
        assert await last_stored_time(conn, [1, 2, 3]) == T0
        # A server without timestamps at all: its receive times are all there is.
        assert await last_stored_time(conn, [2]) == T0 + H
