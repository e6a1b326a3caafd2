"""The historian's TimescaleDB as :class:`LineData`: what the ingest service recorded.

Tags are named by their browse path with dots (``Line1.Sintering.Furnace1.State``), the
name the simulator's offline run folder uses too, so a run folder and a recording of the
same plant give the same frames. Numeric readings come as one row per tag holding its
times, values and statuses as PostgreSQL binary arrays, read straight into numpy (a
binary COPY would hand Python one message per reading: ten times slower); text variables
(strings, and booleans as ``"True"``/``"False"`` as a run folder writes them) and lots are
small and read with ordinary queries. A lot's parents come from ``lot_parent`` in lot id
order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import psycopg

from twin.calibration.data import CalibrationDataError, LineData, lots_frame

__all__ = ["load_database", "recorded_span"]

_TEXT_TYPES = ("String", "LocalizedText", "Boolean")
# Record fields the ingest service keeps in a lot's properties next to the measured ones.
_RECORD_FIELDS = ("kind", "parts", "scrap_kg")
_PG_EPOCH_US = 946_684_800_000_000  # PostgreSQL's binary timestamps count from 2000-01-01
# A one-dimensional binary array: ndim, has-nulls flag, element type, size, lower bound,
# then each element as (length, value). Values are never null here (NaN stands in).
_ARRAY_HEADER_BYTES = 20
_NUMERIC = """
SELECT tag_id,
       array_send(array_agg(time ORDER BY time)),
       array_send(array_agg(coalesce(value, 'NaN'::float8) ORDER BY time)),
       array_send(array_agg(status_code ORDER BY time))
FROM reading
WHERE tag_id = ANY(%(ids)s) AND time >= %(start)s AND time < %(end)s
GROUP BY tag_id
"""
_TEXTS = """
SELECT r.time, r.tag_id,
       CASE WHEN r.value_text IS NOT NULL THEN r.value_text
            WHEN r.value <> 0 THEN 'True' ELSE 'False' END
FROM reading r
WHERE r.tag_id = ANY(%(ids)s) AND r.time >= %(start)s AND r.time < %(end)s
  AND (r.value_text IS NOT NULL OR r.value IS NOT NULL)
"""
# Each text tag's value in force at the window's start: a state holds until it changes.
_TEXTS_BEFORE = """
SELECT last.time, t.tag_id,
       CASE WHEN last.value_text IS NOT NULL THEN last.value_text
            WHEN last.value <> 0 THEN 'True' ELSE 'False' END
FROM tag t CROSS JOIN LATERAL (
    SELECT time, value, value_text FROM reading r
    WHERE r.tag_id = t.tag_id AND r.time < %(start)s
      AND (r.value_text IS NOT NULL OR r.value IS NOT NULL)
    ORDER BY time DESC LIMIT 1) last
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
SELECT lot_id, properties->>'kind', stage, coalesce(equipment, ''),
       array(SELECT parent_lot_id FROM lot_parent p WHERE p.lot_id = lot.lot_id ORDER BY 1),
       started_at, finished_at, mass_in_kg, mass_out_kg, properties->>'parts', properties
FROM lot
WHERE finished_at >= %(start)s AND finished_at < %(end)s
  AND (%(endpoint)s::text IS NULL OR endpoint = %(endpoint)s)
