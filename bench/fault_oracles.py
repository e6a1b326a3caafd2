"""What a fault run published and what the recorder stored, compared record by record.

The oracles know nothing of what the recorder did:

- readings: the simulator's own history, read back with a plain asyncua client
  (HistoryRead, raw) for every numeric, text and lot variable of the line;
- events: the simulator's ground truth, ``<data-dir>/runs/<run>/events.jsonl`` of every
  simulator process of the run;
- lots: ``lots.jsonl`` in the same folders.

Each published record is stored right (its key is stored with the same content), wrong
(its key is stored, with other content), or missing. A key stored more than once counts
its extra copies as duplicated; stored records no oracle knows are extra (the target does
not count them: the server's first value at start-up, which its history does not hold; lot
events, where a simulator older than its event history leaves them out of events.jsonl).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import psycopg
from asyncua import Client, ua

__all__ = [
    "Counts",
    "Window",
    "compare",
    "has_column",
    "published_events",
    "published_lots",
    "published_readings",
    "same_lot",
    "stored_events",
    "stored_lots",
    "stored_readings",
]

NAMESPACE = "urn:magnetline:simulator"
_BAD = 0x80000000  # severity bit of an OPC UA status code
_NAN = "NaN"  # NaN stands for itself: NaN != NaN would count every NaN reading as wrong
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EVENT_FIELDS = {"t_s", "t_us", "event_id", "kind", "source", "message", "severity", "details"}
_LOT_COLUMNS = {"lot_id", "parents", "stage", "equipment", "start_s", "end_s",
                "started_at", "finished_at", "mass_in_kg", "mass_out_kg", "properties"}  # fmt: skip
_GROUND_TRUTH_ONLY = {"true"}  # lots.jsonl fields the plant never publishes
_TIME_TOLERANCE_US = 1  # a float of Unix seconds holds ~0.24 µs: rounding may differ by one


@dataclass
class Counts:
    """One kind of record through a fault run (records, not values per second)."""

    published: int = 0
    stored: int = 0
    missing: int = 0
    duplicated: int = 0
    wrong: int = 0
    extra: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def lost_nothing(self) -> bool:
        """The target: nothing missing, nothing twice, nothing changed."""
        return self.missing == self.duplicated == self.wrong == 0


@dataclass(frozen=True)
class Window:
    """The checked stretch of source time, both ends included [µs since the epoch]."""

    start_us: int
    end_us: int

    def holds(self, t_us: int) -> bool:
        return self.start_us <= t_us <= self.end_us

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return datetime_from_us(self.start_us), datetime_from_us(self.end_us)


def datetime_from_us(t_us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=t_us)


def us_from_datetime(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def compare(
    published: Iterable[tuple[Hashable, Any]],
    stored: Iterable[tuple[Hashable, Any]],
    same: Callable[[Any, Any], bool] = lambda a, b: a == b,
) -> Counts:
    """Counts of (key, content) records published against those stored."""
    held: dict[Hashable, list] = defaultdict(list)
    counts = Counts()
    for key, content in stored:
        held[key].append(content)
        counts.stored += 1
    seen = set()
    for key, content in published:
        counts.published += 1
        seen.add(key)
        rows = held.get(key, [])
        if not rows:
            counts.missing += 1
        elif not any(same(content, row) for row in rows):
            counts.wrong += 1
    counts.duplicated = sum(len(held[key]) - 1 for key in seen if len(held.get(key, [])) > 1)
    counts.extra = sum(len(rows) for key, rows in held.items() if key not in seen)
    return counts


# --- readings --------------------------------------------------------------------------


def _reading(number: Any, text: Any, status: int) -> tuple:
    """(value, text, status) as the `reading` row keeps it; NaN as one comparable token."""
    if isinstance(number, float) and math.isnan(number):
        number = _NAN
    return number, text, status


def _published_reading(value: ua.DataValue) -> tuple:
    """What a HistoryRead value should be stored as: a Bad value without its value (the
    recorder keeps the status; the store has no value of a Bad reading), numbers and
    booleans as numbers, strings as text."""
    status = value.StatusCode.value
    raw = value.Value.Value if value.Value is not None else None
    if status & _BAD or raw is None:
        return _reading(None, None, status)
    if isinstance(raw, bool | int | float):
        return _reading(float(raw), None, status)
    return _reading(None, str(raw), status)


async def published_readings(
    url: str, paths: list[str], window: Window
) -> tuple[dict[str, list[tuple[int, tuple]]], dict[str, str]]:
    """Per variable path: (source time µs, reading) of every value its history holds in
    ``window``; and the paths whose history could not be read, with the error."""
    start, end = window.bounds()
    published, unreadable = {}, {}
    async with Client(url, timeout=60) as client:
        index = await client.get_namespace_index(NAMESPACE)
        for path in paths:
            node = client.get_node(ua.NodeId(path, index))
            try:
                values = await node.read_raw_history(start, end)
            except ua.UaStatusCodeError as exc:  # the server failed this node, not the session
                unreadable[path] = type(exc).__name__
                continue
            published[path] = [
                (us_from_datetime(v.SourceTimestamp), _published_reading(v))
                for v in values
                if window.holds(us_from_datetime(v.SourceTimestamp))
            ]
    return published, unreadable


def stored_readings(
    conn: psycopg.Connection, endpoint: str, path: str, window: Window
) -> list[tuple[int, tuple]]:
    """(time µs, reading) of every stored reading of ``path`` in ``window``, under any tag
    row of the endpoint that names the node."""
    rows = conn.execute(
        "SELECT r.time, r.value, r.value_text, r.status_code FROM reading r"
        " JOIN tag t USING (tag_id) WHERE t.endpoint = %s AND t.node_id = %s"
        " AND r.time BETWEEN %s AND %s",
        (endpoint, f"s={path}", *window.bounds()),
    ).fetchall()
    return [(us_from_datetime(t), _reading(v, text, s)) for t, v, text, s in rows]


# --- events ----------------------------------------------------------------------------


def _run_folders(data_dir: Path) -> list[Path]:
    """One folder per simulator process start, oldest first."""
    return sorted(p for p in (data_dir / "runs").iterdir() if p.is_dir())


def _jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _event_time_us(event: dict, t0_us: int, step_us: int) -> int:
    """An event's source time: ``t_us`` where the ground truth gives it, else its float
    ``t_s`` put back on the step grid (every event happens at a step's time)."""
    if "t_us" in event:
        return int(event["t_us"])
    return t0_us + round((event["t_s"] * 1e6 - t0_us) / step_us) * step_us


def _event_details(event: dict) -> dict:
    """The event's own fields as published in its Details (JSON): the ground truth's
    ``details`` where it gives it, else the fields spread out in the line."""
    if "details" in event:
        return json.loads(event["details"])
    return {k: v for k, v in event.items() if k not in _EVENT_FIELDS}


def published_events(data_dir: Path, window: Window, with_ids: bool) -> list[tuple[tuple, tuple]]:
    """((source, kind, time µs), (severity, message, equipment, details[, event id hex]))
    of every event the ground truth holds in ``window``."""
    from simulators.plant.events import SEVERITY  # the simulator's own rule, where not given

    events = []
    for folder in _run_folders(data_dir):
        run = json.loads((folder / "run.json").read_text())
        step_us = round(run["step_s"] * 1e6)
        for event in _jsonl(folder / "events.jsonl"):
            t_us = _event_time_us(event, run["t0_us"], step_us)
            if not window.holds(t_us):
                continue
            severity = event.get("severity", SEVERITY.get(event["kind"], 200))
            content = (severity, event["message"], event["source"], _event_details(event))
            content += (event.get("event_id"),) if with_ids else ()
            events.append(((event["source"], event["kind"], t_us), content))
    return events


def stored_events(
    conn: psycopg.Connection, endpoint: str, window: Window, with_ids: bool
) -> list[tuple[tuple, tuple]]:
    """The same shape as ``published_events``, read from the `event` table."""
    event_id = "encode(event_id, 'hex')" if with_ids else "NULL"
    rows = conn.execute(
        f"SELECT time, source, severity, message, attributes, {event_id} FROM event"
        " WHERE endpoint = %s AND time BETWEEN %s AND %s",
        (endpoint, *window.bounds()),
    ).fetchall()
    events = []
    for time, source, severity, message, attributes, hex_id in rows:
        content = (severity, message, attributes.get("Equipment"), attributes.get("Details"))
        content += (hex_id,) if with_ids else ()
        events.append(((source, attributes.get("Kind"), us_from_datetime(time)), content))
    return events


def has_column(conn: psycopg.Connection, table: str, column: str) -> bool:
    """Whether the schema has ``table.column`` (event ids are newer than the benchmark)."""
    return bool(conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone())  # fmt: skip


# --- lots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotContent:
    """A lot as the `lot` and `lot_parent` tables hold it (times in µs since the epoch)."""

    stage: str
    equipment: str | None
    started_us: int | None
    finished_us: int | None
    mass_in_kg: float | None
    mass_out_kg: float | None
    properties: dict
    parents: frozenset[str]


def _near(a: int | None, b: int | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) <= _TIME_TOLERANCE_US)


