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

__all__ = [
    "OUT_OF_SERVICE",
    "PlantRates",
    "StageAvailability",
    "equipment_states",
    "stage_availability",
]

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
        states.sort("tag", "time", maintain_order=True)  # ties keep their order (LineData.window)
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


#: Weight of the plant-wide failure and repair rates in each stage's estimate, in
#: failures' worth: a stage with many failures speaks for itself, one with two or three
#: borrows strength from the plant's other equipment (empirical Bayes, Gamma prior).
POOLING_FAILURES = 3.0


@dataclass(frozen=True)
class PlantRates:
    """Failure rate per unit-day up and mean repair time over all the plant's equipment."""

    failures_per_up_day: float
    mttr_days: float

    @classmethod
    def of(cls, states: pl.DataFrame, prior_mttr_days: float) -> PlantRates:
        up = (states["observed_s"].sum() - states["down_s"].sum()) / _DAY_S
        failures = int(states["failures"].sum())
        down = states["down_s"].sum() / _DAY_S
        return cls(
            max(failures, 1) / max(up, 1e-9),
            down / failures if failures else prior_mttr_days,
        )


@dataclass(frozen=True)
class StageAvailability:
    """Availability of a stage made of ``units`` pieces of equipment.

    ``availability`` is what the window showed; ``mtbf_days`` and ``mttr_days`` are those
    of the twin's single equivalent unit, from the stage's own failures and repairs pooled
    with the plant's (``evidence`` failures' worth in all); ``unit_mtbf_days`` and
    ``unit_mttr_days`` those of one piece of equipment.
    """

    units: int
    availability: float
    failures: int
    evidence: float
    unit_mtbf_days: float
    unit_mttr_days: float
    mtbf_days: float
    mttr_days: float
    observed_days: float


def stage_availability(
    states: pl.DataFrame, pattern: str, *, parallel: bool, plant: PlantRates
) -> StageAvailability | None:
    """Availability of the equipment whose path matches the regex ``pattern``.

    ``parallel`` units share the load (MTBF and MTTR of the equivalent unit divided by
    their number); otherwise every unit must be up (serial: failure rates add). Each
    unit's rates are the stage's own pooled with the plant's (:data:`POOLING_FAILURES`).
    Returns None when no equipment matches.
    """
    rows = states.filter(pl.col("equipment").str.contains(pattern))
    if rows.is_empty():
        return None
    k = rows.height
    observed = rows["observed_s"].sum() / _DAY_S
    down = rows["down_s"].sum() / _DAY_S
    failures = int(rows["failures"].sum())
    evidence = POOLING_FAILURES + failures
    unit_mtbf = (POOLING_FAILURES / plant.failures_per_up_day + observed - down) / evidence
    unit_mttr = (POOLING_FAILURES * plant.mttr_days + down) / evidence
    # parallel units: k times the failures, each repair k times shorter in its effect;
    # serial: the stage fails whenever any unit does and waits out the whole repair
    stage_mttr = unit_mttr / k if parallel else unit_mttr
    per_unit = 1.0 - rows["down_s"] / rows["observed_s"]
    # what the window showed: the units' mean in parallel, all of them up in series
    shown = float(per_unit.mean() if parallel else per_unit.product())
    return StageAvailability(
        k,
        shown,
        failures,
        evidence,
        unit_mtbf,
        unit_mttr,
        unit_mtbf / k,
        stage_mttr,
        observed / k,
    )
