"""The twin's parameter set for the line the data came from.

The domestic route's stage chain stands for the recorded line: separation banks →
metal and alloy (made at once in this plant: no capacity limit) → jet mill and press →
vacuum furnaces → anneal (in the chain's machining slot: yield 1) → magnetizer.
Capacities are the rates the equipment reaches while it runs; failures and repairs come
from the state variables; the young-line learning is switched off (``mature``) because
the line's own output now is the starting point.

Process settings the data measure (powder size and oxygen, aligning field, soak
temperature and time, magnetizing field) enter at their measured means. What the data show
but the physics does not explain (the level and spread of Br and Hcj, the cascade's purity)
is taken up by a closure parameter fitted so that the twin reproduces the measurement:
``nonmagnetic_base`` (Br level; ``align_cos_max`` where the physics falls short even
without a non-magnetic phase), ``br_cv`` (Br spread), ``alpha_ref`` (Hcj level),
``furnace_temp_sd_c`` (bounded by the loads' Hcj spread: thermocouples drift), ``hcj_cv``
(the rest of the spread, from the share of parts that pass the grade) and
``sx_separation_factor`` (purity). The rework share is 0: each part is magnetized once.
The P10/P90 of the level closures are the fits at the measured value ∓ 1.28 of its
day-to-day standard deviation, so the twin's quality band is as wide as the plant's own
variation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import gamma

from twin import metallurgy
from twin.calibration.availability import StageAvailability
from twin.calibration.estimates import Estimate, LineEstimates
from twin.grades import GRADES, parse_grade
from twin.parameters import ParameterSet, entry, get_parameter_set
from twin.quality import magnet_quality
from twin.sampling import Z90, nominal_values
from twin.simulation import separation_performance

__all__ = ["calibrated_parameters", "infer_grade"]

_T_PER_YR_PER_KG_H = 8760.0 / 1000.0  # 1 kg/h all year = 8.76 t/yr
_UNLIMITED_T_PER_YR = 1e6
_NEVER_DAYS = 1e9
_SOURCE = "calibrated"
_CLOSURE_ROUNDS = 4

# twin stage key → stage name in LineEstimates.availability
_STAGE_KEYS = {
    "sx": "separation",
    "powder": "alloy & powder",
    "sinter": "sintering",
    "machining": "anneal",
    "magnetizing": "magnetizing",
}


def _fixed(value, unit, how):
    return entry(value, unit, f"{how} [{_SOURCE}]")


def _uncertain(value, lo, hi, unit, how, low=None, high=None):
    lo, hi = min(lo, value), max(hi, value)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 0:
        return _fixed(value, unit, how)
    return entry(value, unit, f"{how} [{_SOURCE}]", p10=lo, p90=hi, low=low, high=high)


def _from_estimate(est: Estimate, how: str | None = None, scale=1.0, low=None, high=None):
    value = est.value * scale
    sd = est.sd * abs(scale)
    return _uncertain(
        value, value - Z90 * sd, value + Z90 * sd, est.unit, how or est.how, low, high
    )


def _availability_entries(key: str, a: StageAvailability) -> dict:
    """MTBF and MTTR of the equivalent unit with the P10/P90 of their evidence.

    The failure rate's uncertainty is Gamma(evidence, exposure), the stage's failures plus
    the plant's pooled weight (and alike for repairs), so the P10/P90 of MTBF are its
    value times evidence / Gamma quantiles.
    """
    n = a.evidence
    how = f"{a.units} unit(s), {a.failures} failure(s) in {a.observed_days:.1f} d, pooled"
    spread = n / gamma.ppf([0.9, 0.1], n)
    return {
        f"{key}_mtbf_days": _uncertain(a.mtbf_days, *(a.mtbf_days * spread), "d", how, low=1e-3),
        f"{key}_mttr_days": _uncertain(a.mttr_days, *(a.mttr_days * spread), "d", how, low=1e-4),
    }


def infer_grade(estimates: LineEstimates) -> str:
    """The target grade the line sorts its magnets against.

    The grade whose Br minimum is nearest the Br at which lots start failing; when every
    part passed, the highest grade whose Br minimum lies 2.5 part-to-part standard
    deviations below the mean Br.
    """
    figures = estimates.figures
    if "br_threshold_t" in figures:
        x = figures["br_threshold_t"].value
        return min(GRADES, key=lambda g: abs(GRADES[g][0] - x))
    floor = figures["br_t"].value - 2.5 * figures["br_part_sd_t"].value
    fitting = [g for g in GRADES if GRADES[g][0] <= floor]
    return (
        max(fitting, key=lambda g: GRADES[g][0])
        if fitting
        else min(GRADES, key=lambda g: GRADES[g][0])
    )


def _fit(params: ParameterSet, name: str, grid: np.ndarray, output, targets):
    """Values of ``name`` at which ``output(quality)`` equals each target (grid + interp).

    ``output`` must be monotonic over ``grid``; targets outside its range give the grid's
    end (the physics cannot reach them: noted in the report as a clipped fit).
    """
    v = nominal_values(params, grid.size)
    v[name] = grid
    y = output(v)
    order = np.argsort(y)
    return np.interp(np.asarray(targets, dtype=float), y[order], grid[order])


def _quality(grade):
    def run(v):
        return magnet_quality(v, grade)

    return run


def _effective_furnace_spread(params, q, hcj_spread, out):
    """Lower the furnace temperature spread to what the loads' Hcj spread allows.

    Thermocouples drift, so the spread of measured soak temperatures overstates the true
    one; the loads' Hcj, measured on the parts, bounds it: the temperature spread alone
    must not make the twin's Hcj vary more than the loads do.
    """
    v = nominal_values(params, 1)
    v["hcj_cv"] = np.zeros(1)
    if float(q(v)["hcj_part_sd_ka_per_m"][0]) <= hcj_spread:
        return params
    measured = params["furnace_temp_sd_c"]["value"]
    zero_cv = params.with_entries({"hcj_cv": _fixed(0.0, "-", "fit")})
    sd = _fit(
        zero_cv,
        "furnace_temp_sd_c",
        np.linspace(0.0, measured, 401),
        lambda v: q(v)["hcj_part_sd_ka_per_m"],
        [hcj_spread],
    )[0]
    out["furnace_temp_sd_c"] = _fixed(
        sd, "°C", f"effective: thermocouples read {measured:.1f}, loads' Hcj allow {sd:.1f}"
    )
    return params.with_entries({"furnace_temp_sd_c": out["furnace_temp_sd_c"]})


def _fit_pass_share(params, q, share, grade, out):
    """The Hcj spread besides the furnaces' (``hcj_cv``) that gives the plant's pass share.

    Br's level and spread are fitted already; what the grade test adds is Hcj against its
    floor. When no ``hcj_cv`` reaches the share, the furnaces' spread is what moves it.
    """
    grid = np.linspace(0.0, 0.3, 601)
    v = nominal_values(params, grid.size)
    v["hcj_cv"] = grid
    shares = q(v)["grade_share"]
    how = f"fits the share of parts meeting {grade}: {share:.4f}"
    if shares.min() <= share <= shares.max():
        cv = _fit(params, "hcj_cv", grid, lambda v: q(v)["grade_share"], [share])[0]
        out["hcj_cv"] = _fixed(cv, "-", how)
        return params.with_entries({"hcj_cv": out["hcj_cv"]})
    zero_cv = params.with_entries({"hcj_cv": _fixed(0.0, "-", "fit")})
    sd = _fit(
        zero_cv,
        "furnace_temp_sd_c",
        np.linspace(0.0, 60.0, 601),
        lambda v: q(v)["grade_share"],
        [share],
    )[0]
    out["hcj_cv"] = _fixed(0.0, "-", "the pass share leaves no spread beyond the furnaces'")
    out["furnace_temp_sd_c"] = _fixed(sd, "°C", f"effective: {how}")
    return zero_cv.with_entries({"furnace_temp_sd_c": out["furnace_temp_sd_c"]})


def _fit_br_level(params, q, br, out):
    """``nonmagnetic_base`` at the measured Br ∓ its day-to-day spread; where even no
    non-magnetic phase leaves the twin short of the measured Br, the alignment ceiling
    ``align_cos_max`` rises instead (up to perfect alignment)."""
    br_sd = br.sd if math.isfinite(br.sd) else 0.0
    targets = [br.value - Z90 * br_sd, br.value, br.value + Z90 * br_sd]
    how = f"fits Br {br.value:.4f} T ± {br_sd:.4f} (daily)"
    v = nominal_values(params, 1)
    v["nonmagnetic_base"] = np.zeros(1)
    if float(q(v)["br_t"][0]) < targets[-1]:
        base = params.with_entries({"nonmagnetic_base": _fixed(0.0, "-", "fit")})
        lo, mid, hi = _fit(
            base, "align_cos_max", np.linspace(0.9, 1.0, 1001), lambda v: q(v)["br_t"], targets
        )
        out["nonmagnetic_base"] = _fixed(0.0, "-", "none needed: " + how)
        out["align_cos_max"] = _uncertain(mid, lo, hi, "-", how, low=0.5, high=1.0)
        return base.with_entries({"align_cos_max": _fixed(mid, "-", "fit")})
    lo, mid, hi = _fit(
        params, "nonmagnetic_base", np.linspace(0.0, 0.3, 601), lambda v: q(v)["br_t"], targets
    )
    out["nonmagnetic_base"] = _uncertain(mid, min(lo, hi), max(lo, hi), "-", how, low=0.0)
    return params.with_entries({"nonmagnetic_base": _fixed(mid, "-", "fit")})


def _closure_entries(params: ParameterSet, est: LineEstimates, grade: str) -> dict:
    """Fitted closure parameters (see the module docstring), in the order they depend on
    each other: Br level and spread, Hcj level, the furnaces' spread, the pass share."""
    q = _quality(parse_grade(grade))
    f = est.figures
    out = {"remagnetized_share": _fixed(0.0, "-", "each part is magnetized once on this line")}
    params = params.with_entries(out)
    params = _fit_br_level(params, q, f["br_t"], out)
    if "br_part_sd_t" in f:
        target = f["br_part_sd_t"].value
        grid = np.linspace(0.0, 0.05, 501)
        cv = _fit(params, "br_cv", grid, lambda v: q(v)["br_part_sd_t"], [target])[0]
        out["br_cv"] = _fixed(cv, "-", f"fits part Br spread {target:.4f} T")
        params = params.with_entries({"br_cv": out["br_cv"]})
    if "hcj_ka_per_m" in f:
        hcj = f["hcj_ka_per_m"]
        # the plant sorts parts by the Hcj its loads measure: the twin's magnet must have it
        targets = [hcj.value - Z90 * hcj.sd, hcj.value, hcj.value + Z90 * hcj.sd]
        grid = np.linspace(0.05, 0.95, 901)
        lo, mid, hi = _fit(params, "alpha_ref", grid, lambda v: q(v)["hcj_ka_per_m"], targets)
        out["alpha_ref"] = _uncertain(
            mid, min(lo, hi), max(lo, hi), "-", f"fits Hcj {hcj.value:.1f} kA/m", low=0.01
        )
        params = params.with_entries({"alpha_ref": _fixed(mid, "-", "fit")})
        spread = hcj.sd * math.sqrt(hcj.n) if math.isfinite(hcj.sd) else 0.0
        params = _effective_furnace_spread(params, q, spread, out)
    if "pass_fraction" in f:
        params = _fit_pass_share(params, q, f["pass_fraction"].value, grade, out)
    if "nd_purity" in f:
        beta = _fit(
            params,
            "sx_separation_factor",
            np.linspace(1.05, 2.5, 291),
            lambda v: separation_performance(v)[0],
            [f["nd_purity"].value],
        )[0]
        out["sx_separation_factor"] = _fixed(
            beta, "-", f"fits oxide purity {100 * f['nd_purity'].value:.3f} %"
        )
    return out


