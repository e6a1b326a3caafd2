"""The twin's line model written per sample in plain Python, for the speed benchmark only.

Same equations and the same daily stepping as ``twin`` (quality, separation, stage chain,
failures and repairs, learning, delays, export stops), one sample at a time with floats,
lists and deques, written the way a careful engineer would without NumPy. Per-sample
parameter values come from ``twin.sampling`` so both models see the same inputs; the
failure and stop times come from Python's ``random`` (statistically the same, not the same
draws), so the benchmark compares distributions, not sample by sample.
"""

import math
import random
from collections import deque

from twin import constants as c
from twin.grades import parse_grade
from twin.metallurgy import metal_fraction_nd2o3, metal_fraction_pr6o11

R_GAS = 8.314462618
T_PER_YR = 1000.0 / 365.0
LEARNING_STEP_DAYS = 7
ND_IN_OXIDE, PR_IN_OXIDE = metal_fraction_nd2o3(), metal_fraction_pr6o11()


def _arrhenius(temp_c, q_kj, ref_c):
    return math.exp(-q_kj * 1000.0 / R_GAS * (1.0 / (temp_c + 273.15) - 1.0 / (ref_c + 273.15)))


def _sintered(p, temp, oxygen):
    ref = p["sinter_ref_temp_c"]
    k_dens = (
        p["densification_rate_per_h"]
        * _arrhenius(temp, p["densification_activation_kj_per_mol"], ref)
        * math.exp(-(oxygen - p["oxygen_ref_ppm"]) / p["densification_oxygen_scale_ppm"])
    )
    rho_max = p["max_density"]
    rho = rho_max - (rho_max - p["green_density"]) * math.exp(-k_dens * p["sinter_time_h"])
    k_grain = p["grain_growth_um2_per_h"] * _arrhenius(
        temp, p["grain_growth_activation_kj_per_mol"], ref
    )
    d0 = p["grain_initial_ratio"] * p["particle_size_um"]
    grain = math.sqrt(d0 * d0 + k_grain * p["sinter_time_h"])
    dose = k_grain * p["sinter_time_h"]
    z = (math.log(dose) - math.log(p["abnormal_critical_dose_um2"])) / p["abnormal_width"]
    abnormal = 1.0 / (1.0 + math.exp(-z))
    return rho, grain * (1.0 + abnormal * (p["abnormal_grain_ratio"] - 1.0))


def _properties(p, temp, oxygen, js, ha, nonmag):
    rho, grain = _sintered(p, temp, oxygen)
    b = p["align_field_t"]
    cos = p["align_cos_max"] - (p["align_cos_max"] - 0.5) * math.exp(-b / p["align_field_scale_t"])
    br = js * (1.0 - nonmag) * rho * cos
    alpha = (
        p["alpha_ref"]
        - p["alpha_grain_slope"] * math.log((grain / p["grain_ref_um"]) ** 2)
        - p["alpha_oxygen_slope"] * (oxygen - p["oxygen_ref_ppm"]) / 1000.0
    )
    za = (p["anneal_temp_c"] - p["anneal_optimum_c"]) / p["anneal_width_c"]
    alpha *= 1.0 + p["anneal_gain"] * math.exp(-za * za)
    return br, max(alpha * ha - p["n_eff"] * js, 0.0), rho


def _phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def quality(p, grade):
    """Grade share and properties of one sample's magnets."""
    oxygen = p["oxygen_base_ppm"] + p["oxygen_surface_ppm"] * (
        p["particle_size_ref_um"] / p["particle_size_um"]
    )
    light = (p["re_wt_fraction"] - p["dy_wt_fraction"] - p["tb_wt_fraction"]) / 144.242
    dy, tb = p["dy_wt_fraction"] / 162.5, p["tb_wt_fraction"] / 158.925
    dy, tb = dy / (light + dy + tb), tb / (light + dy + tb)
    js = (1 - dy - tb) * c.JS_ND2FE14B_T + dy * c.JS_DY2FE14B_T + tb * c.JS_TB2FE14B_T
    ha = (1 - dy - tb) * c.HA_ND2FE14B_T + dy * c.HA_DY2FE14B_T + tb * c.HA_TB2FE14B_T
    excess = max(p["re_wt_fraction"] - c.RE_STOICHIOMETRIC_WT_FRACTION, 0.0)
    nonmag = p["nonmagnetic_base"] + excess / 0.9 + c.ND2O3_PER_O * oxygen * 1e-6
    temp = p["sinter_temp_c"]
    br, hcj, rho = _properties(p, temp, oxygen, js, ha, nonmag)
    step = max(p["furnace_temp_sd_c"], 1e-6)
    br_hi, hcj_hi, _ = _properties(p, temp + step, oxygen, js, ha, nonmag)
    br_lo, hcj_lo, _ = _properties(p, temp - step, oxygen, js, ha, nonmag)
    br_sd = math.hypot((br_hi - br_lo) / 2.0, p["br_cv"] * br)
    hcj_sd = math.hypot((hcj_hi - hcj_lo) / 2.0, p["hcj_cv"] * hcj)
    js_magnet = js * (1.0 - nonmag) * rho
    to_ka = 1.0 / c.MU0_T_M_PER_A / 1000.0
    share = 0.0
    for weight, factor in ((1.0 - p["remagnetized_share"], 2.0), (p["remagnetized_share"], 3.0)):
        h = min(max(p["magnetizer_field_t"] / (factor * js_magnet), 0.0), 1.0)
        m = 1.0 - (1.0 - h) ** 2
        z_br = (br * m - grade.br_min_t) / max(br_sd * m, 1e-300)
        z_h = (hcj * m * m * to_ka - grade.hcj_min_ka_per_m) / max(hcj_sd * m * m * to_ka, 1e-300)
        share += weight * _phi(z_br) * _phi(z_h)
    return share, br


