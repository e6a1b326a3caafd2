"""What one endpoint recorded over a window, as the frames of a recorded line.

The frames and their columns are those of the twin's neutral file format
(``twin/RECORDED_LINE.md``): readings, states, lots and events, named by browse path ("/").
Numeric readings come as one row per tag holding its times, values and statuses as
PostgreSQL binary arrays, read straight into numpy (a binary COPY would hand Python one
message per reading: ten times slower); text variables (strings, and booleans as
``"True"``/``"False"``), lots and events are small and read with ordinary queries. A lot's
parents come from ``lot_parent`` in lot id order.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import polars as pl
import psycopg

from store.errors import LineExportError

__all__ = ["ExportedLine", "LineExportError", "export_line", "recorded_span"]

_TEXT_TYPES = ("String", "LocalizedText", "Boolean")
# Record fields the ingest service keeps in a lot's properties next to the measured ones.
_RECORD_FIELDS = ("kind", "parts", "scrap_kg")
_PG_EPOCH_US = 946_684_800_000_000  # PostgreSQL's binary timestamps count from 2000-01-01
# A one-dimensional binary array: ndim, has-nulls flag, element type, size, lower bound,
# then each element as (length, value). Values are never null here (NaN stands in).
_ARRAY_HEADER_BYTES = 20
_TIME = pl.Datetime("us", "UTC")
_NUMERIC = """
SELECT tag_id,
       array_send(array_agg(time ORDER BY time)),
       array_send(array_agg(coalesce(value, 'NaN'::float8) ORDER BY time)),
       array_send(array_agg(status_code ORDER BY time))
FROM reading
WHERE tag_id = ANY(%(ids)s) AND time >= %(start)s AND time < %(end)s
GROUP BY tag_id
"""
_TEXT_VALUE = """CASE WHEN r.value_text IS NOT NULL THEN r.value_text
            WHEN r.value <> 0 THEN 'True' ELSE 'False' END"""
# Text readings that say something: a value, and not Bad (a Bad one keeps a value now).
_TEXT_USABLE = "(r.value_text IS NOT NULL OR r.value IS NOT NULL) AND r.status_code < 2147483648"
_TEXTS = f"""
SELECT r.time, r.tag_id, {_TEXT_VALUE}
FROM reading r
WHERE r.tag_id = ANY(%(ids)s) AND r.time >= %(start)s AND r.time < %(end)s AND {_TEXT_USABLE}
"""
# Each text tag's value in force at the window's start, stamped with the start.
_TEXTS_BEFORE = f"""
SELECT %(start)s::timestamptz, t.tag_id, r.value_text
FROM tag t CROSS JOIN LATERAL (
    SELECT {_TEXT_VALUE} AS value_text FROM reading r
    WHERE r.tag_id = t.tag_id AND r.time < %(start)s AND {_TEXT_USABLE}
    ORDER BY time DESC LIMIT 1) r
WHERE t.tag_id = ANY(%(ids)s)
"""
_EXTENT = """
SELECT min(first.time), max(last.time)
FROM tag t
CROSS JOIN LATERAL (SELECT time FROM reading r WHERE r.tag_id = t.tag_id
                    ORDER BY time LIMIT 1) first
CROSS JOIN LATERAL (SELECT time FROM reading r WHERE r.tag_id = t.tag_id
                    ORDER BY time DESC LIMIT 1) last
WHERE t.tag_id = ANY(%(ids)s)
"""
_LOTS = """
SELECT lot_id, coalesce(properties->>'kind', ''), coalesce(stage, ''), coalesce(equipment, ''),
       array(SELECT parent_lot_id FROM lot_parent p WHERE p.lot_id = lot.lot_id ORDER BY 1),
       started_at, finished_at, mass_in_kg, mass_out_kg, properties->>'parts', properties