def calibrated_parameters(est: LineEstimates, grade: str, base: str = "domestic"):
    """The calibrated :class:`ParameterSet` and the oxide feed [t/yr] of the line."""
    params = _held_at_central_values(get_parameter_set(base))
    f = est.figures
    entries: dict = {}
    for key, stage in _STAGE_KEYS.items():
        if stage in est.availability:
            entries.update(_availability_entries(key, est.availability[stage]))
    # separation: the banks' rate while running is the feed they take at nameplate
    recovery = (
        f["sx_re_recovery"].value if "sx_re_recovery" in f else params["sx_re_recovery"]["value"]
    )
    feed_t_per_yr = params["sx_capacity_t_per_yr"]["value"]
    if "oxide_kg_per_h_per_bank" in f and "banks" in f:
        rate = f["oxide_kg_per_h_per_bank"]
        feed_t_per_yr = f["banks"].value * rate.value * _T_PER_YR_PER_KG_H / recovery
        entries["sx_capacity_t_per_yr"] = _fixed(feed_t_per_yr, "t oxide/yr", rate.how)
    entries["sx_re_recovery"] = _fixed(recovery, "-", "oxide lots")
    entries["sx_residence_days"] = _fixed(1, "d", "lots close within a day")
    # metal and alloy: made at once, no capacity limit in this plant
    if "metal_per_oxide" in f:
        frac = float(metallurgy.metal_fraction_ndpr_oxide(params["feed_nd_fraction"]["value"]))
        entries["metal_recovery"] = _fixed(
            f["metal_per_oxide"].value / frac, "-", "metal per oxide over alloy lots"
        )
    if "re_wt_fraction" in f:
        entries["re_wt_fraction"] = _fixed(f["re_wt_fraction"].value, "-", f["re_wt_fraction"].how)
    entries.update(_unlimited("electrolysis"))
    entries.update(_unlimited("machining"))
    # the stage after sintering is this line's anneal (no machining): capacity and failures
    entries["machining_yield"] = _fixed(1.0, "-", "the anneal keeps every block")
    if "anneal_kg_per_h" in f:
        entries["machining_capacity_t_per_yr"] = _from_estimate(
            f["anneal_kg_per_h"], scale=_T_PER_YR_PER_KG_H, low=1e-6
        )
    if "anneal" in est.availability:
        entries.update(_availability_entries("machining", est.availability["anneal"]))
    # jet mill and press: output on the alloy basis (what the furnace loads weigh in)
    entries["powder_yield"] = _fixed(1.0, "-", "losses counted in the furnace loads' yield")
    entries["powder_days"] = _fixed(1, "d", "milled and pressed within a day")
    for name in (
        "particle_size_um",
        "align_field_t",
        "magnetizer_field_t",
        "sinter_temp_c",
        "sinter_time_h",
        "furnace_temp_sd_c",
    ):
        if name in f and math.isfinite(f[name].value):
            entries[name] = _fixed(f[name].value, f[name].unit, f[name].how)
    if "oxygen_ppm" in f:
        surface = params["oxygen_surface_ppm"]["value"] * params["particle_size_ref_um"]["value"]
        size = entries.get("particle_size_um", params["particle_size_um"])["value"]
        entries["oxygen_base_ppm"] = _fixed(
            f["oxygen_ppm"].value - surface / size, "ppm", "powder oxygen less the surface share"
        )
    if "mill_kg_per_h" in f:
        size = entries.get("particle_size_um", params["particle_size_um"])["value"]
        mill = (size / params["particle_size_ref_um"]["value"]) ** params["mill_rate_exponent"][
            "value"
        ]
        entries["powder_capacity_t_per_yr"] = _from_estimate(
            f["mill_kg_per_h"], scale=_T_PER_YR_PER_KG_H / mill, low=1e-6
        )
        entries["powder_capacity_t_per_yr"]["unit"] = "t alloy/yr"
    # furnaces: blocks out per hour of cycle, alloy-to-block yield of the loads
    entries["sinter_capacity_t_per_yr"] = _from_estimate(
        f["sinter_capacity_kg_per_h"], scale=_T_PER_YR_PER_KG_H, low=1e-6
    )
    entries["sinter_capacity_t_per_yr"]["unit"] = "t blocks/yr"
    if "alloy_to_blocks_yield" in f:
        entries["sinter_yield"] = _from_estimate(f["alloy_to_blocks_yield"], low=1e-3, high=1.0)
    entries["sinter_days"] = _fixed(
        max(1, round(f["sinter_cycle_h"].value / 24)), "d", "furnace cycle"
    )
    if "pulses_per_h" in f and "part_mass_kg" in f:
        share = f["pass_fraction"].value if "pass_fraction" in f else 1.0
        cap = f["pulses_per_h"].value * f["part_mass_kg"].value * share * _T_PER_YR_PER_KG_H
        entries["magnetizing_capacity_t_per_yr"] = _fixed(
            cap, "t magnets/yr", "pulses per hour × part mass"
        )
    entries["magnetizing_days"] = _fixed(1, "d", "magnetized within a day")
    for name, value in entries.items():
        if name in params and "unit" in params[name] and value["unit"] != params[name]["unit"]:
            value["unit"] = params[name]["unit"]
    calibrated = params.with_entries(entries)
    # the closures depend on each other (the furnace spread moves Br's spread, Br the grade
    # share): a few rounds reach a fixed point
    closures = {}
    for _ in range(_CLOSURE_ROUNDS):
        start = calibrated.with_entries(
            {k: _fixed(v["value"], v["unit"], "fit") for k, v in closures.items()}
        )
        closures = {**closures, **_closure_entries(start, est, grade)}
    calibrated = calibrated.with_entries(closures)
    return ParameterSet(f"calibrated-{base}", calibrated.route, calibrated.entries), feed_t_per_yr


def _held_at_central_values(params: ParameterSet) -> ParameterSet:
    """The set with every prior uncertainty removed.

    The closure fits are made at central values and absorb what the priors left open;
    sampling the priors again around them would count that uncertainty twice.
    """
    fixed = {}
    for name, spec in params.entries.items():
        if "p10" in spec:
            fixed[name] = {k: v for k, v in spec.items() if k not in ("p10", "p90")}
    return params.with_entries(fixed)


def _unlimited(key: str) -> dict:
    return {
        f"{key}_capacity_t_per_yr": _fixed(_UNLIMITED_T_PER_YR, "t/yr", "not a limit on this line"),
        f"{key}_mtbf_days": _fixed(_NEVER_DAYS, "d", "not modelled as equipment"),
        f"{key}_mttr_days": _fixed(1.0, "d", "not modelled as equipment"),
        f"{key}_days": _fixed(1, "d", "within a day"),
    }