def same_lot(published: LotContent, stored: LotContent) -> bool:
    def rest(lot: LotContent) -> tuple:
        return (lot.stage, lot.equipment, lot.mass_in_kg, lot.mass_out_kg, lot.properties,
                lot.parents)  # fmt: skip

    return (
        _near(published.started_us, stored.started_us)
        and _near(published.finished_us, stored.finished_us)
        and rest(published) == rest(stored)
    )


def _published_lot(lot: dict) -> LotContent:
    """What the plant published of a lots.jsonl line; fields without a column of their own
    belong in properties (ingest/pipeline/lots.py's documented mapping)."""
    extra = {k: v for k, v in lot.items() if k not in _LOT_COLUMNS | _GROUND_TRUTH_ONLY}
    return LotContent(
        stage=lot["stage"],
        equipment=lot.get("equipment"),
        started_us=round(lot["start_s"] * 1e6),
        finished_us=round(lot["end_s"] * 1e6),
        mass_in_kg=lot.get("mass_in_kg"),
        mass_out_kg=lot.get("mass_out_kg"),
        properties={**extra, **lot.get("properties", {})},
        parents=frozenset(lot.get("parents", [])),
    )


def _lot_times_us(folder: Path) -> dict[str, int]:
    """When each lot of a run was published: the time of its "lot" event, where the ground
    truth has lot events (a lot's end_s is when it finished, which may be earlier)."""
    return {
        _event_details(event).get("lot_id"): int(event["t_us"])
        for event in _jsonl(folder / "events.jsonl")
        if event["kind"] == "lot" and "t_us" in event
    }


