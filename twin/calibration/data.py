"""What a line recorded, as polars frames: the one input of calibration.

They come from a recorded line (``twin/RECORDED_LINE.md``), the one format the twin reads,
whoever wrote it: the historian (``python -m ingest export-line``) or the simulator's
offline runs; named as recorded (:func:`line_data`) or through a tag map
(:func:`twin.calibration.mapping.apply_tag_map`).

Frames and columns (times are UTC ``Datetime[µs]``):

``signals``  time, tag (browse path ``Line1.Sintering.Furnace1.Zone1Temperature``),
             value (null unless the status is Good; NaN as null), status
``texts``    time, tag, value (state, phase, lot ids: strings)
``lots``     lot_id, kind, stage, equipment, parents (list of lot ids), start, end,
             mass_in_kg, mass_out_kg, parts, properties (JSON text of the measured ones)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from twin.errors import TwinError
from twin.recorded_line import SCHEMAS, RecordedLine, read_recorded_line

__all__ = ["CalibrationDataError", "LineData", "line_data", "load_recorded_line"]

_TIME = pl.Datetime("us", "UTC")
_UNCERTAIN = 0x40000000  # OPC UA status codes from here up are Uncertain or Bad
_LOT_SCHEMA = SCHEMAS["lots"]  # lots are the recorded line's, column for column


class CalibrationDataError(TwinError):
    """The recorded data cannot be calibrated from (missing, empty or malformed)."""


@dataclass(frozen=True)
class LineData:
    """Signals, text variables and finished lots of one line over ``[start, end)``."""

    signals: pl.DataFrame
    texts: pl.DataFrame
    lots: pl.DataFrame
    start: datetime
    end: datetime
    source: str

    @property
    def days(self) -> float:
        """Length of the window [d]."""
        return (self.end - self.start) / timedelta(days=1)

    def window(self, start: datetime, end: datetime) -> LineData:
        """The part of the data in ``[start, end)`` (lots by their end time)."""
        return LineData(
            _between(self.signals, "time", start, end),
            _as_of(self.texts, start, end),
            _between(self.lots, "end", start, end),
            start,
            end,
            self.source,
        )

    def split(self, days: float) -> tuple[LineData, LineData]:
        """The first ``days`` days and the rest."""
        cut = self.start + timedelta(days=days)
        if not self.start < cut < self.end:
            raise CalibrationDataError(
                f"cannot split {self.days:.2f} days of data after {days} days"
            )
        return self.window(self.start, cut), self.window(cut, self.end)

    def lots_of(self, kind: str) -> pl.DataFrame:
        """Finished lots of one kind (``oxide``, ``alloy``, ``furnace_load``, ``magnetized``)."""
        return self.lots.filter(pl.col("kind") == kind).sort("end")


def _between(frame: pl.DataFrame, column: str, start: datetime, end: datetime) -> pl.DataFrame:
    return frame.filter((pl.col(column) >= start) & (pl.col(column) < end))


def _as_of(texts: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Text changes in ``[start, end)``, led by each tag's value in force at ``start``.

    A state holds until it changes, so the window starts with what was true then.
    """
    before = (
        texts.filter(pl.col("time") < start)
        .sort("time", maintain_order=True)
        .group_by("tag")
        .last()
        .with_columns(pl.lit(start).cast(_TIME).alias("time"))
        .select(texts.columns)
    )
    # Stable: a change at the window's very start must follow the state in force before it.
    return pl.concat([before, _between(texts, "time", start, end)]).sort(
        "time", "tag", maintain_order=True
    )


def load_recorded_line(folder: str | Path) -> LineData:
    """The calibration frames of the recorded line in ``folder`` (an export of the
    historian, an offline run of the simulator), named by its own dotted paths."""
    return line_data(read_recorded_line(folder))


def line_data(recorded: RecordedLine) -> LineData:
    """The calibration frames of a recorded line, its tags named by their dotted path."""
    good = pl.col("status") < _UNCERTAIN
    dotted = pl.col("path").str.replace_all("/", ".", literal=True).alias("tag")
    signals = recorded.readings.select(
        "time",
        dotted,
        pl.when(good).then(pl.col("value").fill_nan(None)).alias("value"),
        pl.col("status").cast(pl.Int64),
    ).sort("time", "tag")
    texts = recorded.states.select("time", dotted, "value").sort("time", "tag", maintain_order=True)
    lots = recorded.lots.select(list(_LOT_SCHEMA))
    data = LineData(signals, texts, lots, recorded.start, recorded.end, recorded.source)
    return data.window(recorded.start, recorded.end)
