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

from twin_reference_physics import purity, quality

from twin.grades import parse_grade
from twin.metallurgy import metal_fraction_nd2o3, metal_fraction_pr6o11

T_PER_YR = 1000.0 / 365.0
LEARNING_STEP_DAYS = 7
ND_IN_OXIDE, PR_IN_OXIDE = metal_fraction_nd2o3(), metal_fraction_pr6o11()


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