ORDER BY finished_at, lot_id
"""


def load_database(
    dsn: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    endpoint: str | None = None,
) -> LineData:
    """Readings and lots the historian at ``dsn`` holds for one endpoint over ``[start, end)``.

    The window lies within the numeric readings: ``start`` and ``end`` default to (and are
    clamped to) the first and just past the last of them. ``endpoint`` (the
    ``tag.endpoint`` label) may be left out when the database records only one.

    Raises
    ------
    CalibrationDataError
        When the database cannot be reached, holds no tags or no readings in the window,
        or records several endpoints and none was chosen.
    """
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            return _load(conn, start, end, endpoint)
    except psycopg.Error as exc:
        raise CalibrationDataError(f"cannot read the historian's database: {exc}") from exc


def recorded_span(dsn: str, endpoint: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """First and last numeric reading of the endpoint (cheap: two index probes per tag),
    so a caller can choose a window, or see there is too little data, before loading.

    Raises
    ------
    CalibrationDataError
        As :func:`load_database`.
    """
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            endpoint = _one_endpoint(conn, endpoint)
            ids = _numeric_ids(_tags(conn, endpoint))
            first, last = conn.execute(_EXTENT, {"ids": ids}).fetchone()
    except psycopg.Error as exc:
        raise CalibrationDataError(f"cannot read the historian's database: {exc}") from exc
    if first is None:
        raise CalibrationDataError(f"the historian holds no readings of {endpoint}")
    return first.astimezone(dt.UTC), last.astimezone(dt.UTC)


def _numeric_ids(tags: pl.DataFrame) -> list[int]:
    return list(tags.filter(~pl.col("data_type").is_in(_TEXT_TYPES))["tag_id"])


def _load(conn, start, end, endpoint) -> LineData:
    endpoint = _one_endpoint(conn, endpoint)
    tags = _tags(conn, endpoint)
    text_ids = list(tags.filter(pl.col("data_type").is_in(_TEXT_TYPES))["tag_id"])
    numeric_ids = _numeric_ids(tags)
    start, end = _window(conn, numeric_ids, start, end, endpoint)
    window = {"start": start, "end": end, "endpoint": endpoint}
    signals = _signals(conn, {**window, "ids": numeric_ids}, tags)
    texts = _texts(conn, {**window, "ids": text_ids}, tags)
    data = LineData(signals, texts, _lots(conn, window), start, end, f"historian {endpoint}")
    # window() puts each text tag's value in force at the start at the start
    return data.window(start, end)


def _one_endpoint(conn, endpoint: str | None) -> str:
    known = [row[0] for row in conn.execute("SELECT DISTINCT endpoint FROM tag ORDER BY 1")]
    if not known:
        raise CalibrationDataError("the historian's database records no tags yet")
    if endpoint is None and len(known) > 1:
        raise CalibrationDataError(f"the historian records {len(known)} endpoints "
                                   f"({', '.join(known)}): choose one")  # fmt: skip
    if endpoint is not None and endpoint not in known:
        raise CalibrationDataError(
            f"the historian records no endpoint {endpoint!r} (it has {', '.join(known)})"
        )
    return endpoint or known[0]


def _tags(conn, endpoint: str) -> pl.DataFrame:
    rows = conn.execute(
        "SELECT tag_id, replace(browse_path, '/', '.'), data_type FROM tag WHERE endpoint = %s",
        (endpoint,),
    ).fetchall()
    return pl.DataFrame(
        rows, schema={"tag_id": pl.Int32, "tag": pl.Utf8, "data_type": pl.Utf8}, orient="row"
    )


def _window(conn, ids, start, end, endpoint) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` within the numeric readings' span: a state's source time may lie
    days before the recording began, and the window's length divides every rate."""
    first, last = conn.execute(_EXTENT, {"ids": ids}).fetchone()
    if first is None:
        raise CalibrationDataError(f"the historian holds no readings of {endpoint}")
    after_last = last + dt.timedelta(microseconds=1)  # the window's end is exclusive
    start = max(start, first) if start else first
    end = min(end, after_last) if end else after_last
    if not start < end:
        raise CalibrationDataError(
            f"no readings of {endpoint} from {start.isoformat()} to {end.isoformat()}"
        )
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _signals(conn, window: dict, tags: pl.DataFrame) -> pl.DataFrame:
    """Numeric readings: value null unless Good, NaN as null (as :func:`load_run_folder`)."""
    frame = _numeric_frame(conn.execute(_NUMERIC, window).fetchall())
    good = pl.col("status") < 0x40000000  # Uncertain and Bad statuses start here
    return (
        frame.join(tags.select("tag_id", "tag"), on="tag_id")
        .select(
            pl.from_epoch("time", "us").dt.replace_time_zone("UTC").alias("time"),
            "tag",
            pl.when(good).then(pl.col("value").fill_nan(None)).alias("value"),
            "status",
        )
        .sort("time", "tag")
    )


def _numeric_frame(rows: list[tuple]) -> pl.DataFrame:
    """Columns tag_id, time (µs since the Unix epoch), value, status from per-tag arrays."""
    times = [_array(t, ">i8") for _, t, _, _ in rows]
    return pl.DataFrame(
        {
            "tag_id": np.repeat([r[0] for r in rows], [t.size for t in times]).astype(np.int32),
            "time": np.concatenate([np.zeros(0, np.int64), *times]) + _PG_EPOCH_US,
            "value": np.concatenate([np.zeros(0), *(_array(r[2], ">f8") for r in rows)]),
            "status": np.concatenate([np.zeros(0, np.int64), *(_array(r[3], ">i8") for r in rows)]),
        }
    )


def _array(blob: bytes, element: str) -> np.ndarray:
    """A one-dimensional binary array of fixed-width, non-null elements as numpy."""
    pairs = np.frombuffer(
        blob, np.dtype([("n", ">i4"), ("v", element)]), offset=_ARRAY_HEADER_BYTES
    )
    return pairs["v"].astype(element[1:])


def _texts(conn, window: dict, tags: pl.DataFrame) -> pl.DataFrame:
    rows = [
        *conn.execute(_TEXTS_BEFORE, window).fetchall(),
        *conn.execute(_TEXTS, window).fetchall(),
    ]
    frame = pl.DataFrame(
        rows,
        schema={"time": pl.Datetime("us", "UTC"), "tag_id": pl.Int32, "value": pl.Utf8},
        orient="row",
    )
    return (
        frame.join(tags.select("tag_id", "tag"), on="tag_id")
        .select("time", "tag", "value")
        .sort("time", "tag")
    )


def _lots(conn, window: dict) -> pl.DataFrame:
    return lots_frame([_lot_record(*row) for row in conn.execute(_LOTS, window).fetchall()])


def _lot_record(lot_id, kind, stage, equipment, parents, started, finished, mass_in, mass_out,
                parts, properties) -> dict:  # fmt: skip
    """A ``lot`` row as the record the plant published (see :func:`lots_frame`)."""
    return {
        "lot_id": lot_id,
        "kind": kind,
        "stage": stage,
        "equipment": equipment,
        "parents": parents,
        "start_s": started.timestamp() if started else None,
        "end_s": finished.timestamp(),
        "mass_in_kg": mass_in,
        "mass_out_kg": mass_out,
        "parts": int(parts) if parts is not None else 0,
        "properties": {k: v for k, v in properties.items() if k not in _RECORD_FIELDS},
    }
