"""What the recorded data says about the line: each figure with its uncertainty.

Every :class:`Estimate` is a measured mean and a standard deviation of what the coming
period's average may be. Rates are taken while the equipment runs (its capacity); the
time it does not run is the availability's business (:mod:`twin.calibration.availability`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from twin.calibration.availability import (
    PlantRates,
    StageAvailability,
    equipment_states,
    stage_availability,
)
from twin.calibration.data import CalibrationDataError, LineData
from twin.calibration.signals import daily_summary, values_while

__all__ = ["Estimate", "LineEstimates", "estimate_line"]

_H_PER_YR = 8760.0
_RUNNING = ("running",)
#: Stages of the line as regexes on equipment paths, and whether their units share the load.
STAGE_EQUIPMENT = {
    "separation": (r"\.Separation\.Bank\d+$", True),
    "alloy & powder": (r"\.Sintering\.(JetMill|Press)\d+$", False),
    "sintering": (r"\.Sintering\.Furnace\d+$", True),
    "anneal": (r"\.Sintering\.Anneal\d+$", True),
    "magnetizing": (r"\.Magnetization\.Magnetizer\d+$", True),
}


@dataclass(frozen=True)
class Estimate:
    """A calibrated figure: ``value`` ± ``sd`` in ``unit``, from ``n`` observations."""

    value: float
    sd: float
    unit: str
    n: int
    how: str

    def relative_sd(self) -> float:
        return abs(self.sd / self.value) if self.value else math.inf


@dataclass(frozen=True)
class LineEstimates:
    """Everything calibration read from one window of data."""

    figures: dict[str, Estimate]
    availability: dict[str, StageAvailability]
    furnace_soak_c: dict[str, float]
    days: float

    def __getitem__(self, name: str) -> Estimate:
        return self.figures[name]

    def to_dict(self) -> dict:
        return {
            "figures": {k: asdict(v) for k, v in self.figures.items()},
            "availability": {k: asdict(v) for k, v in self.availability.items()},
            "furnace_soak_c": self.furnace_soak_c,
            "days": self.days,
        }


def _props(lots: pl.DataFrame, *names: str) -> pl.DataFrame:
    """Lots with the named measured properties as float columns."""
    return lots.with_columns(
        pl.col("properties").str.json_path_match(f"$.{n}").cast(pl.Float64).alias(n) for n in names
    )


def _mean_estimate(values: np.ndarray, unit: str, how: str) -> Estimate | None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    sd = float(np.std(values, ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan
    return Estimate(float(values.mean()), sd, unit, int(values.size), how)


def _signal_estimate(data, suffix, unit, how, text="State", allowed=_RUNNING, keep=None):
    frame = values_while(data, suffix, text, allowed)
    if keep is not None:
        frame = frame.filter(keep)
    summary = daily_summary(frame)
    if summary is None:
        return None
    return Estimate(summary.mean, summary.day_sd, unit, summary.values, how)


def _ratio_estimate(num: np.ndarray, den: np.ndarray, unit: str, how: str) -> Estimate | None:
    """Σnum/Σden with the standard error of a ratio estimator over the lots."""
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    num, den = num[ok], den[ok]
    if den.sum() <= 0:
        return None
    r = num.sum() / den.sum()
    n = num.size
    resid = num - r * den
    sd = math.sqrt(np.sum(resid**2) / max(n - 1, 1) / n) / den.mean() if n > 1 else math.nan
    return Estimate(float(r), float(sd), unit, int(n), how)


def estimate_line(data: LineData) -> LineEstimates:
    """Read every figure the twin's line needs from ``data``.

    Raises
    ------
    CalibrationDataError
        When the data lack what throughput needs: state variables, and finished furnace
        loads and magnetized lots.
    """
    states = equipment_states(data)
    if states.is_empty():
        raise CalibrationDataError(f"no equipment State variables in {data.source}")
    plant = PlantRates.of(states, prior_mttr_days=0.25)
    availability = {
        stage: a
        for stage, (pattern, parallel) in STAGE_EQUIPMENT.items()
        if (a := stage_availability(states, pattern, parallel=parallel, plant=plant))
    }
    figures: dict[str, Estimate | None] = {}
    figures.update(_separation(data, availability))
    figures.update(_alloy(data))
    figures.update(_powder(data))
    soak = _furnace_soak(data)
    figures.update(_sintering(data, availability, soak))
    figures.update(_magnetizing(data))
    figures.update(_anneal(data, figures.get("blocks_per_load_kg")))
    figures["backlog_blocks_kg"] = _backlog(data)
    missing = [
        k for k in ("sinter_capacity_kg_per_h", "good_magnets_kg_per_day") if not figures.get(k)
    ]
    if missing:
        raise CalibrationDataError(
            f"{data.source} over {data.days:.2f} days has no {' or '.join(missing)}: "
            "calibration needs finished furnace loads and magnetized lots"
        )
    return LineEstimates(
        {k: v for k, v in figures.items() if v is not None},
        availability,
        soak,
        data.days,
    )


def _separation(data, availability):
    oxide = _props(data.lots_of("oxide"), "nd_purity_pct")
    out = {
        "oxide_kg_per_h_per_bank": _rate_while_running(
            data,
            oxide.filter(pl.col("end") > pl.col("start")),  # a lot made before the data is not
            "mass_out_kg",
            STAGE_EQUIPMENT["separation"][0],
            "oxide lots' mass per bank-hour running",
        )
        or _signal_estimate(data, ".OxideRate", "kg/h", "bank oxide rate while running"),
        "sx_re_recovery": _ratio_estimate(
            oxide["mass_out_kg"].to_numpy(),
            oxide["mass_in_kg"].to_numpy(),
            "-",
            "oxide out / rare earth fed, over oxide lots",
        ),
        "nd_purity": _mean_estimate(
            oxide["nd_purity_pct"].to_numpy() / 100.0, "-", "oxide lots' Nd purity"
        ),
        "nd_purity_drift_per_day": _drift(oxide, "nd_purity_pct", 0.01),
    }
    sep = availability.get("separation")
    out["banks"] = (
        Estimate(float(sep.units), 0.0, "banks", sep.units, "State variables") if sep else None
    )
    return out


def _rate_while_running(data, lots, mass, pattern, how, at="end") -> Estimate | None:
    """Mass of ``lots`` per hour its equipment ran, between the first and the last lot.

    Lot masses are weighed and state times exact, where flow meters drift: this is the
    rate a drifting sensor cannot bias. The first lot only marks the start (its mass was
    made before it). The rate is per unit-hour: four banks running an hour are four.
    """
    if lots.height < 3:
        return None
    lots = lots.sort(at)
    start, end = lots[at][0], lots[at][-1]
    states = equipment_states(data.window(start, end)).filter(
        pl.col("equipment").str.contains(pattern)
    )
    hours = states["running_s"].sum() / 3600.0 if states.height else 0.0
    if hours <= 0:
        return None
    kg = lots[mass].slice(1).sum()
    rate = kg / hours
    per_lot = lots[mass].slice(1).to_numpy()
    sd = rate * float(np.std(per_lot, ddof=1) / per_lot.mean()) / math.sqrt(per_lot.size)
    return Estimate(float(rate), sd, "kg/h", int(per_lot.size), how)


def _drift(lots: pl.DataFrame, column: str, scale: float) -> Estimate | None:
    """Least-squares slope of a lot property against time [unit/d], with its SE."""
    frame = lots.drop_nulls(column)
    if frame.height < 3:
        return None
    days = (frame["end"] - frame["end"].min()).dt.total_seconds().to_numpy() / 86400.0
    y = frame[column].to_numpy() * scale
    if np.ptp(days) <= 0:
        return None
    slope, intercept = np.polyfit(days, y, 1)
    resid = y - (slope * days + intercept)
    se = math.sqrt(np.sum(resid**2) / (days.size - 2) / np.sum((days - days.mean()) ** 2))
    return Estimate(float(slope), se, "1/d", int(days.size), "slope of lot purity over time")


def _alloy(data):
    alloy = _props(data.lots_of("alloy"), "re_wt_pct", "fe_b_additions_kg")
    metal = alloy["mass_out_kg"] - alloy["fe_b_additions_kg"]
    oxide = alloy["mass_in_kg"] - alloy["fe_b_additions_kg"]
    return {
        "metal_per_oxide": _ratio_estimate(
            metal.to_numpy(), oxide.to_numpy(), "-", "metal / oxide over alloy lots"
        ),
        "re_wt_fraction": _mean_estimate(
            alloy["re_wt_pct"].to_numpy() / 100.0, "-", "alloy lots' rare-earth content"
        ),
    }


def _powder(data):
    return {
        "mill_kg_per_h": _rate_while_running(
            data,
            data.lots_of("furnace_load").filter(pl.col("start").is_not_null()),
            "mass_in_kg",
            r"\.Sintering\.JetMill\d+$",
            "alloy into furnace loads per jet-mill hour running",
            at="start",
        )
        or _signal_estimate(data, ".FeedRate", "kg/h", "jet mill feed while running"),
        "particle_size_um": _signal_estimate(
            data, ".ParticleSize", "µm", "jet mill d50 while running"
        ),
        "oxygen_ppm": _signal_estimate(
            data, ".OxygenContent", "ppm", "powder oxygen while running"
        ),
        "align_field_t": _signal_estimate(
            data, ".AligningField", "T", "press aligning field while running"
        ),
    }


def _furnace_soak(data) -> dict[str, float]:
    """Soak temperature of each furnace [°C]: the median over its zones of each zone's
    median reading during the soak.

    Medians, because a trip during the soak lets the furnace cool while its phase still
    reads ``soak``, and one drifting or failed thermocouple must not move the furnace.
    """
    soak = values_while(data, "Temperature", "Phase", ("soak",)).filter(
        pl.col("equipment").str.contains(r"\.Furnace\d+$")
    )
    if soak.is_empty():
        return {}
    zones = soak.group_by("equipment", "tag").agg(pl.col("value").median())
    furnaces = zones.group_by("equipment").agg(pl.col("value").median()).sort("equipment")
    return dict(zip(furnaces["equipment"].to_list(), furnaces["value"].to_list(), strict=True))


def _robust_spread(values: np.ndarray) -> float:
    """Standard deviation from the median absolute deviation (normal data), so one bad
    furnace reading does not set the spread; the plain one below three furnaces."""
    if values.size < 3:
        return float(np.std(values, ddof=1)) if values.size > 1 else math.nan
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _sintering(data, availability, soak):
    loads = _props(data.lots_of("furnace_load"), "hcj_ka_per_m", "soak_h").filter(
        pl.col("start").is_not_null() & (pl.col("mass_in_kg") > 0)
    )
    out: dict[str, Estimate | None] = {}
    temps = np.array(list(soak.values()))
    if temps.size:
        sd = _robust_spread(temps)
        out["sinter_temp_c"] = Estimate(
            float(np.median(temps)),
            sd / math.sqrt(temps.size) if math.isfinite(sd) else math.nan,
            "°C",
            int(temps.size),
            "median soak temperature of the furnaces",
        )
        out["furnace_temp_sd_c"] = Estimate(
            sd, math.nan, "°C", int(temps.size), "spread of soak temperature between furnaces"
        )
    if loads.height == 0:
        return out
    cycle_h = (loads["end"] - loads["start"]).dt.total_seconds().to_numpy() / 3600.0
    furnaces = availability["sintering"].units if "sintering" in availability else 1
    median_cycle = float(np.median(cycle_h))
    kg_out = loads["mass_out_kg"].to_numpy()
    cap = furnaces * kg_out.mean() / median_cycle
    out["sinter_capacity_kg_per_h"] = Estimate(
        float(cap),
        float(cap * np.std(kg_out, ddof=1) / kg_out.mean() / math.sqrt(kg_out.size))
        if kg_out.size > 1
        else math.nan,
        "kg/h",
        int(loads.height),
        f"{furnaces} furnaces × blocks per load / median cycle",
    )
    out["blocks_per_load_kg"] = _mean_estimate(kg_out, "kg", "blocks out per furnace load")
    out["sinter_cycle_h"] = Estimate(
        median_cycle,
        float(np.std(cycle_h)),
        "h",
        int(cycle_h.size),
        "median furnace cycle, load to unload",
    )
    out["alloy_to_blocks_yield"] = _ratio_estimate(
        kg_out, loads["mass_in_kg"].to_numpy(), "-", "blocks out / alloy in, over furnace loads"
    )
    out["sinter_time_h"] = _mean_estimate(loads["soak_h"].to_numpy(), "h", "furnace loads' soak")
    out["hcj_ka_per_m"] = _mean_estimate(
        loads["hcj_ka_per_m"].to_numpy(), "kA/m", "furnace loads' Hcj"
    )
    return out


def _magnetizing(data):
    lots = _props(data.lots_of("magnetized"), "br_mean_t", "br_p10_t", "pass_fraction").filter(
        pl.col("parts") > 0
    )
    out: dict[str, Estimate | None] = {
        "magnetizer_field_t": _signal_estimate(
            data, ".PeakField", "T", "peak field of the pulses", keep=pl.col("value") > 0.5
        ),
        "pulses_per_h": _pulse_rate(data),
    }
    if lots.height == 0:
        return out
    parts = lots["parts"].to_numpy().astype(float)
    out["part_mass_kg"] = _ratio_estimate(
        lots["mass_in_kg"].to_numpy(), parts, "kg", "magnetized mass / parts"
    )
    out["pass_fraction"] = _ratio_estimate(
        lots["mass_out_kg"].to_numpy(),
        lots["mass_in_kg"].to_numpy(),
        "-",
        "magnets meeting the grade / magnetized",
    )
    br = lots["br_mean_t"].to_numpy()
    within = (br - lots["br_p10_t"].to_numpy()) / 1.2815515655446004
    mean_br = float(np.average(br, weights=parts))
    out["br_t"] = Estimate(
        mean_br, _daily_sd(lots, "br_mean_t"), "T", int(lots.height), "magnetized lots' mean Br"
    )
    between = float(np.var(br, ddof=1)) if br.size > 1 else 0.0
    out["br_part_sd_t"] = Estimate(
        math.sqrt(float(np.average(within**2, weights=parts)) + between),
        math.nan,
        "T",
        int(lots.height),
        "part-to-part Br spread: within lots and between lot means",
    )
    out["good_magnets_kg_per_day"] = Estimate(
        float(lots["mass_out_kg"].sum() / data.days),
        math.nan,
        "kg/d",
        int(lots.height),
        "magnets meeting the grade per day over the window",
    )
    out["br_threshold_t"] = _grade_threshold(br, within, lots["pass_fraction"].to_numpy())
    return out


def _anneal(data, blocks_per_load: Estimate | None):
    """Anneal rate while running: the largest batch seen × blocks per load / median cycle.

    The anneal's ``LotId`` names the furnace loads of its batch (comma-separated) from
    start to end of a cycle, and is empty between cycles; batches run part-full when few
    loads wait, so the largest batch is the furnace's size.
    """
    ids = data.texts.filter(pl.col("tag").str.contains(r"\.Anneal\d+\.LotId$")).sort("tag", "time")
    if ids.height < 2 or blocks_per_load is None:
        return {}
    cycles = ids.with_columns(
        (pl.col("time").shift(-1).over("tag") - pl.col("time")).dt.total_seconds().alias("s"),
        pl.col("value").str.split(",").list.len().alias("loads"),
    ).filter((pl.col("value") != "") & pl.col("s").is_not_null())
    if cycles.is_empty():
        return {}
    cycle_h = float(cycles["s"].median()) / 3600.0
    units = ids["tag"].n_unique()
    batch = int(cycles["loads"].max())
    rate = units * batch * blocks_per_load.value / cycle_h
    return {
        "anneal_kg_per_h": Estimate(
            rate,
            rate * blocks_per_load.relative_sd(),
            "kg/h",
            int(cycles.height),
            f"{units} anneal(s) × {batch} loads × blocks per load / median cycle",
        )
    }


def _backlog(data) -> Estimate:
    """Sintered blocks waiting for the anneal and the magnetizer beyond the usual [kg].

    The genealogy says exactly which furnace loads no magnetized lot names as parent yet.
    Some always wait (anneal batches, the load being magnetized): the twin's own pipeline
    holds that much. What counts is the excess at the end of the window over the median
    of the same measure at the end of each day before (a queue left by a breakdown).
    """
    loads = data.lots_of("furnace_load").select("lot_id", "end", "mass_out_kg")
    magnetized = data.lots_of("magnetized").select("end", "parents").explode("parents")
    if loads.is_empty():
        return Estimate(0.0, math.nan, "kg", 0, "no furnace loads")
    days = math.floor(data.days)
    moments = [data.start + timedelta(days=d) for d in range(1, days + 1)]
    if not moments or moments[-1] < data.end:
        moments.append(data.end)
    waiting = [_waiting_kg(loads, magnetized, t) for t in moments]
    usual = float(np.median(waiting[:-1])) if len(waiting) > 1 else 0.0
    excess = max(0.0, waiting[-1] - usual)
    return Estimate(
        excess,
        math.nan,
        "kg",
        len(waiting),
        f"blocks waiting at the end, {waiting[-1]:.0f} kg, beyond the usual {usual:.0f} kg",
    )


def _waiting_kg(loads: pl.DataFrame, magnetized: pl.DataFrame, moment) -> float:
    done = magnetized.filter(pl.col("end") <= moment)["parents"].to_list()
    finished = loads.filter((pl.col("end") <= moment) & ~pl.col("lot_id").is_in(done))
    return float(finished["mass_out_kg"].sum())


def _daily_sd(lots: pl.DataFrame, column: str) -> float:
    """Standard deviation of a day's mean of a lot property.

    The larger of the observed spread of daily means and the lots' spread over the lots a
    day holds: with only a few days the first can be small by chance.
    """
    daily = lots.group_by_dynamic("end", every="1d").agg(pl.col(column).mean(), pl.len())
    daily = daily.drop_nulls(column)
    if daily.height < 2:
        return math.nan
    observed = float(np.std(daily[column].to_numpy(), ddof=1))
    per_lot = float(np.std(lots[column].to_numpy(), ddof=1))
    return max(observed, per_lot / math.sqrt(float(daily["len"].mean())))


def _grade_threshold(br, sd, passed) -> Estimate | None:
    """Br below which parts fail, from lots where some but not all parts passed.

    With parts normal within a lot, the threshold x satisfies Φ((x − mean)/sd) = 1 − pass.
    """
    from scipy.stats import norm

    ok = (passed > 0.005) & (passed < 0.995) & (sd > 0)
    if not ok.any():
        return None
    x = br[ok] + sd[ok] * norm.ppf(1.0 - passed[ok])
    return _mean_estimate(x, "T", "Br where the pass fraction of lots says parts fail")


def _pulse_rate(data) -> Estimate | None:
    """Magnetizer pulses per running hour, from the pulse counter's increments."""
    counts = values_while(data, ".PulseCount", "State", _RUNNING).sort("equipment", "time")
    if counts.height < 2:
        return None
    steps = counts.with_columns(
        pl.col("value").diff().over("equipment").alias("pulses"),
        pl.col("time").diff().over("equipment").dt.total_seconds().alias("dt_s"),
    ).filter((pl.col("pulses") > 0) & (pl.col("dt_s") > 0) & (pl.col("dt_s") < 600))
    if steps.is_empty():
        return None
    rate = steps["pulses"].sum() / steps["dt_s"].sum() * 3600.0
    return Estimate(
        float(rate), math.nan, "1/h", int(steps.height), "pulses per hour while pulsing"
    )


