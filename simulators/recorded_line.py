"""An offline run's folder as a recorded line, written to its spec (``twin/RECORDED_LINE.md``).

The recorded line (format ``magnetline-recorded-line/1``) is the one file format the twin
reads: ``line.json``, ``readings.parquet``, ``states.parquet``, ``lots.parquet`` and
``events.parquet``. The simulator may not import the twin, so it writes the files here,
column for column as the spec (and the twin's reader, ``SCHEMAS``) says; the contract test
(``tests/simulators/test_recorded_line.py``) reads them with the twin's reader.

The files hold what the run published, under its naming, over ``[start, end)``: paths are
browse paths under Objects (``Line1/Sintering/Furnace1/Zone1Temperature``), units the
EngineeringUnits' display names, values as sent (a Bad reading has none: the server sends
it null), states every text variable's value at the start and then its changes, lots the
published lot records (never the ground truth's hidden ``true`` properties), events as a
recorder stores them (attributes: ``Kind``, ``Equipment``, ``Details`` parsed).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from simulators.events import StampedEvent
from simulators.published import PublishedPlant, browse_path
from simulators.simulation import StepOutput
from simulators.tags import EVENT_TYPE_NAME

__all__ = ["FORMAT", "SCHEMAS", "LineWriter"]

FORMAT = "magnetline-recorded-line/1"
_TIME = pl.Datetime("us", "UTC")
_BAD = 0x80000000  # OPC UA severity Bad: top bit of the status code
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


class LineWriter:
    """Collects a run's published steps; ``write`` makes the folder a recorded line.

    ``steps`` bounds the numeric rows kept (0: no readings, as ``run --no-signals``).
    """

    def __init__(self, published: PublishedPlant, steps: int) -> None:
        self.published = published
        paths = [browse_path(p) for p in published.signal_paths]
        self._order = np.argsort(paths, kind="stable")  # readings by time, then path
        self.paths = [paths[i] for i in self._order]
        units = [s.spec.unit for s in published.signals]
        self.units = [units[i] for i in self._order]
        k = len(paths)
        self.times = np.zeros(steps, dtype=np.int64)
        self.values = np.zeros((steps, k))
        self.status = np.zeros((steps, k), dtype=np.uint32)
        self.written = np.zeros((steps, k), dtype=bool)
        self.n = 0
        self.states: list[tuple[int, str, str]] = []
        self.lots: list[dict] = []
        self.events: list[StampedEvent] = []

    def add(self, out: StepOutput) -> None:
        """Keep what one step published (its numeric values while there is room)."""
        if self.n < len(self.times):
            i, order = self.n, self._order
            self.times[i] = out.t_us
            self.values[i], self.status[i] = out.measured[order], out.status[order]
            self.written[i] = out.written[order]
            self.n += 1
        self.states.extend((t, browse_path(path), str(value)) for path, value, t in out.texts)
        self.lots.extend(self.published.lot_record(lot) for lot in out.lots)
        self.events.extend(out.events)

    def frames(self, end_us: int) -> dict[str, pl.DataFrame]:
        """The four files' frames, everything stamped before ``end_us``."""
        events = [_event_row(e) for e in self.events]
        return {
            "readings": self._readings(end_us),
            "states": _frame(self.states, "states", end_us, ("time", "path")),
            "lots": _frame([_lot_row(r) for r in self.lots], "lots", end_us, ("end", "lot_id")),
            "events": _frame(events, "events", end_us, ("time", "source")),
        }

    def write(
        self, folder: Path, start: datetime, end: datetime, source: str
    ) -> dict[str, pl.DataFrame]:
        """Write the recorded line of ``[start, end)`` to ``folder``; return its frames."""
        end_us = round(end.timestamp() * 1e6)
        frames = self.frames(end_us)
        for name, frame in frames.items():
            frame.write_parquet(folder / f"{name}.parquet")
        header = {"format": FORMAT, "start": start.isoformat(), "end": end.isoformat(),
                  "source": source}  # fmt: skip
        (folder / "line.json").write_text(json.dumps(header, indent=1) + "\n", encoding="utf-8")
        return frames

    def _readings(self, end_us: int) -> pl.DataFrame:
        n = int(np.searchsorted(self.times[: self.n], end_us))  # steps before the end
        k = len(self.paths)
        column = np.tile(np.arange(k, dtype=np.uint32), n)
        times, status, value = np.repeat(self.times[:n], k), self.status[:n], self.values[:n]
        status, value = status.ravel(), value.ravel()
        written = self.written[:n].ravel()
        if not written.all():  # a dropout fault: no row where nothing was written
            column, times, status, value = (a[written] for a in (column, times, status, value))
        value = pl.Series(value)
        bad = status >= _BAD
        if bad.any():  # the server sends a Bad reading without its value
            value = value.set(pl.Series(bad), None)
        rows = pl.Series(column)
        return pl.DataFrame(
            {
                "time": pl.Series(times).cast(_TIME),
                "path": pl.Series(self.paths, dtype=pl.Utf8).gather(rows),  # views, not copies
                "unit": pl.Series(self.units, dtype=pl.Utf8).gather(rows),
                "value": value,
                "status": pl.Series(status, dtype=pl.UInt32),
            }
        )


def _frame(rows: list, name: str, end_us: int, order: tuple[str, str]) -> pl.DataFrame:
    """Rows (times in µs since the epoch) as the file's frame, those before ``end_us``."""
    schema = SCHEMAS[name]
    times = [c for c, dtype in schema.items() if dtype == _TIME]
    frame = pl.DataFrame(rows, schema={**schema, **dict.fromkeys(times, pl.Int64)}, orient="row")
    frame = frame.filter(pl.col(order[0]) < end_us)
    return frame.with_columns(pl.col(times).cast(_TIME)).sort(order, maintain_order=True)


def _lot_row(record: dict) -> tuple:
    """A published lot record as a row of ``lots`` (times in µs until the frame is made)."""
    start = record.get("start_s")
    return (
        record["lot_id"],
        record["kind"],
        record["stage"] or "",
        record["equipment"] or "",
        sorted(record["parents"]),
        None if start is None else round(start * 1e6),
        round(record["end_s"] * 1e6),
        record["mass_in_kg"],
        record["mass_out_kg"],
        int(record["parts"]),
        json.dumps(record["properties"]),
    )


def _event_row(event: StampedEvent) -> tuple:
    """An event as a recorder stores it: standard fields as columns, the rest attributes."""
    attributes = {"Kind": event.kind, "Equipment": event.source, "Details": event.fields()}
    return (event.t_us, event.source, EVENT_TYPE_NAME, event.severity, event.message,
            json.dumps(attributes))  # fmt: skip