def published_lots(data_dir: Path, window: Window) -> tuple[list[tuple[str, LotContent]], int]:
    """(lot id, content) of every lot published in ``window``, and how many of those ids an
    earlier simulator process of the run had published already."""
    lots, ids_before, reused = [], set(), 0
    for folder in _run_folders(data_dir):
        ids_here, published_us = set(), _lot_times_us(folder)
        for lot in _jsonl(folder / "lots.jsonl"):
            lot_id = lot["lot_id"]
            ids_here.add(lot_id)
            t_us = lot.get("t_us") or published_us.get(lot_id) or round(lot["end_s"] * 1e6)
            if window.holds(t_us):
                lots.append((lot_id, _published_lot(lot)))
                reused += lot_id in ids_before
        ids_before |= ids_here
    return lots, reused


def stored_lots(
    conn: psycopg.Connection, window: Window, published_ids: set[str]
) -> list[tuple[str, LotContent]]:
    """(lot id, content) of every stored lot finished in ``window`` or published in it."""
    rows = conn.execute(
        "SELECT l.lot_id, l.stage, l.equipment, l.started_at, l.finished_at, l.mass_in_kg,"
        " l.mass_out_kg, l.properties,"
        " coalesce(array_agg(p.parent_lot_id) FILTER (WHERE p.parent_lot_id IS NOT NULL), '{}')"
        " FROM lot l LEFT JOIN lot_parent p USING (lot_id) GROUP BY l.lot_id"
    ).fetchall()
    lots = [(row[0], _stored_lot(*row[1:])) for row in rows]
    return [
        (lot_id, lot)
        for lot_id, lot in lots
        if lot_id in published_ids or window.holds(lot.finished_us or 0)
    ]


def _stored_lot(stage, equipment, started, finished, mass_in, mass_out, properties, parents):
    return LotContent(stage, equipment, _us(started), _us(finished), mass_in, mass_out,
                      properties, frozenset(parents))  # fmt: skip


def _us(moment: dt.datetime | None) -> int | None:
    return us_from_datetime(moment) if moment is not None else None
