"""Per-sample plain-Python physics for the benchmark reference: quality and separation.

The same equations as ``twin.quality``, ``twin.sintering``, ``twin.magnetics`` and
``twin.separation``, one sample at a time with ``math`` instead of NumPy.
"""

import math

from twin import constants as c

R_GAS = 8.314462618


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
