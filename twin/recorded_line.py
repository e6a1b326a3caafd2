"""The recorded line: the one file format the twin reads (specified in RECORDED_LINE.md).

A folder of Parquet files and a JSON header, written by the historian (``python -m ingest
export-line``) and by the simulator's offline runs. :class:`RecordedLine` holds the frames;
:func:`read_recorded_line` checks the header and every column a reader needs, and says in
one line what is missing; :func:`write_recorded_line` writes exactly the documented schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from twin.errors import TwinError

__all__ = [
    "FORMAT",
    "SCHEMAS",
    "RecordedLine",
    "RecordedLineError",
    "empty_frame",
    "read_recorded_line",
    "write_recorded_line",
]

FORMAT = "magnetline-recorded-line/1"
HEADER = "line.json"
_TIME = pl.Datetime("us", "UTC")
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "readings": {
        "time": _TIME,
        "path": pl.Utf8,
        "unit": pl.Utf8,
        "value": pl.Float64,
        "status": pl.UInt32,
    },
    "states": {"time": _TIME, "path": pl.Utf8, "value": pl.Utf8},
    "lots": {
        "lot_id": pl.Utf8,
        "kind": pl.Utf8,
        "stage": pl.Utf8,
        "equipment": pl.Utf8,
        "parents": pl.List(pl.Utf8),
        "start": _TIME,
        "end": _TIME,
        "mass_in_kg": pl.Float64,
        "mass_out_kg": pl.Float64,
        "parts": pl.Int64,
        "properties": pl.Utf8,
    },
    "events": {
        "time": _TIME,
        "source": pl.Utf8,
        "event_type": pl.Utf8,
        "severity": pl.Int32,
        "message": pl.Utf8,
        "attributes": pl.Utf8,
    },
}


class RecordedLineError(TwinError):
    """A folder that is not a readable recorded line; the message says what is wrong."""


def empty_frame(name: str) -> pl.DataFrame:
    """An empty frame of one of the files, with its documented columns."""
    return pl.DataFrame(schema=SCHEMAS[name])


@dataclass(frozen=True)
class RecordedLine:
    """What a line published over ``[start, end)``: readings, states, lots and events."""

    readings: pl.DataFrame
    states: pl.DataFrame
    lots: pl.DataFrame
    events: pl.DataFrame
    start: datetime
    end: datetime
    source: str

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in SCHEMAS}

    def until(self, end: datetime) -> RecordedLine:
        """The line's first part, up to ``end``."""
        return self.window(self.start, end)

    def window(self, start: datetime, end: datetime) -> RecordedLine:
        """The part of the line in ``[start, end)`` (lots by their end time); states from
        before ``start`` stay, since the one in force at ``start`` holds into the window."""
        if not self.start <= start < end <= self.end:
            raise RecordedLineError(
                f"cannot cut the line from {self.start.isoformat()} to {self.end.isoformat()}"
                f" to {start.isoformat()} .. {end.isoformat()}"
            )
        inside = pl.col("time").is_between(start, end, closed="left")
        return RecordedLine(
            self.readings.filter(inside),
            self.states.filter(pl.col("time") < end),
            self.lots.filter(pl.col("end").is_between(start, end, closed="left")),
            self.events.filter(inside),
            start,
            end,
            self.source,
        )


def write_recorded_line(line: RecordedLine, folder: str | Path) -> Path:
    """Write ``line`` to ``folder`` (made if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in line.frames().items():
        _conformed(frame, name, "the line to write").write_parquet(folder / f"{name}.parquet")
    header = {
        "format": FORMAT,
        "start": line.start.isoformat(),
        "end": line.end.isoformat(),
        "source": line.source,
    }
    (folder / HEADER).write_text(json.dumps(header, indent=1) + "\n", encoding="utf-8")
    return folder


def read_recorded_line(folder: str | Path) -> RecordedLine:
    """Read the recorded line in ``folder``; :class:`RecordedLineError` if it is not one."""
    folder = Path(folder)
    header = _header(folder)
    frames = {}
    for name in SCHEMAS:
        path = folder / f"{name}.parquet"
        if not path.is_file():
            raise RecordedLineError(f"{folder} is not a recorded line: {path.name} is missing")
        try:
            frame = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise RecordedLineError(f"{path}: not a readable Parquet file ({exc})") from exc
        frames[name] = _conformed(frame, name, str(path))
    return RecordedLine(**frames, **header)


def _header(folder: Path) -> dict:
    path = folder / HEADER
    if not path.is_file():
        raise RecordedLineError(
            f"{folder} is not a recorded line: no {HEADER} (make one with `python -m ingest "
            "export-line` or `python -m simulators run`)"
        )
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
        if header.get("format") != FORMAT:
            raise RecordedLineError(
                f"{path}: format {header.get('format')!r}, this twin reads {FORMAT!r}"
            )
        start, end = (datetime.fromisoformat(header[key]) for key in ("start", "end"))
        source = str(header.get("source", folder))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordedLineError(f"{path}: not a recorded line header ({exc})") from exc
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        raise RecordedLineError(f"{path}: start and end must be zoned times, start before end")
    return {"start": start, "end": end, "source": source}


def _conformed(frame: pl.DataFrame, name: str, where: str) -> pl.DataFrame:
    """``frame`` with exactly the documented columns and types (extra columns dropped)."""
    schema = SCHEMAS[name]
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise RecordedLineError(f"{where}: {name} lacks column(s) {', '.join(missing)}")
    try:
        return frame.select(
            pl.col(column).cast(dtype, strict=True) for column, dtype in schema.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise RecordedLineError(f"{where}: {name} has a column of the wrong type ({exc})") from exc