def _kremser(e, n):
    if abs(e - 1.0) < 1e-9:
        return 1.0 / (n + 1.0)
    try:
        return (e - 1.0) / (e ** (n + 1.0) - 1.0)
    except OverflowError:
        return 0.0


def _split(e, e_scrub, n_ext, n_scrub):
    phi = _kremser(e, n_ext)
    psi = _kremser(1.0 / e_scrub, n_scrub)
    return (1.0 - phi) * psi / (1.0 - (1.0 - phi) * (1.0 - psi))


def purity(p):
    """Nd product purity of one sample's cascade."""
    eff = p["sx_murphree_efficiency"]
    n_e, n_s = p["sx_extraction_stages"] * eff, p["sx_scrub_stages"] * eff
    e, f, beta = (
        p["sx_extraction_factor_nd"],
        p["sx_scrub_flow_fraction"],
        p["sx_separation_factor"],
    )
    nd = _split(e, e / f, n_e, n_s)
    pr = _split(e / beta, e / beta / f, n_e, n_s)
    x = p["feed_nd_fraction"]
    return x * nd / (x * nd + (1 - x) * pr)


def _stage(cap, y, mtbf=math.inf, mttr=1.0, delay=1, y0=None, ramps=True, gated=False, bpo=0.0):
    return {
        "cap": cap,
        "y": y,
        "y0": y if y0 is None else y0,
        "mtbf": mtbf,
        "mttr": mttr,
        "delay": max(round(delay), 1),
        "learns": y0 is not None,
        "ramps": ramps,
        "gated": gated,
        "bpo": bpo,
    }


def stages(route, p, share):
    """The route's stage chain for one sample (same as ``twin.routes``)."""
    metal = p["feed_nd_fraction"] * ND_IN_OXIDE + (1 - p["feed_nd_fraction"]) * PR_IN_OXIDE
    apm = 1.0 / (p["re_wt_fraction"] - p["dy_wt_fraction"] - p["tb_wt_fraction"])
    sx = _stage(
        p["sx_capacity_t_per_yr"] * T_PER_YR * p["sx_re_recovery"],
        p["sx_re_recovery"],
        p["sx_mtbf_days"],
        p["sx_mttr_days"],
        p["sx_residence_days"],
        ramps=False,
    )
    if route == "tolled":
        per_oxide = metal * p["metal_recovery"] * apm * p["powder_yield"] * p["sinter_yield"]
        blocks_per_finished = 1.0 / max(p["machining_yield"] * share, 1e-12)
        per_oxide *= p["machining_yield"] * share
        leg = p["sea_days"] + p["sailing_wait_days"] + p["handling_days"]
        return [
            sx,
            _stage(math.inf, 1.0, delay=leg, ramps=False),
            _stage(
                p["toll_capacity_t_per_yr"] * T_PER_YR * per_oxide,
                per_oxide,
                p["partner_mtbf_days"],
                p["partner_mttr_days"],
                p["conversion_days"],
                bpo=blocks_per_finished,
            ),
            _stage(math.inf, 1.0, delay=leg, ramps=False, gated=True),
        ]
    mill = (p["particle_size_um"] / p["particle_size_ref_um"]) ** p["mill_rate_exponent"]

    def learning(key, cap, y, y0, **kw):
        return _stage(
            cap * T_PER_YR,
            y,
            p[f"{key}_mtbf_days"],
            p[f"{key}_mttr_days"],
            p[f"{key}_days"],
            y0,
            **kw,
        )

    return [
        sx,
        learning(
            "electrolysis",
            p["electrolysis_capacity_t_per_yr"],
            metal * p["metal_recovery"],
            metal * p["metal_recovery_initial"],
        ),
        learning(
            "powder",
            p["powder_capacity_t_per_yr"] * mill,
            apm * p["powder_yield"],
            apm * p["powder_yield_initial"],
        ),
        learning(
            "sinter",
            p["sinter_capacity_t_per_yr"],
            p["sinter_yield"],
            p["sinter_yield_initial"],
            bpo=1.0,
        ),
        learning(
            "machining",
            p["machining_capacity_t_per_yr"],
            p["machining_yield"],
            p["machining_yield_initial"],
        ),
        _stage(
            p["magnetizing_capacity_t_per_yr"] * T_PER_YR,
            share,
            p["magnetizing_mtbf_days"],
            p["magnetizing_mttr_days"],
            p["magnetizing_days"],
        ),
    ]


