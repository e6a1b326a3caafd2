"""Signal statistics that respect what the equipment was doing at the time.

A mill's feed rate means something only while the mill runs; a furnace's zone temperature
is the sintering temperature only during its soak. Values are matched to the state or
phase in force at their timestamp (an as-of join on the equipment's text variable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from twin.calibration.data import LineData

__all__ = ["SignalSummary", "daily_summary", "values_while"]


def values_while(data: LineData, suffix: str, text: str, allowed: tuple[str, ...]) -> pl.DataFrame:
    """Good values of the signals ending with ``suffix`` while the equipment's ``text``
    variable (``"State"``, ``"Phase"``) is one of ``allowed``.

    Columns: time, equipment, tag, value.
    """
    values = (
        data.signals.filter(pl.col("tag").str.ends_with(suffix) & pl.col("value").is_not_null())
        .with_columns(_equipment(suffix))
        .sort("time")
    )
    marks = (
        data.texts.filter(pl.col("tag").str.ends_with(f".{text}"))
        .with_columns(_equipment(f".{text}"), pl.col("value").alias("mark"))
        .select("time", "equipment", "mark")
        .sort("time")
    )
    if values.is_empty() or marks.is_empty():
        return pl.DataFrame(
            schema={
                "time": values.schema["time"],
                "equipment": pl.Utf8,
                "tag": pl.Utf8,
                "value": pl.Float64,
            }
        )
    joined = values.join_asof(
        marks, on="time", by="equipment", strategy="backward", check_sortedness=False
    )
    return joined.filter(pl.col("mark").is_in(allowed)).select("time", "equipment", "tag", "value")


def _equipment(suffix: str) -> pl.Expr:
    """The equipment path of a variable path: everything before its last dot."""
    return pl.col("tag").str.replace(r"\.[^.]+$", "").alias("equipment")


@dataclass(frozen=True)
class SignalSummary:
    """Mean of a signal and how uncertain its future average is.

    ``day_sd`` is the spread of daily means: the average over a coming period is about
    as uncertain as one more day's (sensor drift and slow plant drift included), which is
    wider than the standard error of the mean when the plant drifts.
    """

    mean: float
    day_sd: float
    days: int
    values: int


def daily_summary(frame: pl.DataFrame, column: str = "value") -> SignalSummary | None:
    """Mean and day-to-day spread of ``column`` in a frame with a ``time`` column."""
    if frame.is_empty():
        return None
    daily = (
        frame.sort("time")
        .group_by_dynamic("time", every="1d")
        .agg(pl.col(column).mean().alias("mean"))
        .drop_nulls("mean")
    )
    means = daily["mean"].to_numpy()
    spread = float(np.std(means, ddof=1)) if means.size > 1 else float("nan")
    return SignalSummary(float(frame[column].mean()), spread, means.size, frame.height)
