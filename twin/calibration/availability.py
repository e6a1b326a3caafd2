"""Up time, down time and failures of each piece of equipment, from its state variable.

A ``State`` variable holds one of ``running``, ``idle``, ``down`` or ``maintenance`` until
it changes. Down and maintenance both take the equipment out of service; a failure is a
change from in service to out of service. For a group of identical units working in
parallel (banks, furnaces), the twin's one stage with MTBF/k and MTTR/k has the group's
availability and the same variance of its time average as k independent units.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from twin.calibration.data import LineData

__all__ = ["OUT_OF_SERVICE", "StageAvailability", "equipment_states", "stage_availability"]

OUT_OF_SERVICE = ("down", "maintenance")
_DAY_S = 86400.0


def equipment_states(data: LineData) -> pl.DataFrame:
    """Per equipment: observed, down and running seconds and the number of failures.

    Columns: equipment, observed_s, down_s, running_s, failures.
    """
    states = data.texts.filter(pl.col("tag").str.ends_with(".State"))
    if states.is_empty():
        return pl.DataFrame(
            schema={
                "equipment": pl.Utf8,
                "observed_s": pl.Float64,
                "down_s": pl.Float64,
                "running_s": pl.Float64,
                "failures": pl.Int64,
            }
        )
    end = pl.lit(data.end).cast(states.schema["time"])
    spans = (
        states.sort("tag", "time")
        .with_columns(
            pl.col("tag").str.strip_suffix(".State").alias("equipment"),
            pl.col("value").is_in(OUT_OF_SERVICE).alias("out"),
            (pl.col("time").shift(-1).over("tag").fill_null(end) - pl.col("time"))
            .dt.total_microseconds()
            .truediv(1e6)
            .alias("span_s"),
        )
        .with_columns(
            (pl.col("out") & ~pl.col("out").shift(1).over("tag").fill_null(False)).alias("fails")
        )
    )
    return (
        spans.group_by("equipment")
        .agg(
            pl.col("span_s").sum().alias("observed_s"),
            pl.col("span_s").filter(pl.col("out")).sum().alias("down_s"),
            pl.col("span_s").filter(pl.col("value") == "running").sum().alias("running_s"),
            pl.col("fails").sum().cast(pl.Int64).alias("failures"),
        )
        .sort("equipment")
    )


@dataclass(frozen=True)
class StageAvailability:
    """Availability of a stage made of ``units`` pieces of equipment.

    ``mtbf_days`` and ``mttr_days`` are those of the twin's single equivalent unit;
    ``unit_mtbf_days``/``unit_mttr_days`` those of one piece of equipment.
    """

    units: int
    availability: float
    failures: int
    unit_mtbf_days: float
    unit_mttr_days: float
    mtbf_days: float
    mttr_days: float
    observed_days: float


def stage_availability(
    states: pl.DataFrame, pattern: str, *, parallel: bool, prior_mttr_days: float
) -> StageAvailability | None:
    """Availability of the equipment whose path matches the regex ``pattern``.

    ``parallel`` units share the load (availability is their mean; MTBF and MTTR of the
    equivalent unit divided by their number); otherwise every unit must be up (serial:
    failure rates add). With no failure observed the MTBF is bounded below by the time
    observed (one failure assumed, a conservative estimate) and the MTTR is the prior.
    Returns None when no equipment matches.
    """
    rows = states.filter(pl.col("equipment").str.contains(pattern))
    if rows.is_empty():
        return None
    k = rows.height
    observed = rows["observed_s"].sum() / _DAY_S
    down = rows["down_s"].sum() / _DAY_S
    failures = int(rows["failures"].sum())
    up = observed - down
    unit_mtbf = up / max(failures, 1)
    unit_mttr = down / failures if failures else prior_mttr_days
    if parallel:
        return StageAvailability(
            k,
            1.0 - down / observed,
            failures,
            unit_mtbf,
            unit_mttr,
            unit_mtbf / k,
            unit_mttr / k,
            observed / k,
        )
    # serial: the stage fails whenever any unit does, k times as often as one unit
    mtbf = unit_mtbf / k
    return StageAvailability(
        k,
        mtbf / (mtbf + unit_mttr),
        failures,
        unit_mtbf,
        unit_mttr,
        mtbf,
        unit_mttr,
        observed / k,
    )
