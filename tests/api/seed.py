"""A small recorded plant for the API tests: two analog tags, two state tags, roll-ups for
the first hour, events, gaps, a lot genealogy and an ingest health record."""

from __future__ import annotations

import datetime as dt
import json

import psycopg

T0 = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
BAD = 0x80320000
UNCERTAIN = 0x40920000
SPIKE_AT = 4000

_TAGS = [
    # name, path, stage, equipment, unit, data type, expected interval
    ("Temperature", "Line1/Sintering/Furnace1/Temperature", "Sintering", "Furnace1", "°C",
     "Double", 1.0),
    ("Field", "Line1/Magnetization/Magnetizer1/Field", "Magnetization", "Magnetizer1", "T",
     "Double", 10.0),
    ("State", "Line1/Sintering/Furnace1/State", "Sintering", "Furnace1", None, "String", None),
    ("State", "Line1/Separation/Cascade1/State", "Separation", "Cascade1", None, "String", None),
]  # fmt: skip

FURNACE_STATES = [(0, "running"), (30, "down"), (45, "running"), (90, "maintenance"),
                  (100, None), (110, "running")]  # fmt: skip

LOTS = [
    # lot, stage, mass in, mass out, parents
    ("OX-1", "Separation", 1000.0, 950.0, []),
    ("AL-1", "Alloy", 950.0, 900.0, ["OX-1"]),
    ("SL-1", "Sintering", 450.0, 430.0, ["AL-1"]),
    ("SL-2", "Sintering", 450.0, 420.0, ["AL-1"]),
    ("MG-1", "Magnetization", 850.0, 840.0, ["SL-1", "SL-2", "SL-9"]),
]


def temperature(i: int) -> tuple[float | None, int]:
    """Value and status of the temperature reading ``i`` seconds after T0."""
    if i == 50:  # a Bad reading keeps the value the server sent: far off, never to be used
        return 9999.0, BAD
    if i == 100:
        return 5000.0, UNCERTAIN
    return (1500.0 if i == SPIKE_AT else 1000.0 + i % 60), 0


def _insert_tags(conn: psycopg.Connection) -> dict[str, int]:
    ids = {}
    for name, path, stage, equipment, unit, data_type, interval in _TAGS:
        key = f"nsu=urn:magnetline;s={path.replace('/', '.')}"
        ids[path] = conn.execute(
            "INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, stage,"
            " equipment, name, unit, data_type, expected_interval_s, eu_low, eu_high)"
            " VALUES (%s, 'opc.tcp://plant:4840/', 'urn:magnetline', %s, %s, %s, %s, %s, %s,"
            " %s, %s, 0, 2000) RETURNING tag_id",
            (key, f"s={path}", path, stage, equipment, name, unit, data_type, interval),
        ).fetchone()[0]
    return ids


def _readings(ids: dict[str, int]) -> list[tuple]:
    temp, field = ids[_TAGS[0][1]], ids[_TAGS[1][1]]
    state, cascade = ids[_TAGS[2][1]], ids[_TAGS[3][1]]
    rows = []
    for i in range(7200):
        value, status = temperature(i)
        rows.append((T0 + dt.timedelta(seconds=i), temp, value, None, status))
    for i in range(0, 7200, 10):
        rows.append((T0 + dt.timedelta(seconds=i), field, 2.0 + i / 1000, None, 0))
    for minute, text in FURNACE_STATES:
        status = BAD if text is None else 0
        rows.append((T0 + dt.timedelta(minutes=minute), state, None, text, status))
    rows.append((T0, cascade, None, "running", 0))
    return rows


def _roll_up_first_hour(conn: psycopg.Connection) -> None:
    good = "status_code < 1073741824 AND value IS NOT NULL AND value <> 'NaN'::float8"
    conn.execute(
        "INSERT INTO reading_1m (bucket, tag_id, avg, min, max, last, count_good, count_all)"
        f" SELECT time_bucket('1 minute', time), tag_id, avg(value) FILTER (WHERE {good}),"
        f" min(value) FILTER (WHERE {good}), max(value) FILTER (WHERE {good}),"
        f" last(value, time) FILTER (WHERE {good}), count(*) FILTER (WHERE {good}), count(*)"
        " FROM reading WHERE time < %s GROUP BY 1, 2",
        (T0 + HOUR,),
    )
    conn.execute("INSERT INTO rollup_state (level, complete_until) VALUES ('1m', %s)", (T0 + HOUR,))


def _records(conn: psycopg.Connection, ids: dict[str, int]) -> None:
    temp = ids[_TAGS[0][1]]
    for minute, source, kind, severity in [(5, "Furnace1", "Trip", 800), (30, "Furnace1", "Alarm",
                                            500), (30, "Magnetizer1", "Alarm", 200)]:  # fmt: skip
        conn.execute(
            "INSERT INTO event (time, endpoint, source, event_type, severity, message)"
            " VALUES (%s, 'opc.tcp://plant:4840/', %s, %s, %s, 'test')",
            (T0 + dt.timedelta(minutes=minute), source, kind, severity),
        )
    conn.execute(
        "INSERT INTO gap (endpoint, tag_id, start_time, end_time, reason) VALUES"
        " ('opc.tcp://plant:4840/', %s, %s, %s, 'bad status'),"
        " ('opc.tcp://plant:4840/', NULL, %s, NULL, 'connection lost')",
        (temp, T0 + dt.timedelta(seconds=50), T0 + dt.timedelta(seconds=51), T0 + 2 * HOUR),
    )
    for lot, stage, mass_in, mass_out, parents in LOTS:
        conn.execute(
            "INSERT INTO lot (lot_id, stage, started_at, mass_in_kg, mass_out_kg, properties)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (lot, stage, T0, mass_in, mass_out, json.dumps({"grade": "N42"})),
        )
        for parent in parents:
            conn.execute("INSERT INTO lot_parent VALUES (%s, %s)", (lot, parent))
    conn.execute(
        "INSERT INTO ingest_health VALUES ('opc.tcp://plant:4840/', 'connected', now(), '{}')"
    )


def seed(dsn: str) -> dict[str, int]:
    """Write the plant into the database at ``dsn``; return tag ids by browse path."""
    with psycopg.connect(dsn) as conn:
        ids = _insert_tags(conn)
        columns = "time, tag_id, value, value_text, status_code, time_source"
        with conn.cursor().copy(f"COPY reading ({columns}) FROM STDIN") as copy:
            for row in _readings(ids):
                copy.write_row((*row, 0))
        _roll_up_first_hour(conn)
        _records(conn, ids)
    return ids


TEMP = _TAGS[0][1]
FIELD = _TAGS[1][1]
FURNACE_STATE = _TAGS[2][1]
CASCADE_STATE = _TAGS[3][1]


def iso(time: dt.datetime) -> str:
    return time.isoformat()


def window(start: dt.datetime, end: dt.datetime, **more: object) -> dict[str, object]:
    """Query parameters of a time window, plus ``more``."""
    return {"start": start.isoformat(), "end": end.isoformat(), **more}