FROM lot
WHERE finished_at >= %(start)s AND finished_at < %(end)s AND endpoint = %(endpoint)s
ORDER BY finished_at, lot_id
"""
_EVENTS = """
SELECT time, source, event_type, severity, message, attributes::text
FROM event
WHERE endpoint = %(endpoint)s AND time >= %(start)s AND time < %(end)s
ORDER BY time, source
"""


@dataclass(frozen=True)
class ExportedLine:
    """The four frames of a recorded line and the window they cover."""

    readings: pl.DataFrame
    states: pl.DataFrame
    lots: pl.DataFrame
    events: pl.DataFrame
    start: dt.datetime
    end: dt.datetime
    endpoint: str


def export_line(
    conn: psycopg.Connection,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    endpoint: str | None = None,
) -> ExportedLine:
    """What ``endpoint`` recorded over ``[start, end)``.

    The window lies within the numeric readings: ``start`` and ``end`` default to (and are
    clamped to) the first and just past the last of them, since a state's source time may
    lie days before the recording began and a window's length divides every rate.
    ``endpoint`` (the ``tag.endpoint`` label) may be left out when only one is recorded.
    """
    endpoint = _one_endpoint(conn, endpoint)
    tags = _tags(conn, endpoint)
    numeric = _numeric_ids(tags)
    text_ids = list(tags.filter(pl.col("data_type").is_in(_TEXT_TYPES))["tag_id"])
    start, end = _window(conn, numeric, start, end, endpoint)
    window = {"start": start, "end": end, "endpoint": endpoint}
    return ExportedLine(
        _readings(conn, {**window, "ids": numeric}, tags),
        _states(conn, {**window, "ids": text_ids}, tags),
        _lots(conn, window),
        _events(conn, window),
        start,
        end,
        endpoint,
    )


def recorded_span(
    conn: psycopg.Connection, endpoint: str | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """First and last numeric reading of the endpoint (two index probes per tag), so a
    caller can choose a window, or see there is too little data, before exporting."""
    endpoint = _one_endpoint(conn, endpoint)
    first, last = conn.execute(_EXTENT, {"ids": _numeric_ids(_tags(conn, endpoint))}).fetchone()
    if first is None:
        raise LineExportError(f"the historian holds no readings of {endpoint}")
    return first.astimezone(dt.UTC), last.astimezone(dt.UTC)


def _one_endpoint(conn: psycopg.Connection, endpoint: str | None) -> str:
    known = [row[0] for row in conn.execute("SELECT DISTINCT endpoint FROM tag ORDER BY 1")]
    if not known:
        raise LineExportError("the historian's database records no tags yet")
    if endpoint is None and len(known) > 1:
        raise LineExportError(f"the historian records {len(known)} endpoints "
                              f"({', '.join(known)}): choose one")  # fmt: skip
    if endpoint is not None and endpoint not in known:
        raise LineExportError(
            f"the historian records no endpoint {endpoint!r} (it has {', '.join(known)})"
        )
    return endpoint or known[0]


def _tags(conn: psycopg.Connection, endpoint: str) -> pl.DataFrame:
    rows = conn.execute(
        "SELECT tag_id, browse_path, unit, data_type FROM tag WHERE endpoint = %s", (endpoint,)
    ).fetchall()
    schema = {"tag_id": pl.Int32, "path": pl.Utf8, "unit": pl.Utf8, "data_type": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _numeric_ids(tags: pl.DataFrame) -> list[int]:
    return list(tags.filter(~pl.col("data_type").is_in(_TEXT_TYPES))["tag_id"])


def _window(conn, ids, start, end, endpoint) -> tuple[dt.datetime, dt.datetime]:
    first, last = conn.execute(_EXTENT, {"ids": ids}).fetchone()
    if first is None:
        raise LineExportError(f"the historian holds no readings of {endpoint}")
    after_last = last + dt.timedelta(microseconds=1)  # the window's end is exclusive
    start = max(start, first) if start else first
    end = min(end, after_last) if end else after_last
    if not start < end:
        raise LineExportError(
            f"no readings of {endpoint} from {start.isoformat()} to {end.isoformat()}"
        )
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _readings(conn: psycopg.Connection, window: dict, tags: pl.DataFrame) -> pl.DataFrame:
    """Numeric readings as stored: the value as sent (NaN where none), the full status."""
    rows = conn.execute(_NUMERIC, window).fetchall()
    times = [_array(t, ">i8") for _, t, _, _ in rows]
    frame = pl.DataFrame(
        {
            "tag_id": np.repeat([r[0] for r in rows], [t.size for t in times]).astype(np.int32),
            "time": np.concatenate([np.zeros(0, np.int64), *times]) + _PG_EPOCH_US,
            "value": np.concatenate([np.zeros(0), *(_array(r[2], ">f8") for r in rows)]),
            "status": np.concatenate([np.zeros(0, np.int64), *(_array(r[3], ">i8") for r in rows)]),
        }
    )
    return (
        frame.join(tags.select("tag_id", "path", "unit"), on="tag_id")
        .select(
            pl.from_epoch("time", "us").dt.replace_time_zone("UTC").alias("time"),
            "path",
            "unit",
            "value",
            pl.col("status").cast(pl.UInt32),
        )
        .sort("time", "path")
    )


def _array(blob: bytes, element: str) -> np.ndarray:
    """A one-dimensional binary array of fixed-width, non-null elements as numpy."""
    pairs = np.frombuffer(
        blob, np.dtype([("n", ">i4"), ("v", element)]), offset=_ARRAY_HEADER_BYTES
    )
    return pairs["v"].astype(element[1:])


def _states(conn: psycopg.Connection, window: dict, tags: pl.DataFrame) -> pl.DataFrame:
    rows = [
        *conn.execute(_TEXTS_BEFORE, window).fetchall(),
        *conn.execute(_TEXTS, window).fetchall(),
    ]
    frame = pl.DataFrame(
        rows, schema={"time": _TIME, "tag_id": pl.Int32, "value": pl.Utf8}, orient="row"
    )
    return (
        frame.join(tags.select("tag_id", "path"), on="tag_id")
        .select("time", "path", "value")
        .sort("time", "path")
    )


def _lots(conn: psycopg.Connection, window: dict) -> pl.DataFrame:
    rows = [_lot(*row) for row in conn.execute(_LOTS, window).fetchall()]
    schema = {
        "lot_id": pl.Utf8, "kind": pl.Utf8, "stage": pl.Utf8, "equipment": pl.Utf8,
        "parents": pl.List(pl.Utf8), "start": _TIME, "end": _TIME, "mass_in_kg": pl.Float64,
        "mass_out_kg": pl.Float64, "parts": pl.Int64, "properties": pl.Utf8,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _lot(lot_id, kind, stage, equipment, parents, started, finished, mass_in, mass_out, parts,
         properties) -> tuple:  # fmt: skip
    measured = {k: v for k, v in (properties or {}).items() if k not in _RECORD_FIELDS}
    return (lot_id, kind, stage, equipment, list(parents), started, finished, mass_in,
            mass_out, int(parts) if parts is not None else 0, json.dumps(measured))  # fmt: skip


def _events(conn: psycopg.Connection, window: dict) -> pl.DataFrame:
    schema = {
        "time": _TIME, "source": pl.Utf8, "event_type": pl.Utf8, "severity": pl.Int32,
        "message": pl.Utf8, "attributes": pl.Utf8,
    }  # fmt: skip
    return pl.DataFrame(conn.execute(_EVENTS, window).fetchall(), schema=schema, orient="row")