def _uptime(unit, t0, rnd):
    """Up-time share of day [t0, t0 + 1) for one unit; advances its events."""
    t1 = t0 + 1.0
    if unit["next"] >= t1:
        return 1.0 if unit["up"] else 0.0
    now, up_time = t0, 0.0
    while unit["next"] < t1:
        if unit["up"]:
            up_time += unit["next"] - now
        now = unit["next"]
        unit["up"] = not unit["up"]
        mean = unit["mtbf"] if unit["up"] else unit["mttr"]
        unit["next"] = now + rnd.expovariate(1.0) * mean
    if unit["up"]:
        up_time += t1 - now
    return up_time


def _stops(p, horizon, scenario, rnd):
    windows, end = [], 0.0
    rate = max(p["export_stop_per_yr"], 1e-12) / 365.0
    for _ in range(4):
        begin = end + rnd.expovariate(1.0) / rate
        end = begin + round(p["export_stop_days"])
        if round(begin) < horizon:
            windows.append((round(begin), round(end)))
    if scenario.export_stop_start_day is not None and scenario.export_stop_days > 0:
        windows.append(
            (
                scenario.export_stop_start_day,
                scenario.export_stop_start_day + scenario.export_stop_days,
            )
        )
    return windows


def run_sample(route, p, scenario, rnd):
    """Blocks and finished magnets [kg] over the horizon for one sample."""
    grade = parse_grade(scenario.target_grade)
    share, _ = quality(p, grade)
    purity(p)
    chain = stages(route, p, share)
    horizon = scenario.horizon_days
    young = route == "domestic" and not scenario.mature
    start, ramp_days = (p["ramp_start_fraction"], p["ramp_days"]) if young else (1.0, 1.0)
    if young:
        b, ref, cap0 = (
            math.log2(p["learning_progress_ratio"]),
            p["learning_ref_t"] * 1e3,
            p["learning_capacity_initial"],
        )
    windows = _stops(p, horizon, scenario, rnd) if route == "tolled" else []
    units = []
    for st in chain:
        first = rnd.expovariate(1.0) * st["mtbf"] if st["mtbf"] < math.inf else math.inf
        units.append({"up": True, "next": first, "mtbf": st["mtbf"], "mttr": st["mttr"]})
    pipes = [deque([0.0] * (st["delay"] - 1)) for st in chain]
    buf = [0.0] * len(chain)
    feed = scenario.oxide_t_per_yr * 1000.0 / 365.0
    blocks = finished = 0.0
    ys = [st["y"] for st in chain]
    learned = [1.0] * len(chain)
    for t in range(horizon):
        if young and t % LEARNING_STEP_DAYS == 0:
            progress = 1.0 - math.exp(b * math.log1p(blocks / ref))
            ys = [st["y0"] + (st["y"] - st["y0"]) * progress for st in chain]
            learned = [cap0 + (1 - cap0) * progress if st["learns"] else 1.0 for st in chain]
        installed = min(start + (1.0 - start) * t / ramp_days, 1.0)
        stopped = any(b0 <= t < e0 for b0, e0 in windows)
        buf[0] += feed
        arrivals = []
        for s, st in enumerate(chain):
            cap = st["cap"] * _uptime(units[s], float(t), rnd) * learned[s]
            if st["ramps"]:
                cap *= installed
            if st["gated"] and stopped:
                cap = 0.0
            proc = min(buf[s], cap / ys[s])
            buf[s] -= proc
            pipes[s].append(proc * ys[s])
            arrivals.append(pipes[s].popleft())
        for s, out in enumerate(arrivals):
            blocks += out * chain[s]["bpo"]
            if s + 1 < len(chain):
                buf[s + 1] += out
            else:
                finished += out
    return blocks, finished


def simulate_reference(route, values, scenario, seed=0, count=None):
    """Run ``count`` samples of per-sample ``values`` (dict of arrays) one by one."""
    rnd = random.Random(seed)
    names = list(values)
    n = len(values[names[0]]) if count is None else count
    columns = {k: values[k].tolist() for k in names}
    out = []
    for i in range(n):
        p = {k: columns[k][i] for k in names}
        out.append(run_sample(route, p, scenario, rnd))
    return out
